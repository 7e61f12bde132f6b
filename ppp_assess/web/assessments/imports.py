"""The page that imports answers collected with ODK or KoboToolbox into a draft."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from ppp_assess import unit_of_work
from ppp_assess.domain.submissions import CheckedExport
from ppp_assess.services import assessments as service
from ppp_assess.services import permissions
from ppp_assess.services.errors import ServiceError
from ppp_assess.services.submissions import MAX_BYTES, ImportRejected, import_submissions
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.assessments import bp
from ppp_assess.web.errors import refuse
from ppp_assess.web.security import current_person, login_required
from ppp_assess.web.submissions import problem_text


@bp.route("/<int:assessment_id>/import", methods=["GET", "POST"])
@login_required
def import_answers(assessment_id: int) -> Response | tuple[str, int] | str:
    """Upload an ODK Central or KoboToolbox export; show the report of every row."""
    db = get_session()
    actor = current_person()
    assessment = permissions.get_own_assessment(db, actor, assessment_id)
    if not permissions.can_edit_assessment(db, actor, assessment):
        flash(_("This assessment has been submitted and can no longer be changed."), "info")
        return redirect(url_for("assessments.submitted", assessment_id=assessment.id))
    questionnaire = service.questionnaire_for(assessment)
    context = {"assessment": assessment, "questionnaire": questionnaire,
               "max_megabytes": MAX_BYTES // 2**20, "error": None, "report": None,
               "problem_text": problem_text}
    if request.method == "GET":
        return render_template("assessments/import.html", **context)
    upload = request.files.get("file")
    valid_only = request.form.get("valid_rows_only") == "yes"
    context["valid_only"] = valid_only
    if upload is None or not upload.filename:
        unit_of_work.fail()
        context["error"] = _("Choose a file to import.")
        return render_template("assessments/import.html", **context), 422
    try:
        result = import_submissions(db, assessment, actor=actor, filename=upload.filename,
                                    data=upload.stream.read(MAX_BYTES + 1),
                                    valid_rows_only=valid_only)
    except ImportRejected as error:
        context["error"] = refuse(error)
        context["report"] = _rows(error.checked)
        return render_template("assessments/import.html", **context), 422
    except ServiceError as error:
        context["error"] = refuse(error)
        return render_template("assessments/import.html", **context), error.status
    left_out = len(result.checked.invalid)
    message = ngettext("%(num)d answer imported.", "%(num)d answers imported.",
                       len(result.changed))
    if left_out:
        message += " " + ngettext("%(num)d row was left out.", "%(num)d rows were left out.",
                                  left_out)
    flash(message, "info")
    return redirect(url_for("assessments.check", assessment_id=assessment.id))


def _rows(checked: CheckedExport) -> list[dict[str, object]]:
    return [{"row": row.row, "ok": row.ok, "answers": len(row.answers),
             "problems": row.problems} for row in checked.rows]
