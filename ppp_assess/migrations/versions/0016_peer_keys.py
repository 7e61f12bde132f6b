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

    with op.batch_alter_table('peer_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_peer_scores_sector_organisations')
        batch_op.drop_index('ix_peer_scores_organisations')
        batch_op.drop_index('ix_peer_scores_sector')
        batch_op.drop_index('ix_peer_scores_group')
        batch_op.add_column(sa.Column('key_id', sa.Integer(), nullable=True))
    matches = ' AND '.join(f"k.{column} = peer_scores.{column}" for column in _KEY_COLUMNS)
    op.execute(f"UPDATE peer_scores SET key_id = (SELECT k.id FROM peer_keys k WHERE {matches})")

    with op.batch_alter_table('peer_scores', schema=None) as batch_op:
        batch_op.alter_column('key_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('pk_peer_scores', type_='primary')
        batch_op.create_primary_key('pk_peer_scores', ['assessment_id', 'key_id'])
        batch_op.create_foreign_key(batch_op.f('fk_peer_scores_key_id_peer_keys'),
                                    'peer_keys', ['key_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_peer_scores_subjecttype'), type_='check')
        for column in _KEY_COLUMNS:
            batch_op.drop_column(column)
        batch_op.create_index('ix_peer_scores_group', ['key_id', 'score', 'organisation_id'],
                              unique=False)
        batch_op.create_index('ix_peer_scores_sector',
                              ['key_id', 'sector', 'score', 'organisation_id'], unique=False)
        batch_op.create_index('ix_peer_scores_organisations', ['key_id', 'organisation_id'],
                              unique=False)
        batch_op.create_index('ix_peer_scores_sector_organisations',
                              ['key_id', 'sector', 'organisation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('peer_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_peer_scores_sector_organisations')
        batch_op.drop_index('ix_peer_scores_organisations')
        batch_op.drop_index('ix_peer_scores_sector')
        batch_op.drop_index('ix_peer_scores_group')
        batch_op.add_column(sa.Column('section_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('questionnaire_id', sa.String(length=100),
                                      nullable=True))
        batch_op.add_column(sa.Column('major', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject_type', sa.String(length=32), nullable=True))
    op.execute("UPDATE peer_scores SET " + ', '.join(
        f"{column} = (SELECT k.{column} FROM peer_keys k WHERE k.id = peer_scores.key_id)"
        for column in _KEY_COLUMNS))

    with op.batch_alter_table('peer_scores', schema=None) as batch_op:
        batch_op.alter_column('section_key', existing_type=sa.String(length=100),
                              nullable=False)
        batch_op.alter_column('questionnaire_id', existing_type=sa.String(length=100),
                              nullable=False)
        batch_op.alter_column('major', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('subject_type', existing_type=sa.String(length=32),
                              nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_peer_scores_subjecttype'),
                                         "subject_type IN ('organisation', 'project')")
        batch_op.drop_constraint('pk_peer_scores', type_='primary')
        batch_op.create_primary_key('pk_peer_scores', ['assessment_id', 'section_key'])
        batch_op.drop_constraint(batch_op.f('fk_peer_scores_key_id_peer_keys'),
                                 type_='foreignkey')
        batch_op.drop_column('key_id')
        batch_op.create_index('ix_peer_scores_group', ['questionnaire_id', 'major',
                                                       'subject_type', 'section_key', 'score',
                                                       'organisation_id'], unique=False)
        batch_op.create_index('ix_peer_scores_sector', ['questionnaire_id', 'major',
                                                        'subject_type', 'sector',
                                                        'section_key', 'score',
                                                        'organisation_id'], unique=False)
        batch_op.create_index('ix_peer_scores_organisations', ['questionnaire_id', 'major',
                                                               'subject_type', 'section_key',
                                                               'organisation_id'], unique=False)
        batch_op.create_index('ix_peer_scores_sector_organisations',
                              ['questionnaire_id', 'major', 'subject_type', 'sector',
                               'section_key', 'organisation_id'], unique=False)
    op.drop_table('peer_keys')
