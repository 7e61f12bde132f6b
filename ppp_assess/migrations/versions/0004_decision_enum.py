"""review decisions stored through the Decision enum

The column keeps its values ("approve", "return"); it takes the length every enum
column has, and its CHECK constraint is named after the enum like the others.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = sa.Enum('approve', 'return', name='review_decision', native_enum=False,
                  create_constraint=True, length=16)
_AFTER = sa.Enum('approve', 'return', name='decision', native_enum=False,
                 create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.alter_column('decision', existing_type=_BEFORE, type_=_AFTER,
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.alter_column('decision', existing_type=_AFTER, type_=_BEFORE,
                              existing_nullable=False)
