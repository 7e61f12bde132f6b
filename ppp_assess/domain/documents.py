"""The content of the documents the platform hands out: certificates and reports.

The certification and reporting services fill these with already translated strings,
in the language of the document; a renderer (the PDF adapter) only lays them out and
translates its own fixed captions. Scores are on the 0-100 scale used everywhere in the
platform; ``None`` means unscored or not applicable.

Unlike the rest of the domain these hold translated text rather than msgids: a
document is produced for one reader, in one language.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

TEXT_DIRECTIONS = ("ltr", "rtl")


def _check_direction(direction: str) -> None:
    if direction not in TEXT_DIRECTIONS:
        raise ValueError(f"text_direction must be 'ltr' or 'rtl', not {direction!r}")


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on, and carried inside, one certificate."""

    serial: str
    subject_name: str
    organisation_name: str
    country_name: str
    questionnaire_title: str
    questionnaire_version: str
    overall_score: float
    level_label: str
    section_scores: tuple[tuple[str, float], ...]
    reviewer_name: str
    approval_date: datetime.date
    issue_date: datetime.date
    verify_url: str
    payload_json: bytes
    signature: str
    locale: str = "en"
    text_direction: str = "ltr"
    #: Line above the title naming the issuing platform or board (translated).
    issuer: str = ""
    #: Replaces the default title "Certificate of assessment" when not empty (translated).
    title: str = ""
    #: The verified score the certificate signs, or ``None`` when it signs none.
    verified_score: float | None = None

    def __post_init__(self) -> None:
        _check_direction(self.text_direction)
        if not 0 <= self.overall_score <= 100:
            raise ValueError(f"overall_score must be within 0-100, not {self.overall_score}")
        if self.verified_score is not None and not 0 <= self.verified_score <= 100:
            raise ValueError(f"verified_score must be within 0-100, not {self.verified_score}")
        if not self.serial:
            raise ValueError("serial must not be empty")


@dataclass(frozen=True)
class ReportQuestion:
    """One question of the report with its answer and review."""

    id: str
    text: str
    guidance: str = ""
    answer_label: str = ""
    comment: str = ""
    evidence_links: tuple[str, ...] = ()
    reviewer_comment: str = ""
    score: float | None = None


@dataclass(frozen=True)
class ReportSection:
    """One questionnaire section with its score and questions."""

    title: str
    score: float | None
    questions: tuple[ReportQuestion, ...] = ()


@dataclass(frozen=True)
class ReportGap:
    """A shortfall: the question, the overall points it costs, the recommended action."""

    question_text: str
    lost_points: float
    action: str


@dataclass(frozen=True)
class ReportDocument:
    """One evidence document in the report's annex."""

    question_id: str
    question_text: str
    name: str
    #: SHA-256 of the file, hex: a reader holding the file can check it is this one.
    sha256: str
    #: The reviewer's verdict, translated ("" when not judged).
    verdict: str = ""
    #: The number readers know the question by ("2.3"); the id when not given.
    question_number: str = ""


@dataclass(frozen=True)
class ReportHistoryPoint:
    """One approved assessment of the subject in the report's history, oldest first."""

    #: Its period, or the date it was approved (formatted).
    label: str
    questionnaire_version: str
    #: The project stage it describes, translated ("" when not given).
    stage: str
    overall: float | None
    #: The level reached, translated ("" for none).
    level: str
    #: The questionnaire version differs from the point before.
    version_changed: bool = False


@dataclass(frozen=True)
class ReportSectionChange:
    """A section's score at the previous approved assessment and now."""

    title: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        """Return the points gained (negative: lost), or None when either is missing."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class ReportData:
    """Everything printed in the full assessment report."""

    questionnaire_title: str
    questionnaire_version: str
    subject_name: str
    organisation_name: str
    status: str
    is_draft: bool
    overall_score: float | None
    level_label: str
    sections: tuple[ReportSection, ...]
    gaps: tuple[ReportGap, ...]
    generated_date: datetime.date
    locale: str = "en"
    text_direction: str = "ltr"
    #: Optional line naming the platform, printed on the cover (translated).
    issuer: str = ""
    #: Extra facts for the cover, as (label, value) pairs already translated.
    cover_facts: tuple[tuple[str, str], ...] = field(default=())
    #: The evidence documents, by question in document order, for the annex.
    documents: tuple[ReportDocument, ...] = field(default=())
    #: The subject's approved assessments of this questionnaire up to this one, oldest
    #: first; empty when there is no history to show.
    history: tuple[ReportHistoryPoint, ...] = field(default=())
    #: Each section's change between the last two points of :attr:`history`, largest
    #: first.
    history_changes: tuple[ReportSectionChange, ...] = field(default=())

    def __post_init__(self) -> None:
        _check_direction(self.text_direction)
