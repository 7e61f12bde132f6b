"""Every route that names an assessment hides another organisation's assessment.

The routes are read from the application's URL map, so a route added later is checked
without anyone listing it here.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import Answer, Assessment, AuditEvent, Certificate
from tests.certificate_support import certified
from tests.factories import sign_in

#: Values for the other placeholders of a route.
FILLERS = {"lang": "en", "section_id": "x", "question_id": "x", "serial": "x",
           "evidence_id": "1"}
#: What every form is sent with: enough for a view to get as far as its permission check.
FORM = {"action": "publish", "decision": "approve", "declared_no_conflict": "y",
        "base_version": "1"}


def _routes(app) -> list[tuple[str, str]]:
    """Return (method, rule) for every route whose address carries an assessment id."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:assessment_id>" not in rule.rule:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return found


def _address(rule: str, assessment_id: int) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        return str(assessment_id) if name == "assessment_id" else FILLERS[name]

    return re.sub(r"<([^>]+)>", fill, rule)


def _counts(db) -> tuple[int, ...]:
    db.expire_all()
    counts = tuple(db.scalar(select(func.count()).select_from(model)) or 0
                   for model in (Assessment, Answer, Certificate, AuditEvent))
    db.commit()
    return counts


def test_routes_with_an_assessment_id_are_found(app) -> None:
    routes = {rule for _method, rule in _routes(app)}
    # The respondents' pages, the review board's, documents, benchmarks and the API.
    for expected in ("/assessments/<int:assessment_id>/submit",
                     "/review/<int:assessment_id>",
                     "/assessments/<int:assessment_id>/certificate.pdf",
                     "/benchmarks/assessments/<int:assessment_id>",
                     "/api/v1/assessments/<int:assessment_id>"):
        assert expected in routes


@pytest.mark.parametrize("role", [OrgRole.respondent, OrgRole.org_admin])
def test_another_organisations_certified_assessment_is_not_found(app, client, db, factory,
                                                                 role) -> None:
    scenario, _certificate = certified(db, factory, app)
    outsider = factory.user(organisation=factory.organisation(), role=role)
    db.commit()
    sign_in(client, outsider.email)
    before = _counts(db)
    answered = {}
    for method, rule in _routes(app):
        address = _address(rule, scenario.assessment.id)
        if method == "PUT":
            response = client.put(address, json={"value": 1}, headers={"If-Match": "1"})
        else:
            # Writes that need the version (moving a draft to a new version) get one:
            # what is checked is who may, not whether the request is complete.
            response = client.open(address, method=method, data=FORM,
                                   headers={"If-Match": "1"})
        answered[f"{method} {address}"] = response.status_code
    assert {route: status for route, status in answered.items() if status != 404} == {}
    assert _counts(db) == before
