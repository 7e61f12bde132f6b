"""Current peer results kept with their filter attributes, for peer statistics

Revision ID: 0015_peer_index
Revises: 0014_dashboard_totals
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_peer_index'
down_revision: str | None = '0014_dashboard_totals'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Each subject's latest approved, certified or revoked assessment per questionnaire and
#: major version (the same ranking as ppp_assess.services.benchmarks.peer_index).
_CURRENT = (
    "SELECT a.id, a.organisation_id, a.project_id, a.subject_type, a.status, a.score, "
    "v.questionnaire_id, v.major, ROW_NUMBER() OVER (PARTITION BY v.questionnaire_id, "
    "v.major, a.subject_type, COALESCE(a.project_id, a.organisation_id) ORDER BY "
    "CASE WHEN a.approved_at IS NULL THEN 1 ELSE 0 END, a.approved_at DESC, a.id DESC) "
    "AS position FROM assessments a JOIN questionnaire_versions v "
    "ON v.id = a.questionnaire_version_id "
    "WHERE a.status IN ('approved', 'certified', 'revoked')"
)
_ATTRIBUTES = (
    "c.questionnaire_id, c.major, c.subject_type, c.organisation_id, c.project_id, "
    "p.sector, p.stage, p.contract_type, "
    "CASE WHEN c.subject_type = 'project' THEN p.region ELSE o.region END, "
    "CASE WHEN c.subject_type = 'project' THEN p.country ELSE o.country END"
)
_COLUMNS = ("assessment_id, section_key, score, questionnaire_id, major, subject_type, "
            "organisation_id, project_id, sector, stage, contract_type, region, country")


def upgrade() -> None:
    op.create_table(
        'peer_scores',
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('section_key', sa.String(length=100), nullable=False),
        sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
        sa.Column('major', sa.Integer(), nullable=False),
        sa.Column('subject_type', sa.Enum('organisation', 'project', name='subjecttype',
                                          native_enum=False, create_constraint=True,
                                          length=32), nullable=False),
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
        sa.PrimaryKeyConstraint('assessment_id', 'section_key', name=op.f('pk_peer_scores')),
    )
    with op.batch_alter_table('peer_scores', schema=None) as batch_op:
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
        batch_op.create_index('ix_peer_scores_project_id', ['project_id'], unique=False)
        batch_op.create_index('ix_peer_scores_organisation_id', ['organisation_id'],
                              unique=False)
    _backfill()


def _backfill() -> None:
    joins = (f"FROM ({_CURRENT}) c JOIN organisations o ON o.id = c.organisation_id "
             "LEFT OUTER JOIN projects p ON p.id = c.project_id ")
    current = "c.position = 1 AND c.status <> 'revoked'"
    op.execute(f"INSERT INTO peer_scores ({_COLUMNS}) SELECT c.id, '*', c.score, "
               f"{_ATTRIBUTES} {joins}WHERE {current} AND c.score IS NOT NULL")
    op.execute(f"INSERT INTO peer_scores ({_COLUMNS}) SELECT c.id, s.section_id, s.score, "
               f"{_ATTRIBUTES} {joins}JOIN section_scores s ON s.assessment_id = c.id "
               f"WHERE {current} AND s.score IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('peer_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_peer_scores_organisation_id')
        batch_op.drop_index('ix_peer_scores_project_id')
        batch_op.drop_index('ix_peer_scores_sector_organisations')
        batch_op.drop_index('ix_peer_scores_organisations')
        batch_op.drop_index('ix_peer_scores_sector')
        batch_op.drop_index('ix_peer_scores_group')
    op.drop_table('peer_scores')
