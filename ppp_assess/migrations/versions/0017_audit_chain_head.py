"""The audit chain's head read under its lock in one call (PostgreSQL)

Revision ID: 0017_audit_chain_head
Revises: 0016_peer_keys
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0017_audit_chain_head'
down_revision: str | None = '0016_peer_keys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: VOLATILE, so that its SELECT takes a snapshot of its own after the lock is granted and
#: sees an event that the lock's previous holder committed meanwhile. (A single statement
#: that took the lock and read the head would read with the snapshot it started with.)
_CREATE = """
CREATE FUNCTION audit_chain_head(lock_key bigint)
RETURNS TABLE (sequence integer, hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT e.sequence, e.hash::varchar FROM audit_events AS e
        ORDER BY e.sequence DESC LIMIT 1;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION audit_chain_head(bigint)')
