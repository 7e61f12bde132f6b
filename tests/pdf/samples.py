"""Sample certificates and reports in every shipped language.

Used by the PDF tests, the PDF benchmark and ``docs/render_images.py``. Everything the
platform translates comes from the compiled catalogs (``make translations``): the
renderers' captions, the questionnaire's title, sections, questions, answers, actions
and levels (the real people-first questionnaire), the status; country names come from
CLDR. What users type stays in their language as they would type it: the names of the
project, organisation and reviewer and the comments are invented. The signature is a
placeholder, not a real Ed25519 signature.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from ppp_assess.domain import Questionnaire, load_questionnaire
from ppp_assess.domain.display import rounded_score
from ppp_assess.domain.documents import (
    CertificateData,
    ReportData,
    ReportGap,
    ReportQuestion,
    ReportSection,
)
from ppp_assess.domain.workflow import STATUS_LABELS, Status
from ppp_assess.presentation import with_decimals

Translate = Callable[[str], str]

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
QUESTIONNAIRE = ROOT / "questionnaires" / "people-first.yaml"
#: English (the source language) and every language with a catalog.
LOCALES = ("en", *sorted(path.name for path in TRANSLATIONS.iterdir() if path.is_dir()))

SERIAL = "PPP-2025-0042-7F3K"
VERIFY_URL = f"https://ppp-assess.example.org/verify/{SERIAL}"
APPROVAL_DATE = datetime.date(2025, 3, 28)
ISSUE_DATE = datetime.date(2025, 3, 31)
SECTION_SCORES = (82.0, 74.5, 68.0, 90.0, 77.5, 71.0)
OVERALL_SCORE = 78.5
#: What the sample certificate signs as the score counting only evidenced answers.
VERIFIED_SCORE = 71.0
LEVEL = "advanced"
COUNTRY = "ZM"
#: The line above the certificate's title, as the certificates service prints it.
ISSUER = "ppp-assess"

# What users type, in their own language: (project, organisation, reviewer, answer to a
# text question, comment, reviewer's comment).
_TYPED: dict[str, tuple[str, str, str, str, str, str]] = {
    "en": (
        "Kafue Valley Water Supply PPP",
        "Ministry of Finance and National Planning",
        "Dr Amina Okafor",
        "Households in the peri-urban wards of Kafue and Chilanga.",
        "The contract is online; performance reports are published with a two-year delay.",
        "Publish the 2023 and 2024 reports before the next review.",
    ),
    "fr": (
        "PPP d'adduction d'eau de la vallée de la Kafue",
        "Ministère des Finances et de la Planification nationale",
        "Dr Amina Okafor",
        "Les ménages des quartiers périurbains de Kafue et de Chilanga.",
        "Le contrat est en ligne ; les rapports paraissent avec deux ans de retard.",
        "Publier les rapports 2023 et 2024 avant le prochain examen.",
    ),
    "es": (
        "APP de abastecimiento de agua del valle del Kafue",
        "Ministerio de Hacienda y Planificación Nacional",
        "Dra. Amina Okafor",
        "Los hogares de los barrios periurbanos de Kafue y Chilanga.",
        "El contrato está en línea; los informes se publican con dos años de retraso.",
        "Publicar los informes de 2023 y 2024 antes de la próxima revisión.",
    ),
    "ru": (
        "ГЧП по водоснабжению долины Кафуэ",
        "Министерство финансов и национального планирования",
        "Д-р Амина Окафор",
        "Домохозяйства пригородных районов Кафуэ и Чиланги.",
        "Договор опубликован; отчёты выходят с задержкой в два года.",
        "Опубликовать отчёты за 2023 и 2024 годы до следующего рассмотрения.",
    ),
    "ar": (
        "شراكة إمدادات المياه في وادي كافوي",
        "وزارة المالية والتخطيط الوطني",
        "د. أمينة أوكافور",
        "الأسر في الأحياء المحيطة بمدينتي كافوي وتشيلانغا.",
        "العقد منشور على الإنترنت، أما تقارير الأداء فتُنشر بتأخير عامين.",
        "يجب نشر تقريري 2023 و2024 قبل المراجعة القادمة.",
    ),
    "zh": (
        "卡富埃河谷供水公私合作项目",
        "财政和国家规划部",
        "阿米娜·奥卡福博士",
        "卡富埃和奇兰加城郊各区的住户。",
        "合同已在网上公开；绩效报告的发布滞后两年。",
        "请在下次评审前公布2023年和2024年的报告。",
    ),
}


@cache
def questionnaire() -> Questionnaire:
    """Return the people-first questionnaire the samples are assessed against."""
    return load_questionnaire(QUESTIONNAIRE)


@cache
def _catalog(locale: str) -> NullTranslations:
    if locale == "en":
        return NullTranslations()
    catalog = Translations.load(TRANSLATIONS, [locale], "messages")
    questionnaires = Translations.load(TRANSLATIONS, [locale], "questionnaires")
    if not isinstance(catalog, Translations) or not isinstance(questionnaires, Translations):
        raise RuntimeError(f"no compiled catalog for {locale!r}: run `make translations`")
    catalog.merge(questionnaires)
    return catalog


def translator(locale: str) -> Translate:
    """Return a ``translate`` callable reading the compiled catalogs of ``locale``."""
    return _catalog(locale).gettext


def score_formatter(locale: str) -> Callable[[float], str]:
    """Return a score formatter in ``locale``'s number format: one decimal, half up."""
    pattern = with_decimals(Locale.parse(locale).decimal_formats[None].pattern, 1)
    return lambda value: str(format_decimal(rounded_score(value), format=pattern,
                                            locale=locale))


def number_formatter(locale: str) -> Callable[[float], str]:
    """Return a plain number formatter (page numbers, axis ticks) for ``locale``."""
    return lambda value: str(format_decimal(value, locale=locale))


def date_formatter(locale: str) -> Callable[[datetime.date], str]:
    """Return a long date formatter for ``locale``."""
    return lambda value: str(format_date(value, format="long", locale=locale))


def options(locale: str) -> dict[str, Callable[..., str]]:
    """Return the ``translate``, ``format_score``, ``format_number`` and ``format_date`` of
    ``locale``."""
    return {
        "translate": translator(locale),
        "format_score": score_formatter(locale),
        "format_number": number_formatter(locale),
        "format_date": date_formatter(locale),
    }


def direction(locale: str) -> str:
    """Return the text direction of ``locale``, from CLDR."""
    return str(Locale.parse(locale).text_direction)


def sample_payload() -> bytes:
    """Return a canonical JSON payload like the one the platform signs."""
    payload = {
        "assessment": 42,
        "issued_at": ISSUE_DATE.isoformat(),
        "level": LEVEL,
        "organisation": _TYPED["en"][1],
        "questionnaire": {"id": questionnaire().id, "version": questionnaire().version},
        "score": OVERALL_SCORE,
        "serial": SERIAL,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sample_signature() -> str:
    """Return a placeholder signature string shaped like a base64 Ed25519 signature."""
    return base64.b64encode(hashlib.sha512(sample_payload()).digest()).decode("ascii")


def sample_certificate(locale: str, translate: Translate | None = None) -> CertificateData:
    """Return the sample certificate in ``locale``, translated by ``translate``.

    :param translate: defaults to the compiled catalogs of ``locale``.
    """
    t = translate or translator(locale)
    subject, organisation, reviewer, *_ = _TYPED[locale]
    survey = questionnaire()
    return CertificateData(
        serial=SERIAL,
        issuer=ISSUER,
        subject_name=subject,
        organisation_name=organisation,
        country_name=str(Locale.parse(locale).territories[COUNTRY]),
        questionnaire_title=t(survey.title),
        questionnaire_version=survey.version,
        overall_score=OVERALL_SCORE,
        verified_score=VERIFIED_SCORE,
        level_label=t(survey.level(LEVEL).label),
        section_scores=tuple(
            (t(section.title), score)
            for section, score in zip(survey.sections, SECTION_SCORES, strict=True)
        ),
        reviewer_name=reviewer,
        approval_date=APPROVAL_DATE,
        issue_date=ISSUE_DATE,
        verify_url=VERIFY_URL,
        payload_json=sample_payload(),
        signature=sample_signature(),
        locale=locale,
        text_direction=direction(locale),
    )


def sample_report(
    locale: str, questions: int = 10, *, draft: bool = False, translate: Translate | None = None
) -> ReportData:
    """Return a sample report in ``locale`` answering ``questions`` questions.

    The questions are shared out among the sections, each section's from its first
    question on, and again from its first (with a suffix to the id) when it runs out.

    :param translate: defaults to the compiled catalogs of ``locale``.
    """
    t = translate or translator(locale)
    format_number = number_formatter(locale)
    subject, organisation, _reviewer, typed_answer, comment, review = _TYPED[locale]
    survey = questionnaire()
    count = len(survey.sections)
    sections: list[ReportSection] = []
    gaps = []
    number = 0
    for index, section in enumerate(survey.sections):
        items = []
        for row in range(questions // count + (1 if index < questions % count else 0)):
            question = section.questions[row % len(section.questions)]
            repeat = row // len(section.questions)
            number += 1
            if question.options:
                answer = t(question.options[number % len(question.options)].label)
            else:
                answer = typed_answer if question.type.value == "text" else format_number(number)
            score = (50.0, 100.0, 0.0)[number % 3] if number % 7 else None
            item = ReportQuestion(
                id=question.id if not repeat else f"{question.id}-{repeat + 1}",
                text=f"{number}. {t(question.text)}",
                guidance=t(question.guidance) if question.guidance else "",
                answer_label=answer,
                comment=comment if number % 2 else "",
                evidence_links=(f"https://ppp-assess.example.org/evidence/{number}.pdf",),
                reviewer_comment=review if number % 3 == 1 else "",
                score=score,
            )
            items.append(item)
            if score is not None and score < 100:
                action = t(question.action) if question.action else ""
                gaps.append(ReportGap(item.text, round((100 - score) / 40, 1), action))
        sections.append(ReportSection(t(section.title), SECTION_SCORES[index], tuple(items)))
    status = Status.draft if draft else Status.approved
    return ReportData(
        questionnaire_title=t(survey.title),
        questionnaire_version=survey.version,
        subject_name=subject,
        organisation_name=organisation,
        status=t(STATUS_LABELS[status]),
        is_draft=draft,
        overall_score=OVERALL_SCORE,
        level_label=t(survey.level(LEVEL).label),
        sections=tuple(sections),
        gaps=tuple(sorted(gaps, key=lambda gap: -gap.lost_points)),
        generated_date=ISSUE_DATE,
        locale=locale,
        text_direction=direction(locale),
        issuer=ISSUER,
    )
