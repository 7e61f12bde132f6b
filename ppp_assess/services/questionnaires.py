"""Publishing questionnaire versions and reading them back."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ppp_assess.domain.loader import load_questionnaire, questionnaire_from_dict
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.models import QuestionnaireVersion
from ppp_assess.services.audit import record_event

log = logging.getLogger(__name__)


class PublishError(Exception):
    """Publishing would change a version that is already published."""


@dataclass(frozen=True)
class PublishResult:
    """What publishing one file did."""

    version: QuestionnaireVersion
    created: bool


def questionnaire_files(directory: str | Path) -> list[Path]:
    """Return the questionnaire files of ``directory`` in name order."""
    return sorted(Path(directory).glob("*.yaml"))


def publish_questionnaire(
    session: Session, questionnaire: Questionnaire, *, actor_id: int | None = None
) -> PublishResult:
    """Publish ``questionnaire`` as an immutable version.

    Publishing the same content again changes nothing.

    :raises PublishError: when the version number is already published with other content.
    """
    existing = session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id,
            QuestionnaireVersion.version == questionnaire.version,
        )
    )
    if existing is not None:
        if existing.content_hash != questionnaire.content_hash:
            raise PublishError(
                f"{questionnaire.id} version {questionnaire.version} is already published with "
                f"different content. Published versions never change: give the file a new "
                f"version number (for example {_next_minor(questionnaire.version)})."
            )
        return PublishResult(existing, created=False)
    row = QuestionnaireVersion(
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        major=questionnaire.major_version,
        subject=questionnaire.subject.value,
        title=questionnaire.title,
        content_hash=questionnaire.content_hash,
        definition=questionnaire.to_dict(),
    )
    session.add(row)
    session.flush()
    record_event(
        session, actor_id=actor_id, action="questionnaire.published",
        object_type="questionnaire_version", object_id=row.id,
        after={"questionnaire": questionnaire.id, "version": questionnaire.version,
               "content_hash": questionnaire.content_hash},
    )
    log.info("published %s %s", questionnaire.id, questionnaire.version)
    return PublishResult(row, created=True)


def _next_minor(version: str) -> str:
    major, _, minor = version.partition(".")
    return f"{major}.{int(minor or 0) + 1}" if (minor or "0").isdigit() else version + ".1"


def publish_directory(session: Session, directory: str | Path) -> list[PublishResult]:
    """Load and publish every questionnaire file of ``directory``.

    Versions are published oldest first (by questionnaire id, then version number), so
    that the newest version of a questionnaire is also the last one published, whatever
    the file names: ``people-first-2.yaml`` sorts before ``people-first.yaml``.
    """
    loaded = [load_questionnaire(path) for path in questionnaire_files(directory)]
    loaded.sort(key=lambda questionnaire: (questionnaire.id, _version_key(questionnaire.version)))
    return [publish_questionnaire(session, questionnaire) for questionnaire in loaded]


def _version_key(version: str) -> tuple[int, ...]:
    """Return ``"MAJOR.MINOR"`` as numbers, so that 1.10 comes after 1.9."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def list_versions(session: Session) -> Sequence[QuestionnaireVersion]:
    """Return every published version, by questionnaire and then publication order."""
    return session.scalars(
        select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.id
        )
    ).all()


def find_version(session: Session, questionnaire_id: str,
                 version: str) -> QuestionnaireVersion | None:
    """Return the published version ``version`` of a questionnaire, if there is one."""
    return session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id,
        QuestionnaireVersion.version == version))


def latest_versions(session: Session) -> list[QuestionnaireVersion]:
    """Return the newest published version of each questionnaire."""
    latest: dict[str, QuestionnaireVersion] = {}
    for row in list_versions(session):
        # The highest major version; within it, the last published.
        kept = latest.get(row.questionnaire_id)
        if kept is None or row.major >= kept.major:
            latest[row.questionnaire_id] = row
    return list(latest.values())


def questionnaire_of(version: QuestionnaireVersion) -> Questionnaire:
    """Return the domain questionnaire of a published version (cached by content hash).

    The version's definition is loaded only the first time its content hash is seen.
    """
    questionnaire = _by_hash.get(version.content_hash)
    if questionnaire is not None:
        return questionnaire
    return _cached(version.content_hash, version.definition)


_by_hash: dict[str, Questionnaire] = {}

#: Key in ``Session.info``: the content hash of questionnaire versions by id, as read
#: beside an assessment (:func:`note_content_hash`).
_HASHES = "questionnaire_hashes"


def note_content_hash(session: Session, version_id: int, content_hash: str) -> None:
    """Remember, for this session, the content hash of a questionnaire version.

    A query that reads an assessment can read its version's hash in the same statement;
    :func:`cached_questionnaire` then finds the parsed questionnaire without loading the
    version's row and its whole definition.
    """
    session.info.setdefault(_HASHES, {})[version_id] = content_hash


def cached_questionnaire(session: Session, version_id: int) -> Questionnaire | None:
    """Return the parsed questionnaire of a version noted in ``session``, if parsed before."""
    content_hash = session.info.get(_HASHES, {}).get(version_id)
    return None if content_hash is None else _by_hash.get(content_hash)


def noted_questionnaire(session: Session, version_id: int,
                        content_hash: str) -> Questionnaire:
    """Note the content hash of a version read beside an assessment
    (:func:`note_content_hash`) and return its parsed questionnaire, loading the version's
    row only when that hash was never parsed."""
    note_content_hash(session, version_id, content_hash)
    questionnaire = _by_hash.get(content_hash)
    if questionnaire is not None:
        return questionnaire
    version = session.get(QuestionnaireVersion, version_id)
    if version is None:
        raise LookupError(f"No questionnaire version {version_id}.")
    return questionnaire_of(version)


def _cached(content_hash: str, definition: Any) -> Questionnaire:
    # Published versions are immutable, so the content hash is a safe cache key.
    questionnaire = _by_hash.get(content_hash)
    if questionnaire is None:
        questionnaire = questionnaire_from_dict(definition)
        _by_hash[content_hash] = questionnaire
    return questionnaire
