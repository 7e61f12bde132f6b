"""Peer scores under one integer key, so that the statistics' indexes lead with it

Revision ID: 0016_peer_keys
Revises: 0015_peer_index
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_peer_keys'
down_revision: str | None = '0015_peer_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The columns a peer key stands for, in the order of its unique constraint.
_KEY_COLUMNS = ('questionnaire_id', 'major', 'subject_type', 'section_key')


def _subject_type() -> sa.Enum:
    return sa.Enum('organisation', 'project', name='subjecttype', native_enum=False,
                   create_constraint=True, length=32)


#: What a peer score holds besides its assessment and key.
_ROW_COLUMNS = ('score', 'organisation_id', 'project_id', 'sector', 'stage', 'contract_type',
                'region', 'country')


def _peer_scores(*columns: sa.schema.SchemaItem, primary_key: tuple[str, ...]) -> None:
    """Create ``peer_scores`` with ``columns`` (and constraints) besides those every
    revision has."""
    op.create_table(
        'peer_scores',
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        *columns,
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('sector', sa.String(length=32), nullable=True),
        sa.Column('stage', sa.String(length=32), nullable=True),
        sa.Column('contract_type', sa.String(length=32), nullable=True),
        sa.Column('region', sa.String(length=32), nullable=True),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'],
                                name=op.f('fk_peer_scores_assessment_id_assessments'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint(*primary_key, name=op.f('pk_peer_scores')),
    )


def _copy(select: str, key_columns: Sequence[str]) -> None:
    """Replace ``peer_scores`` by a new table of the rows ``select`` reads from it.

    The rows are copied rather than updated in place: an index built in the transaction
    that updated every row would keep an entry for each old version too (PostgreSQL),
    twice the pages for the statistics to walk.
    """
    op.execute(f"CREATE TABLE peer_scores_copy AS {select}")
    op.drop_table('peer_scores')
    if 'key_id' in key_columns:
        _peer_scores(sa.Column('key_id', sa.Integer(), nullable=False),
                     sa.ForeignKeyConstraint(['key_id'], ['peer_keys.id'],
                                             name=op.f('fk_peer_scores_key_id_peer_keys')),
                     primary_key=('assessment_id', 'key_id'))
    else:
        _peer_scores(sa.Column('section_key', sa.String(length=100), nullable=False),
                     sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
                     sa.Column('major', sa.Integer(), nullable=False),
                     sa.Column('subject_type', _subject_type(), nullable=False),
                     primary_key=('assessment_id', 'section_key'))
    columns = ', '.join(('assessment_id', *key_columns, *_ROW_COLUMNS))
    op.execute(f"INSERT INTO peer_scores ({columns}) SELECT {columns} FROM peer_scores_copy")
    op.drop_table('peer_scores_copy')
    op.create_index('ix_peer_scores_project_id', 'peer_scores', ['project_id'])
    op.create_index('ix_peer_scores_organisation_id', 'peer_scores', ['organisation_id'])


def upgrade() -> None:
    op.create_table(
        'peer_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
        sa.Column('major', sa.Integer(), nullable=False),
        sa.Column('subject_type', _subject_type(), nullable=False),
        sa.Column('section_key', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_keys')),
        sa.UniqueConstraint(*_KEY_COLUMNS, name=op.f(
            'uq_peer_keys_questionnaire_id_major_subject_type_section_key')),
    )
    columns = ', '.join(_KEY_COLUMNS)
    op.execute(f"INSERT INTO peer_keys ({columns}) SELECT DISTINCT {columns} FROM peer_scores")
    matches = ' AND '.join(f"k.{column} = s.{column}" for column in _KEY_COLUMNS)
    rows = ', '.join(f"s.{column}" for column in _ROW_COLUMNS)
    _copy(f"SELECT s.assessment_id, k.id AS key_id, {rows} FROM peer_scores s "
          f"JOIN peer_keys k ON {matches}", ('key_id',))
    op.create_index('ix_peer_scores_group', 'peer_scores',
                    ['key_id', 'score', 'organisation_id'])
    op.create_index('ix_peer_scores_sector', 'peer_scores',
                    ['key_id', 'sector', 'score', 'organisation_id'])
    op.create_index('ix_peer_scores_organisations', 'peer_scores',
                    ['key_id', 'organisation_id'])
    op.create_index('ix_peer_scores_sector_organisations', 'peer_scores',
                    ['key_id', 'sector', 'organisation_id'])


def downgrade() -> None:
    keys = ', '.join(f"k.{column}" for column in _KEY_COLUMNS)
    rows = ', '.join(f"s.{column}" for column in _ROW_COLUMNS)
    _copy(f"SELECT s.assessment_id, {keys}, {rows} FROM peer_scores s "
          "JOIN peer_keys k ON k.id = s.key_id", _KEY_COLUMNS)
    op.create_index('ix_peer_scores_group', 'peer_scores',
                    ['questionnaire_id', 'major', 'subject_type', 'section_key', 'score',
                     'organisation_id'])
    op.create_index('ix_peer_scores_sector', 'peer_scores',
                    ['questionnaire_id', 'major', 'subject_type', 'sector', 'section_key',
                     'score', 'organisation_id'])
    op.create_index('ix_peer_scores_organisations', 'peer_scores',
                    ['questionnaire_id', 'major', 'subject_type', 'section_key',
                     'organisation_id'])
    op.create_index('ix_peer_scores_sector_organisations', 'peer_scores',
                    ['questionnaire_id', 'major', 'subject_type', 'sector', 'section_key',
                     'organisation_id'])
    op.drop_table('peer_keys')
