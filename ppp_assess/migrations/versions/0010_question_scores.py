"""Questions below full marks frozen at submission, for the evaluators' dashboard

Revision ID: 0010_question_scores
Revises: 0012_review_drafts
Create Date: 2026-12-04
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from ppp_assess.domain import questionnaire_from_dict, score

revision: str = '0010_question_scores'
down_revision: str | None = '0012_review_drafts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    op.create_table(
        'question_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.String(length=100), nullable=False),
        sa.Column('points_lost', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'],
                                name=op.f('fk_question_scores_assessment_id_assessments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_question_scores_submission_id_submissions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_question_scores')),
        sa.UniqueConstraint('assessment_id', 'question_id',
                            name=op.f('uq_question_scores_assessment_id_question_id')),
    )
    with op.batch_alter_table('question_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_scores_submission_id'), ['submission_id'],
                              unique=False)
    _backfill()


def _backfill() -> None:
    """Score the latest submission of every submitted assessment once."""
    bind = op.get_bind()
    latest = sa.text(
        "SELECT s.id, s.assessment_id, s.answers, v.content_hash, v.definition "
        "FROM submissions s "
        "JOIN assessments a ON a.id = s.assessment_id "
        "JOIN questionnaire_versions v ON v.id = a.questionnaire_version_id "
        "WHERE s.number = (SELECT MAX(n.number) FROM submissions n "
        "                  WHERE n.assessment_id = s.assessment_id)")
    insert = sa.text("INSERT INTO question_scores (assessment_id, submission_id, question_id, "
                     "points_lost) VALUES (:assessment_id, :submission_id, :question_id, "
                     ":points_lost)")
    questionnaires: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for (submission_id, assessment_id, answers, content_hash,
         definition) in bind.execute(latest).fetchall():
        questionnaire = questionnaires.get(content_hash)
        if questionnaire is None:
            questionnaire = questionnaires[content_hash] = questionnaire_from_dict(
                _json(definition))
        values = {question_id: entry.get("value")
                  for question_id, entry in (_json(answers) or {}).items()
                  if isinstance(entry, dict) and entry.get("value") is not None}
        rows.extend({"assessment_id": assessment_id, "submission_id": submission_id,
                     "question_id": gap.question_id, "points_lost": gap.impact}
                    for gap in score(questionnaire, values).gaps)
        if len(rows) >= 5000:
            bind.execute(insert, rows)
            rows = []
    if rows:
        bind.execute(insert, rows)


def downgrade() -> None:
    with op.batch_alter_table('question_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_scores_submission_id'))
    op.drop_table('question_scores')
