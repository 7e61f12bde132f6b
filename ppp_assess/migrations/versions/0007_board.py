"""review board: panels, recommendations, deadlines, declared interests

Existing assignments are the reviewers who took an assessment alone: they become its
lead, active until the decision (the status of decided ones is not needed by anything).

Revision ID: 0007_board
Revises: 0006_evidence
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import ppp_assess.models.base

revision: str = '0007_board'
down_revision: str | None = '0006_evidence'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLE = sa.Enum('lead', 'member', name='assignmentrole', native_enum=False,
                create_constraint=True, length=32)
_STATUS = sa.Enum('active', 'declined', 'recommended', 'closed', name='assignmentstatus',
                  native_enum=False, create_constraint=True, length=32)
_RECOMMENDATION = sa.Enum('approve', 'return', name='recommendation', native_enum=False,
                          create_constraint=True, length=32)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
_TIME = ppp_assess.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table('review_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
    sa.Column('panel_size', sa.Integer(), nullable=False),
    sa.Column('chair_decides', sa.Boolean(), nullable=False),
    sa.Column('deadline_days', sa.Integer(), nullable=True),
    sa.Column('remind_days_before', sa.Integer(), nullable=False),
    sa.Column('same_country_conflict', sa.Boolean(), nullable=False),
    sa.Column('show_reviewer_names', sa.Boolean(), nullable=False),
    sa.Column('updated_at', _TIME(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_settings')),
    sa.UniqueConstraint('questionnaire_id', name=op.f('uq_review_settings_questionnaire_id'))
    )
    op.create_table('reviewer_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', _TIME(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_reviewer_interests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviewer_interests_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewer_interests'))
    )
    with op.batch_alter_table('reviewer_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewer_interests_reviewer_id'), ['reviewer_id'], unique=False)

    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', _ROLE, nullable=False, server_default='lead'))
        batch_op.add_column(sa.Column('state', _STATUS, nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('assigned_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_at', _TIME(), nullable=True))
        batch_op.add_column(sa.Column('declined_at', _TIME(), nullable=True))
        batch_op.add_column(sa.Column('decline_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recommendation', _RECOMMENDATION, nullable=True))
        batch_op.add_column(sa.Column('recommendation_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recommended_at', _TIME(), nullable=True))
        batch_op.add_column(sa.Column('reminded_before_at', _TIME(), nullable=True))
        batch_op.add_column(sa.Column('reminded_after_at', _TIME(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review_assignments_assigned_by_id_users'), 'users', ['assigned_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_review_assignments_reviewer', ['reviewer_id', 'state'], unique=False)
    # The defaults only filled the existing rows; new rows get theirs from the code.
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_ROLE, existing_nullable=False, server_default=None)
        batch_op.alter_column('state', existing_type=_STATUS, existing_nullable=False, server_default=None)

    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommendations', _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.drop_column('recommendations')

    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_review_assignments_reviewer')
        batch_op.drop_constraint(batch_op.f('fk_review_assignments_assigned_by_id_users'), type_='foreignkey')
        for enum_name in ('assignmentrole', 'assignmentstatus', 'recommendation'):
            batch_op.drop_constraint(batch_op.f(f'ck_review_assignments_{enum_name}'), type_='check')
        for column in ('reminded_after_at', 'reminded_before_at', 'recommended_at',
                       'recommendation_reason', 'recommendation', 'decline_reason',
                       'declined_at', 'due_at', 'assigned_by_id', 'state', 'role'):
            batch_op.drop_column(column)

    with op.batch_alter_table('reviewer_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewer_interests_reviewer_id'))
    op.drop_table('reviewer_interests')
    op.drop_table('review_settings')
