"""Views of the review blueprint: the queue, starting a review, the review page, decisions."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ppp_assess import presentation
from ppp_assess.domain.board import ASSIGNMENT_STATUS_LABELS, role_label
from ppp_assess.domain.evidence import VERDICT_LABELS, Verdict
from ppp_assess.domain.workflow import STATUS_LABELS, Decision, Status
from ppp_assess.models import Assessment, User
from ppp_assess.services import board, evidence, permissions, reviews
from ppp_assess.services.accounts import list_organisations
from ppp_assess.services.errors import Conflict, Forbidden, Invalid
from ppp_assess.services.projects import country_codes
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.errors import refuse
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.review import bp, display
from ppp_assess.web.review.forms import (
    COMMENT_PREFIX,
    AssignForm,
    DecisionForm,
    DeclineForm,
    InterestForm,
    QueueFilterForm,
    RecommendationForm,
    StartReviewForm,
)
from ppp_assess.web.security import current_actor, permission_required


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {
        "safe_link": display.safe_link,
        "comment_prefix": COMMENT_PREFIX,
        "Decision": Decision,
    }


def _question_comments(form: MultiDict[str, str]) -> dict[str, str]:
    """Return the per-question comments of a submitted decision form, by question id."""
    return {key[len(COMMENT_PREFIX):]: value for key, value in form.items()
            if key.startswith(COMMENT_PREFIX) and len(key) > len(COMMENT_PREFIX)}


@bp.get("/")
@permission_required(permissions.can_review)
def queue() -> str:
    """List the assessments that wait for review or are being reviewed."""
    db = get_session()
    actor = current_actor()
    options = reviews.queue_options(db)
    form = QueueFilterForm(request.args)
    form.questionnaire.choices = [SelectChoice("", _("All questionnaires"))] + [
        SelectChoice(questionnaire_id, _(title))
        for questionnaire_id, title in options.questionnaires]
    form.status.choices = [SelectChoice("", _("Submitted or in review"))] + [
        SelectChoice(status.value, _(STATUS_LABELS[status]))
        for status in reviews.QUEUE_STATUSES]
    countries = sorted((SelectChoice(code, presentation.country_name(code) or "–")
                        for code in options.countries), key=lambda choice: str(choice.label))
    form.country.choices = [SelectChoice("", _("All countries")), *countries]
    form.sector.choices = [SelectChoice("", _("All sectors"))] + [
        SelectChoice(code, presentation.code_label("sector", code) or "–")
        for code in options.sectors]
    sort = form.value("sort") or "waiting"
    # Every order reads "most first" by default (longest waiting, newest, highest score);
    # ``order=asc`` turns it round.
    reverse = request.args.get("order") == "asc"
    status = form.value("status")
    filters = reviews.QueueFilters(
        questionnaire=form.value("questionnaire"),
        status=Status(status) if status else None,
        country=form.value("country"),
        sector=form.value("sector"),
    )
    page = reviews.review_queue(db, actor, filters, sort=sort, reverse=reverse,
                                page=request.args.get("page", 1, type=int))

    def queue_url(**changes: Any) -> str:
        """Return the queue's address with the current filters and ``changes``."""
        arguments: dict[str, Any] = {key: value for key, value in request.args.items()
                                        if value and key != "page"}
        arguments.update(changes)
        return url_for("review.queue", **{key: value for key, value in arguments.items()
                                          if value is not None})

    return render_template("review/queue.html", form=form, page=page, sort=sort,
                           reverse=reverse, filters=filters, queue_url=queue_url)


@bp.route("/<int:assessment_id>/start", methods=["GET", "POST"])
@permission_required(permissions.can_review)
def start(assessment_id: int) -> str | Response | tuple[str, int]:
    """Ask for the conflict-of-interest declaration and start the review."""
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_for_review(db, actor, assessment_id)
    view = reviews.review_view(db, actor, assessment)
    if view.own_organisation:
        abort(403)
    form = StartReviewForm()
    if form.validate_on_submit():
        try:
            reviews.start_review(db, assessment, reviewer=actor,
                                 declared_no_conflict=bool(form.declared_no_conflict.data))
        except Conflict as error:
            flash(refuse(error), "error")
            return redirect(url_for("review.show", assessment_id=assessment_id))
        except Invalid as error:
            form.declared_no_conflict.errors = [refuse(error)]
        else:
            flash(_("You are now reviewing this assessment."), "success")
            return redirect(url_for("review.show", assessment_id=assessment_id))
    status_code = 422 if form.errors else 200
    return render_template("review/start.html", form=form, view=view), status_code


def _render_show(view: reviews.ReviewView, *, form: FlaskForm | None = None,
                 comments: dict[str, str] | None = None,
                 comment_errors: dict[str, str] | None = None,
                 decline_form: DeclineForm | None = None,
                 assign_form: AssignForm | None = None) -> str:
    """Render the review page: the decision form for the lead once the panel has had its
    say, the recommendation form for a panel member who has not recommended yet."""
    db = get_session()
    actor = current_actor()
    assessment = view.assessment
    panel = board.panel_view(db, actor, assessment)
    action = None
    if view.can_decide and panel.may_decide:
        form = form or DecisionForm()
        action = url_for("review.decide", assessment_id=assessment.id)
    elif panel.own_open is not None and not view.own_organisation:
        form = form if isinstance(form, RecommendationForm) else RecommendationForm()
        action = url_for("review.recommend", assessment_id=assessment.id)
    else:
        form = None
    if form is not None and comments is None:
        # What the reviewer typed before the page was (re)loaded, kept unsent.
        comments = board.comment_drafts(db, assessment, actor)
    if panel.can_assign and assign_form is None:
        assign_form = AssignForm()
    if assign_form is not None:
        assign_form.reviewer.choices = [
            SelectChoice(user.id, user.name)
            for user in board.assignable_reviewers(db, assessment)]
    panel_comments: dict[str, list[tuple[str, Decision | None, str]]] = {}
    for seat in panel.seats:
        for question_id, body in seat.comments.items():
            panel_comments.setdefault(question_id, []).append(
                (seat.reviewer_name, seat.recommendation, body))
    return render_template(
        "review/show.html", view=view, panel=panel, form=form, form_action=action,
        comments=comments or {}, comment_errors=comment_errors or {},
        typed_comments=[key for key, body in (comments or {}).items() if body.strip()],
        panel_comments=panel_comments,
        decline_form=decline_form or (DeclineForm() if panel.own_open else None),
        assign_form=assign_form if panel.can_assign else None,
        role_label=role_label, assignment_status_label=ASSIGNMENT_STATUS_LABELS,
        **_evidence_context(assessment))


@bp.get("/<int:assessment_id>")
@permission_required(permissions.can_review)
def show(assessment_id: int) -> str:
    """Show every answer, the score report, the panel and the form the viewer may use."""
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_for_review(db, actor, assessment_id)
    return _render_show(reviews.review_view(db, actor, assessment))


@bp.post("/<int:assessment_id>/assign")
@permission_required(permissions.can_review)
def assign(assessment_id: int) -> Response | tuple[str, int]:
    """Put a reviewer on the panel (the chair)."""
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_for_review(db, actor, assessment_id)
    form = AssignForm()
    form.reviewer.choices = [SelectChoice(user.id, user.name)
                             for user in board.assignable_reviewers(db, assessment)]
    if form.validate_on_submit():
        reviewer = db.get(User, form.reviewer.data)
        try:
            if reviewer is None:
                raise Invalid("Only members of the review board can be assigned.",
                              fields={"reviewer": "not_reviewer"})
            board.assign_reviewer(db, assessment, actor=actor, reviewer=reviewer,
                                  locale=current_locale_info().code)
        except (Conflict, Forbidden, Invalid) as error:
            form.reviewer.errors = [refuse(error)]
        else:
            flash(_("%(name)s is on the panel and has been told.", name=reviewer.name),
                  "success")
            return redirect(url_for("review.show", assessment_id=assessment_id) + "#panel")
    view = reviews.review_view(db, actor, assessment)
    return _render_show(view, assign_form=form), 422


def _place_errors(error: Invalid, form: FlaskForm, main_field: str) -> dict[str, str]:
    """Put ``error``'s message on the fields it names (``main_field`` when it names none);
    return the messages for question comments, which are not fields of ``form``."""
    message = refuse(error)
    comment_errors: dict[str, str] = {}
    for name in error.fields:
        if name in form:
            form[name].errors = [message]
        else:
            comment_errors[name] = message
    if not error.fields:
        form[main_field].errors = [message]
    return comment_errors


@bp.post("/<int:assessment_id>/recommendation")
@permission_required(permissions.can_review)
def recommend(assessment_id: int) -> Response | tuple[str, int]:
    """Record the panel member's recommendation and comments."""
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_for_review(db, actor, assessment_id)
    form = RecommendationForm()
    comments = _question_comments(request.form)
    comment_errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            board.recommend(db, assessment, reviewer=actor,
                            recommendation=form.recommendation.data or "",
                            reason=form.reason.data or "", question_comments=comments)
        except (Conflict, Forbidden) as error:
            flash(refuse(error), "error")
            return redirect(url_for("review.show", assessment_id=assessment_id))
        except Invalid as error:
            comment_errors = _place_errors(error, form, "recommendation")
        else:
            flash(_("Your recommendation is recorded. You can now see the other "
                    "reviewers' recommendations."), "success")
            return redirect(url_for("review.show", assessment_id=assessment_id) + "#panel")
    view = reviews.review_view(db, actor, assessment)
    return _render_show(view, form=form, comments=comments,
                        comment_errors=comment_errors), 422


@bp.post("/<int:assessment_id>/decline")
@permission_required(permissions.can_review)
def decline(assessment_id: int) -> Response | tuple[str, int]:
    """Take the panel member off the review, with their reason."""
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_for_review(db, actor, assessment_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            board.decline_assignment(db, assessment, reviewer=actor,
                                     reason=form.decline_reason.data or "")
        except (Conflict, Forbidden) as error:
            flash(refuse(error), "error")
            return redirect(url_for("review.show", assessment_id=assessment_id))
        except Invalid as error:
            form.decline_reason.errors = [refuse(error)]
        else:
            flash(_("You have declined this review. The chair will assign another "
                    "reviewer."), "success")
            return redirect(url_for("review.queue"))
    view = reviews.review_view(db, actor, assessment)
    return _render_show(view, decline_form=form), 422


@bp.post("/<int:assessment_id>/decision")
@permission_required(permissions.can_review)
def decide(assessment_id: int) -> Response | tuple[str, int]:
    """Approve the assessment, or return it for changes with comments."""
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_for_review(db, actor, assessment_id)
    form = DecisionForm()
    comments = _question_comments(request.form)
    comment_errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            decision = reviews.decide(db, assessment, reviewer=actor,
                                      decision=form.decision.data or "",
                                      reason=form.reason.data or "",
                                      question_comments=comments,
                                      locale=current_locale_info().code)
        except Conflict as error:
            flash(refuse(error), "error")
            return redirect(url_for("review.show", assessment_id=assessment_id))
        except Invalid as error:
            comment_errors = _place_errors(error, form, "decision")
        else:
            if decision.decision is Decision.approve:
                flash(_("The assessment is approved. The organisation has been told."),
                      "success")
            else:
                flash(_("The assessment is returned for changes. The organisation has been "
                        "told."), "success")
            return redirect(url_for("review.queue"))
    view = reviews.review_view(db, actor, assessment)
    if not view.can_decide:
        # The form was posted by someone who may not decide (any more): say why, don't
        # show a form they cannot use.
        flash(_("Only the reviewer who started this review can decide on it."), "error")
        return redirect(url_for("review.show", assessment_id=assessment_id))
    return _render_show(view, form=form, comments=comments,
                        comment_errors=comment_errors), 422


def _evidence_context(assessment: Assessment) -> dict[str, Any]:
    """Return the documents behind the answers, and whether the reader may judge them."""
    db = get_session()
    grouped = evidence.evidence_by_question(evidence.list_evidence(db, assessment))
    documents = {question_id: [{
        "id": document.id, "name": document.name, "size": document.size,
        "description": document.description, "sha256": document.sha256,
        "verdict": document.verdict.value if document.verdict else None,
        "verdict_label": _(VERDICT_LABELS[document.verdict]) if document.verdict else None,
        "review_comment": document.review_comment,
        "url": url_for("api.download_evidence", evidence_id=document.id),
    } for document in items] for question_id, items in grouped.items()}
    return {"documents": documents, "verdicts": [(verdict.value, _(VERDICT_LABELS[verdict]))
                                                 for verdict in Verdict],
            "can_judge": permissions.can_judge_evidence(db, current_actor(), assessment)}


@bp.post("/<int:assessment_id>/evidence/<int:evidence_id>")
@permission_required(permissions.can_review)
def judge_evidence(assessment_id: int, evidence_id: int) -> Response | tuple[str, int]:
    """Mark one document accepted or insufficient, with a comment."""
    db = get_session()
    actor = current_actor()
    assessment = permissions.get_for_review(db, actor, assessment_id)
    document = permissions.get_evidence(db, actor, evidence_id)
    if document.assessment_id != assessment.id:
        abort(404)
    verdict = request.form.get("verdict", "")
    target = url_for("review.show", assessment_id=assessment.id,
                     _anchor=f"question-{document.question_id}")
    try:
        if verdict not in {item.value for item in Verdict}:
            raise Invalid("Choose accepted or insufficient.", fields={"verdict": "required"})
        evidence.judge_evidence(db, document, actor=actor, verdict=Verdict(verdict),
                                comment=request.form.get("comment", ""))
    except Conflict as error:
        flash(refuse(error), "error")
        return redirect(target)
    except (Invalid, Forbidden) as error:
        flash(refuse(error), "error")
        view = reviews.review_view(db, actor, assessment)
        return _render_show(view), error.status
    flash(_("Your judgement of “%(name)s” is saved.", name=document.name), "success")
    return redirect(target)


@bp.route("/interests", methods=["GET", "POST"])
@permission_required(permissions.can_review)
def interests() -> str | Response | tuple[str, int]:
    """List the links the reviewer declared and declare another one."""
    db = get_session()
    actor = current_actor()
    form = InterestForm()
    organisations = list_organisations(db)
    names = {row.organisation.id: row.organisation.name for row in organisations}
    form.organisation.choices = [SelectChoice("", _("No organisation"))] + [
        SelectChoice(str(row.organisation.id), row.organisation.name) for row in organisations]
    countries = sorted(country_codes(), key=lambda code: presentation.country_name(code))
    form.country.choices = [SelectChoice("", _("No country"))] + [
        SelectChoice(code, presentation.country_name(code)) for code in countries]
    if form.validate_on_submit():
        try:
            board.declare_interest(
                db, actor,
                organisation_id=int(form.organisation.data) if form.organisation.data else None,
                country=form.country.data or None, note=form.note.data or "")
        except Invalid as error:
            form.organisation.errors = [refuse(error)]
        else:
            flash(_("The link is recorded. You will not be assigned to reviews it concerns."),
                  "success")
            return redirect(url_for("review.interests"))
    return render_template("review/interests.html", form=form,
                           interests=board.interests_of(db, actor),
                           organisation_names=names), 422 if form.errors else 200
