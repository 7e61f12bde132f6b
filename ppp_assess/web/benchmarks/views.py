"""Views of the benchmarks blueprint: the peer comparison, the evaluators' dashboard and
exports, and the public showcase."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from itertools import islice
from typing import Any, Generic, TypeVar

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from ppp_assess import presentation
from ppp_assess.config import get_settings
from ppp_assess.domain.reference import SubjectType
from ppp_assess.extensions import limiter
from ppp_assess.models import QuestionnaireVersion
from ppp_assess.services import benchmarks as service
from ppp_assess.services import export_jobs, exports, permissions
from ppp_assess.services.questionnaires import latest_versions, questionnaire_of
from ppp_assess.unit_of_work import end_reading, get_database, get_session
from ppp_assess.web.benchmarks import bp
from ppp_assess.web.benchmarks.forms import DashboardForm, PeerGroupForm, PrepareExportForm
from ppp_assess.web.benchmarks.jobs import export_download
from ppp_assess.web.benchmarks.present import FILTER_LABELS, is_rtl, optional_url
from ppp_assess.web.charts import bar_chart, histogram_chart, render_svg
from ppp_assess.web.locale import available_locales
from ppp_assess.web.security import current_person, login_required, permission_required

log = logging.getLogger(__name__)

_Chunk = TypeVar("_Chunk")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Downloads per evaluator: enough for any person's work, too few to copy the data set
#: under every filter, and each export reads every matching assessment.
EXPORT_LIMIT = "10 per minute;200 per day"


def peer_group_min() -> int:
    """Return the smallest peer group that shows statistics (``PPP_ASSESS_PEER_MIN``)."""
    return get_settings(current_app).peer_group_min


# --------------------------------------------------------------------------- peers


@bp.get("/benchmarks/assessments/<int:assessment_id>")
@login_required
def assessment_benchmark(assessment_id: int) -> str:
    """Show where an assessment stands among its peers, in a group the viewer narrows."""
    db = get_session()
    assessment = permissions.get_assessment(db, current_person(), assessment_id)
    form = PeerGroupForm(formdata=request.args or None)
    own = service.matchable_filters(db, assessment)
    form.match.choices = [(name, _("%(attribute)s: %(value)s", attribute=FILTER_LABELS[name],
                                   value=presentation.code_label(name, value)))
                          for name, value in own.items()]
    match = form.match.data if form.validate() else []
    benchmark = service.benchmark_for_assessment(db, assessment, k=peer_group_min(),
                                                 match=match or ())
    subject_name = (assessment.project.name if assessment.project is not None
                    else assessment.organisation.name)
    return render_template("benchmarks/assessment.html", form=form, benchmark=benchmark,
                           assessment=assessment, subject_name=subject_name)


# --------------------------------------------------------------------------- dashboard


def _level_choices(versions: list[QuestionnaireVersion]) -> list[tuple[str, str]]:
    choices: dict[str, str] = {}
    for version in versions:
        for level in questionnaire_of(version).levels:
            choices.setdefault(level.id, _(level.label))
    return list(choices.items())


def _dashboard_form(versions: list[QuestionnaireVersion]) -> DashboardForm:
    form = DashboardForm(formdata=request.args or None)
    form.fill_choices(
        [(version.questionnaire_id, _(version.title)) for version in versions],
        _level_choices(versions))
    return form


def _filters(form: DashboardForm) -> service.DashboardFilters:
    return service.DashboardFilters(
        questionnaire_id=form.questionnaire.data or None,
        country=(form.country.data or "").upper() or None,
        region=form.region.data or None,
        sector=form.sector.data or None,
        stage=form.stage.data or None,
        level=form.level.data or None,
        approved_from=form.approved_from.data,
        approved_to=form.approved_to.data,
    )


def _bin_labels() -> list[str]:
    return [_("%(low)s–%(high)s", low=low, high=low + 10) for low in range(0, 100, 10)]


@bp.get("/evaluations")
@permission_required(permissions.can_evaluate)
def dashboard() -> str | tuple[str, int]:
    """Show approved and certified assessments with their distributions and weak spots."""
    db = get_session()
    versions = latest_versions(db)
    form = _dashboard_form(versions)
    if request.args and not form.validate():
        return render_template("benchmarks/dashboard.html", form=form, result=None), 422
    filters = _filters(form)
    result = service.dashboard(db, filters)
    rtl = is_rtl()
    labels = _bin_labels()
    histogram = render_svg(histogram_chart(
        result.histogram, bin_labels=labels, title=_("Distribution of overall scores"),
        description=_("Number of assessments by overall score, in steps of 10 points, "
                      "from 0 to 100; the table below gives the same numbers."), rtl=rtl),
        "score-histogram")
    titles = {version.questionnaire_id: _(version.title) for version in versions}
    level_groups: dict[str, list[service.LevelCount]] = {}
    for row in result.levels:
        level_groups.setdefault(row.questionnaire_id, []).append(row)
    level_charts = {
        questionnaire_id: render_svg(bar_chart(
            [(_(row.label) if row.label else (row.level or _("No level")), row.count)
             for row in rows],
            title=_("Levels reached: %(questionnaire)s",
                    questionnaire=titles.get(questionnaire_id, questionnaire_id)),
            description=_("Number of assessments at each level; the table gives the same "
                          "numbers."), rtl=rtl),
            f"levels-{questionnaire_id}")
        for questionnaire_id, rows in level_groups.items()
    }
    links = {
        row.assessment_id: {
            "report": optional_url("certificates.report", assessment_id=row.assessment_id),
            "certificate": optional_url("certificates.download",
                                        assessment_id=row.assessment_id)
            if row.certificate_serial else None,
        }
        for row in result.rows
    }
    level_labels = {(version.questionnaire_id, level.id): _(level.label)
                    for version in versions for level in questionnaire_of(version).levels}
    # The page's own language switch is not passed on: the export has its own choice.
    export_query = {key: value for key, value in request.args.items()
                    if value and key in form.data}
    return render_template(
        "benchmarks/dashboard.html", form=form, result=result, histogram=histogram,
        bin_labels=labels, level_groups=level_groups, level_charts=level_charts,
        titles=titles, links=links, filters=filters, export_query=export_query,
        level_labels=level_labels, languages=_languages(),
        prepare_form=_prepare_form() if permissions.can_export_evaluations(current_person())
        else None,
        recent_exports=export_jobs.recent_jobs(db, current_person(), limit=5))


def _languages() -> list[tuple[str, str]]:
    return [(code, presentation.language_name(code)) for code in available_locales()]


def _prepare_form() -> PrepareExportForm:
    form = PrepareExportForm()
    form.language.choices = _languages()
    if not form.is_submitted():
        form.language.data = str(get_locale() or "en")
    return form


# --------------------------------------------------------------------------- exports


class _Started(Generic[_Chunk]):
    """A stream whose first chunk was made in the view, then the rest as the server asks.

    What a stream reads before its first byte (the export's first rows) then fails as
    any request does: a database gone away answers 503 rather than a broken response
    (once the status is sent, a failure can only cut the body short). Closing it closes
    the stream, whether or not the server asked for a chunk.
    """

    def __init__(self, stream: Iterator[_Chunk]) -> None:
        self._stream = stream
        self._first = list(islice(stream, 1))

    def __iter__(self) -> Iterator[_Chunk]:
        first, self._first = self._first, []
        yield from first
        yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


def exporter_key() -> str:
    """Count a user's exports together, downloads and prepared ones alike."""
    return f"export:{current_person().id}"


@bp.get("/evaluations/export.<any(csv, xlsx):file_format>")
@permission_required(permissions.can_export_evaluations)
@limiter.limit(lambda: str(current_app.config.get("EXPORT_LIMIT", EXPORT_LIMIT)),
               key_func=exporter_key)
def export(file_format: str) -> Response:
    """Download the filtered approved and certified assessments of one questionnaire
    version with their answers."""
    db = get_session()
    versions = latest_versions(db)
    form = _dashboard_form(versions)
    if not form.validate() or not form.questionnaire.data:
        abort(400)
    version = exports.find_version(db, form.questionnaire.data,
                                   request.args.get("version") or None)
    language = request.args.get("language") or str(get_locale() or "en")
    if language not in available_locales():
        abort(400)
    filters = _filters(form)
    questionnaire = questionnaire_of(version)
    header = exports.export_header(questionnaire)
    name = f"{version.questionnaire_id}-{version.version}-{language}.{file_format}"
    actor_id = current_person().id
    log.info("export %s %s (%s) by user %s", version.questionnaire_id, version.version,
             file_format, actor_id)

    database = get_database()

    def record(rows: int, *, complete: bool) -> None:
        # Once the response is finished, in a transaction of its own (see
        # exports.record_export): after the request's unit of work, never inside it.
        with database.transaction() as audit_session:
            exports.record_export(
                audit_session, actor_id=actor_id,
                version=audit_session.get_one(QuestionnaireVersion, version_id),
                file_format=file_format, filters=filters, language=language, rows=rows,
                complete=complete)

    version_id = version.id
    headers = {"Content-Disposition": f'attachment; filename="{name}"',
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if file_format == "csv":

        def generate() -> Iterator[str]:
            # The request's unit of work is finished before the first byte leaves: the
            # stream reads through a short session of its own, closed when the stream
            # ends or the client goes away, and never holds a write lock.
            written = 0
            complete = False

            def counted(lines: Iterator[str]) -> Iterator[str]:
                nonlocal written
                for line in lines:
                    written += 1
                    yield line

            try:
                with get_database().reading() as stream_session, force_locale(language):
                    lines = exports.iter_csv_lines(
                        stream_session,
                        stream_session.get_one(QuestionnaireVersion, version_id),
                        filters=filters, localiser=presentation.localiser(language))
                    yield from exports.csv_file_chunks(header, counted(lines))
                complete = True
            finally:
                record(written, complete=complete)

        # The request's own reading ends before the stream's begins (its first chunk is
        # made here, so that a database gone away answers 503).
        end_reading()
        return Response(_Started(stream_with_context(generate())), mimetype="text/csv",
                        content_type="text/csv; charset=utf-8", headers=headers)
    with force_locale(language):
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115  (handed to send_file)
            prefix="ppp-export-", suffix=".xlsx", delete=False)
        try:
            handle.close()
            localiser = presentation.localiser(language)
            written = exports.write_xlsx(
                handle.name, header,
                exports.iter_export_rows(db, version, filters=filters, localiser=localiser),
                exports.column_descriptions(questionnaire, localiser))
            stream = open(handle.name, "rb")  # noqa: SIM115  (closed by the response)
        finally:
            # The open file stays readable after unlinking; nothing is left on disk.
            os.unlink(handle.name)
    size = os.fstat(stream.fileno()).st_size

    def send_workbook() -> Iterator[bytes]:
        complete = False
        try:
            with stream:
                while chunk := stream.read(64 * 1024):
                    yield chunk
            complete = True
        finally:
            record(written, complete=complete)

    return Response(stream_with_context(send_workbook()), mimetype=XLSX_TYPE,
                    headers={**headers, "Content-Length": str(size)})


# ------------------------------------------------------------------ prepared exports


@bp.post("/evaluations/exports")
@permission_required(permissions.can_export_evaluations)
@limiter.limit(lambda: str(current_app.config.get("EXPORT_LIMIT", EXPORT_LIMIT)),
               key_func=exporter_key)
def prepare_export() -> ResponseReturnValue:
    """Ask for an export of the filtered round; it is prepared in the background."""
    db = get_session()
    versions = latest_versions(db)
    filters_form = DashboardForm(formdata=request.form)
    filters_form.fill_choices(
        [(version.questionnaire_id, _(version.title)) for version in versions],
        _level_choices(versions))
    form = _prepare_form()
    if not form.validate_on_submit():
        abort(400)
    if not filters_form.validate() or not filters_form.questionnaire.data:
        flash(_("Choose a questionnaire in the filters to export its assessments and "
                "answers."), "error")
        return redirect(url_for("benchmarks.dashboard"), 303)
    version = exports.find_version(db, filters_form.questionnaire.data, None)
    job = export_jobs.request_export(
        db, actor=current_person(), kind=form.kind.data, file_format=form.file_format.data,
        version=version, filters=_filters(filters_form), language=form.language.data)
    return redirect(url_for("benchmarks.export_job", job_id=job.id), 303)


@bp.get("/evaluations/exports/<int:job_id>")
@permission_required(permissions.can_export_evaluations)
def export_job(job_id: int) -> str:
    """Show how far an export is, and its download link once done."""
    job = export_jobs.job_for(get_session(), current_person(), job_id)
    return render_template("benchmarks/export_job.html", job=job,
                           stalled=export_jobs.is_stalled(job),
                           finished=job.state in (export_jobs.DONE, export_jobs.FAILED))


@bp.get("/evaluations/exports/<int:job_id>/file")
@permission_required(permissions.can_export_evaluations)
def export_job_file(job_id: int) -> Response:
    """Download the file of a finished export."""
    return export_download(job_id)


# --------------------------------------------------------------------------- showcase


def _showcase_links(entries: list[service.ShowcaseEntry]) -> dict[int, str | None]:
    return {entry.assessment_id: optional_url("certificates.verify",
                                              serial=entry.certificate_serial)
            if entry.certificate_serial else None for entry in entries}


@bp.get("/showcase")
def showcase() -> str:
    """List the people-first projects whose organisations chose to publish their result."""
    entries = service.showcase(get_session())
    return render_template("benchmarks/showcase.html", entries=entries,
                           certificate_links=_showcase_links(entries))


@bp.get("/showcase/manage")
@login_required
def manage_showcase() -> str:
    """Let an organisation's administrators choose what the public showcase shows."""
    db = get_session()
    actor = current_person()
    candidates = service.showcase_candidates(db, actor)
    return render_template(
        "benchmarks/manage_showcase.html", candidates=candidates,
        subject_project=SubjectType.project,
        can_publish=lambda assessment: permissions.can_publish_result(db, actor, assessment),
        can_withdraw=lambda assessment: permissions.can_withdraw_result(db, actor,
                                                                        assessment),
        renamed=service.renamed_since_published)


@bp.post("/showcase/assessments/<int:assessment_id>")
@login_required
def set_showcased(assessment_id: int) -> ResponseReturnValue:
    """Publish an assessment on the showcase, or withdraw it."""
    action = request.form.get("action")
    if action not in {"publish", "withdraw"}:
        abort(400)
    db = get_session()
    service.set_showcased(db, assessment_id, actor=current_person(),
                          publish=action == "publish")
    if action == "publish":
        flash(_("The result is now on the public showcase."), "info")
    else:
        flash(_("The result has been withdrawn from the public showcase."), "info")
    return redirect(url_for("benchmarks.manage_showcase"))


def template_helpers() -> dict[str, Any]:
    """Return the helpers the benchmark templates (and the panel partial) use."""
    from ppp_assess.web.benchmarks import present

    return {
        "export_status_label": present.export_status_label,
        "benchmark_chart": present.peer_chart,
        "benchmark_filters": present.filter_labels,
        "benchmark_reason": present.suppressed_message,
        "benchmark_readiness": present.readiness,
        "benchmark_url": lambda benchmark: optional_url(
            "benchmarks.assessment_benchmark", assessment_id=benchmark.assessment_id)
        if benchmark.assessment_id is not None else None,
    }
