"""A commit the database refuses answers 503, like any other outage, never 500.

PostgreSQL answers the COMMIT of a connection an administrator terminated with an error;
under the fault run of benchmarks/load such saves answered 500.
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.web.test_api_assessments import _put
from tests.web.test_assessments import make_member, start


def test_a_save_whose_commit_fails_answers_503_and_stores_nothing(
        app, db, factory, monkeypatch: pytest.MonkeyPatch) -> None:
    member = make_member(app, db, factory)
    member.client.csrf = member.csrf  # type: ignore[attr-defined]
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    version = assessment.version
    commit = Session.commit

    def refused(session: Session) -> None:
        if session is not db:
            raise OperationalError("COMMIT", {}, Exception(
                "terminating connection due to administrator command"))
        commit(session)

    monkeypatch.setattr(Session, "commit", refused)
    response = _put(member.client, assessment, "policy", {"value": "no"}, version)
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"]
    db.expire_all()
    assert db.get(type(assessment), assessment.id).version == version
