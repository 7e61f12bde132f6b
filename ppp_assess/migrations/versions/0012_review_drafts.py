"""A reviewer's comments are kept as they are typed, unsent until the decision

Revision ID: 0012_review_drafts
Revises: 0009_history
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_review_drafts'
down_revision: str | None = '0009_history'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('review_comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('review_comments', schema=None) as batch_op:
        batch_op.alter_column('draft', existing_type=sa.Boolean(), existing_nullable=False,
                              server_default=None)


def downgrade() -> None:
    # Unsent comments were never shown to anyone but their author: they go.
    review_comments = sa.table('review_comments', sa.column('draft', sa.Boolean()))
    op.execute(review_comments.delete().where(review_comments.c.draft.is_(True)))
    with op.batch_alter_table('review_comments', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('draft')
