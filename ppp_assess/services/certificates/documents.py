"""What the certificate and report PDFs show, built in the reader's language."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ppp_assess.domain.display import Localiser, answer_text, isolate
from ppp_assess.domain.documents import (
    CertificateData,
    ReportData,
    ReportDocument,
    ReportGap,
    ReportHistoryPoint,
    ReportQuestion,
    ReportSection,
    ReportSectionChange,
)
from ppp_assess.domain.evidence import VERDICT_LABELS
from ppp_assess.domain.messages import N_
from ppp_assess.domain.reference import ASSESSMENT_STAGES
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.scoring import score
from ppp_assess.domain.verification import verified_score
from ppp_assess.domain.workflow import STATUS_LABELS, Status
from ppp_assess.models import Assessment, Certificate, ReviewComment, ReviewDecision
from ppp_assess.models.base import utcnow
from ppp_assess.services.assessments import answer_values, load_answers, questionnaire_for
from ppp_assess.services.certificates.records import (
    certificate_of,
    payload_of,
    questionnaire_title,
    reviewer_name,
)
from ppp_assess.services.evidence.documents import evidenced_questions, list_evidence
from ppp_assess.services.history import InstrumentHistory, project_history

#: The line above the certificate's title.
ISSUER = "ppp-assess"


def certificate_data(session: Session, certificate: Certificate,
                     locale: Localiser) -> CertificateData:
    """Return what the certificate PDF prints, in ``locale``, from the signed facts only."""
    payload = payload_of(certificate)
    t = locale.translate
    title = questionnaire_title(session, payload.questionnaire_id, payload.questionnaire_version)
    return CertificateData(
        serial=payload.serial,
        # What people typed is isolated from the sentences around it (right-to-left pages).
        subject_name=isolate(payload.subject_name),
        organisation_name=isolate(payload.organisation_name),
        country_name=locale.country(payload.country_code),
        questionnaire_title=t(title),
        questionnaire_version=payload.questionnaire_version,
        overall_score=float(payload.overall_score),
        level_label=t(payload.level_label),
        # Sections where nothing applied carry no score and are left off the chart.
        section_scores=tuple((t(section.title), float(section.score))
                             for section in payload.section_scores if section.score is not None),
        reviewer_name=isolate(payload.reviewer_name),
        approval_date=payload.approved_on,
        issue_date=payload.issued_on,
        verify_url=payload.verify_url,
        payload_json=certificate.payload.encode("utf-8"),
        signature=certificate.signature,
        locale=locale.code,
        text_direction=locale.text_direction,
        issuer=ISSUER,
        verified_score=(None if payload.verified_score is None
                        else float(payload.verified_score)),
    )


def _reviewer_comments(session: Session, assessment: Assessment) -> tuple[dict[str, str], str]:
    """Return the reviewers' comments by question, and those on the whole assessment."""
    by_question: dict[str, list[str]] = {}
    general: list[str] = []
    rows = session.scalars(
        select(ReviewComment).where(ReviewComment.assessment_id == assessment.id,
                                    ReviewComment.draft.is_(False))
        .order_by(ReviewComment.created_at, ReviewComment.id)
    )
    for row in rows:
        if row.question_id is None:
            general.append(row.body)
        else:
            by_question.setdefault(row.question_id, []).append(row.body)
    return {key: "\n".join(bodies) for key, bodies in by_question.items()}, "\n".join(general)


def _latest_decision_reason(session: Session, assessment: Assessment) -> str:
    reason = session.scalar(
        select(ReviewDecision.reason).where(ReviewDecision.assessment_id == assessment.id)
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc()).limit(1)
    )
    return reason or ""


def report_history(session: Session, assessment: Assessment, locale: Localiser
                   ) -> tuple[tuple[ReportHistoryPoint, ...], tuple[ReportSectionChange, ...]]:
    """Return the project's approved assessments of the same questionnaire up to this
    one, and each section's change between the last two; nothing with fewer than two."""
    if assessment.project is None:
        return (), ()
    questionnaire_id = assessment.questionnaire_version.questionnaire_id
    entry = next((item for item in project_history(session, assessment.project)
                  if item.questionnaire_id == questionnaire_id), None)
    if entry is None:
        return (), ()
    points = list(entry.points)
    ids = [point.assessment_id for point in points]
    if assessment.id in ids:
        points = points[:ids.index(assessment.id) + 1]
    if len(points) < 2:
        return (), ()
    t = locale.translate
    questionnaire = questionnaire_for(assessment)
    shown = InstrumentHistory(questionnaire_id, questionnaire, tuple(points))
    titles = {section.id: t(section.title) for section in questionnaire.sections}
    history = tuple(ReportHistoryPoint(
        label=point.period or (locale.date(point.approved_at.date())
                               if point.approved_at else "–"),
        questionnaire_version=point.questionnaire_version,
        stage=t(ASSESSMENT_STAGES[point.stage]) if point.stage in ASSESSMENT_STAGES else "",
        overall=point.overall,
        level=_level_text(questionnaire, point.level, locale),
        version_changed=point.version_changed) for point in points)
    changes = tuple(ReportSectionChange(titles.get(change.section_id, change.section_id),
                                        change.before, change.after)
                    for change in shown.section_changes)
    return history, changes


def _level_text(questionnaire: Questionnaire, level_id: str | None, locale: Localiser) -> str:
    if level_id is None:
        return ""
    try:
        return locale.translate(questionnaire.level(level_id).label)
    except KeyError:
        return level_id


def report_data(session: Session, assessment: Assessment, locale: Localiser, *,
                today: dt.date | None = None) -> ReportData:
    """Return the full assessment report in ``locale``: every answer, comment and gap."""
    t = locale.translate
    questionnaire: Questionnaire = questionnaire_for(assessment)
    answers = load_answers(session, assessment)
    comments, general_comment = _reviewer_comments(session, assessment)
    report = score(questionnaire, answer_values(answers))
    section_scores = {section.id: section.score for section in report.sections}
    sections = []
    for section in questionnaire.sections:
        questions = []
        for question in section.questions:
            result = report.questions.get(question.id)
            if result is not None and not result.visible:
                # Hidden by a condition on another answer: it does not apply to the subject.
                continue
            row = answers.get(question.id)
            value = row.value if row is not None else None
            questions.append(ReportQuestion(
                id=question.id,
                text=t(question.text),
                guidance=t(question.guidance) if question.guidance else "",
                answer_label=answer_text(question, value, locale),
                comment=isolate(row.comment or "") if row is not None else "",
                evidence_links=tuple(row.evidence or ()) if row is not None else (),
                reviewer_comment=isolate(comments.get(question.id, "")),
                score=(None if result is None or result.score is None else result.score * 100),
            ))
        sections.append(ReportSection(t(section.title), section_scores.get(section.id),
                                      tuple(questions)))
    gaps = tuple(
        ReportGap(question_text=t(questionnaire.question(gap.question_id).text),
                  lost_points=gap.impact, action=t(gap.action) if gap.action else "")
        for gap in report.gaps
    )
    organisation = assessment.organisation
    project = assessment.project
    attached = list_evidence(session, assessment)
    verified = verified_score(questionnaire, answer_values(answers),
                              evidenced_questions(attached), declared=report)
    facts: list[tuple[str, str]] = [
        (t(N_("Completion")), locale.percent(report.completion)),
    ]
    if verified.overall is not None:
        level = verified.report.level
        facts.append((t(N_("Verified score (counting what evidence backs)")),
                      locale.score(verified.overall)
                      + (f" · {t(level.label)}" if level is not None else "")))
    if assessment.submitted_at is not None:
        facts.append((t(N_("Submitted on")), locale.date(assessment.submitted_at.date())))
    if assessment.approved_at is not None:
        facts.append((t(N_("Approved on")), locale.date(assessment.approved_at.date())))
        reviewer = reviewer_name(session, assessment)
        if reviewer:
            facts.append((t(N_("Reviewer")), isolate(reviewer)))
    if assessment.status in {Status.certified, Status.revoked}:
        certificate = certificate_of(session, assessment)
        if certificate is not None:
            facts.append((t(N_("Certificate")), certificate.serial))
    if general_comment:
        facts.append((t(N_("Review comments")), isolate(general_comment)))
    decision_reason = _latest_decision_reason(session, assessment)
    if decision_reason:
        facts.append((t(N_("Reason given with the last review decision")),
                      isolate(decision_reason)))
    history, history_changes = report_history(session, assessment, locale)
    return ReportData(
        history=history,
        history_changes=history_changes,
        questionnaire_title=t(questionnaire.title),
        questionnaire_version=questionnaire.version,
        subject_name=isolate(project.name if project is not None else organisation.name),
        organisation_name=isolate(organisation.name),
        status=t(STATUS_LABELS[assessment.status]),
        is_draft=assessment.status == Status.draft,
        overall_score=report.overall,
        level_label=t(report.level.label) if report.level is not None else "",
        sections=tuple(sections),
        gaps=gaps,
        generated_date=today or utcnow().date(),
        locale=locale.code,
        text_direction=locale.text_direction,
        issuer=ISSUER,
        cover_facts=tuple(facts),
        documents=tuple(
            ReportDocument(
                question_id=document.question_id,
                question_number=questionnaire.number(document.question_id),
                question_text=t(questionnaire.question(document.question_id).text),
                name=isolate(document.name), sha256=document.sha256,
                verdict=t(VERDICT_LABELS[document.verdict]) if document.verdict else "")
            for document in sorted(attached, key=lambda row: (
                questionnaire.position(row.question_id), row.id))
            if questionnaire.has_question(document.question_id)),
    )
