"""evidence documents attached to answers

Revision ID: 0006_evidence
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ppp_assess.models.base

revision: str = '0006_evidence'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evidence_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', ppp_assess.models.base.UTCDateTime(), nullable=False),
    sa.Column('verdict', sa.Enum('accepted', 'insufficient', name='verdict', native_enum=False,
                                 create_constraint=True, length=32), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', ppp_assess.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'],
                            name=op.f('fk_evidence_documents_assessment_id_assessments'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'],
                            name=op.f('fk_evidence_documents_reviewed_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                            name=op.f('fk_evidence_documents_uploaded_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_documents'))
    )
    with op.batch_alter_table('evidence_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_documents_assessment_id'),
                              ['assessment_id'], unique=False)
        batch_op.create_index('ix_evidence_documents_question',
                              ['assessment_id', 'question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_documents_sha256'), ['sha256'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('evidence_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_documents_sha256'))
        batch_op.drop_index('ix_evidence_documents_question')
        batch_op.drop_index(batch_op.f('ix_evidence_documents_assessment_id'))
    op.drop_table('evidence_documents')
