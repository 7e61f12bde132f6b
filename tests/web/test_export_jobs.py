"""Exports prepared in the background: asked for, followed, downloaded; pages and API.

The runner is ``inline`` here (the job runs after the response, in the test's own
connection), ``thread`` on a live database, and ``rq`` with a worker on a real Redis.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
import zipfile

import pytest
from sqlalchemy import func, select

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.models import AuditEvent, ExportJob
from ppp_assess.services import export_jobs
from ppp_assess.services.benchmarks import DashboardFilters
from tests.certificate_support import certified
from tests.factories import sign_in
from tests.services.benchmark_support import approved_through_services

REQUEST = {"kind": "evaluations", "format": "csv", "questionnaire": "people-first",
           "language": "fr"}


@pytest.fixture
def app(make_app):
    return make_app(jobs="inline")


@pytest.fixture
def people_first(factory):
    return factory.questionnaires()["people-first"]


@pytest.fixture
def evaluator(factory):
    return factory.user(role=None, platform_roles=(PlatformRole.evaluator,))


def _jobs(db) -> int:
    return db.scalar(select(func.count(ExportJob.id))) or 0


def test_an_export_is_prepared_followed_and_downloaded(app, client, db, factory,
                                                       people_first, evaluator) -> None:
    for _ in range(3):
        approved_through_services(db, factory, people_first)
    db.commit()
    sign_in(client, evaluator.email)
    accepted = client.post("/api/v1/exports", json=REQUEST)
    assert accepted.status_code == 202, accepted.get_json()
    job = accepted.get_json()
    assert job["status"] == "queued" and job["download_url"] is None
    assert accepted.headers["Location"] == f"/api/v1/exports/{job['id']}"
    status = client.get(accepted.headers["Location"]).get_json()
    assert status["status"] == "done", status
    assert (status["rows_done"], status["rows_total"]) == (3, 3)
    assert status["file_name"] == f"people-first-{people_first.version}-fr.csv"
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    text = download.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert len(rows) == 3
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"export.requested", "export.file_downloaded"} <= actions


def test_only_the_evaluator_who_asked_sees_the_export(app, client, db, factory, people_first,
                                                      evaluator) -> None:
    approved_through_services(db, factory, people_first)
    other = factory.user(role=None, platform_roles=(PlatformRole.evaluator,))
    member = factory.user(organisation=factory.organisation())
    db.commit()
    sign_in(client, evaluator.email)
    job = client.post("/api/v1/exports", json=REQUEST).get_json()
    for user in (other, member):
        stranger = app.test_client()
        sign_in(stranger, user.email)
        assert stranger.get(f"/api/v1/exports/{job['id']}").status_code == 404
        assert stranger.get(f"/api/v1/exports/{job['id']}/file").status_code == 404
        assert stranger.get(f"/evaluations/exports/{job['id']}").status_code == 404
    respondent = app.test_client()
    sign_in(respondent, member.email)
    assert respondent.post("/api/v1/exports", json=REQUEST).status_code == 404
    assert _jobs(db) == 1


@pytest.mark.parametrize("change, field", [
    ({"format": "zip"}, "format"),
    ({"kind": "certificates", "format": "csv"}, "format"),
    ({"language": "xx"}, "language"),
    ({"questionnaire": "no-such-questionnaire"}, "questionnaire"),
    ({"filters": {"approved_from": "2026-05-01", "approved_to": "2026-04-01"}}, "approved_to"),
])
def test_bad_requests_are_refused_and_create_nothing(app, client, db, evaluator, people_first,
                                                      change, field) -> None:
    db.commit()
    sign_in(client, evaluator.email)
    response = client.post("/api/v1/exports", json={**REQUEST, **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _jobs(db) == 0


def test_every_valid_certificate_of_the_round_in_one_zip(app, client, db, factory,
                                                          evaluator) -> None:
    _first, one = certified(db, factory, app)
    _second, two = certified(db, factory, app)
    _third, revoked = certified(db, factory, app)
    from ppp_assess.services import certificates as certificate_service
    from tests.certificate_support import admin

    certificate_service.revoke_certificate(db, revoked, actor=admin(factory), reason="Error.")
    db.commit()
    sign_in(client, evaluator.email)
    job = client.post("/api/v1/exports", json={**REQUEST, "kind": "certificates",
                                               "format": "zip"}).get_json()
    status = client.get(f"/api/v1/exports/{job['id']}").get_json()
    assert status["status"] == "done" and status["rows_total"] == 2, status
    archive = zipfile.ZipFile(io.BytesIO(client.get(status["download_url"]).data))
    assert sorted(archive.namelist()) == sorted(
        f"certificate-{certificate.serial}-fr.pdf" for certificate in (one, two))
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())


def test_the_page_asks_and_shows_the_download_link(app, client, db, factory, people_first,
                                                   evaluator) -> None:
    approved_through_services(db, factory, people_first)
    db.commit()
    sign_in(client, evaluator.email)
    dashboard = client.get("/evaluations?questionnaire=people-first").get_data(as_text=True)
    assert 'action="/evaluations/exports"' in dashboard
    response = client.post("/evaluations/exports", data={
        "questionnaire": "people-first", "kind": "evaluations", "file_format": "xlsx",
        "language": "ar"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert "Ready to download" in text and "/file" in text
    job = db.scalar(select(ExportJob))
    assert job.file_name == f"people-first-{people_first.version}-ar.xlsx"
    assert client.get(f"/evaluations/exports/{job.id}/file").data.startswith(b"PK")
    assert job.file_name in client.get("/evaluations").get_data(as_text=True)


def test_the_form_needs_a_questionnaire_and_a_valid_format(app, client, db,
                                                           evaluator) -> None:
    db.commit()
    sign_in(client, evaluator.email)
    no_questionnaire = client.post("/evaluations/exports", data={
        "kind": "evaluations", "file_format": "csv", "language": "en"})
    assert no_questionnaire.status_code == 303
    assert client.post("/evaluations/exports", data={
        "questionnaire": "people-first", "kind": "evaluations", "file_format": "pdf",
        "language": "en"}).status_code == 400
    assert _jobs(db) == 0


def test_a_waiting_job_says_so_and_refreshes_without_javascript(app, client, db,
                                                                evaluator, people_first) -> None:
    job = export_jobs.request_export(
        db, actor=evaluator, kind="evaluations", file_format="csv", version=people_first,
        filters=DashboardFilters(questionnaire_id="people-first"), language="en")
    db.commit()
    sign_in(client, evaluator.email)
    text = client.get(f"/evaluations/exports/{job.id}").get_data(as_text=True)
    assert "Waiting to start" in text
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in text
    assert "js/export-progress." in text
    file = client.get(f"/evaluations/exports/{job.id}/file")
    assert file.status_code == 409


def test_a_failed_job_keeps_no_partial_file(app, db, evaluator, people_first, monkeypatch,
                                            tmp_path) -> None:
    from ppp_assess.services import exports
    from ppp_assess.web.benchmarks import jobs

    def broken(*_args, **_kwargs):
        yield "half a row\r\n"
        raise RuntimeError("the disk went away")

    job = export_jobs.request_export(
        db, actor=evaluator, kind="evaluations", file_format="csv", version=people_first,
        filters=DashboardFilters(questionnaire_id="people-first"), language="en")
    db.commit()
    monkeypatch.setattr(exports, "iter_csv_lines", broken)
    jobs.run_job(app, job.id)
    db.expire_all()
    assert db.get(ExportJob, job.id).state == "failed"
    assert list(jobs.exports_dir(app).iterdir()) == []
    # Claimed once: running it again does nothing.
    jobs.run_job(app, job.id)
    assert db.get(ExportJob, job.id).state == "failed"


def test_a_job_that_cannot_be_claimed_is_logged_and_left_waiting(
        app, db, evaluator, people_first, monkeypatch, caplog) -> None:
    from sqlalchemy.exc import OperationalError

    from ppp_assess.web.benchmarks import jobs

    job = export_jobs.request_export(
        db, actor=evaluator, kind="evaluations", file_format="csv", version=people_first,
        filters=DashboardFilters(questionnaire_id="people-first"), language="en")
    db.commit()

    def locked(*_args, **_kwargs):
        raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked"))

    monkeypatch.setattr(export_jobs, "claim", locked)
    with caplog.at_level("ERROR", logger="ppp_assess.web.benchmarks.jobs"):
        jobs.run_job(app, job.id)  # a thread's target: it must not raise
    assert f"export job {job.id} could not be claimed" in caplog.text
    db.expire_all()
    assert db.get(ExportJob, job.id).state == "queued"


def _wait_done(client, url: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(url).get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"not finished: {status}")


def test_a_thread_of_the_server_runs_the_job_on_a_live_database(live_app) -> None:
    from ppp_assess.unit_of_work import get_database
    from tests.factories import Factory

    live_app.extensions["ppp_settings"] = live_app.extensions["ppp_settings"].with_overrides(
        {"jobs": "thread"})
    with live_app.app_context(), get_database(live_app).transaction() as session:
        factory = Factory(session)
        version = factory.questionnaires()["people-first"]
        for _ in range(2):
            approved_through_services(session, factory, version)
        user = factory.user(role=None, platform_roles=(PlatformRole.evaluator,))
        email = user.email
    client = live_app.test_client()
    sign_in(client, email)
    accepted = client.post("/api/v1/exports", json=REQUEST)
    assert accepted.status_code == 202
    status = _wait_done(client, accepted.headers["Location"])
    assert status["status"] == "done" and status["rows_done"] == 2


def test_an_rq_worker_runs_queued_jobs(make_app, db, factory, people_first, evaluator,
                                       runner) -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    app = make_app(redis_url="redis://127.0.0.1:6379/0", redis_prefix=prefix)
    approved_through_services(db, factory, people_first)
    db.commit()
    client = app.test_client()
    sign_in(client, evaluator.email)
    job = client.post("/api/v1/exports", json=REQUEST).get_json()
    # Queued in Redis, not run by the server.
    assert client.get(f"/api/v1/exports/{job['id']}").get_json()["status"] == "queued"
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    status = client.get(f"/api/v1/exports/{job['id']}").get_json()
    assert status["status"] == "done" and status["rows_done"] == 1, status


def test_the_bundle_command_writes_every_valid_certificate(app, db, factory, tmp_path) -> None:
    _scenario, certificate = certified(db, factory, app)
    target = tmp_path / "round.zip"
    result = app.test_cli_runner().invoke(
        args=["certificates", "bundle", "--questionnaire", "people-first", "--lang", "zh",
              str(target)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 certificates" in result.stdout
    assert "Writing certificates: 1/1" in result.stderr
    assert zipfile.ZipFile(target).namelist() == [f"certificate-{certificate.serial}-zh.pdf"]
    refused = app.test_cli_runner().invoke(
        args=["certificates", "bundle", "--questionnaire", "nothing", str(tmp_path / "x.zip")])
    assert refused.exit_code != 0 and "No published questionnaire" in refused.output
    assert not (tmp_path / "x.zip").exists()
