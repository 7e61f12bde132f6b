"""Deterministic demonstration data that makes every screen meaningful.

Everything goes through the same services as real use, so the demo also exercises the
audit log. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ppp_assess.domain.answers import AnswerError, validate_answer
from ppp_assess.domain.reference import OrgRole, PlatformRole, SubjectType
from ppp_assess.domain.schema import NA, Question, Questionnaire
from ppp_assess.domain.workflow import Decision
from ppp_assess.models import Assessment, Organisation, Project, QuestionnaireVersion, User
from ppp_assess.models.base import utcnow
from ppp_assess.services import accounts, assessments, certificates, peer_index, reviews
from ppp_assess.services.passwords import hash_password
from ppp_assess.services.permissions import Person
from ppp_assess.services.questionnaires import publish_directory, questionnaire_of

_T = TypeVar("_T")

log = logging.getLogger(__name__)

SEED = 2026
ADMIN_EMAIL = "admin@demo.test"


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    country: str
    region: str


ORGANISATIONS = (
    DemoOrganisation("mines", "Ministry of Mining and Heavy Industry — PPP Unit", "MN",
                     "asia_pacific"),
    DemoOrganisation("centre", "National PPP Centre", "KZ", "central_asia"),
    DemoOrganisation("concessions", "Infrastructure Concessions Agency", "CL", "latin_america"),
    DemoOrganisation("minerals", "Mineral Resources Development Authority", "ZM", "africa"),
    DemoOrganisation("investment", "Public Investment and PPP Directorate", "RS", "europe"),
    DemoOrganisation("energy", "Ministry of Energy and Mines — PPP Office", "PE",
                     "latin_america"),
    DemoOrganisation("logistics", "Transport and Logistics PPP Agency", "UZ", "central_asia"),
    DemoOrganisation("water", "Water Resources PPP Unit", "GH", "africa"),
)

# (email, name, organisation key or None, organisation role, platform roles)
USERS: tuple[tuple[str, str, str | None, OrgRole | None, tuple[PlatformRole, ...]], ...] = (
    ("respondent@demo.test", "Batbayar Dorj", "mines", OrgRole.respondent, ()),
    ("orgadmin@demo.test", "Oyuunaa Ganbold", "mines", OrgRole.org_admin, ()),
    ("respondent2@demo.test", "Aigerim Sadykova", "centre", OrgRole.respondent, ()),
    ("reviewer@demo.test", "Claire Dubois", None, None, (PlatformRole.reviewer,)),
    ("evaluator@demo.test", "Rafael Ortega", None, None, (PlatformRole.evaluator,)),
    (ADMIN_EMAIL, "Platform Administrator", None, None, (PlatformRole.admin,)),
)

PROJECT_KINDS = (
    ("mining", "rail", "{place} heavy-haul rail line"),
    ("mining", "port", "{place} ore export terminal"),
    ("mining", "power", "{place} mine power transmission line"),
    ("mining", "water_supply", "{place} mine water supply scheme"),
    ("mining", "tailings", "{place} tailings storage facility upgrade"),
    ("transport", "road", "{place} mining corridor road"),
    ("energy", "power", "{place} solar plant for mining district"),
    ("water", "water_supply", "{place} desalination plant"),
)
PLACES = ("Tavan Tolgoi", "Karaganda", "Antofagasta", "Copperbelt", "Bor", "Arequipa",
          "Navoiy", "Tarkwa", "Gobi", "Pavlodar", "Atacama", "Solwezi", "Majdanpek",
          "Cajamarca", "Almalyk", "Obuasi", "Erdenet", "Ekibastuz", "Calama", "Kitwe")
STAGES = ("preparation", "procurement", "construction", "operation", "closure")
CONTRACTS = ("concession", "availability", "bot", "dbfo", "joint_venture")
CURRENCIES = {"MN": "USD", "KZ": "KZT", "CL": "CLP", "ZM": "USD", "RS": "EUR", "PE": "PEN",
              "UZ": "USD", "GH": "USD"}

# Final statuses cycled over the assessments; "returned" is a draft with review comments.
STATUS_PLAN = ("approved", "approved", "draft", "submitted", "approved", "in_review",
               "returned", "approved", "draft", "approved")
#: Organisation questionnaires have one assessment per organisation: most are approved, so
#: that every organisation sees at least five peers from other organisations.
ORGANISATION_STATUS_PLAN = ("approved", "approved", "draft", "approved", "approved",
                            "submitted", "approved", "approved")


@dataclass
class SeedReport:
    """What seeding did."""

    created: bool
    password: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


def demo_password(instance_path: str | Path, given: str | None) -> tuple[str, bool]:
    """Return the demo password and whether it was generated now.

    ``DEMO_PASSWORD`` wins; otherwise the password generated at the first seeding is
    kept in the instance folder so that seeding again changes nothing.
    """
    if given:
        return given, False
    path = Path(instance_path) / "demo_password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), False
    import secrets

    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password, encoding="utf-8")
    path.chmod(0o600)
    return password, True


def _choose_answer(question: Question, maturity: float, rng: random.Random) -> Any:
    """Return a plausible answer for an organisation of the given maturity (0..1)."""
    return question.strategy.example_answer(question, maturity, rng)


def _answers(questionnaire: Questionnaire, maturity: float, share: float,
             rng: random.Random) -> dict[str, assessments.AnswerInput]:
    questions = questionnaire.all_questions()
    limit = math.ceil(len(questions) * share)
    inputs: dict[str, assessments.AnswerInput] = {}
    for question in questions[:limit]:
        value = _choose_answer(question, maturity, rng)
        if value is None:
            continue
        try:
            value = validate_answer(question, value)
        except AnswerError:
            continue
        if value == NA and question.required:
            continue
        comment = "See the attached policy." if rng.random() < 0.15 else None
        evidence = (["https://example.org/ppp/evidence.pdf"]
                    if rng.random() < 0.2 else None)
        inputs[question.id] = assessments.AnswerInput(value, comment, evidence)
    return inputs


def _unfollowed(items: Sequence[_T], _label: str) -> Iterable[_T]:
    return items


def seed_demo(session: Session, *, questionnaire_dir: str | Path, password: str,
              now: dt.datetime | None = None, signing_key: Ed25519PrivateKey | None = None,
              base_url: str = "http://localhost",
              follow: Callable[[Sequence[Any], str], Iterable[Any]] = _unfollowed
              ) -> SeedReport:
    """Create the demonstration data unless it is already there.

    With the platform's ``signing_key``, some approved assessments are also certified
    (with verification links under ``base_url``) and one certificate is revoked.

    :param follow: wraps the assessments as they are made, with a label (progress).
    """
    publish_directory(session, questionnaire_dir)
    if accounts.find_user(session, ADMIN_EMAIL) is not None:
        return SeedReport(created=False)
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not secrets)
    now = now or utcnow()
    shared_hash = hash_password(password)

    organisations: dict[str, Organisation] = {}
    for org in ORGANISATIONS:
        organisations[org.key] = accounts.create_organisation(
            session, name=org.name, country=org.country, region=org.region)

    users: dict[str, User] = {}
    for email, name, org_key, role, platform_roles in USERS:
        user = accounts.create_user(session, email=email, name=name, password_hash=shared_hash)
        users[email] = user
        if org_key and role:
            accounts.add_member(session, user=user, organisation=organisations[org_key],
                                role=role)
        for platform_role in platform_roles:
            accounts.grant_platform_role(session, user=user, role=platform_role)
    # One respondent for every other organisation, so each has someone acting for it.
    actors: dict[str, User] = {"mines": users["respondent@demo.test"],
                               "centre": users["respondent2@demo.test"]}
    for org in ORGANISATIONS:
        if org.key not in actors:
            user = accounts.create_user(session, email=f"{org.key}@demo.test",
                                        name=f"{org.name} respondent",
                                        password_hash=shared_hash)
            accounts.add_member(session, user=user, organisation=organisations[org.key],
                                role=OrgRole.respondent)
            actors[org.key] = user

    projects: list[Project] = []
    for index, place in enumerate(PLACES):
        org = ORGANISATIONS[index % len(ORGANISATIONS)]
        sector, subsector, pattern = PROJECT_KINDS[index % len(PROJECT_KINDS)]
        new_project = Project(
            organisation=organisations[org.key], name=pattern.format(place=place),
            sector=sector, subsector=subsector, country=org.country, region=org.region,
            stage=STAGES[index % len(STAGES)], contract_type=CONTRACTS[(index * 3) % 5],
            capital_value=rng.randrange(50, 2500) * 1_000_000,
            currency=CURRENCIES[org.country],
            description=f"Demonstration project in {place}.",
        )
        session.add(new_project)
        projects.append(new_project)
    session.flush()

    versions = {row.questionnaire_id: row for row in
                session.scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id))}
    reviewer = users["reviewer@demo.test"]
    plan: list[tuple[QuestionnaireVersion, Organisation, Project | None]] = []
    for version in versions.values():
        if SubjectType(version.subject) == SubjectType.organisation:
            plan.extend((version, organisations[o.key], None) for o in ORGANISATIONS)
        else:
            plan.extend((version, project.organisation, project) for project in projects)

    org_keys = {organisations[o.key].id: o.key for o in ORGANISATIONS}
    for index, (version, organisation, project) in enumerate(
            follow(plan, "Creating demo assessments")):
        statuses = ORGANISATION_STATUS_PLAN if project is None else STATUS_PLAN
        final = statuses[index % len(statuses)]
        actor = actors[org_keys[organisation.id]]
        maturity = rng.uniform(0.25, 0.95)
        questionnaire = questionnaire_of(version)
        assessment = assessments.start_assessment(
            session, actor=actor, version=version, organisation_id=organisation.id,
            project=project)
        share = rng.uniform(0.3, 0.8) if final == "draft" else 1.0
        inputs = _answers(questionnaire, maturity, share, rng)
        assessments.save_answers(session, assessment, inputs, base_version=assessment.version,
                                 actor=actor)
        if final != "draft":
            _complete_required(session, assessment, questionnaire, actor, rng)
            assessments.submit_assessment(session, assessment, actor=actor)
        if final in {"in_review", "approved", "returned"}:
            reviews.start_review(session, assessment, reviewer=reviewer,
                                 declared_no_conflict=True)
        if final == "approved":
            reviews.decide(session, assessment, reviewer=reviewer, decision=Decision.approve)
        elif final == "returned":
            first = questionnaire.all_questions()[0]
            reviews.decide(session, assessment, reviewer=reviewer, decision=Decision.return_,
                           reason="Please add evidence for the flagged answers.",
                           question_comments={first.id: "Which law or regulation requires "
                                              "this? Please link to it."})
        _backdate(assessment, now, rng)
    session.flush()
    # Backdating moved approval dates, which decide each subject's latest result.
    peer_index.rebuild_peer_scores(session)
    issued = 0 if signing_key is None else certificates.certify_demo_assessments(
        session, evaluator=users["evaluator@demo.test"], administrator=users[ADMIN_EMAIL],
        signing_key=signing_key, base_url=base_url)
    return SeedReport(created=True, counts={
        "organisations": len(organisations), "users": len(users) + len(actors) - 2,
        "projects": len(projects), "assessments": len(plan), "certificates": issued})


def _complete_required(session: Session, assessment: Assessment, questionnaire: Questionnaire,
                       actor: Person, rng: random.Random) -> None:
    """Answer whatever required question is still missing, so the draft can be submitted."""
    for _ in range(5):
        answers = assessments.load_answers(session, assessment)
        report = assessments.score_of(assessment, answers)
        if not report.missing_required:
            return
        inputs = {}
        for question_id in report.missing_required:
            question = questionnaire.question(question_id)
            value = _choose_answer(question, 0.6, rng)
            if value == NA or value == [NA]:
                value = _choose_answer(question, 1.0, random.Random(0))  # noqa: S311
            inputs[question_id] = assessments.AnswerInput(validate_answer(question, value))
        assessments.save_answers(session, assessment, inputs, base_version=assessment.version,
                                 actor=actor)


def _backdate(assessment: Assessment, now: dt.datetime, rng: random.Random) -> None:
    """Spread the demo over the past months so lists and waiting times look real."""
    started = now - dt.timedelta(days=rng.randint(30, 240), hours=rng.randint(0, 23))
    assessment.created_at = started
    if assessment.submitted_at is not None:
        assessment.submitted_at = started + dt.timedelta(days=rng.randint(5, 25))
    if assessment.approved_at is not None and assessment.submitted_at is not None:
        assessment.approved_at = assessment.submitted_at + dt.timedelta(days=rng.randint(3, 20))
