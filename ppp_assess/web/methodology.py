"""The public methodology of each questionnaire version: a page and a PDF, no sign-in.

``/methodology/<questionnaire>/<version>`` shows, in the reader's language, how the
version scores: the sections with their weights, every question with its effective
weight, answers and scores, critical questions and the cap, the level bands, the
conditions in plain words and each question's basis. ``.../pdf`` is the same as a PDF.
"""

from __future__ import annotations

import datetime

from flask import Blueprint, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ppp_assess import presentation
from ppp_assess.domain.methodology import (
    MethodologyDocument,
    MethodologyLevel,
    MethodologyQuestion,
    MethodologySection,
)
from ppp_assess.domain.schema import (
    AllCondition,
    AnyCondition,
    BasisWording,
    CompareCondition,
    Condition,
    InCondition,
    Operator,
    Question,
    Questionnaire,
    QuestionType,
)
from ppp_assess.domain.scoring import effective_weights
from ppp_assess.pdf.methodology import render_methodology
from ppp_assess.presentation import data_text, number_text, share_text
from ppp_assess.services import questionnaires as service
from ppp_assess.services.errors import ServiceError
from ppp_assess.unit_of_work import get_session
from ppp_assess.web.certificates.documents import (
    document_language,
    pdf_download_limit,
    pdf_response,
)

bp = Blueprint("methodology", __name__, url_prefix="/methodology")

#: The longest questionnaire id or version looked up; anything longer is no version.
_MAX_KEY = 100


def _questionnaire_or_404(questionnaire_id: str, version: str) -> Questionnaire:
    if len(questionnaire_id) > _MAX_KEY or len(version) > _MAX_KEY:
        abort(404)
    row = service.find_version(get_session(), questionnaire_id, version)
    if row is None:
        abort(404)
    return service.questionnaire_of(row)


@bp.get("/<questionnaire_id>/<version>")
def show(questionnaire_id: str, version: str) -> str:
    """Show the methodology of one questionnaire version."""
    questionnaire = _questionnaire_or_404(questionnaire_id, version)
    return render_template("methodology/show.html", document=methodology_document(questionnaire),
                           questionnaire=questionnaire)


@bp.get("/<questionnaire_id>/<version>/pdf")
@pdf_download_limit
def pdf(questionnaire_id: str, version: str) -> Response:
    """Download the methodology of one questionnaire version as a PDF."""
    questionnaire = _questionnaire_or_404(questionnaire_id, version)
    try:
        language = document_language(request.args.get("lang"))
    except ServiceError:
        abort(404)
    with force_locale(language):
        localiser = presentation.localiser(language)
        document = methodology_document(questionnaire)
        content = render_methodology(document, translate=localiser.translate,
                                     format_number=localiser.number, format_date=localiser.date)
    response = pdf_response(
        content, f"methodology-{questionnaire.id}-{questionnaire.version}-{language}.pdf")
    # The methodology is public: unlike answers, any cache may keep it.
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# --------------------------------------------------------------------------- the document


def methodology_document(questionnaire: Questionnaire) -> MethodologyDocument:
    """Return the methodology of ``questionnaire`` in the current language."""
    shares = effective_weights(questionnaire)
    numbers = _question_numbers(questionnaire)
    sections = []
    for index, section in enumerate(questionnaire.sections, start=1):
        scored = [shares[question.id] for question in section.questions
                  if question.id in shares]
        questions = tuple(
            _question(questionnaire, question, numbers, shares.get(question.id))
            for question in section.questions)
        sections.append(MethodologySection(
            number=str(index),
            id=section.id,
            title=data_text(section.title),
            description=data_text(section.description) or None,
            weight=number_text(section.weight),
            share=share_text(sum(scored)) if scored else None,
            condition=(_("This section applies only when %(condition)s.",
                         condition=condition_words(questionnaire, section.show_if, numbers))
                       if section.show_if is not None else None),
            questions=questions,
        ))
    levels = []
    upper: float | None = None
    for level in questionnaire.levels:
        if upper is None:
            band = _("%(low)s to 100", low=number_text(level.min))
        else:
            band = _("%(low)s to under %(high)s", low=number_text(level.min),
                     high=number_text(upper))
        levels.append(MethodologyLevel(label=data_text(level.label), band=band,
                                       description=data_text(level.description) or None))
        upper = level.min
    source = data_text(questionnaire.source.title)
    if questionnaire.source.symbol:
        source = f"{source} ({questionnaire.source.symbol})"
    return MethodologyDocument(
        locale=str(presentation.current_locale()),
        text_direction=presentation.current_locale().text_direction,
        questionnaire_id=questionnaire.id,
        title=data_text(questionnaire.title),
        version=questionnaire.version,
        source=source,
        rules=(
            _("Each answer scores between 0 and 1. A section's score is the weighted mean of "
              "its applicable scored questions, from 0 to 100; the overall score is the "
              "weighted mean of the section scores, by section weight."),
            _("A question that is not shown, or answered “not applicable”, leaves the "
              "calculation; an unanswered question that applies counts as 0. A section that "
              "does not apply is not shown and not counted."),
            _("The effective weight of a question is its share of the overall score when "
              "every section and question applies. Context questions are asked but never "
              "scored."),
        ),
        levels=tuple(levels),
        cap=_("When a critical question scores 0, the level is at most “%(level)s”, whatever "
              "the overall score.", level=data_text(questionnaire.cap_level.label)),
        sections=tuple(sections),
        generated_date=datetime.date.today(),
    )


def _question_numbers(questionnaire: Questionnaire) -> dict[str, str]:
    numbers = {}
    for section_index, section in enumerate(questionnaire.sections, start=1):
        for question_index, question in enumerate(section.questions, start=1):
            numbers[question.id] = f"{section_index}.{question_index}"
    return numbers


def _question(questionnaire: Questionnaire, question: Question, numbers: dict[str, str],
              share: float | None) -> MethodologyQuestion:
    basis = None
    if question.basis is not None:
        basis = _("%(instrument)s, %(part)s: %(wording)s",
                  instrument=question.basis.instrument, part=question.basis.part,
                  wording=_basis_wording(question.basis.wording))
    condition = None
    if question.show_if is not None:
        condition = _("Asked only when %(condition)s.",
                      condition=condition_words(questionnaire, question.show_if, numbers))
    return MethodologyQuestion(
        number=numbers[question.id],
        id=question.id,
        text=data_text(question.text),
        share=share_text(share) if share is not None else None,
        points=_points(question) if question.scored else (),
        critical=question.critical,
        context=question.context,
        condition=condition,
        basis=basis,
        reference=data_text(question.reference),
    )


def _basis_wording(wording: BasisWording) -> str:
    if wording is BasisWording.text:
        return _("wording taken from the text")
    if wording is BasisWording.derived:
        return _("derived from the text")
    return _("the platform's own good practice")


def _points(question: Question) -> tuple[str, ...]:
    """Return what each answer scores, in the reader's language."""
    if question.type in (QuestionType.choice, QuestionType.multi_choice):
        points = []
        for option in question.options:
            if option.score is None:
                points.append(_("%(answer)s: not counted", answer=data_text(option.label)))
            else:
                points.append(_("%(answer)s: %(score)s", answer=data_text(option.label),
                                score=number_text(option.score)))
        if question.type is QuestionType.multi_choice:
            rule = {"sum": _("The scores of the options chosen add up, to at most 1."),
                    "mean": _("The score is the mean of the options chosen."),
                    "max": _("The score is that of the best option chosen.")}
            points.append(rule[question.multi_scoring.value])
        return tuple(points)
    if question.type is QuestionType.scale and question.scale is not None:
        return (_("From %(min)s (scores 0) to %(max)s (scores 1), in equal steps.",
                  min=number_text(question.scale.min), max=number_text(question.scale.max)),)
    if question.type is QuestionType.number:
        return tuple(_("%(min)s or more: %(score)s", min=number_text(band.min),
                       score=number_text(band.score)) for band in question.bands)
    return ()


def condition_words(questionnaire: Questionnaire, condition: Condition,
                    numbers: dict[str, str]) -> str:
    """Return a condition in plain words: "the answer to 1.2 is “Yes” or “Partly”"."""
    if isinstance(condition, AllCondition | AnyCondition):
        parts = [condition_words(questionnaire, part, numbers) for part in condition.conditions]
        if len(parts) == 1:
            return parts[0]
        return "(" + _joined(parts, both=isinstance(condition, AllCondition)) + ")"
    question = questionnaire.question(condition.question)
    number = numbers[question.id]
    if isinstance(condition, CompareCondition):
        words = {
            Operator.gt: _("the answer to %(number)s is more than %(value)s"),
            Operator.gte: _("the answer to %(number)s is at least %(value)s"),
            Operator.lt: _("the answer to %(number)s is less than %(value)s"),
            Operator.lte: _("the answer to %(number)s is at most %(value)s"),
            Operator.eq: _("the answer to %(number)s is %(value)s"),
            Operator.ne: _("the answer to %(number)s is not %(value)s"),
        }
        return words[condition.operator] % {"number": number,
                                            "value": number_text(condition.value)}
    values = _joined([_("“%(answer)s”", answer=_value_label(question, value))
                      for value in condition.values], both=False)
    if isinstance(condition, InCondition):
        return _("the answer to %(number)s is %(values)s", number=number, values=values)
    return _("the answer to %(number)s is given and is not %(values)s", number=number,
             values=values)


def _joined(parts: list[str], *, both: bool) -> str:
    """Return "a and b and c" (``both``) or "a or b or c" in the reader's language."""
    text = parts[0]
    for part in parts[1:]:
        text = (_("%(first)s and %(second)s", first=text, second=part) if both
                else _("%(first)s or %(second)s", first=text, second=part))
    return text


def _value_label(question: Question, value: str | int | float) -> str:
    if question.has_option(value):
        return data_text(question.option(str(value)).label)
    if value == "na":
        return _("Not applicable")
    return number_text(value) if isinstance(value, int | float) else str(value)
