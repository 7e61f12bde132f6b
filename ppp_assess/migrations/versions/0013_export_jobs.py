"""Exports prepared in the background, with their progress

Revision ID: 0013_export_jobs
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ppp_assess.models.base

revision: str = '0013_export_jobs'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('file_format', sa.String(length=10), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
        sa.Column('filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('stored_name', sa.String(length=100), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', ppp_assess.models.base.UTCDateTime(), nullable=False),
        sa.Column('started_at', ppp_assess.models.base.UTCDateTime(), nullable=True),
        sa.Column('finished_at', ppp_assess.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'],
                                name=op.f('fk_export_jobs_questionnaire_version_id_questionnaire_versions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_export_jobs_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs')),
    )
    op.create_index('ix_export_jobs_user', 'export_jobs', ['user_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_export_jobs_user', table_name='export_jobs')
    op.drop_table('export_jobs')
