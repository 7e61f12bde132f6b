"""Views of the assessments blueprint."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ppp_assess import unit_of_work
from ppp_assess.config import get_settings
from ppp_assess.domain.evidence import ACCEPTED_EXTENSIONS, VERDICT_LABELS
from ppp_assess.domain.schema import Questionnaire, Section
from ppp_assess.domain.scoring import ScoreReport
from ppp_assess.domain.workflow import Decision, is_editable
from ppp_assess.models import Assessment, EvidenceDocument
from ppp_assess.presentation import file_size_text, level_label, score_text
from ppp_assess.services import assessments as service
from ppp_assess.services import (
    benchmarks,
    board,
    evidence,
    history,
    page_stamps,
    permissions,
    reviews,
    upgrades,
)
from ppp_assess.services import certificates as certificate_service
from ppp_assess.services.errors import Conflict, Invalid, MissingAnswers, ServiceError
from ppp_assess.services.page_stamps import PageStamp
from ppp_assess.services.people import SignedIn, signed_in
from ppp_assess.unit_of_work import get_connection, get_session
from ppp_assess.web import read_identity_with
from ppp_assess.web.addresses import (
    ID_SLOT,
    address_builder,
    question_url,
    question_urls,
    section_addresses,
)
from ppp_assess.web.assessments import bp
from ppp_assess.web.assessments.present import (
    applicable_sections,
    condition_context,
    score_explanation,
    score_payload,
    section_visible,
    verified_payload,
)
from ppp_assess.web.assessments.question_markup import SectionQuestions, script_messages
from ppp_assess.web.charts import bar_chart, render_svg
from ppp_assess.web.errors import refuse
from ppp_assess.web.evidence import evidence_setup
from ppp_assess.web.fields import answer_name, translate_answer_error
from ppp_assess.web.homes import role_homes
from ppp_assess.web.locale import current_locale_info
from ppp_assess.web.navigation import nav_items
from ppp_assess.web.page_cache import rendered_pages
from ppp_assess.web.questionnaire_form import (
    QuestionnaireForm,
    answer_fingerprint,
    build_questionnaire_form,
    form_data,
    seen_name,
    visible_with_submission,
)
from ppp_assess.web.security import csrf_token, current_person, login_required

#: Prefix of the inputs by which a user settles a conflict: keep "mine" or "theirs".
RESOLVE_PREFIX = "resolve_"


def _section_or_404(questionnaire: Questionnaire, section_id: str) -> Section:
    try:
        return questionnaire.section(section_id)
    except KeyError:
        abort(404)


def _own_assessment(assessment_id: int) -> Assessment:
    return permissions.get_own_assessment(get_session(), current_person(), assessment_id)


@bp.get("/")
@login_required
def dashboard() -> str:
    """List my organisations' assessments with status, completion and score."""
    db = get_session()
    actor = current_person()
    rows = service.list_assessments(db, actor)
    # Passed explicitly: the home page renders this view outside the blueprint.
    return render_template("assessments/dashboard.html", assessments=rows,
                           level_label=_level_of, homes=role_homes(actor))


def _level_of(assessment: Assessment) -> str | None:
    questionnaire = service.questionnaire_for(assessment)
    return level_label(questionnaire, assessment.level)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def start() -> str | Response | tuple[str, int]:
    """Offer the questionnaires that fit my organisations and projects, and start one."""
    db = get_session()
    actor = current_person()
    errors: dict[str, str] = {}
    if request.method == "POST":
        questionnaire_id = request.form.get("questionnaire", "")
        kind, _sep, subject_id = request.form.get("subject", "").partition(":")
        if not subject_id.isdigit() or kind not in {"organisation", "project"}:
            errors[questionnaire_id] = _("Choose what to assess.")
        else:
            try:
                assessment = service.start_assessment_for(
                    db, actor=actor, questionnaire_id=questionnaire_id,
                    organisation_id=int(subject_id) if kind == "organisation" else None,
                    project_id=int(subject_id) if kind == "project" else None)
            except Conflict as error:
                if error.code != "already_open" or not isinstance(error.current, int):
                    raise
                flash(_("This assessment is already open: carry on where it was left."), "info")
                return redirect(url_for("assessments.show", assessment_id=error.current))
            except Invalid as error:
                errors[questionnaire_id] = refuse(error)
            else:
                flash(_("The assessment has started. Your answers are saved as you go."), "info")
                return redirect(url_for("assessments.show", assessment_id=assessment.id))
    options = service.start_options(db, actor)
    selected_project = request.args.get("project", type=int)
    status = 422 if errors else 200
    return render_template("assessments/start.html", options=options, errors=errors,
                           selected_project=selected_project), status


@bp.post("/<int:assessment_id>/reassess")
@login_required
def reassess(assessment_id: int) -> Response:
    """Start a new assessment from an approved one, its answers carried over to confirm."""
    db = get_session()
    actor = current_person()
    previous = _own_assessment(assessment_id)
    back = (url_for("projects.show", project_id=previous.project_id)
            if previous.project_id is not None else url_for("assessments.dashboard"))
    try:
        assessment, carried = history.start_reassessment(
            db, actor=actor, questionnaire_id=previous.questionnaire_version.questionnaire_id,
            previous_id=previous.id, stage=request.form.get("stage") or None,
            period=request.form.get("period") or None,
            mapping_dir=get_settings(current_app).questionnaire_dir)
    except Conflict as error:
        if error.code != "already_open" or not isinstance(error.current, int):
            raise
        flash(_("This assessment is already open: carry on where it was left."), "info")
        return redirect(url_for("assessments.show", assessment_id=error.current))
    except Invalid as error:
        flash(refuse(error), "error")
        return redirect(back)
    flash(ngettext("The new assessment has started with %(num)d answer carried over: "
                   "confirm or change it.",
                   "The new assessment has started with %(num)d answers carried over: "
                   "confirm or change each of them.", len(carried.carried)), "info")
    if carried.new_questions:
        flash(ngettext("%(num)d question is new in this version of the questionnaire.",
                       "%(num)d questions are new in this version of the questionnaire.",
                       len(carried.new_questions)), "info")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.get("/<int:assessment_id>")
@login_required
def show(assessment_id: int) -> Response:
    """Open an assessment: drafts at the first section still to do, others read-only."""
    db = get_session()
    assessment = _own_assessment(assessment_id)
    if not permissions.can_edit_assessment(db, current_person(), assessment):
        return redirect(url_for("assessments.submitted", assessment_id=assessment.id))
    state = service.assessment_state(db, assessment)
    payload = score_payload(state.questionnaire, state.report, gap_limit=0)
    target = next((section["id"] for section in payload["sections"]
                   if section["status"] not in ("complete", "hidden")), None)
    if target is None:
        return redirect(url_for("assessments.check", assessment_id=assessment.id))
    return redirect(url_for("assessments.section", assessment_id=assessment.id,
                            section_id=target))


def _seen(state: service.AssessmentState, section: Section) -> dict[str, str]:
    seen = {}
    for question in section.questions:
        row = state.answers.get(question.id)
        seen[question.id] = answer_fingerprint(
            row.value if row else None, row.comment if row else "",
            list(row.evidence or []) if row else [])
    return seen


def _render_section(state: service.AssessmentState, section: Section,
                    form: QuestionnaireForm | None,
                    *, seen: Mapping[str, str], conflicts: Mapping[str, Any] | None = None,
                    mine: Mapping[str, Any] | None = None, status: int = 200,
                    evidence_errors: Mapping[str, str] | None = None,
                    stored: Mapping[str, Any] | None = None,
                    full_form: Callable[[], QuestionnaireForm] | None = None,
                    documents: Sequence[EvidenceDocument] | None = None,
                    ) -> tuple[str, int]:
    """Render a section page.

    ``form`` is the submitted form, or ``None`` with ``stored`` (the stored answers as
    form data): the questions' markup then comes from their compiled form, and
    ``full_form`` builds the section's full form for the questions it does not cover.
    """
    assessment = state.assessment
    questionnaire = state.questionnaire
    if documents is None:
        documents = evidence.list_evidence(get_session(), assessment)
    payload = _score_with_verified(state, documents)
    sections = applicable_sections(questionnaire, state.report)
    if section not in sections:  # a page sent back with answers that hide its own section
        sections = list(questionnaire.sections)
    index = sections.index(section)
    values = state.values
    section_number = questionnaire.sections.index(section) + 1
    returned = _return_context(assessment, questionnaire)
    texts = _evidence_texts()
    panels = _evidence_panels(assessment.id, documents, section, evidence_errors or {}, texts)
    if full_form is None:
        assert form is not None, "a page without a submitted form needs full_form"
        submitted = form

        def full_form() -> QuestionnaireForm:
            return submitted

    questions = SectionQuestions(
        questionnaire=questionnaire, section=section, section_number=section_number,
        form=full_form, data=stored,
        shown={q.id for q in section.questions
               if (form.is_shown(q.id) if form is not None else state.is_visible(q.id))},
        seen=seen, conflicts=conflicts or {}, mine=mine or {},
        review_comments=returned["review_comments"],
        comment_authors=returned["comment_authors"], evidence_panels=panels,
        carried_ids=frozenset(qid for qid, row in state.answers.items() if row.carried),
        panel_texts=texts)
    return render_template(
        "assessments/section.html",
        assessment=assessment,
        questionnaire=questionnaire,
        section=section,
        form=form,
        **(_page_fields(assessment.version) if form is None else {}),
        questions=questions,
        script_messages=script_messages(),
        score=payload,
        section_number=section_number,
        previous_section=sections[index - 1] if index > 0 else None,
        next_section=sections[index + 1] if index + 1 < len(sections) else None,
        **returned,
        condition_context=json.dumps(condition_context(section, values, state.report)),
        evidence_panels=panels,
        upgrade_url=upgrade_link(assessment),
    ), status


def _return_context(assessment: Assessment, questionnaire: Questionnaire) -> dict[str, Any]:
    """Return why a returned draft came back: the decision, the comments on its questions
    and the sections that hold them (empty for a draft never returned)."""
    db = get_session()
    decision = reviews.latest_decision(db, assessment)
    comments = reviews.review_comments_of(db, assessment, decision)
    # A returned assessment shows why it was returned, with or without comments.
    notice = board.decision_notice_of(db, assessment, decision)
    if notice is not None and notice.decision is not Decision.return_:
        notice = None
    commented = {questionnaire.section_of(question_id).id for question_id in comments
                 if questionnaire.has_question(question_id)}
    return {"review_comments": comments, "decision_notice": notice,
            "comment_authors": notice.authors if notice else {},
            "commented_sections": commented}


def _evidence_texts() -> tuple[str, str]:
    """Return the upload form's hint and accepted file types."""
    limit = file_size_text(evidence_setup().limits.max_file_size)
    hint = _("PDF, PNG, JPEG, Word, Excel, OpenDocument, CSV or plain text, up to %(size)s "
             "each.", size=limit)
    return hint, ",".join(ACCEPTED_EXTENSIONS)


def _evidence_panels(assessment_id: int, documents: Sequence[EvidenceDocument],
                     section: Section,
                     errors: Mapping[str, str], texts: tuple[str, str]
                     ) -> dict[str, dict[str, Any]]:
    """Return, per question of the section, its documents and the upload form's texts."""
    grouped = evidence.evidence_by_question(documents)
    hint, accept = texts
    attach = address_builder("assessments.attach_evidence", "question_id",
                             assessment_id=assessment_id)
    remove = address_builder("assessments.delete_evidence", "evidence_id", ID_SLOT,
                             assessment_id=assessment_id)
    download = address_builder("api.download_evidence", "evidence_id", ID_SLOT)
    panels = {}
    for question in section.questions:
        panels[question.id] = {
            "documents": [{
                "id": document.id, "name": document.name, "size": document.size,
                "description": document.description,
                "verdict": document.verdict.value if document.verdict else None,
                "verdict_label": _(VERDICT_LABELS[document.verdict])
                if document.verdict else None,
                "review_comment": document.review_comment,
                "url": download(document.id),
                "delete_url": remove(document.id),
            } for document in grouped.get(question.id, [])],
            "attach_url": attach(question.id),
            "error": errors.get(question.id),
            "hint": hint,
            "accept": accept,
        }
    return panels


def _score_with_verified(state: service.AssessmentState,
                         documents: Sequence[EvidenceDocument] | None = None) -> dict[str, Any]:
    """Return the score panel's data: the self-declared score and the verified one."""
    assessment = state.assessment
    url = question_urls(assessment.id)
    payload = score_payload(state.questionnaire, state.report, question_url=url)
    verified = evidence.verified_score_of(get_session(), assessment, state.values,
                                          declared=state.report, documents=documents)
    payload["verified"] = verified_payload(state.questionnaire, verified, question_url=url)
    return payload


def _section_page(state: service.AssessmentState, section: Section, *, status: int = 200,
                  evidence_errors: Mapping[str, str] | None = None,
                  documents: Sequence[EvidenceDocument] | None = None) -> tuple[str, int]:
    """Render a section as stored (a GET, or after an evidence upload was refused)."""
    stored = _stored_form_data(state, section)
    visible = [q.id for q in section.questions if state.is_visible(q.id)]
    built: list[QuestionnaireForm] = []

    def full_form() -> QuestionnaireForm:
        if not built:
            form_class = build_questionnaire_form(state.questionnaire, section)
            form = form_class(formdata=None, data=stored)
            form.base_version.data = str(state.assessment.version)
            form.set_visible(visible)
            built.append(form)
        return built[0]

    return _render_section(state, section, None, seen=_seen(state, section), status=status,
                           evidence_errors=evidence_errors, stored=stored, full_form=full_form,
                           documents=documents)


def _signed_in_with_page_stamp(connection: Connection, user_id: int,
                               session_version: int) -> SignedIn | None:
    """Read who is asking for a section page and, while pages are kept, the page's
    stamp in the same statement (kept for this request only)."""
    assessment_id = (request.view_args or {}).get("assessment_id")
    if rendered_pages() is None or not isinstance(assessment_id, int):
        return signed_in(connection, user_id, session_version)
    person, stamp = page_stamps.signed_in_with_stamp(
        connection, user_id, session_version, assessment_id, directory=_questionnaire_dir())
    if person is not None:
        g.section_page_stamp = (request._get_current_object(),  # type: ignore[attr-defined]
                                assessment_id, person.id, stamp)
    return person


read_identity_with("assessments.section", _signed_in_with_page_stamp)


def _page_stamp(assessment_id: int) -> PageStamp | None:
    """Return the stamp of the section page asked for: read with who is asking, or now."""
    read = g.pop("section_page_stamp", None)
    person = current_person()
    this_request = request._get_current_object()  # type: ignore[attr-defined]
    if read is not None and read[0] is this_request and \
            read[1:3] == (assessment_id, person.id):
        stamp: PageStamp | None = read[3]
        return stamp
    return page_stamps.page_stamp(get_connection(), person, assessment_id,
                                  directory=_questionnaire_dir())


def _section_page_key(stamp: PageStamp, section_id: str) -> tuple[Any, ...] | None:
    """Return the key of a section page as shown now, or ``None`` when it is not kept.

    The key holds everything the page shows that is not fixed by the questionnaire's
    version and the application: the assessment's stamp (its stored row, whose version
    changes with every answer saved, its subject, its documents, the newer version it may
    move to), the user and the links of their navigation, the language and the address
    (the language menu links to it). Pages with messages to show once, drafts that were
    submitted before (they show the board's decision and comments) and assessments that
    may no longer be changed are always rendered.
    """
    if session.get("_flashes") or stamp.submitted_at is not None or \
            not is_editable(stamp.status):
        return None
    return (section_id, str(get_locale()), request.full_path, current_person().id,
            bool(current_app.config.get("WTF_CSRF_ENABLED", True)),
            tuple(item.endpoint for item in nav_items()), stamp)


def _page_fields(version: int) -> dict[str, Markup]:
    """Return the page form's hidden fields as WTForms renders them, without a form: the
    CSRF token (when CSRF protection is on) and the version the page is based on."""
    csrf = (Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="{}">')
            .format(csrf_token()) if current_app.config.get("WTF_CSRF_ENABLED", True)
            else Markup(""))
    return {"csrf_field": csrf, "version_field": Markup(
        '<input data-version="" id="base_version" name="base_version" type="hidden" '
        'value="{}">').format(version)}


@bp.route("/<int:assessment_id>/sections/<section_id>", methods=["GET", "POST"])
@login_required
def section(assessment_id: int, section_id: str) -> Response | tuple[str | bytes, int]:
    """Show one section's questions and save them on "save and continue"."""
    pages = rendered_pages() if request.method == "GET" else None
    if pages is not None:
        # A page kept as rendered, while what it shows but the answers (whose changes
        # the assessment's version tells) is as it was: one statement on the request's
        # connection, no session, nothing built.
        stamp = _page_stamp(assessment_id)
        key = _section_page_key(stamp, section_id) if stamp is not None else None
        kept = pages.get(key, csrf_token()) if key is not None else None
        if kept is not None:
            return kept, 200
    db = get_session()
    assessment = _own_assessment(assessment_id)
    # can_edit_assessment without asking again for the membership _own_assessment checked.
    if not is_editable(assessment.status):
        flash(_("This assessment has been submitted and can no longer be changed."), "info")
        return redirect(url_for("assessments.submitted", assessment_id=assessment.id))
    key = None
    documents: Sequence[EvidenceDocument] | None = None
    if pages is not None:
        # Kept under the stamp of what it is rendered from.
        documents = evidence.list_evidence(db, assessment)
        key = _section_page_key(page_stamps.stamp_of(
            db, assessment, documents, directory=_questionnaire_dir()), section_id)
    state = service.assessment_state(db, assessment)
    questionnaire = state.questionnaire
    current_section = _section_or_404(questionnaire, section_id)
    form_class = build_questionnaire_form(questionnaire, current_section)
    if request.method == "GET":
        if section_visible(current_section.id, state.report):
            page, status = _section_page(state, current_section, documents=documents)
            if pages is not None and key is not None:
                pages.put(key, page, csrf_token())
            return page, status
        # The answers make this section not apply: go on to the next one that does.
        following = _next_section(questionnaire, current_section, state.report)
        if following is None:
            return redirect(url_for("assessments.check", assessment_id=assessment.id))
        return redirect(url_for("assessments.section", assessment_id=assessment.id,
                                section_id=following.id))

    form = form_class()
    base_version = request.form.get("base_version", "")
    if not base_version.isdigit():
        abort(400)
    given_seen = {question.id: request.form.get(seen_name(question.id), "")
                  for question in current_section.questions}
    visible = visible_with_submission(questionnaire, state.values, form)
    shown_before = {q.id for q in current_section.questions if state.is_visible(q.id)}
    form.set_visible(visible)
    if not form.validate():
        return _render_section(state, current_section, form, seen=given_seen, status=422)
    inputs = form.changed_inputs(given_seen)
    for question_id in list(inputs):
        if request.form.get(f"{RESOLVE_PREFIX}{question_id}") == "theirs":
            del inputs[question_id]
    # Saving the page confirms the answers carried over from the previous assessment
    # that it shows unchanged.
    for question in current_section.questions:
        row = state.answers.get(question.id)
        if (row is not None and row.carried and question.id in visible
                and question.id not in inputs):
            inputs[question.id] = service.AnswerInput(row.value)
    try:
        service.save_answers(db, assessment, inputs, base_version=int(base_version),
                             actor=current_person())
    except Conflict as error:
        if error.code != "stale":
            raise
        # Nothing was written (and nothing will be committed); read what is stored now,
        # and let the page build on the current version.
        db.expire_all()
        state = service.assessment_state(db, assessment)
        form.base_version.data = str(assessment.version)
        mine = {question_id: inputs[question_id] for question_id in error.current or {}}
        flash(_("Someone else changed some of these answers after you opened the page. "
                "Choose which answer to keep."), "error")
        return _render_section(state, current_section, form, seen=given_seen,
                               conflicts=error.current, mine=mine, status=409)
    except Invalid as error:
        _attach_errors(form, error)
        return _render_section(state, current_section, form, seen=given_seen, status=422)
    answered = form.accepted_values()
    newly_shown = [q for q in current_section.questions
                   if q.id in visible and q.id not in shown_before and q.id not in answered]
    if newly_shown:
        flash(ngettext("Your answers make %(num)s more question apply on this page.",
                       "Your answers make %(num)s more questions apply on this page.",
                       len(newly_shown)), "info")
        return redirect(url_for("assessments.section", assessment_id=assessment.id,
                                section_id=current_section.id))
    if request.form.get("action") == "save":
        flash(_("Your answers are saved."), "info")
        return redirect(url_for("assessments.dashboard"))
    following = _next_section(questionnaire, current_section, None)
    if following is None:
        return redirect(url_for("assessments.check", assessment_id=assessment.id))
    return redirect(url_for("assessments.section", assessment_id=assessment.id,
                            section_id=following.id))


@bp.post("/<int:assessment_id>/questions/<question_id>/evidence")
@login_required
def attach_evidence(assessment_id: int, question_id: str) -> Response | tuple[str, int]:
    """Attach a file to an answer (a plain multipart form), then go back to the question."""
    db = get_session()
    actor = current_person()
    assessment = _own_assessment(assessment_id)
    questionnaire = service.questionnaire_for(assessment)
    if not questionnaire.has_question(question_id):
        abort(404)
    section_id = questionnaire.section_of(question_id).id
    if not permissions.can_attach_evidence(db, actor, assessment):
        flash(_("This assessment has been submitted and can no longer be changed."), "info")
        return redirect(url_for("assessments.submitted", assessment_id=assessment.id))
    upload = request.files.get("file")
    message: str | None = None
    status = 422
    if upload is None or not upload.filename:
        unit_of_work.fail()
        message = _("Choose a file to attach.")
    else:
        setup = evidence_setup()
        try:
            document = evidence.attach_evidence(
                db, assessment, question_id, actor=actor, stream=upload.stream,
                filename=upload.filename, description=request.form.get("description", ""),
                storage=setup.storage, limits=setup.limits, scanner=setup.scanner)
        except ServiceError as error:
            message, status = refuse(error), error.status
        else:
            flash(_("“%(name)s” is attached to question %(question)s.", name=document.name,
                    question=question_number(questionnaire, question_id)), "info")
            return redirect(question_url(assessment.id, section_id, question_id))
    db.expire_all()
    state = service.assessment_state(db, assessment)
    return _section_page(state, questionnaire.section(section_id), status=status,
                         evidence_errors={question_id: message})


@bp.post("/<int:assessment_id>/evidence/<int:evidence_id>/delete")
@login_required
def delete_evidence(assessment_id: int, evidence_id: int) -> Response:
    """Detach a document from an answer while the assessment is a draft."""
    db = get_session()
    actor = current_person()
    assessment = _own_assessment(assessment_id)
    document = permissions.get_evidence(db, actor, evidence_id)
    if document.assessment_id != assessment.id:
        abort(404)
    questionnaire = service.questionnaire_for(assessment)
    target = question_url(assessment.id, questionnaire.section_of(document.question_id).id,
                          document.question_id)
    try:
        evidence.delete_evidence(db, document, actor=actor)
    except Conflict as error:
        flash(refuse(error), "error")
        return redirect(url_for("assessments.submitted", assessment_id=assessment.id))
    flash(_("“%(name)s” is no longer attached.", name=document.name), "info")
    return redirect(target)


def question_number(questionnaire: Questionnaire, question_id: str) -> str:
    """Return a question's number as its section page shows it ("2.3")."""
    section = questionnaire.section_of(question_id)
    section_number = [item.id for item in questionnaire.sections].index(section.id) + 1
    position = [item.id for item in section.questions].index(question_id) + 1
    return f"{section_number}.{position}"


def _next_section(questionnaire: Questionnaire, current: Section,
                  report: ScoreReport | None) -> Section | None:
    """Return the section after ``current`` that applies (any next one without a report).

    After a save the next page itself moves on when the new answers hide it.
    """
    index = questionnaire.sections.index(current)
    for following in questionnaire.sections[index + 1:]:
        if report is None or section_visible(following.id, report):
            return following
    return None


def _stored_form_data(state: service.AssessmentState, section: Section) -> dict[str, Any]:
    values = {qid: row.value for qid, row in state.answers.items()}
    notes = {qid: (row.comment or "", list(row.evidence or []))
             for qid, row in state.answers.items()}
    return form_data(section, values, notes=notes)


def _attach_errors(form: QuestionnaireForm, error: Invalid) -> None:
    problems = getattr(error, "problems", {})
    attached = False
    for question_id, problem in problems.items():
        name = answer_name(question_id)
        if name in form:
            form[name].errors = [*form[name].errors, translate_answer_error(problem)]
            attached = True
    if not attached:
        flash(refuse(error), "error")


def _check_context(state: service.AssessmentState) -> dict[str, Any]:
    assessment = state.assessment
    questionnaire = state.questionnaire
    carried = [question_id for question_id in
               service.unconfirmed_answers(questionnaire, state.answers)
               if state.is_visible(question_id)]
    # A required answer still to confirm is listed once, among the answers to confirm.
    missing = [
        {"question": questionnaire.question(question_id),
         "url": question_url(assessment.id, questionnaire.section_of(question_id).id,
                             question_id)}
        for question_id in state.report.missing_required if question_id not in carried
    ]
    unconfirmed = [
        {"question": questionnaire.question(question_id),
         "url": question_url(assessment.id, questionnaire.section_of(question_id).id,
                             question_id)}
        for question_id in carried
    ]
    return {
        "assessment": assessment,
        "questionnaire": questionnaire,
        "state": state,
        "score": _score_with_verified(state),
        "missing": missing,
        "unconfirmed": unconfirmed,
        "can_submit": permissions.can_submit_assessment(get_session(), current_person(),
                                                        assessment),
        "upgrade_url": upgrade_link(assessment),
        **_return_context(assessment, questionnaire),
    }


def _benchmark_context(db: Session, assessment: Assessment) -> dict[str, Any]:
    """Return where the assessment stands among its peers, for the benchmark panel."""
    k = get_settings(current_app).peer_group_min
    return {"benchmark_panel": True,
            "benchmark": benchmarks.benchmark_for_assessment(db, assessment, k=k)}


@bp.get("/<int:assessment_id>/check")
@login_required
def check(assessment_id: int) -> str | Response:
    """Show every answer before submission, with what is still missing."""
    db = get_session()
    assessment = _own_assessment(assessment_id)
    if not permissions.can_edit_assessment(db, current_person(), assessment):
        return redirect(url_for("assessments.submitted", assessment_id=assessment.id))
    state = service.assessment_state(db, assessment)
    return render_template("assessments/check.html", **_check_context(state),
                           **_benchmark_context(db, assessment))


@bp.post("/<int:assessment_id>/submit")
@login_required
def submit(assessment_id: int) -> Response | tuple[str, int]:
    """Submit the assessment for review, or list what is missing."""
    db = get_session()
    assessment = _own_assessment(assessment_id)
    try:
        service.submit_assessment(db, assessment, actor=current_person(),
                                  locale=current_locale_info().code)
    except MissingAnswers:
        # Drop the refreshed score the refusal left in the session; nothing is committed.
        db.expire_all()
        state = service.assessment_state(db, assessment)
        return render_template("assessments/check.html", refused=True,
                               **_check_context(state)), 422
    except Conflict as error:
        flash(refuse(error), "error")
        return redirect(url_for("assessments.show", assessment_id=assessment.id))
    flash(_("Your assessment has been submitted to the review board."), "info")
    return redirect(url_for("assessments.submitted", assessment_id=assessment.id))


@bp.get("/<int:assessment_id>/submitted")
@login_required
def submitted(assessment_id: int) -> str:
    """Show what was submitted, read-only, from the frozen snapshot."""
    db = get_session()
    assessment = _own_assessment(assessment_id)
    submission = service.latest_submission(db, assessment)
    if submission is None:
        abort(404)
    questionnaire = service.questionnaire_for(assessment)
    snapshot: Mapping[str, Any] = submission.answers or {}
    score: Mapping[str, Any] = submission.score or {}
    return render_template(
        "assessments/submitted.html", assessment=assessment, questionnaire=questionnaire,
        submission=submission, snapshot=snapshot, score=score,
        level=level_label(questionnaire, score.get("level")),
        editable=permissions.can_edit_assessment(db, current_person(), assessment),
        certificate=certificate_service.certificate_of(db, assessment),
        documents=evidence.evidence_by_question(evidence.list_evidence(db, assessment)),
        verdict_labels=VERDICT_LABELS,
        decision_notice=board.decision_notice(db, assessment),
        **_benchmark_context(db, assessment))


#: Where each questionnaire version's methodology is explained (its own pages).
METHODOLOGY_PATH = "/methodology/{questionnaire_id}/{version}"


def methodology_url(questionnaire: Questionnaire) -> str:
    """Return the address of the methodology of ``questionnaire``'s version."""
    return METHODOLOGY_PATH.format(questionnaire_id=quote(questionnaire.id, safe=""),
                                   version=quote(questionnaire.version, safe=""))


def section_chart(explanation: Mapping[str, Any], element_id: str) -> Markup:
    """Return the section scores as an accessible SVG bar chart (a table gives the numbers)."""
    # Sections without a score (nothing in them applies) are in the table only.
    return render_svg(bar_chart(
        [(f"{section['number']}. {section['title']}", section["score"])
         for section in explanation["sections"] if section["score"] is not None],
        title=_("Score by section"),
        description=_("Score of each section out of 100; the table beside gives the same "
                      "numbers."),
        maximum=100.0, format_number=score_text, width=480.0,
        rtl=current_locale_info().text_direction == "rtl"), element_id)


@bp.get("/<int:assessment_id>/score")
@login_required
def score(assessment_id: int) -> str:
    """Explain the assessment's score: weights, answer points, levels, critical questions."""
    db = get_session()
    assessment = _own_assessment(assessment_id)
    state = service.assessment_state(db, assessment)
    editable = permissions.can_edit_assessment(db, current_person(), assessment)

    def url(section_id: str, question_id: str) -> str:
        return question_url(assessment.id, section_id, question_id)

    explanation = score_explanation(state.questionnaire, state.report,
                                    question_url=url if editable else None)
    return render_template(
        "assessments/score.html", assessment=assessment, questionnaire=state.questionnaire,
        explanation=explanation, chart=section_chart(explanation, "section-scores-chart"),
        methodology_url=methodology_url(state.questionnaire), editable=editable,
        **_benchmark_context(db, assessment))


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    assessment_id = (request.view_args or {}).get("assessment_id")
    if not isinstance(assessment_id, int):
        return {}
    return {"section_url": section_addresses(assessment_id)}


# --------------------------------------------------------------------------- new versions


def _questionnaire_dir() -> str:
    return get_settings(current_app).questionnaire_dir


def upgrade_link(assessment: Assessment) -> str | None:
    """Return the address of the page that moves a draft to a newer version, if any."""
    target = upgrades.upgrade_target(get_session(), assessment, directory=_questionnaire_dir())
    if target is None:
        return None
    return url_for("assessments.upgrade", assessment_id=assessment.id)


@bp.route("/<int:assessment_id>/upgrade", methods=["GET", "POST"])
@login_required
def upgrade(assessment_id: int) -> str | Response | tuple[str, int]:
    """Show what carries over to the newer questionnaire version; move on confirmation."""
    db = get_session()
    assessment = _own_assessment(assessment_id)
    if not permissions.can_edit_assessment(db, current_person(), assessment):
        flash(_("This assessment has been submitted and can no longer be changed."), "info")
        return redirect(url_for("assessments.submitted", assessment_id=assessment.id))
    try:
        plan = upgrades.upgrade_plan(db, assessment, directory=_questionnaire_dir())
    except ServiceError:
        abort(404)
    form = FlaskForm()
    if request.method == "POST":
        base_version = request.form.get("base_version", "")
        if not form.validate_on_submit() or not base_version.isdigit():
            abort(400)
        try:
            upgrades.upgrade_assessment(db, assessment, actor=current_person(),
                                        directory=_questionnaire_dir(),
                                        base_version=int(base_version))
        except Conflict as error:
            flash(refuse(error), "error")
            return redirect(url_for("assessments.upgrade", assessment_id=assessment_id))
        flash(_("The assessment now uses version %(version)s. Answer the new questions.",
                version=plan.target.version), "info")
        return redirect(url_for("assessments.show", assessment_id=assessment.id))
    numbers_old = {question.id: question_number(plan.old, question.id)
                   for question in plan.old.all_questions()}
    numbers_new = {question.id: question_number(plan.new, question.id)
                   for question in plan.new.all_questions()}
    return render_template(
        "assessments/upgrade.html", assessment=assessment, questionnaire=plan.old, plan=plan,
        form=form, numbers_old=numbers_old, numbers_new=numbers_new,
        carried=[(plan.new.question(question_id), value)
                 for question_id, value in plan.carried.items()],
        dropped=[plan.old.question(question_id) for question_id in plan.dropped
                 if plan.old.has_question(question_id)],
        new_questions=[plan.new.question(question_id) for question_id in plan.new_questions],
    )
