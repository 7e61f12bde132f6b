"""Evidence files at the edge: the storage, limits and scanner of the application, and
the download response shared by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, send_file
from werkzeug.wrappers import Response

from ppp_assess.config import Settings
from ppp_assess.models import EvidenceDocument
from ppp_assess.services import evidence
from ppp_assess.services.permissions import Person
from ppp_assess.unit_of_work import end_reading, get_database

_KEY = "ppp_evidence"
#: The endpoints that receive files.
UPLOAD_ENDPOINTS = frozenset({"api.attach_evidence", "assessments.attach_evidence"})


@dataclass(frozen=True)
class EvidenceSetup:
    """What the application stores evidence files in, and under which rules."""

    storage: evidence.EvidenceStorage
    limits: evidence.EvidenceLimits
    scanner: evidence.Scanner | None


def init_app(app: Flask, settings: Settings) -> None:
    """Build the application's evidence storage, limits and scanner from its settings."""
    scanner: evidence.Scanner | None = settings.evidence_scanner
    if scanner is None and settings.clamav_address:
        scanner = evidence.ClamdScanner(settings.clamav_address)
    app.extensions[_KEY] = EvidenceSetup(
        storage=evidence.LocalStorage(settings.evidence_dir),
        limits=evidence.EvidenceLimits(settings.evidence_max_file_size,
                                       settings.evidence_max_assessment_size),
        scanner=scanner)
    # First of all hooks: the signed-in user, the locale and the API's checks open the
    # request's unit of work, and a writing unit holds SQLite's write lock until it ends.
    app.before_request_funcs.setdefault(None, []).insert(0, read_upload_first)


def read_upload_first() -> None:
    """Receive an upload's body before anything opens the database.

    A slow client then sends its file while no transaction is open (on SQLite, while no
    write lock is held); Werkzeug spools the file to a temporary file on disk as it
    arrives, and a body over the request size limit is refused (413) right here.
    """
    if request.endpoint in UPLOAD_ENDPOINTS:
        _ = request.files


def evidence_setup() -> EvidenceSetup:
    """Return the current application's evidence setup."""
    setup: EvidenceSetup = current_app.extensions[_KEY]
    return setup


def download(document: EvidenceDocument, actor: Person) -> Response:
    """Return the document as a download, after writing the download to the audit log.

    The request reads (GET), so the audit event is written in a short transaction of its
    own. The file is always an attachment, with the type decided at upload and
    ``nosniff``, so a browser never renders it in the site's origin.
    """
    handle = evidence_setup().storage.open(document.sha256)
    end_reading()
    try:
        with get_database().transaction() as session:
            row = session.get(EvidenceDocument, document.id)
            if row is not None:
                evidence.record_download(session, row, actor=actor)
    except BaseException:
        handle.close()
        raise
    response = send_file(handle, mimetype=document.media_type, as_attachment=True,
                         download_name=document.name, conditional=False, etag=False,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.content_length = document.size
    return response
