"""What changed between two submissions of one assessment, question by question.

A submission snapshot maps question ids to ``{"value", "comment", "evidence",
"documents"}`` (``documents``: the files attached when it was submitted, each
``{"sha256", "name"}``; snapshots made before files were frozen with them have none);
a question without an entry (or whose entry holds nothing) was not answered. Reviewers
see the changes of a resubmission against the submission they returned, so they can
check that the flagged questions were revisited without reading everything again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ChangeKind(StrEnum):
    """How one part of an answer changed."""

    #: Nothing before, something now.
    added = "added"
    #: Something before and something else now.
    changed = "changed"
    #: Something before, nothing now.
    removed = "removed"


@dataclass(frozen=True)
class FieldChange:
    """The before and after of one part (value or comment) of an answer."""

    kind: ChangeKind
    #: ``None`` (value) or ``""`` (comment) when there was nothing.
    before: Any
    after: Any


@dataclass(frozen=True)
class DocumentRef:
    """A file attached to an answer, as a submission froze it."""

    sha256: str
    name: str


@dataclass(frozen=True)
class QuestionChange:
    """Everything that changed in the answer to one question."""

    question_id: str
    #: ``added`` when the question had no answer at all before, ``removed`` when it has
    #: none now, ``changed`` otherwise.
    kind: ChangeKind
    #: ``None`` when the answer value is unchanged.
    value: FieldChange | None
    #: ``None`` when the respondent's comment is unchanged.
    comment: FieldChange | None
    #: Evidence links that are new, in their order in the newer snapshot.
    evidence_added: tuple[str, ...]
    #: Evidence links that are gone, in their order in the older snapshot.
    evidence_removed: tuple[str, ...]
    #: Files attached since the older snapshot, in their order in the newer one.
    documents_added: tuple[DocumentRef, ...] = ()
    #: Files no longer attached, in their order in the older snapshot.
    documents_removed: tuple[DocumentRef, ...] = ()


@dataclass(frozen=True)
class _Entry:
    value: Any
    comment: str
    evidence: tuple[str, ...]
    documents: tuple[DocumentRef, ...] = ()

    @property
    def empty(self) -> bool:
        return (self.value is None and not self.comment and not self.evidence
                and not self.documents)


_NOTHING = _Entry(None, "", ())


def _documents(raw: Any) -> tuple[DocumentRef, ...]:
    if not isinstance(raw, list | tuple):
        return ()
    return tuple(dict.fromkeys(
        DocumentRef(str(item.get("sha256", "")), str(item.get("name", "")))
        for item in raw if isinstance(item, Mapping)))


def _entry(raw: Any) -> _Entry:
    if not isinstance(raw, Mapping):
        return _NOTHING
    evidence = raw.get("evidence") or ()
    links = tuple(str(link) for link in evidence) if isinstance(evidence, list | tuple) else ()
    return _Entry(raw.get("value"), str(raw.get("comment") or "").strip(), links,
                  _documents(raw.get("documents")))


def _same_value(before: Any, after: Any) -> bool:
    # A multi-choice answer is a set of options: the order it was stored in means nothing.
    if isinstance(before, list | tuple) and isinstance(after, list | tuple):
        return sorted(map(repr, before)) == sorted(map(repr, after))
    # ``True == 1`` in Python, but a boolean is never the same answer as a number.
    if isinstance(before, bool) or isinstance(after, bool):
        return before is after
    return bool(before == after)


def _field(before: Any, after: Any, *, empty: Any) -> FieldChange | None:
    if before is None and after is None:
        return None
    if before == empty and after == empty:
        return None
    if _same_value(before, after):
        return None
    if before is None or before == empty:
        return FieldChange(ChangeKind.added, before, after)
    if after is None or after == empty:
        return FieldChange(ChangeKind.removed, before, after)
    return FieldChange(ChangeKind.changed, before, after)


def _ordered(ids: Iterable[str], order: Sequence[str]) -> list[str]:
    position = {question_id: index for index, question_id in enumerate(order)}
    # Questions the definition does not know (it never changes for one assessment, but
    # a damaged snapshot might) go last, by id, so nothing is hidden.
    return sorted(
        ids,
        key=lambda question_id: (
            question_id not in position,
            position.get(question_id, 0),
            question_id,
        ),
    )


def diff_snapshots(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    order: Sequence[str] = (),
) -> tuple[QuestionChange, ...]:
    """Return the questions whose answer, comment, links or files differ between two snapshots.

    :param before: the older submission's answers, question id -> ``{"value", "comment",
        "evidence"}``.
    :param after: the newer submission's answers, in the same form.
    :param order: question ids in document order; the result follows it.
    :return: one :class:`QuestionChange` per changed question, in ``order``; empty when
        nothing changed.
    """
    changes: list[QuestionChange] = []
    for question_id in _ordered(set(before) | set(after), order):
        old, new = _entry(before.get(question_id)), _entry(after.get(question_id))
        value = _field(old.value, new.value, empty=None)
        comment = _field(old.comment, new.comment, empty="")
        added = tuple(link for link in dict.fromkeys(new.evidence) if link not in old.evidence)
        removed = tuple(link for link in dict.fromkeys(old.evidence) if link not in new.evidence)
        files_added = tuple(doc for doc in new.documents if doc not in old.documents)
        files_removed = tuple(doc for doc in old.documents if doc not in new.documents)
        if (value is None and comment is None and not added and not removed
                and not files_added and not files_removed):
            continue
        if old.empty:
            kind = ChangeKind.added
        elif new.empty:
            kind = ChangeKind.removed
        else:
            kind = ChangeKind.changed
        changes.append(QuestionChange(question_id, kind, value, comment, added, removed,
                                      files_added, files_removed))
    return tuple(changes)
