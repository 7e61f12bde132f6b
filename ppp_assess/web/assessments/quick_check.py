"""The quick self-check: the zero-tolerance checklist, anonymously, kept in the session.

Answers live only in the visitor's signed session cookie (question id -> value), scored
on every page. Signing in starts a fresh session, so the link to sign in carries the
answers in a signed, short-lived token that :func:`restore` puts back; a signed-in
member can then save them into a new assessment of one of their organisations.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from ppp_assess.domain.answers import clean_answers
from ppp_assess.domain.schema import Questionnaire, Section
from ppp_assess.domain.scoring import score
from ppp_assess.models import QuestionnaireVersion
from ppp_assess.services import assessments as service
from ppp_assess.services.errors import Conflict, Invalid, NotFound
from ppp_assess.services.projects import member_organisations
from ppp_assess.services.questionnaires import questionnaire_of
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.assessments.present import condition_data, score_payload
from ppp_assess.web.errors import refuse
from ppp_assess.web.questionnaire_form import (
    build_questionnaire_form,
    form_data,
    visible_with_submission,
)
from ppp_assess.web.security import current_person, login_required

bp = Blueprint("quick_check", __name__, url_prefix="/check")

#: The questionnaire of the quick check (organisation subject).
QUESTIONNAIRE_ID = "zero-tolerance-corruption"
#: Session key of the answers.
SESSION_KEY = "quick_check"
#: How many gaps the results list, largest first.
RESULT_GAPS = 10
#: How long the token carrying the answers through sign-in stays valid, in seconds.
TOKEN_MAX_AGE = 3600


def _version() -> QuestionnaireVersion:
    try:
        return service.latest_version(get_session(), QUESTIONNAIRE_ID)
    except NotFound:
        abort(404)


def _answers(version: QuestionnaireVersion) -> dict[str, Any]:
    """Return the visitor's answers for ``version`` (others are forgotten)."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("version") != version.version:
        return {}
    answers = stored.get("answers")
    return dict(answers) if isinstance(answers, dict) else {}


def _keep(version: QuestionnaireVersion, answers: dict[str, Any]) -> None:
    session[SESSION_KEY] = {"version": version.version, "answers": answers}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="quick-check")


def _question_url(section_id: str, question_id: str) -> str:
    return url_for("quick_check.section", section_id=section_id,
                   _anchor=f"question-{question_id}")


def _section_or_404(questionnaire: Questionnaire, section_id: str) -> Section:
    try:
        return questionnaire.section(section_id)
    except KeyError:
        abort(404)


def _section_url(section_id: str) -> str:
    return url_for("quick_check.section", section_id=section_id)


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"quick_section_url": _section_url}


@bp.get("/")
def start() -> str:
    """Introduce the quick self-check."""
    version = _version()
    questionnaire = questionnaire_of(version)
    answers = _answers(version)
    report = score(questionnaire, answers)
    return render_template("assessments/quick_start.html", questionnaire=questionnaire,
                           answered=len(answers),
                           score=score_payload(questionnaire, report,
                                               question_url=_question_url))


@bp.route("/<section_id>", methods=["GET", "POST"])
def section(section_id: str) -> str | Response | tuple[str | Response, int]:
    """Show one section of the checklist; keep its answers in the session."""
    version = _version()
    questionnaire = questionnaire_of(version)
    current = _section_or_404(questionnaire, section_id)
    answers = clean_answers(questionnaire, _answers(version))
    form_class = build_questionnaire_form(questionnaire, current, with_notes=False)
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.method == "GET":
        form = form_class(formdata=None, data=form_data(current, answers, with_notes=False))
        report = score(questionnaire, answers)
        form.set_visible(q.id for q in current.questions if report.questions[q.id].visible)
        return _render(questionnaire, current, form, report)
    form = form_class()
    visible = visible_with_submission(questionnaire, answers, form)
    form.set_visible(visible)
    if not form.validate():
        report = score(questionnaire, answers)
        if wants_json:
            return jsonify({"errors": form.errors}), 422
        return _render(questionnaire, current, form, report), 422
    for question in current.questions:
        answers.pop(question.id, None)
    answers.update(form.accepted_values())
    _keep(version, answers)
    report = score(questionnaire, answers)
    if wants_json:
        return jsonify({"score": score_payload(questionnaire, report,
                                               question_url=_question_url)})
    ids = [item.id for item in questionnaire.sections]
    index = ids.index(current.id)
    if index + 1 < len(ids):
        return redirect(url_for("quick_check.section", section_id=ids[index + 1]))
    return redirect(url_for("quick_check.results"))


def _render(questionnaire: Questionnaire, current: Section, form: Any, report: Any) -> str:
    sections = questionnaire.sections
    index = [item.id for item in sections].index(current.id)
    return render_template(
        "assessments/quick_section.html", questionnaire=questionnaire, section=current,
        form=form, section_number=index + 1,
        previous_section=sections[index - 1] if index > 0 else None,
        next_section=sections[index + 1] if index + 1 < len(sections) else None,
        score=score_payload(questionnaire, report, question_url=_question_url),
        condition_data=condition_data)


@bp.get("/results")
def results() -> str:
    """Show the score, the level and every gap, and offer to save the answers."""
    version = _version()
    questionnaire = questionnaire_of(version)
    answers = _answers(version)
    report = score(questionnaire, answers)
    organisations = []
    drafts: list[service.CopyPlan] = []
    if current_user.is_authenticated:
        organisations = member_organisations(get_session(), current_person())
        if answers:
            drafts = service.open_drafts_to_copy_into(get_session(), current_person(),
                                                      QUESTIONNAIRE_ID, version.version,
                                                      answers)
    token = _serializer().dumps({"version": version.version, "answers": answers})
    return render_template(
        "assessments/quick_results.html", questionnaire=questionnaire, answers=answers,
        report=report, organisations=organisations, drafts=drafts,
        score=score_payload(questionnaire, report, gap_limit=RESULT_GAPS,
                            question_url=_question_url),
        sign_in_url=url_for("auth.sign_in", next=url_for("quick_check.restore", token=token)))


@bp.get("/restore")
def restore() -> Response:
    """Put answers carried through sign-in back into the session."""
    version = _version()
    try:
        carried = _serializer().loads(request.args.get("token", ""), max_age=TOKEN_MAX_AGE)
    except BadSignature:
        flash(_("The link has expired. Your answers could not be restored."), "error")
        return redirect(url_for("quick_check.start"))
    if (isinstance(carried, dict) and carried.get("version") == version.version
            and isinstance(carried.get("answers"), dict)):
        _keep(version, carried["answers"])
    return redirect(url_for("quick_check.results"))


@bp.post("/save")
@login_required
def save() -> Response:
    """Save the answers into a new assessment of one of my organisations."""
    db = get_session()
    version = _version()
    answers = _answers(version)
    if not answers:
        flash(_("There are no answers to save yet."), "error")
        return redirect(url_for("quick_check.start"))
    organisation = request.form.get("organisation", type=int)
    try:
        assessment = service.start_assessment_with_answers(
            db, actor=current_person(), questionnaire_id=QUESTIONNAIRE_ID,
            version_label=version.version, organisation_id=organisation, values=answers)
    except Conflict as error:
        flash(refuse(error), "error")
        if error.code == "already_open" and isinstance(error.current, int):
            return redirect(url_for("assessments.show", assessment_id=error.current))
        return redirect(url_for("quick_check.results"))
    except Invalid as error:
        flash(refuse(error), "error")
        return redirect(url_for("quick_check.results"))
    session.pop(SESSION_KEY, None)
    flash(_("Your answers are saved in a new assessment. Add comments and evidence, then "
            "submit it for review."), "info")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.post("/copy")
@login_required
def copy() -> Response:
    """Copy the answers into an open draft: question by question where both have one."""
    db = get_session()
    version = _version()
    answers = _answers(version)
    if not answers:
        flash(_("There are no answers to save yet."), "error")
        return redirect(url_for("quick_check.start"))
    wanted = request.form.get("assessment", type=int)
    base_version = request.form.get("base_version", type=int)
    plans = {plan.assessment.id: plan for plan in service.open_drafts_to_copy_into(
        db, current_person(), QUESTIONNAIRE_ID, version.version, answers)}
    plan = plans.get(wanted) if wanted is not None else None
    if plan is None or base_version is None:
        flash(_("This draft cannot take the answers: it is no longer open to you, or the "
                "questionnaire has changed."), "error")
        return redirect(url_for("quick_check.results"))
    take = [question_id for question_id in plan.differing
            if request.form.get(f"take-{question_id}") == "quick"]
    try:
        service.copy_answers_into(db, plan, take=take, base_version=base_version,
                                  actor=current_person())
    except Conflict as error:
        if error.code == "stale":
            flash(_("Someone changed the draft while you were choosing. Compare the answers "
                    "again."), "error")
        else:
            flash(refuse(error), "error")
        return redirect(url_for("quick_check.results"))
    session.pop(SESSION_KEY, None)
    flash(_("Your answers are copied into the draft. Check them, add comments and evidence, "
            "then submit it for review."), "info")
    return redirect(url_for("assessments.show", assessment_id=plan.assessment.id))


@bp.post("/clear")
def clear() -> Response:
    """Forget the visitor's answers."""
    session.pop(SESSION_KEY, None)
    flash(_("Your answers have been cleared."), "info")
    return redirect(url_for("quick_check.start"))
