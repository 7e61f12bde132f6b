"""An assessment locked for a change of its answers, and its answers read, in one call (PostgreSQL)

Revision ID: 0018_assessment_locked_answers
Revises: 0017_audit_chain_head
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0018_assessment_locked_answers'
down_revision: str | None = '0017_audit_chain_head'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Kind 2: the assessment's row locked (FOR UPDATE), with the questionnaire version's
#: content hash and the user's membership role (NULL for none); nothing when there is no
#: such assessment. Then, for a member only: kind 0, each answer; kind 1, each evidence
#: document's verdict. VOLATILE, so that the answers are read with a snapshot of their
#: own, taken once the lock is granted: they are then what the lock's previous holder
#: committed. (A single statement that locked the row and read the answers would read
#: them with the snapshot it started with, before the wait.)
_CREATE = """
CREATE FUNCTION assessment_locked_answers(p_assessment integer, p_user integer)
RETURNS TABLE (kind integer, question_id varchar, value jsonb, comment text,
               evidence jsonb, version integer, carried boolean, id integer,
               verdict varchar, organisation_id integer,
               questionnaire_version_id integer, status varchar, content_hash varchar,
               role varchar)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    locked record;
BEGIN
    SELECT a.id, a.organisation_id, a.questionnaire_version_id, a.status, a.version,
           v.content_hash, m.role
      INTO locked
      FROM assessments AS a
      JOIN questionnaire_versions AS v ON v.id = a.questionnaire_version_id
      LEFT JOIN memberships AS m
        ON m.organisation_id = a.organisation_id AND m.user_id = p_user
     WHERE a.id = p_assessment
       FOR UPDATE OF a;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT 2, NULL::varchar, NULL::jsonb, NULL::text, NULL::jsonb,
        locked.version::integer, NULL::boolean, locked.id::integer, NULL::varchar,
        locked.organisation_id::integer, locked.questionnaire_version_id::integer,
        locked.status::varchar, locked.content_hash::varchar, locked.role::varchar;
    IF locked.role IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT 0, s.question_id::varchar, s.value, s.comment, s.evidence, s.version,
               s.carried, s.id, NULL::varchar, NULL::integer, NULL::integer,
               NULL::varchar, NULL::varchar, NULL::varchar
          FROM answers AS s WHERE s.assessment_id = p_assessment
        UNION ALL
        SELECT 1, d.question_id::varchar, NULL::jsonb, NULL::text, NULL::jsonb,
               NULL::integer, NULL::boolean, NULL::integer, d.verdict::varchar,
               NULL::integer, NULL::integer, NULL::varchar, NULL::varchar, NULL::varchar
          FROM evidence_documents AS d WHERE d.assessment_id = p_assessment;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION assessment_locked_answers(integer, integer)')
