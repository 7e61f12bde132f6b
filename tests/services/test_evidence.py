"""Evidence storage and the attach service: streaming, atomicity, deduplication, pruning."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tracemalloc

import pytest
from sqlalchemy import func, select

from ppp_assess.models import EvidenceDocument
from ppp_assess.services import evidence
from ppp_assess.services.errors import Invalid
from tests.web.test_assessments import publish_sample, start

PDF = b"%PDF-1.4\n%%EOF\n"


class BrokenStream(io.RawIOBase):
    """A request body whose connection drops after ``good`` bytes."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            raise OSError("connection reset by peer")
        chunk = (PDF + b"0" * size)[: min(size, self.left)]
        self.left -= len(chunk)
        return chunk


class Zeros(io.RawIOBase):
    """``size`` bytes of a PDF-looking stream, made as they are read."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.first = True

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        if self.first and size:
            self.first = False
            return (PDF + b"0" * size)[:size]
        return b"0" * size


def _files(root) -> list[str]:
    return sorted(str(path) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def storage(tmp_path):
    return evidence.LocalStorage(tmp_path / "evidence")


@pytest.fixture
def draft(db, factory):
    organisation = factory.organisation()
    user = factory.user(organisation=organisation)
    return start(db, user, organisation, publish_sample(db)), user


def _rows(db) -> int:
    return db.scalar(select(func.count()).select_from(EvidenceDocument))


def test_a_failure_mid_upload_leaves_no_partial_file_and_no_row(db, storage, draft) -> None:
    assessment, user = draft
    with pytest.raises(OSError):
        evidence.attach_evidence(db, assessment, "policy", actor=user,
                                 stream=BrokenStream(3 * 1024 * 1024), filename="a.pdf",
                                 storage=storage, limits=evidence.EvidenceLimits())
    assert _files(storage.root) == []
    assert _rows(db) == 0


def test_a_refusal_after_staging_removes_the_staged_file(db, storage, draft) -> None:
    assessment, user = draft
    with pytest.raises(Invalid):
        evidence.attach_evidence(db, assessment, "policy", actor=user,
                                 stream=io.BytesIO(b"<html></html>"), filename="a.pdf",
                                 storage=storage, limits=evidence.EvidenceLimits())
    assert _files(storage.root) == []
    assert _rows(db) == 0


def test_staging_streams_in_chunks_and_keeps_memory_below_the_file_size(storage) -> None:
    size = 8 * 1024 * 1024
    tracemalloc.start()
    try:
        staged = storage.stage(Zeros(size), max_size=size)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert staged.size == size
    assert peak < size / 3
    staged.keep()
    expected = hashlib.sha256((PDF + b"0" * size)[:size]).hexdigest()
    assert staged.sha256 == expected
    assert storage.exists(expected)
    assert list((storage.root / "tmp").iterdir()) == []


def test_a_stream_over_the_limit_is_refused_without_a_trace(storage) -> None:
    with pytest.raises(evidence.FileTooLarge):
        storage.stage(Zeros(3 * 1024 * 1024), max_size=2 * 1024 * 1024)
    assert _files(storage.root) == []


def test_prune_removes_only_old_files_no_document_names(db, storage, draft) -> None:
    assessment, user = draft
    kept = evidence.attach_evidence(db, assessment, "policy", actor=user,
                                    stream=io.BytesIO(PDF), filename="a.pdf",
                                    storage=storage, limits=evidence.EvidenceLimits())
    orphan = storage.stage(io.BytesIO(PDF + b"orphan"), max_size=1024)
    orphan.keep()
    fresh = storage.stage(io.BytesIO(PDF + b"fresh"), max_size=1024)
    fresh.keep()
    an_hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).timestamp()
    for sha256 in (kept.sha256, orphan.sha256):
        os.utime(storage.path_of(sha256), (an_hour_ago, an_hour_ago))
    removed = evidence.prune_storage(db, storage)
    assert removed == [orphan.sha256]
    assert storage.exists(kept.sha256) and storage.exists(fresh.sha256)
    assert not storage.exists(orphan.sha256)


def test_the_prune_command_reports_what_it_removed(runner, app) -> None:
    from ppp_assess.web.evidence import evidence_setup

    with app.app_context():
        storage = evidence_setup().storage
        staged = storage.stage(io.BytesIO(PDF + b"left over"), max_size=1024)
        staged.keep()
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).timestamp()
    os.utime(storage.path_of(staged.sha256), (old, old))
    result = runner.invoke(args=["evidence", "prune"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 unreferenced file(s)." in result.output
    assert not storage.exists(staged.sha256)



def test_a_save_reads_which_questions_have_evidence_with_the_answers(db, draft) -> None:
    """What the autosave's verified score needs comes with the answers, in the same
    statement: a document counts unless a reviewer found it insufficient, answered or not."""
    from sqlalchemy import event

    from ppp_assess.domain.evidence import Verdict
    from ppp_assess.services import assessments
    from ppp_assess.services.assessments import AnswerInput

    assessment, user = draft
    for question, verdict in [("policy", None), ("published", Verdict.insufficient),
                              ("staff", Verdict.accepted), ("published", None),
                              ("staff", Verdict.insufficient)]:
        db.add(EvidenceDocument(assessment_id=assessment.id, question_id=question,
                                name="a.pdf", description="", size=1, verdict=verdict,
                                media_type="application/pdf", sha256="0" * 64,
                                review_comment=""))
    db.flush()
    first = assessments.save_answer(db, assessment, "policy", AnswerInput("yes"),
                                    base_version=assessment.version, actor=user)
    assert first.evidenced == {"policy", "published", "staff"}
    db.execute(EvidenceDocument.__table__.delete().where(
        EvidenceDocument.question_id == "published"))
    statements: list[str] = []
    connection = db.connection()

    def record(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        second = assessments.save_answer(db, assessment, "staff", AnswerInput(3),
                                         base_version=first.version, actor=user)
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert second.evidenced == {"policy", "staff"}
    assert second.answers["policy"].value == "yes" and second.answers["staff"].value == 3
    reads = [statement for statement in statements if "evidence_documents" in statement]
    assert len(reads) == 1 and "FROM answers" in reads[0], reads
