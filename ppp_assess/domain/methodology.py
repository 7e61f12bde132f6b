"""The published methodology of a questionnaire version, as a document.

The pages and the PDF show the same content: the sections with their weights, every
question with its effective weight, its answers and their scores, critical questions
and the cap, the level bands, the conditions in plain words and each question's basis.
These dataclasses hold it with every string already in the reader's language; the web
adapter fills them (it translates and formats), the PDF renderer draws them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class MethodologyQuestion:
    """One question: number, text, share of the overall score, answers and their scores."""

    number: str
    id: str
    text: str
    #: Effective weight as shown ("7.5 %"); ``None`` for a question that is not scored.
    share: str | None
    #: The answers and what each scores ("Applied in practice: 0.7"), or the scale rule.
    points: tuple[str, ...]
    critical: bool
    #: A context question: asked and stored, never scored.
    context: bool
    #: When the question is asked, in plain words; ``None`` when always.
    condition: str | None
    #: Which instrument and part it serves, and where the wording comes from.
    basis: str | None
    reference: str


@dataclass(frozen=True)
class MethodologySection:
    """One section with its weight and its share of the overall score."""

    number: str
    id: str
    title: str
    description: str | None
    weight: str
    #: The section's share of the overall score as shown ("40 %"); ``None`` when nothing
    #: in it is scored.
    share: str | None
    #: When the section applies, in plain words; ``None`` when always.
    condition: str | None
    questions: tuple[MethodologyQuestion, ...]


@dataclass(frozen=True)
class MethodologyLevel:
    """A level and the band of overall scores that reaches it."""

    label: str
    band: str
    description: str | None


@dataclass(frozen=True)
class MethodologyDocument:
    """Everything the methodology page and PDF show, in the reader's language."""

    locale: str
    text_direction: str
    questionnaire_id: str
    title: str
    version: str
    source: str
    #: How a score is computed, one paragraph each.
    rules: tuple[str, ...]
    levels: tuple[MethodologyLevel, ...]
    #: What a failed critical question does, in one sentence.
    cap: str
    sections: tuple[MethodologySection, ...]
    generated_date: datetime.date
