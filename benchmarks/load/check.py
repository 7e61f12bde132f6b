"""After a run: is every acknowledged write in the database, and nothing half-written?

The record of a run lists every answer write in the order each respondent sent it, with
its outcome: ``ack`` (the server answered 2xx with the new version), ``refused`` (any
other answer; 503 included, which the application answers after rolling back) or
``in_doubt`` (no answer came: a connection cut by a killed worker, a timeout).

For every answer written during the run, the database must hold the last acknowledged
write (value, comment and version), or a write sent after it whose outcome is in doubt
(it may have committed before its answer was lost). Anything else is a **lost** write;
a stored write that was refused is a **phantom**.

Half-written means one transaction's changes are not all there: an assessment version
without the answer saved in it (each save of the run bumps the version and stamps its
answer with it), an answer newer than its assessment, a stored answer whose last
``answer.changed`` audit event says something else, a cached score that is not the
score of the stored answers, or an audit chain that no longer verifies.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ppp_assess.models import Answer, Assessment, AuditEvent
from ppp_assess.models.database import Database
from ppp_assess.services import assessments as service
from ppp_assess.services.audit import verify_audit_chain


@dataclass
class Verdict:
    """What the check found; :attr:`ok` when nothing is wrong."""

    answers_checked: int = 0
    acknowledged_writes: int = 0
    in_doubt_writes: int = 0
    #: Answers whose stored value is an in-doubt write sent after the last acknowledged one.
    in_doubt_stored: int = 0
    lost: list[str] = field(default_factory=list)
    phantom: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    audit_chain_ok: bool = True

    @property
    def ok(self) -> bool:
        """Return whether no write was lost, invented or half-written."""
        return not (self.lost or self.phantom or self.half_written) and self.audit_chain_ok

    def as_dict(self) -> dict[str, Any]:
        """Return the verdict as plain data (for the JSON report)."""
        return {"answers_checked": self.answers_checked,
                "acknowledged_writes": self.acknowledged_writes,
                "in_doubt_writes": self.in_doubt_writes,
                "in_doubt_stored": self.in_doubt_stored,
                "lost": len(self.lost), "phantom": len(self.phantom),
                "half_written": len(self.half_written),
                "audit_chain_ok": self.audit_chain_ok, "ok": self.ok,
                "examples": (self.lost + self.phantom + self.half_written)[:10]}


def _same(stored: Answer, write: dict[str, Any]) -> bool:
    return (stored.value == write["value"] and stored.comment == write["comment"]
            and (write.get("version") is None or stored.version == write["version"]))


def _close(first: float | None, second: float | None) -> bool:
    if first is None or second is None:
        return first is None and second is None
    return math.isclose(first, second, rel_tol=1e-9, abs_tol=1e-9)


def check_writes(database: Database, writes: Iterable[dict[str, Any]],
                 assessment_ids: Iterable[int], *, audit_chain: bool = True) -> Verdict:
    """Compare the record of a run's writes with what the database holds."""
    verdict = Verdict()
    history: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for write in writes:
        history[(int(write["assessment"]), str(write["question"]))].append(write)
        verdict.acknowledged_writes += write["outcome"] == "ack"
        verdict.in_doubt_writes += write["outcome"] == "in_doubt"
    ids = sorted(set(assessment_ids))
    with database.reading() as session:
        stored = {(row.assessment_id, row.question_id): row for row in session.scalars(
            select(Answer).where(Answer.assessment_id.in_(ids)))}
        assessments = {row.id: row for row in session.scalars(
            select(Assessment).where(Assessment.id.in_(ids)))}
        for key, attempts in sorted(history.items()):
            verdict.answers_checked += 1
            row = stored.get(key)
            acked = [index for index, write in enumerate(attempts) if write["outcome"] == "ack"]
            where = f"assessment {key[0]} question {key[1]}"
            if row is not None and any(write["outcome"] == "refused" and _same(row, write)
                                       for write in attempts):
                verdict.phantom.append(f"{where}: holds a refused write ({row.comment!r})")
                continue
            if not acked:
                continue
            last = attempts[acked[-1]]
            later_in_doubt = [write for write in attempts[acked[-1] + 1:]
                              if write["outcome"] == "in_doubt"]
            if row is not None and _same(row, last):
                continue
            if row is not None and any(_same(row, write) for write in later_in_doubt):
                verdict.in_doubt_stored += 1
                continue
            held = "nothing" if row is None else f"{row.comment!r} v{row.version}"
            verdict.lost.append(f"{where}: acknowledged {last['comment']!r} "
                                f"v{last['version']}, database holds {held}")
        verdict.half_written.extend(_half_written(session, assessments, stored))
        if audit_chain:
            verdict.audit_chain_ok = verify_audit_chain(session).ok
    return verdict


def _half_written(session: Any, assessments: dict[int, Assessment],
                  stored: dict[tuple[int, str], Answer]) -> list[str]:
    problems: list[str] = []
    answers: dict[int, dict[str, Answer]] = defaultdict(dict)
    for (assessment_id, question_id), row in stored.items():
        answers[assessment_id][question_id] = row
    last_events: dict[tuple[int, str], dict[str, Any]] = {}
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "answer.changed",
                                 AuditEvent.object_type == "assessment",
                                 AuditEvent.object_id.in_([str(i) for i in assessments]))
        .order_by(AuditEvent.sequence))
    for event in events:
        after = event.after or {}
        last_events[(int(event.object_id), str(after.get("question")))] = after
    for assessment_id, assessment in sorted(assessments.items()):
        rows = answers.get(assessment_id, {})
        newest = max((row.version for row in rows.values()), default=None)
        if newest is not None and newest != assessment.version:
            problems.append(f"assessment {assessment_id}: version {assessment.version}, "
                            f"newest answer version {newest}")
        for question_id, row in sorted(rows.items()):
            event = last_events.get((assessment_id, question_id))
            if event is None or (event.get("value"), event.get("comment")) != (
                    row.value, row.comment):
                problems.append(f"assessment {assessment_id} question {question_id}: the "
                                f"audit log's last change differs from the stored answer")
        report = service.score_of(assessment, rows)
        if not (_close(report.overall, assessment.score)
                and _close(report.completion, assessment.completion)):
            problems.append(f"assessment {assessment_id}: stored score {assessment.score} "
                            f"is not the score of its answers ({report.overall})")
    return problems
