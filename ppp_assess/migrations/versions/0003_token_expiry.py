"""API tokens expire

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ppp_assess.models.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tokens made before tokens expired get the default lifetime from their creation.
DEFAULT_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', ppp_assess.models.base.UTCDateTime(),
                                      nullable=True))
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer()),
                      sa.column('created_at', ppp_assess.models.base.UTCDateTime()),
                      sa.column('expires_at', ppp_assess.models.base.UTCDateTime()))
    connection = op.get_bind()
    for token_id, created in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        connection.execute(tokens.update().where(tokens.c.id == token_id).values(
            expires_at=created + dt.timedelta(days=DEFAULT_DAYS)))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=ppp_assess.models.base.UTCDateTime(),
                              nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
