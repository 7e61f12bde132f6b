"""Totals of the decided assessments for the evaluators' dashboard, kept as they are decided

Revision ID: 0014_dashboard_totals
Revises: 0010_question_scores
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_dashboard_totals'
down_revision: str | None = '0010_question_scores'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BINS = 10
POINTS_SCALE = 1_000_000_000
KEY = ('questionnaire_id', 'country', 'region', 'sector', 'stage', 'level')


def upgrade() -> None:
    op.create_table(
        'dashboard_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('region', sa.String(length=32), nullable=True),
        sa.Column('sector', sa.String(length=32), nullable=True),
        sa.Column('stage', sa.String(length=32), nullable=True),
        sa.Column('level', sa.String(length=40), nullable=True),
        sa.Column('assessments', sa.Integer(), nullable=False),
        sa.Column('submitted', sa.Integer(), nullable=False),
        *(sa.Column(f'score_bin_{index}', sa.Integer(), nullable=False) for index in range(BINS)),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_totals')),
    )
    op.create_index('ix_dashboard_totals_key', 'dashboard_totals',
                    ['questionnaire_id', 'sector', 'country', 'level'], unique=False)
    op.create_table(
        'dashboard_question_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('total_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.String(length=100), nullable=False),
        sa.Column('points_lost', sa.BigInteger(), nullable=False),
        sa.Column('below_full', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['total_id'], ['dashboard_totals.id'],
                                name=op.f('fk_dashboard_question_totals_total_id_dashboard_totals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_question_totals')),
    )
    op.create_index('ix_dashboard_question_totals_total', 'dashboard_question_totals',
                    ['total_id', 'question_id'], unique=False)
    op.create_index('ix_assessments_approved', 'assessments', ['approved_at', 'id'], unique=False)
    _backfill()


def _backfill() -> None:
    """Count every approved and certified assessment, as the application does."""
    expressions = ("v.questionnaire_id", "COALESCE(p.country, o.country)",
                   "COALESCE(p.region, o.region)", "p.sector", "p.stage", "a.level")
    key = ", ".join(expressions)
    decided = ("FROM assessments a "
               "JOIN questionnaire_versions v ON v.id = a.questionnaire_version_id "
               "JOIN organisations o ON o.id = a.organisation_id "
               "LEFT JOIN projects p ON p.id = a.project_id ")
    where = "WHERE a.status IN ('approved', 'certified') "
    bins = []
    for index in range(BINS):
        conditions = ([f"a.score >= {index * 10}"] if index else []) + (
            [f"a.score < {(index + 1) * 10}"] if index < BINS - 1 else [])
        bins.append(f"SUM(CASE WHEN {' AND '.join(conditions)} THEN 1 ELSE 0 END)")
    bind = op.get_bind()
    bind.execute(sa.text(
        f"INSERT INTO dashboard_totals ({', '.join(KEY)}, assessments, submitted, "
        f"{', '.join(f'score_bin_{index}' for index in range(BINS))}) "
        f"SELECT {key}, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM submissions s "
        f"WHERE s.assessment_id = a.id) THEN 1 ELSE 0 END), {', '.join(bins)} "
        f"{decided}{where}GROUP BY {key}"))
    same = " AND ".join(f"(t.{name} = g.{name} OR (t.{name} IS NULL AND g.{name} IS NULL))"
                        for name in KEY)
    labelled = ", ".join(f"{expression} AS {name}"
                         for expression, name in zip(expressions, KEY, strict=True))
    bind.execute(sa.text(
        "INSERT INTO dashboard_question_totals (total_id, question_id, points_lost, below_full) "
        "SELECT t.id, g.question_id, g.points, g.counted FROM ("
        f"SELECT {labelled}, q.question_id AS question_id, "
        f"SUM(CAST(ROUND(q.points_lost * {POINTS_SCALE}) AS BIGINT)) AS points, "
        f"COUNT(*) AS counted {decided}JOIN question_scores q ON q.assessment_id = a.id "
        f"{where}GROUP BY {key}, q.question_id) g "
        f"JOIN dashboard_totals t ON {same}"))


def downgrade() -> None:
    op.drop_index('ix_assessments_approved', table_name='assessments')
    op.drop_index('ix_dashboard_question_totals_total', table_name='dashboard_question_totals')
    op.drop_table('dashboard_question_totals')
    op.drop_index('ix_dashboard_totals_key', table_name='dashboard_totals')
    op.drop_table('dashboard_totals')
