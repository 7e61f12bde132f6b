"""Seed a database for a load run, through the application's own services.

Everything a run touches is made here the way real use makes it: organisations, users
with API tokens, projects, and assessments of every state the load reads (drafts the
respondents fill in, submitted ones in the review queue, approved ones in the
evaluators' exports). Names carry a tag of the run, so a database that already holds
other data (a shared PostgreSQL database) can be seeded again without a clash.

The plan is written as JSON for the locustfile: the base address, each user's token,
each respondent's draft with its sections and, per question, a few values the question
accepts.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.answers import AnswerError, validate_answer
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.domain.schema import NA, Question, Questionnaire
from ppp_assess.domain.workflow import Decision
from ppp_assess.models import Assessment, Organisation, Project, QuestionnaireVersion, User
from ppp_assess.models.database import Database
from ppp_assess.services import accounts, reviews, tokens
from ppp_assess.services import assessments as service
from ppp_assess.services.passwords import hash_password
from ppp_assess.services.questionnaires import publish_directory, questionnaire_of

QUESTIONNAIRES = PROJECT_ROOT / "questionnaires"
#: The respondents' drafts answer this questionnaire; the background data the other one.
DRAFT_QUESTIONNAIRE = "people-first"
BACKGROUND_QUESTIONNAIRE = "mining-infrastructure"
#: Submitted and approved assessments per organisation (review queue, exports).
SUBMITTED_PER_ORGANISATION = 2
APPROVED_PER_ORGANISATION = 3
#: Distinct accepted values collected per question, for the autosaves to alternate.
VALUES_PER_QUESTION = 4


@dataclass(frozen=True)
class SeedCounts:
    """How many respondents, reviewers and evaluators a run needs."""

    respondents: int
    reviewers: int
    evaluators: int
    #: Organisations, each with its background assessments (a quick run wants fewer).
    organisations: int = 8


def _values(question: Question, rng: random.Random) -> list[Any]:
    """Return a few distinct values ``question`` accepts (never "not applicable")."""
    found: list[Any] = []
    for attempt in range(40):
        value = question.strategy.example_answer(question, (attempt % 10) / 9, rng)
        if value is None or value == NA or value == [NA]:
            continue
        try:
            value = validate_answer(question, value)
        except AnswerError:
            continue
        if value not in found:
            found.append(value)
        if len(found) == VALUES_PER_QUESTION:
            break
    return found


def _answers(questionnaire: Questionnaire, share: float,
             rng: random.Random) -> dict[str, service.AnswerInput]:
    questions = questionnaire.all_questions()
    inputs: dict[str, service.AnswerInput] = {}
    for question in questions[:math.ceil(len(questions) * share)]:
        values = _values(question, rng)
        if values:
            inputs[question.id] = service.AnswerInput(rng.choice(values))
    return inputs


def _complete(session: Any, assessment: Assessment, questionnaire: Questionnaire,
              actor: User, rng: random.Random) -> None:
    """Answer every question, then whatever required one is still missing."""
    service.save_answers(session, assessment, _answers(questionnaire, 1.0, rng),
                         base_version=assessment.version, actor=actor)
    for _ in range(5):
        report = service.score_of(assessment, service.load_answers(session, assessment))
        if not report.missing_required:
            return
        inputs = {}
        for question_id in report.missing_required:
            values = _values(questionnaire.question(question_id), rng)
            inputs[question_id] = service.AnswerInput(values[-1])
        service.save_answers(session, assessment, inputs, base_version=assessment.version,
                             actor=actor)
    raise RuntimeError("could not complete a background assessment")


def seed(database: Database, counts: SeedCounts, *, tag: str, seed: int = 2026) -> dict[str, Any]:
    """Create the run's data and return the plan the locustfile follows.

    One extra respondent (``probe``) is made beside ``counts.respondents``: the harness
    saves through it after a fault to see when writing works again.
    """
    rng = random.Random(seed)
    password_hash = hash_password(f"load-{tag}-password")
    with database.transaction() as session:
        publish_directory(session, QUESTIONNAIRES)
        versions = {row.questionnaire_id: row for row in session.scalars(
            select(QuestionnaireVersion).order_by(QuestionnaireVersion.id))}
        draft_version = versions[DRAFT_QUESTIONNAIRE]
        background_version = versions[BACKGROUND_QUESTIONNAIRE]
        draft_questionnaire = questionnaire_of(draft_version)
        background_questionnaire = questionnaire_of(background_version)

        def user(kind: str, number: int) -> tuple[User, str]:
            row = accounts.create_user(session, email=f"{kind}{number}.{tag}@load.test",
                                       name=f"Load {kind} {number}",
                                       password_hash=password_hash)
            _token_row, token = tokens.create_api_token(session, row, name="load run")
            return row, token

        organisations: list[Organisation] = [
            accounts.create_organisation(session, name=f"Load organisation {n} ({tag})",
                                         country=("KZ", "CL", "ZM", "RS")[n % 4],
                                         region=("central_asia", "latin_america", "africa",
                                                 "europe")[n % 4])
            for n in range(counts.organisations)]

        def project(organisation: Organisation, name: str) -> Project:
            row = Project(organisation=organisation, name=name, sector="mining",
                          subsector="rail", country=organisation.country,
                          region=organisation.region, stage="construction",
                          contract_type="concession", capital_value=500_000_000,
                          currency="USD", description="Load run project.")
            session.add(row)
            session.flush()
            return row

        reviewers = [user("reviewer", n) for n in range(counts.reviewers)]
        for row, _token in reviewers:
            accounts.grant_platform_role(session, user=row, role=PlatformRole.reviewer)
        evaluators = [user("evaluator", n) for n in range(counts.evaluators)]
        for row, _token in evaluators:
            accounts.grant_platform_role(session, user=row, role=PlatformRole.evaluator)

        # Background: submitted assessments for the review queue, approved ones to export.
        submitted: list[int] = []
        for index, organisation in enumerate(organisations):
            author, _token = user("author", index)
            accounts.add_member(session, user=author, organisation=organisation,
                                role=OrgRole.respondent)
            for number in range(SUBMITTED_PER_ORGANISATION + APPROVED_PER_ORGANISATION):
                assessment = service.start_assessment(
                    session, actor=author, version=background_version,
                    organisation_id=organisation.id,
                    project=project(organisation, f"Background project {index}.{number}"))
                _complete(session, assessment, background_questionnaire, author, rng)
                service.submit_assessment(session, assessment, actor=author)
                if number < APPROVED_PER_ORGANISATION and reviewers:
                    reviewer = reviewers[number % len(reviewers)][0]
                    reviews.start_review(session, assessment, reviewer=reviewer,
                                         declared_no_conflict=True)
                    reviews.decide(session, assessment, reviewer=reviewer,
                                   decision=Decision.approve)
                else:
                    submitted.append(assessment.id)

        # The respondents' drafts, each a third answered already.
        values = {question.id: _values(question, rng)
                  for question in draft_questionnaire.all_questions()}
        sections = [{"id": section.id,
                     "questions": [question.id for question in section.questions
                                   if values[question.id]]}
                    for section in draft_questionnaire.sections]
        respondents: list[dict[str, Any]] = []
        for number in range(counts.respondents + 1):
            organisation = organisations[number % len(organisations)]
            row, token = user("respondent", number)
            accounts.add_member(session, user=row, organisation=organisation,
                                role=OrgRole.respondent)
            assessment = service.start_assessment(
                session, actor=row, version=draft_version, organisation_id=organisation.id,
                project=project(organisation, f"Draft project {number}"))
            service.save_answers(session, assessment,
                                 _answers(draft_questionnaire, 1 / 3, rng),
                                 base_version=assessment.version, actor=row)
            respondents.append({"token": token, "assessment": assessment.id})
    return {
        "tag": tag,
        "questionnaire": DRAFT_QUESTIONNAIRE,
        "export_questionnaire": BACKGROUND_QUESTIONNAIRE,
        "sections": sections,
        "values": values,
        "respondents": respondents[:-1],
        "probe": respondents[-1],
        "reviewers": [token for _row, token in reviewers],
        "evaluators": [token for _row, token in evaluators],
        "submitted": submitted,
    }


def seeded_assessments(plan: dict[str, Any]) -> list[int]:
    """Return the ids of the drafts the run writes to (the probe's included)."""
    return [entry["assessment"] for entry in [*plan["respondents"], plan["probe"]]]


def write_plan(plan: dict[str, Any], path: Path) -> None:
    """Write the plan as JSON (it holds tokens: readable by its owner only)."""
    import json

    path.write_text(json.dumps(plan, indent=1, default=str), encoding="utf-8")
    path.chmod(0o600)
