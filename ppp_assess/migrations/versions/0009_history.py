"""Reassessments: the stage and period an assessment describes, the assessment it was
started from, and which answers were carried over and are not yet confirmed

Revision ID: 0009_history
Revises: 0013_export_jobs
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_history'
down_revision: str | None = '0013_export_jobs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('period', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('previous_assessment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assessments_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_previous_assessment_id'),
                              ['previous_assessment_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_assessments_previous_assessment_id_assessments'), 'assessments',
            ['previous_assessment_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('carried')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessments_previous_assessment_id_assessments'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assessments_previous_assessment_id'))
        batch_op.drop_index(batch_op.f('ix_assessments_stage'))
        batch_op.drop_column('previous_assessment_id')
        batch_op.drop_column('period')
        batch_op.drop_column('stage')
