"""Exports of a whole round prepared in the background: the rows, or every certificate.

An evaluator asks for an export; :func:`request_export` writes an :class:`ExportJob`
row in the request's transaction and notes its id in the session, so the web layer
starts it once the transaction has committed (in a thread of the app server, or on an
RQ worker when Redis is configured). The process that runs it claims the row, writes the
file in the instance folder and reports its progress on the row in short transactions
of its own, so the page of any server can show how far it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ppp_assess.models import (
    Assessment,
    Certificate,
    ExportJob,
    Organisation,
    Project,
    QuestionnaireVersion,
)
from ppp_assess.models.base import utcnow
from ppp_assess.services import audit, exports, permissions
from ppp_assess.services.benchmarks import DashboardFilters, evaluated_conditions
from ppp_assess.services.errors import Forbidden, Invalid, NotFound
from ppp_assess.services.permissions import Person

#: The formats each kind of export is written in.
FORMATS: Mapping[str, tuple[str, ...]] = {
    "evaluations": ("csv", "xlsx"),
    "certificates": ("zip",),
}
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
#: Where a committed session's info lists the jobs it asked for.
JOBS_KEY = "export_jobs"
#: A running job whose runner went away (a restarted server) is given up after this long
#: without progress, so that its page does not wait for ever.
STALE_AFTER = dt.timedelta(minutes=30)

EXPORT_REQUESTED = "export.requested"
EXPORT_FILE_DOWNLOADED = "export.file_downloaded"


def filters_of(job: ExportJob) -> DashboardFilters:
    """Return the dashboard filters a job was asked with."""
    stored = dict(job.filters or {})
    for name in ("approved_from", "approved_to"):
        if stored.get(name):
            stored[name] = dt.date.fromisoformat(stored[name])
    return DashboardFilters(**stored)


def request_export(session: Session, *, actor: Person, kind: str, file_format: str,
                   version: QuestionnaireVersion, filters: DashboardFilters,
                   language: str) -> ExportJob:
    """Ask for an export of the filtered decided assessments of ``version``.

    :raises Forbidden: when ``actor`` may not export.
    :raises Invalid: for an unknown kind or a format that kind is not written in.
    """
    if not permissions.can_export_evaluations(actor):
        raise Forbidden("You may not export assessments.")
    if kind not in FORMATS:
        raise Invalid("Choose what to export.", fields={"kind": "unknown"})
    if file_format not in FORMATS[kind]:
        raise Invalid("This export is not available in that format.",
                      fields={"format": "unsupported"})
    stem = f"{version.questionnaire_id}-{version.version}-{language}"
    name = f"certificates-{stem}.zip" if kind == "certificates" else f"{stem}.{file_format}"
    job = ExportJob(user_id=actor.id, kind=kind, file_format=file_format, language=language,
                    questionnaire_version_id=version.id, filters=exports.filter_values(filters),
                    state=QUEUED, rows_done=0, file_name=name)
    session.add(job)
    session.flush()
    audit.record_event(
        session, actor_id=actor.id, action=EXPORT_REQUESTED, object_type="export_job",
        object_id=job.id,
        after={"kind": kind, "format": file_format, "language": language,
               "questionnaire": version.questionnaire_id, "version": version.version,
               "filters": job.filters})
    session.info.setdefault(JOBS_KEY, []).append(job.id)
    return job


def record_download(session: Session, job_id: int, *, actor_id: int) -> None:
    """Record in the audit log that a prepared export's file was downloaded."""
    job = session.get_one(ExportJob, job_id)
    audit.record_event(
        session, actor_id=actor_id, action=EXPORT_FILE_DOWNLOADED, object_type="export_job",
        object_id=job.id, after={"kind": job.kind, "format": job.file_format,
                                 "rows": job.rows_done, "file": job.file_name})


def requested_jobs(info: Mapping[str, Any]) -> list[int]:
    """Return the ids of the jobs a committed unit of work asked for."""
    return list(info.get(JOBS_KEY, ()))


def job_for(session: Session, actor: Person, job_id: int) -> ExportJob:
    """Return ``actor``'s job ``job_id``.

    :raises NotFound: when there is none, or it is someone else's.
    """
    job = session.get(ExportJob, job_id)
    if job is None or job.user_id != actor.id:
        raise NotFound("This export does not exist.")
    return job


def is_stalled(job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Whether a queued or running job has shown no sign of life for too long.

    Its runner went away (a server restarted mid-export): the page offers to ask again.
    """
    if job.state not in (QUEUED, RUNNING):
        return False
    last = job.finished_at or job.started_at or job.created_at
    return (now or utcnow()) - last > STALE_AFTER


def recent_jobs(session: Session, actor: Person, limit: int = 10) -> list[ExportJob]:
    """Return ``actor``'s latest jobs, newest first."""
    return list(session.scalars(
        select(ExportJob).where(ExportJob.user_id == actor.id)
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc()).limit(limit)))


def claim(session: Session, job_id: int) -> ExportJob | None:
    """Mark a queued job running and return it, or ``None`` when it is not queued.

    Two runners given the same job (a retried RQ job, say) run it once.
    """
    job = session.scalar(select(ExportJob).where(ExportJob.id == job_id).with_for_update())
    if job is None or job.state != QUEUED:
        return None
    job.state = RUNNING
    job.started_at = utcnow()
    session.flush()
    return job


def record_progress(session: Session, job_id: int, *, done: int,
                    total: int | None = None) -> None:
    """Write how many rows (or certificates) are done."""
    job = session.get_one(ExportJob, job_id)
    job.rows_done = done
    if total is not None:
        job.rows_total = total
    # ``finished_at`` doubles as the time of the last sign of life while running.
    job.finished_at = utcnow()
    session.flush()


def finish(session: Session, job_id: int, *, stored_name: str, size: int, rows: int) -> None:
    """Mark a job done with its file."""
    job = session.get_one(ExportJob, job_id)
    job.state = DONE
    job.stored_name = stored_name
    job.size = size
    job.rows_done = rows
    job.rows_total = rows
    job.finished_at = utcnow()
    job.error = None
    session.flush()


def fail(session: Session, job_id: int, reason: str) -> None:
    """Mark a job failed, with a short reason for the log and the page."""
    job = session.get_one(ExportJob, job_id)
    job.state = FAILED
    job.error = reason[:500]
    job.finished_at = utcnow()
    session.flush()


def certificates_query(version: QuestionnaireVersion, filters: DashboardFilters) -> Any:
    """Return the select of the valid certificates of the filtered assessments, by id."""
    return (
        select(Certificate.id)
        .join(Assessment, Assessment.id == Certificate.assessment_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .outerjoin(Project, Project.id == Assessment.project_id)
        .where(Assessment.questionnaire_version_id == version.id,
               Certificate.revoked_at.is_(None), *evaluated_conditions(filters))
        .order_by(Certificate.id)
    )


def count_certificates(session: Session, version: QuestionnaireVersion,
                       filters: DashboardFilters) -> int:
    """Return how many certificates :func:`iter_certificates` yields."""
    query = certificates_query(version, filters).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(query)) or 0


def iter_certificates(session: Session, version: QuestionnaireVersion,
                      filters: DashboardFilters, batch_size: int = 100) -> Iterator[Certificate]:
    """Yield the valid certificates of the filtered assessments, in batches by id."""
    last = 0
    while True:
        ids = list(session.scalars(certificates_query(version, filters)
                                   .where(Certificate.id > last).limit(batch_size)))
        if not ids:
            return
        yield from session.scalars(select(Certificate).where(Certificate.id.in_(ids))
                                   .order_by(Certificate.id))
        last = ids[-1]


def job_facts(job: ExportJob) -> dict[str, Any]:
    """Return what the API says of a job (without its download address)."""
    return {
        "id": job.id,
        "kind": job.kind,
        "format": job.file_format,
        "language": job.language,
        "status": job.state,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "file_name": job.file_name,
        "size": job.size,
        "stalled": is_stalled(job),
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.state in (DONE, FAILED)
        and job.finished_at else None,
    }
