"""The programme portfolio: every assessed project's latest result, for evaluators."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _

from ppp_assess.domain.schema import Questionnaire
from ppp_assess.extensions import limiter
from ppp_assess.presentation import code_label, data_text, level_label
from ppp_assess.services import exports, permissions
from ppp_assess.services import portfolio as service
from ppp_assess.services.errors import Invalid
from ppp_assess.services.questionnaires import latest_versions, questionnaire_of
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.benchmarks import bp
from ppp_assess.web.benchmarks.forms import PortfolioForm
from ppp_assess.web.benchmarks.views import EXPORT_LIMIT, XLSX_TYPE, exporter_key
from ppp_assess.web.errors import refuse
from ppp_assess.web.projects.history import change_text, stage_text
from ppp_assess.web.security import current_person, permission_required

log = logging.getLogger(__name__)

#: Columns of the portfolio export (stable codes, as in the other exports).
EXPORT_HEADER = ("project_id", "project", "organisation", "country", "sector",
                 "questionnaire", "questionnaire_version", "assessment_id", "stage", "period",
                 "score", "level", "change", "approved_assessments", "certificate",
                 "approved_at")


def portfolio_form() -> PortfolioForm:
    """Return the portfolio's filter form, read from the query string, with its choices."""
    versions = latest_versions(get_session())
    form = PortfolioForm(formdata=request.args or None)
    levels: dict[str, str] = {}
    sections: dict[str, str] = {}
    for version in versions:
        questionnaire = questionnaire_of(version)
        for level in questionnaire.levels:
            levels.setdefault(level.id, _(level.label))
        for section in questionnaire.sections:
            sections.setdefault(section.id, f"{data_text(questionnaire.title)}: "
                                            f"{data_text(section.title)}")
    form.fill_choices([(version.questionnaire_id, _(version.title)) for version in versions],
                      list(levels.items()), list(sections.items()))
    return form


def portfolio_filters(form: PortfolioForm) -> service.PortfolioFilters:
    """Return the service's filters from a validated form."""
    return service.PortfolioFilters(
        questionnaire_id=form.questionnaire.data or None,
        country=(form.country.data or "").upper() or None,
        sector=form.sector.data or None,
        stage=form.stage.data or None,
        level=form.level.data or None,
        improved_by=form.improvement(),
        section=form.section.data or None,
    )


def row_level(questionnaires: dict[str, Questionnaire], row: service.PortfolioRow) -> str:
    """Return the translated level of a portfolio row, or a dash."""
    questionnaire = questionnaires.get(row.questionnaire_id)
    if questionnaire is None or row.level is None:
        return row.level or "–"
    return level_label(questionnaire, row.level) or "–"


def certificate_label(row: service.PortfolioRow) -> str:
    """Return the certificate status of a row in words."""
    return {"certified": _("Certified"), "revoked": _("Revoked")}.get(row.certificate,
                                                                      _("Not certified"))


@bp.get("/portfolio")
@permission_required(permissions.can_evaluate)
def portfolio() -> str | tuple[str, int]:
    """Show every assessed project's latest result, with a summary by country and level."""
    form = portfolio_form()
    page = request.args.get("page", 1, type=int) or 1
    if request.args and not form.validate():
        return render_template("benchmarks/portfolio.html", form=form, result=None), 422
    try:
        result = service.portfolio(get_session(), portfolio_filters(form), page=page)
    except Invalid as error:
        form.improved_by.errors = [*form.improved_by.errors, refuse(error)]
        return render_template("benchmarks/portfolio.html", form=form, result=None), 422
    titles = {qid: data_text(questionnaire.title)
              for qid, questionnaire in result.questionnaires.items()}
    export_query = {key: value for key, value in request.args.items()
                    if value and key in form.data}
    summary: dict[tuple[str, str], list[service.SummaryCell]] = {}
    for cell in result.summary:
        summary.setdefault((cell.country, cell.questionnaire_id), []).append(cell)
    return render_template(
        "benchmarks/portfolio.html", form=form, result=result, titles=titles,
        summary=summary, export_query=export_query,
        level_of=lambda row: row_level(result.questionnaires, row),
        summary_level=lambda cell: level_label(result.questionnaires[cell.questionnaire_id],
                                               cell.level)
        if cell.questionnaire_id in result.questionnaires and cell.level else _("No level"),
        certificate_label=certificate_label, change_text=change_text, stage_text=stage_text,
        code_label=code_label)


def export_rows(rows: Sequence[service.PortfolioRow]) -> Iterator[list[Any]]:
    """Yield the export's cells of each portfolio row (codes and exact numbers)."""
    for row in rows:
        yield [row.project_id, row.project_name, row.organisation_name, row.country,
               row.sector, row.questionnaire_id, row.questionnaire_version, row.assessment_id,
               row.stage, row.period, row.score, row.level, row.change, row.assessments,
               row.certificate,
               row.approved_at.isoformat() if row.approved_at is not None else None]


@bp.get("/portfolio/export.<any(csv, xlsx):file_format>")
@permission_required(permissions.can_export_evaluations)
@limiter.limit(lambda: str(current_app.config.get("EXPORT_LIMIT", EXPORT_LIMIT)),
               key_func=exporter_key)
def portfolio_export(file_format: str) -> Response:
    """Download every portfolio row the filters keep, as CSV or XLSX."""
    form = portfolio_form()
    if not form.validate():
        abort(400)
    try:
        rows = service.all_rows(get_session(), portfolio_filters(form))
    except Invalid:
        abort(400)
    log.info("portfolio export (%s, %d rows) by user %s", file_format, len(rows),
             current_person().id)
    headers = {"Content-Disposition": f'attachment; filename="portfolio.{file_format}"',
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if file_format == "csv":
        body = "".join(exports.csv_chunks(EXPORT_HEADER, export_rows(rows)))
        return Response(body, mimetype="text/csv", content_type="text/csv; charset=utf-8",
                        headers=headers)
    buffer = io.BytesIO()
    exports.write_xlsx(buffer, EXPORT_HEADER, export_rows(rows))
    return Response(buffer.getvalue(), mimetype=XLSX_TYPE, headers=headers)
