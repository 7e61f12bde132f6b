"""Uploading an evidence file: throughput, and the memory an upload holds.

A scratch SQLite file holds one organisation, one respondent with a bearer token and a
draft assessment of the zero-tolerance questionnaire. The value is the throughput of
``POST /api/v1/assessments/<id>/answers/<question>/evidence`` with a 20 MB PDF-looking
file through Flask's test client (the multipart parsing, content sniffing, SHA-256,
write, ``fsync`` and atomic rename, the row and its audit event), in MB/s, median of
three runs. Each run uploads different bytes, so no run is saved by deduplication.

The baseline, measured in the same run, copies the same file on the same disk with
``shutil.copyfile`` followed by ``fsync``: the floor of writing 20 MB once. The ratio
(value / baseline) is the share of a plain copy's speed that the upload reaches.

A second row is the peak of Python memory (tracemalloc) during one more upload of the
same size, against the file's size as the baseline: the upload streams in chunks, so it
must stay well below the file. The test client builds the request body in a temporary
file of its own, which is counted too.

A third row attaches the same file by calling the service directly (no HTTP, no
multipart parsing): what the storage, sniffing and hashing cost on their own.

Run it from the checkout as ``.venv/bin/python -m benchmarks.bench_evidence``;
:func:`run` returns rows with the keys name, value, unit, baseline and ratio.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from ppp_assess import create_app
from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import migrate
from ppp_assess.services import accounts, tokens
from ppp_assess.services import assessments as assessment_service
from ppp_assess.services.passwords import hash_password
from ppp_assess.services.questionnaires import publish_questionnaire
from ppp_assess.unit_of_work import get_database

MEGABYTE = 1024 * 1024
SIZE = 20 * MEGABYTE
RUNS = 3
QUESTIONNAIRE_FILE = PROJECT_ROOT / "questionnaires" / "zero-tolerance-corruption.yaml"
QUESTION = "zt-1-1"


def _setup(folder: Path) -> tuple[Any, int, str]:
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"env": "testing", "database_url": url, "instance_path": str(folder),
                      "secret_key": "bench", "base_url": "http://ppp.test"})
    with app.app_context():
        session = get_database(app).new_session(write=True)
        organisation = accounts.create_organisation(session, name="Bench Ministry",
                                                    country="KZ", region="central_asia")
        user = accounts.create_user(session, email="bench@example.org", name="Bench",
                                    password_hash=hash_password("bench password 123"))
        accounts.add_member(session, user=user, organisation=organisation,
                            role=OrgRole.respondent)
        version = publish_questionnaire(session, load_questionnaire(QUESTIONNAIRE_FILE)).version
        assessment = assessment_service.start_assessment(
            session, actor=user, version=version, organisation_id=organisation.id)
        _row, token = tokens.create_api_token(session, user, name="bench")
        assessment_id = assessment.id
        session.commit()
        session.close()
    return app, assessment_id, token


def _sample(folder: Path, number: int) -> Path:
    """Write a 20 MB file that sniffs as a PDF, different for each ``number``."""
    path = folder / f"sample-{number}.pdf"
    block = os.urandom(MEGABYTE)
    with path.open("wb") as handle:
        handle.write(b"%PDF-1.7\n%" + str(number).encode() + b"\n")
        written = handle.tell()
        while written < SIZE:
            chunk = block[: SIZE - written]
            handle.write(chunk)
            written += len(chunk)
    return path


def _upload(app: Any, assessment_id: int, token: str, path: Path) -> float:
    client = app.test_client()
    url = f"/api/v1/assessments/{assessment_id}/answers/{QUESTION}/evidence"
    with path.open("rb") as handle:
        started = time.perf_counter()
        response = client.post(url, data={"file": (handle, path.name)},
                               headers={"Authorization": f"Bearer {token}"},
                               content_type="multipart/form-data")
        elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"upload failed: {response.status_code} "
                           f"{response.get_data(as_text=True)[:300]}")
    return elapsed


def _service(app: Any, assessment_id: int, path: Path) -> float:
    """Attach the file by calling the service directly: the upload without HTTP."""
    from sqlalchemy import select

    from ppp_assess.models import Assessment, User
    from ppp_assess.services import evidence
    from ppp_assess.web.evidence import evidence_setup

    with app.test_request_context("/"):
        setup = evidence_setup()
        with get_database(app).transaction() as session:
            assessment = session.get(Assessment, assessment_id)
            actor = session.scalar(select(User).limit(1))
            assert assessment is not None and actor is not None
            with path.open("rb") as handle:
                started = time.perf_counter()
                evidence.attach_evidence(session, assessment, QUESTION, actor=actor,
                                         stream=handle, filename=path.name,
                                         storage=setup.storage, limits=setup.limits)
                elapsed = time.perf_counter() - started
    return elapsed


def _copy(path: Path, folder: Path) -> float:
    target = folder / f"copy-{path.name}"
    started = time.perf_counter()
    shutil.copyfile(path, target)
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def run() -> list[dict[str, object]]:
    """Time a 20 MB upload through the API against a copy on disk, and trace its memory."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        app, assessment_id, token = _setup(folder)
        samples = [_sample(folder, number) for number in range(2 * RUNS + 2)]
        # A first read records the token's use (hourly), as the autosave benchmark does.
        app.test_client().get(f"/api/v1/assessments/{assessment_id}",
                              headers={"Authorization": f"Bearer {token}"})
        _upload(app, assessment_id, token, samples[0])  # warm up
        upload = statistics.median(_upload(app, assessment_id, token, samples[1 + run])
                                   for run in range(RUNS))
        copy = statistics.median(_copy(samples[1 + run], folder) for run in range(RUNS))
        service = statistics.median(_service(app, assessment_id, samples[1 + RUNS + run])
                                    for run in range(RUNS))
        tracemalloc.start()
        try:
            _upload(app, assessment_id, token, samples[-1])
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        get_database(app).dispose()
    megabytes = SIZE / MEGABYTE
    return [{"name": "upload of a 20 MB file through the test client",
             "value": megabytes / upload, "unit": "MB/s", "baseline": megabytes / copy,
             "ratio": copy / upload},
            {"name": "the same file attached by calling the service (no HTTP)",
             "value": megabytes / service, "unit": "MB/s", "baseline": megabytes / copy,
             "ratio": copy / service},
            {"name": "peak Python memory during that upload (tracemalloc)",
             "value": peak / MEGABYTE, "unit": "MB", "baseline": megabytes,
             "ratio": SIZE / peak}]


if __name__ == "__main__":
    for row in run():
        print(row)
