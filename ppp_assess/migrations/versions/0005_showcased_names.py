"""The showcase keeps the names a result was published under

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('showcased_project_name', sa.String(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('showcased_organisation_name', sa.String(length=200),
                                      nullable=True))
    # Results published before: their names as they are now.
    assessments = sa.table('assessments', sa.column('id', sa.Integer()),
                           sa.column('project_id', sa.Integer()),
                           sa.column('organisation_id', sa.Integer()),
                           sa.column('showcased_at', sa.DateTime()),
                           sa.column('showcased_project_name', sa.String()),
                           sa.column('showcased_organisation_name', sa.String()))
    projects = sa.table('projects', sa.column('id', sa.Integer()), sa.column('name', sa.String()))
    organisations = sa.table('organisations', sa.column('id', sa.Integer()),
                             sa.column('name', sa.String()))
    op.execute(assessments.update().where(assessments.c.showcased_at.is_not(None)).values(
        showcased_project_name=sa.select(projects.c.name)
        .where(projects.c.id == assessments.c.project_id).scalar_subquery(),
        showcased_organisation_name=sa.select(organisations.c.name)
        .where(organisations.c.id == assessments.c.organisation_id).scalar_subquery()))


def downgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('showcased_organisation_name')
        batch_op.drop_column('showcased_project_name')
