"""The stamp of a respondent's page: everything it shows of an assessment but the answers.

A draft's section page shows the questionnaire's text (fixed by its version), the
answers (whose every change moves the assessment's ``version``), and a few things
around them: the assessment's stored row, the name of its subject, its evidence
documents, and whether a newer questionnaire version may take it over. Two equal stamps
of the same assessment mean the same page, so a page kept as rendered may be served
again while its stamp holds.

The stamp is read in one plain statement (the assessment's row, joined to its subject,
its questionnaire version and its documents, for a member of its organisation only),
without building an :class:`Assessment`: that is the whole of what a kept page costs the
database. :func:`stamp_of` gives the same stamp from the stored objects a page is
rendered from, so that a page is kept under the stamp of what it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Assessment,
    EvidenceDocument,
    Organisation,
    Project,
    QuestionnaireVersion,
)
from ppp_assess.models.base import typed_nulls
from ppp_assess.models.database import DriverStatement, as_connection
from ppp_assess.services import people
from ppp_assess.services.permissions import OWN_ASSESSMENT, Person
from ppp_assess.services.upgrades import newer_version_id

_ASSESSMENTS = Assessment.__table__
_DOCUMENTS = EvidenceDocument.__table__
#: The attribute names of each table's columns, in the tables' order: a stored object's
#: values line up with a row read from its table.
_ASSESSMENT_KEYS = tuple(Assessment.__mapper__.get_property_by_column(column).key
                         for column in _ASSESSMENTS.columns)
_DOCUMENT_KEYS = tuple(EvidenceDocument.__mapper__.get_property_by_column(column).key
                       for column in _DOCUMENTS.columns)
_WIDTH = len(_ASSESSMENT_KEYS)
_STATUS = _ASSESSMENT_KEYS.index("status")
_SUBMITTED_AT = _ASSESSMENT_KEYS.index("submitted_at")
_VERSION_ID = _ASSESSMENT_KEYS.index("questionnaire_version_id")

_STAMP_COLUMNS = (*_ASSESSMENTS.columns, func.coalesce(Project.name, Organisation.name),
                  QuestionnaireVersion.content_hash, QuestionnaireVersion.questionnaire_id,
                  QuestionnaireVersion.version, *_DOCUMENTS.columns)
_STAMP_TABLES = (
    _ASSESSMENTS
    .join(Organisation.__table__, Organisation.id == _ASSESSMENTS.c.organisation_id)
    .join(QuestionnaireVersion.__table__,
          QuestionnaireVersion.id == _ASSESSMENTS.c.questionnaire_version_id)
    .outerjoin(Project.__table__, Project.id == _ASSESSMENTS.c.project_id)
    .outerjoin(_DOCUMENTS, _DOCUMENTS.c.assessment_id == _ASSESSMENTS.c.id))
_STAMP_WHERE = (_ASSESSMENTS.c.id == bindparam("assessment_id"), OWN_ASSESSMENT)
_STAMP = (select(*_STAMP_COLUMNS).select_from(_STAMP_TABLES).where(*_STAMP_WHERE)
          .order_by(_DOCUMENTS.c.id))


#: Who a session is signed in as and the stamp of the page asked for, in one statement
#: (one round trip): the user's rows (kind 0, then the columns of
#: :data:`people.SIGNED_IN_COLUMNS`) and the stamp's (kind 1, then those of
#: :data:`_STAMP`), each padded with the other's columns as NULLs, documents in order.
_PERSON_WIDTH = len(people.SIGNED_IN_COLUMNS)
_SIGNED_IN_WITH_STAMP = union_all(
    select(literal_column("0"), *people.SIGNED_IN_COLUMNS, *typed_nulls(_STAMP_COLUMNS))
    .select_from(people.SIGNED_IN_TABLES).where(people.SIGNED_IN_COLUMNS[0]
                                                == bindparam("user_id")),
    select(literal_column("1"), *typed_nulls(people.SIGNED_IN_COLUMNS), *_STAMP_COLUMNS)
    .select_from(_STAMP_TABLES).where(*_STAMP_WHERE),
).order_by(literal_column("1"),
           literal_column(str(2 + _PERSON_WIDTH + _WIDTH + 4)))  # the documents' ids
_SIGNED_IN_WITH_STAMP_READER = DriverStatement(_SIGNED_IN_WITH_STAMP)


@dataclass(frozen=True, slots=True)
class PageStamp:
    """What a respondent's page of an assessment shows beyond its answers."""

    #: The assessment's stored row, in the table's column order (its ``version`` moves
    #: with every answer saved, its ``status`` with every step of the lifecycle).
    assessment: tuple[Any, ...]
    #: The project's name, or the organisation's for an assessment of the organisation.
    subject: str
    #: The questionnaire version's content hash (the text the page shows).
    content_hash: str
    #: Each evidence document's stored row, by id.
    documents: tuple[tuple[Any, ...], ...]
    #: The id of the newer questionnaire version the draft may move to, if any.
    upgrade: int | None

    @property
    def status(self) -> Status:
        """Return the assessment's status."""
        return Status(self.assessment[_STATUS])

    @property
    def submitted_at(self) -> dt.datetime | None:
        """Return when the assessment was last submitted, if ever."""
        value: dt.datetime | None = self.assessment[_SUBMITTED_AT]
        return value


def page_stamp(source: Session | Connection, person: Person, assessment_id: int, *,
               directory: str | Path) -> PageStamp | None:
    """Return the stamp of an assessment of one of ``person``'s organisations, or ``None``
    when there is no such assessment (another organisation's is the same as none).

    Read on a connection (a kept page's request has no session) or a session's.

    :param directory: the questionnaire folder, whose mappings say whether a newer
        version may take a draft over.
    """
    connection = as_connection(source)
    rows = connection.execute(
        _STAMP, {"assessment_id": assessment_id, "user_id": person.id}).all()
    return _stamp(connection, rows, directory)


def signed_in_with_stamp(connection: Connection, user_id: int, session_version: int,
                         assessment_id: int, *, directory: str | Path
                         ) -> tuple[people.SignedIn | None, PageStamp | None]:
    """Return :func:`people.signed_in` and, for that person, :func:`page_stamp`, read in
    one statement: a kept page's request then makes one round trip to the database.

    The stamp is ``None`` with the person (an assessment of no organisation of theirs,
    or none at all).
    """
    rows = _SIGNED_IN_WITH_STAMP_READER.rows(connection, {
        "user_id": user_id, "assessment_id": assessment_id})
    person = people.signed_in_from(
        [row[1:1 + _PERSON_WIDTH] for row in rows if row[0] == 0], session_version)
    if person is None:
        return None, None
    return person, _stamp(connection, [row[1 + _PERSON_WIDTH:] for row in rows
                                       if row[0] == 1], directory)


def _stamp(connection: Connection, rows: Sequence[Sequence[Any]],
           directory: str | Path) -> PageStamp | None:
    """Build the stamp from rows of :data:`_STAMP` (``None`` for none)."""
    if not rows:
        return None
    first = rows[0]
    subject, content_hash, questionnaire_id, version = first[_WIDTH:_WIDTH + 4]
    upgrade = None
    if first[_STATUS] == Status.draft:
        upgrade = newer_version_id(connection, questionnaire_id, first[_VERSION_ID], version,
                                   directory=directory)
    return PageStamp(
        tuple(first[:_WIDTH]), subject, content_hash,
        tuple(tuple(row[_WIDTH + 4:]) for row in rows if row[_WIDTH + 4] is not None),
        upgrade)


def stamp_of(session: Session, assessment: Assessment,
             documents: Sequence[EvidenceDocument], *, directory: str | Path) -> PageStamp:
    """Return the stamp of an assessment from its stored objects (and its documents)."""
    source = assessment.questionnaire_version
    upgrade = None
    if assessment.status == Status.draft:
        upgrade = newer_version_id(session, source.questionnaire_id, source.id,
                                   source.version, directory=directory)
    subject = assessment.project.name if assessment.project else assessment.organisation.name
    return PageStamp(
        tuple(getattr(assessment, key) for key in _ASSESSMENT_KEYS), subject,
        source.content_hash,
        tuple(tuple(getattr(document, key) for key in _DOCUMENT_KEYS)
              for document in sorted(documents, key=lambda document: document.id)),
        upgrade)
