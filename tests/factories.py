"""Factories for test data.

Each ``create_*`` function takes a session and keyword overrides and returns a flushed
object; the ``factory`` fixture in ``conftest.py`` binds them to the test's session::

    def test_something(factory):
        org = factory.organisation(name="Ministry")
        user = factory.user(organisation=org, role=OrgRole.org_admin)
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.models import (
    ApiToken,
    Assessment,
    Certificate,
    EvidenceDocument,
    ExportJob,
    Organisation,
    Project,
    QuestionnaireVersion,
    ReviewerInterest,
    ReviewSettings,
    User,
)
from ppp_assess.services import accounts
from ppp_assess.services.questionnaires import publish_directory, questionnaire_of

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)

# A fast argon2 hash of PASSWORD, computed once: hashing per user would slow the suite.
_password_hash: str | None = None


def password_hash() -> str:
    """Return a hash of :data:`PASSWORD` (computed once per run)."""
    global _password_hash
    if _password_hash is None:
        from ppp_assess.services.passwords import hash_password

        _password_hash = hash_password(PASSWORD)
    return _password_hash


@dataclass
class Factory:
    """Creates test objects in one session."""

    session: Session

    def organisation(self, **overrides: Any) -> Organisation:
        number = next(_counter)
        values = {"name": f"Organisation {number}", "country": "KZ", "region": "central_asia"}
        values.update(overrides)
        return accounts.create_organisation(self.session, **values)

    def user(self, *, organisation: Organisation | None = None,
             role: OrgRole | None = OrgRole.respondent,
             platform_roles: tuple[PlatformRole, ...] = (), **overrides: Any) -> User:
        number = next(_counter)
        values: dict[str, Any] = {"email": f"user{number}@example.org",
                                  "name": f"User {number}", "password_hash": password_hash()}
        values.update(overrides)
        user = accounts.create_user(self.session, **values)
        if organisation is not None and role is not None:
            accounts.add_member(self.session, user=user, organisation=organisation, role=role)
        for platform_role in platform_roles:
            accounts.grant_platform_role(self.session, user=user, role=platform_role)
        return user

    def project(self, organisation: Organisation, **overrides: Any) -> Project:
        number = next(_counter)
        values: dict[str, Any] = {
            "organisation": organisation, "name": f"Project {number}", "sector": "mining",
            "subsector": "rail", "country": organisation.country,
            "region": organisation.region, "stage": "preparation",
            "contract_type": "concession", "capital_value": 500_000_000, "currency": "USD",
            "description": "A test project.",
        }
        values.update(overrides)
        project = Project(**values)
        self.session.add(project)
        self.session.flush()
        return project

    def questionnaires(self, version: str | None = None) -> dict[str, QuestionnaireVersion]:
        """Publish the shipped questionnaires and return them by questionnaire id.

        :param version: return only that version of each (``"1.0"``); by default the
            latest published of each.
        """
        results = publish_directory(self.session, PROJECT_ROOT / "questionnaires")
        return {result.version.questionnaire_id: result.version for result in results
                if version is None or result.version.version == version}

    def assessment(self, state: str = "draft", **options: Any) -> Assessment:
        """Return a project assessment of the people-first questionnaire in ``state``.

        Built through the services, as users would: answers saved, then (by state)
        submitted, taken into review, returned or approved with a comment per question,
        each step with its audit events, submissions, scores and mail.

        :param state: draft, submitted, in_review, returned or approved.
        :param options: see :func:`tests.certificate_support.assessment_in`.
        """
        from tests.certificate_support import assessment_in

        return assessment_in(self.session, self, state, **options).assessment

    def certificate(self, assessment: Assessment | None = None) -> Certificate:
        """Return the certificate of an approved assessment, issued by an evaluator."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from ppp_assess.services import certificates

        assessment = assessment or self.assessment("approved")
        evaluator = self.user(role=None, platform_roles=(PlatformRole.evaluator,))
        return certificates.issue_certificate(
            self.session, assessment, actor=evaluator,
            signing_key=Ed25519PrivateKey.generate(), base_url="http://ppp.test")

    def evidence(self, assessment: Assessment | None = None, question_id: str | None = None, *,
                 root: Path | None = None, content: bytes = b"%PDF-1.4\n%%EOF\n",
                 filename: str = "contract.pdf") -> EvidenceDocument:
        """Return a document attached to an answer of a draft assessment.

        :param root: the storage folder (a new temporary one by default).
        """
        import io
        import tempfile

        from ppp_assess.services import evidence

        assessment = assessment or self.assessment("draft")
        question = question_id or questionnaire_of(
            assessment.questionnaire_version).all_questions()[0].id
        storage = evidence.LocalStorage(root or Path(tempfile.mkdtemp(prefix="evidence-")))
        return evidence.attach_evidence(
            self.session, assessment, question, actor=assessment.created_by or self.user(),
            stream=io.BytesIO(content), filename=filename, storage=storage,
            limits=evidence.EvidenceLimits())

    def export_job(self, user: User | None = None, *, kind: str = "evaluations",
                   file_format: str = "csv", language: str = "en") -> ExportJob:
        """Return an export an evaluator asked for (queued: nothing runs it here)."""
        from ppp_assess.services import export_jobs
        from ppp_assess.services.benchmarks import DashboardFilters

        version = self.questionnaires()["people-first"]
        user = user or self.user(role=None, platform_roles=(PlatformRole.evaluator,))
        return export_jobs.request_export(
            self.session, actor=user, kind=kind, file_format=file_format, version=version,
            filters=DashboardFilters(questionnaire_id="people-first"), language=language)

    def review_settings(self, questionnaire_id: str = "people-first", *, panel_size: int = 3,
                        chair_decides: bool = True,
                        deadline_days: int | None = 14) -> ReviewSettings:
        """Return how the board reviews a questionnaire, set by a platform administrator."""
        from ppp_assess.services import board

        self.questionnaires()
        admin = self.user(role=None, platform_roles=(PlatformRole.admin,))
        return board.save_settings(self.session, questionnaire_id, actor=admin,
                                   panel_size=panel_size, chair_decides=chair_decides,
                                   deadline_days=deadline_days)

    def reviewer_interest(self, reviewer: User | None = None, *,
                          organisation: Organisation | None = None,
                          country: str | None = None) -> ReviewerInterest:
        """Return a link a reviewer declared with an organisation (a new one by default)."""
        from ppp_assess.services import board

        reviewer = reviewer or self.user(role=None, platform_roles=(PlatformRole.reviewer,))
        if organisation is None and country is None:
            organisation = self.organisation()
        return board.declare_interest(
            self.session, reviewer, organisation_id=organisation.id if organisation else None,
            country=country)

    def api_token(self, user: User | None = None, *, name: str = "script") -> tuple[ApiToken,
                                                                                 str]:
        """Return a new API token of ``user`` (a new respondent by default) and its secret."""
        from ppp_assess.services.tokens import create_api_token

        return create_api_token(self.session, user or self.user(
            organisation=self.organisation()), name=name)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Sign ``email`` in through the real sign-in form."""
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                      r'name="csrf_token" value="([^"]+)"', page)
    data = {"email": email, "password": password}
    if token is not None:  # present whether or not the app checks it
        data["csrf_token"] = token.group(1) or token.group(2)
    response = client.post("/auth/sign-in", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
