"""Running export jobs: in a thread of this server, on an RQ worker, or inline.

A job is started once the transaction that asked for it has committed (an after-commit
hook), never inside it. Where it runs follows ``PPP_ASSESS_JOBS``
(:attr:`~ppp_assess.config.Settings.job_runner`):

- ``thread``: a thread of the app server that took the request. Enough for one server;
  a job cut short by a restart shows as stalled and can be asked for again.
- ``rq``: queued in Redis; ``flask jobs worker`` processes, on any machine with the
  same configuration and instance folder (or shared storage), run it.
- ``inline``: right after the response, in the same thread (tests and scripts).

Whoever runs it claims the row first, so a job runs once, and reports its progress on
the row in short transactions, so every server's page can show it.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, send_file
from flask_babel import force_locale

from ppp_assess import presentation
from ppp_assess.config import get_settings
from ppp_assess.models import Certificate, ExportJob, QuestionnaireVersion
from ppp_assess.services import export_jobs, exports
from ppp_assess.services.benchmarks import DashboardFilters
from ppp_assess.services.errors import Conflict, NotFound
from ppp_assess.services.questionnaires import questionnaire_of
from ppp_assess.unit_of_work import end_reading, get_database, get_session, on_commit
from ppp_assess.web.security import current_person

log = logging.getLogger(__name__)

#: Progress is written at most this often (seconds), and at the end.
PROGRESS_EVERY = 0.5


def exports_dir(app: Flask) -> Path:
    """Return the folder the prepared files are kept in (created on first use)."""
    folder = Path(get_settings(app).instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def queue_name(app: Flask) -> str:
    """Return the RQ queue this installation's exports go to."""
    return f"{get_settings(app).redis_prefix}exports"


def _queue(app: Flask) -> Any:
    from redis import Redis
    from rq import Queue

    settings = get_settings(app)
    return Queue(queue_name(app), connection=Redis.from_url(str(settings.redis_url)))


def _start_requested(info: Mapping[str, Any]) -> None:
    job_ids = export_jobs.requested_jobs(info)
    if not job_ids:
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    runner = get_settings(app).job_runner
    for job_id in job_ids:
        if runner == "rq":
            _queue(app).enqueue(run_queued, job_id, job_timeout=6 * 3600,
                                description=f"export {job_id}")
        elif runner == "inline":
            run_job(app, job_id)
        else:
            threading.Thread(target=run_job, args=(app, job_id), name=f"export-{job_id}",
                             daemon=True).start()


def run_queued(job_id: int) -> None:
    """The RQ job: run export ``job_id`` in the worker's application."""
    run_job(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]


class _Progress:
    """Counts rows as they are written and reports them on the job's row now and then."""

    def __init__(self, app: Flask, job_id: int) -> None:
        self.app = app
        self.job_id = job_id
        self.done = 0
        self._reported = 0.0

    def report(self, total: int | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._reported < PROGRESS_EVERY:
            return
        self._reported = now
        with get_database(self.app).transaction() as session:
            export_jobs.record_progress(session, self.job_id, done=self.done, total=total)

    def count(self, items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            yield item
            self.done += 1
            self.report()


def run_job(app: Flask, job_id: int) -> None:
    """Claim export ``job_id`` and write its file, reporting progress; never raises."""
    with app.app_context():
        database = get_database(app)
        try:
            with database.transaction() as session:
                job = export_jobs.claim(session, job_id)
                if job is None:
                    log.info("export job %s not run: it is not waiting to start", job_id)
                    return
                kind, file_format, language = job.kind, job.file_format, job.language
                version_id = job.questionnaire_version_id
                filters = export_jobs.filters_of(job)
        except Exception:
            # Left waiting: the page shows it stalled after a while and offers to ask again.
            log.exception("export job %s could not be claimed", job_id)
            return
        folder = exports_dir(app)
        stored_name = f"{job_id}-{secrets.token_hex(8)}.{file_format}"
        partial = folder / f"{stored_name}.part"
        progress = _Progress(app, job_id)
        try:
            with force_locale(language), database.reading() as reader:
                version = reader.get_one(QuestionnaireVersion, version_id)
                if kind == "certificates":
                    total = export_jobs.count_certificates(reader, version, filters)
                    progress.report(total, force=True)
                    write_certificates_zip(reader, version, filters, language, partial,
                                           progress.count)
                else:
                    total = exports.count_export_rows(reader, version, filters=filters)
                    progress.report(total, force=True)
                    _write_rows(reader, version, filters, language, file_format, partial,
                                progress)
            os.replace(partial, folder / stored_name)
            size = (folder / stored_name).stat().st_size
            with database.transaction() as session:
                export_jobs.finish(session, job_id, stored_name=stored_name, size=size,
                                   rows=progress.done)
            log.info("export job %s done: %s rows, %s bytes", job_id, progress.done, size)
        except Exception as error:
            log.exception("export job %s failed", job_id)
            partial.unlink(missing_ok=True)
            with database.transaction() as session:
                export_jobs.fail(session, job_id, type(error).__name__)


def _write_rows(reader: Any, version: QuestionnaireVersion,
                filters: DashboardFilters, language: str, file_format: str,
                target: Path, progress: _Progress) -> None:
    questionnaire = questionnaire_of(version)
    header = exports.export_header(questionnaire)
    localiser = presentation.localiser(language)
    if file_format == "xlsx":
        rows = progress.count(exports.iter_export_rows(reader, version, filters=filters,
                                                       localiser=localiser))
        exports.write_xlsx(str(target), header, rows,
                           exports.column_descriptions(questionnaire, localiser))
        return
    lines = progress.count(exports.iter_csv_lines(reader, version, filters=filters,
                                                  localiser=localiser))
    with open(target, "w", encoding="utf-8", newline="") as handle:
        for chunk in exports.csv_file_chunks(header, lines):
            handle.write(chunk)


def write_certificates_zip(
        reader: Any, version: QuestionnaireVersion, filters: DashboardFilters,
        language: str, target: Path,
        follow: Callable[[Iterator[Certificate]], Iterator[Certificate]] = iter) -> int:
    """Write the PDF of every valid certificate of the filtered round into a ZIP file.

    Each is rendered in ``language`` and signed as the download page signs it.

    :param follow: wraps the certificates as they are written (progress).
    :return: how many were written.
    """
    from ppp_assess.web.certificates.documents import certificate_pdf

    written = 0
    # PDFs are compressed already: stored as they are.
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        certificates = export_jobs.iter_certificates(reader, version, filters)
        for certificate in follow(certificates):
            archive.writestr(_member_name(certificate, language),
                             certificate_pdf(reader, certificate, language))
            written += 1
    return written


def _member_name(certificate: Certificate, language: str) -> str:
    # The serial alone: user text never becomes a path inside the archive.
    return f"certificate-{certificate.serial}-{language}.pdf"


def stored_file(app: Flask, job: ExportJob) -> Path | None:
    """Return the file of a finished job, if it is still there."""
    if job.state != export_jobs.DONE or not job.stored_name:
        return None
    path = exports_dir(app) / job.stored_name
    return path if path.is_file() else None


#: The media type of each format.
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "zip": "application/zip"}


def export_download(job_id: int) -> Response:
    """Return the file of the caller's finished export ``job_id`` as an attachment."""
    job = export_jobs.job_for(get_session(), current_person(), job_id)
    path = stored_file(current_app._get_current_object(),  # type: ignore[attr-defined]
                       job)
    if job.state != export_jobs.DONE:
        raise Conflict("This export is not ready yet.", code="not_ready")
    if path is None:
        raise NotFound("This export's file is no longer kept: ask for it again.")
    # Reading is recorded too, in a transaction of its own (as for direct exports),
    # once the request's reading unit is over.
    actor_id = current_person().id
    job_id, name, file_format = job.id, job.file_name, job.file_format
    end_reading()
    with get_database().transaction() as session:
        export_jobs.record_download(session, job_id, actor_id=actor_id)
    response = send_file(path, mimetype=MEDIA_TYPES[file_format], as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    """Start the jobs a request or command asked for once it has committed."""
    on_commit(app, _start_requested)
