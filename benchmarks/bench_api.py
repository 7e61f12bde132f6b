"""The autosave over the JSON API, in process.

A scratch SQLite file holds one organisation, one respondent with a bearer token, and a
draft assessment of the zero-tolerance questionnaire. The value is the time of 500
``PUT /api/v1/assessments/<id>/answers/<question>`` calls through Flask's test client,
each one a real save (the answer alternates between two options, and each call sends the
version the previous one returned), median of three runs, per call. The data is the same
on every run, so numbers taken on two versions of the code compare.

The baseline, measured in the same run, is the same 500 saves made by calling the
service (:func:`ppp_assess.services.assessments.save_answer`) in a request context with
one commit per save: what the autosave costs without the HTTP layer. The ratio (baseline
/ value) is the share of the call that the service and the database take.

A second row isolates what the API's contract adds to each save: spectree's validation of
the same request (the JSON body against ``AnswerInput``, the headers against ``IfMatch``),
run 20 000 times in one request context, per call; its baseline is the whole call of the
first row, and the ratio says how many times smaller the validation is.

Run it as ``.venv/bin/python benchmarks/bench_api.py``; :func:`run` returns rows with the
keys name, value, unit, baseline and ratio.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ppp_assess import create_app
from ppp_assess.config import PROJECT_ROOT
from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.reference import OrgRole
from ppp_assess.models import Assessment, User, migrate
from ppp_assess.services import accounts, tokens
from ppp_assess.services import assessments as assessment_service
from ppp_assess.services.assessments import AnswerInput
from ppp_assess.services.passwords import hash_password
from ppp_assess.services.questionnaires import publish_questionnaire
from ppp_assess.unit_of_work import get_database

CALLS = 500
RUNS = 3
QUESTIONNAIRE_FILE = PROJECT_ROOT / "questionnaires" / "zero-tolerance-corruption.yaml"
QUESTION = "zt-1-1"
VALUES = ("law", "adhoc")


def _setup(folder: Path) -> tuple[Any, int, int, str]:
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"env": "testing", "database_url": url, "instance_path": str(folder),
                      "secret_key": "bench", "base_url": "http://ppp.test"})
    with app.app_context():
        session = get_database(app).new_session(write=True)
        organisation = accounts.create_organisation(session, name="Bench Ministry",
                                                    country="KZ", region="central_asia")
        user = accounts.create_user(session, email="bench@example.org", name="Bench",
                                    password_hash=hash_password("bench password 123"))
        accounts.add_member(session, user=user, organisation=organisation,
                            role=OrgRole.respondent)
        version = publish_questionnaire(session, load_questionnaire(QUESTIONNAIRE_FILE)).version
        assessment = assessment_service.start_assessment(
            session, actor=user, version=version, organisation_id=organisation.id)
        _row, token = tokens.create_api_token(session, user, name="bench")
        ids = (assessment.id, user.id)
        session.commit()
        session.close()
    return app, *ids, token


def _api_run(app: Any, assessment_id: int, token: str) -> float:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assessments/{assessment_id}/answers/{QUESTION}"
    version = client.get(f"/api/v1/assessments/{assessment_id}", headers=headers
                         ).get_json()["version"]
    started = time.perf_counter()
    for number in range(CALLS):
        response = client.put(url, json={"value": VALUES[number % 2], "comment": "Bench."},
                              headers={**headers, "If-Match": str(version)})
        if response.status_code != 200:
            raise RuntimeError(f"save {number} failed: {response.status_code} "
                               f"{response.get_data(as_text=True)[:200]}")
        version = response.get_json()["version"]
    return (time.perf_counter() - started) / CALLS


def _service_run(app: Any, assessment_id: int, user_id: int) -> float:
    database = get_database(app)
    with app.test_request_context("/"):
        session = database.new_session(write=True)
        assessment = session.get(Assessment, assessment_id)
        actor = session.get(User, user_id)
        assert assessment is not None and actor is not None
        started = time.perf_counter()
        for number in range(CALLS):
            assessment_service.save_answer(
                session, assessment, QUESTION, AnswerInput(VALUES[number % 2], "Bench.", None),
                base_version=assessment.version, actor=actor)
            session.commit()
        elapsed = time.perf_counter() - started
        session.close()
    return elapsed / CALLS


def _validation_run(app: Any, token: str) -> float:
    from ppp_assess.web.api.assessments import AnswerInput, IfMatch
    from ppp_assess.web.api.openapi import spec

    loops = 20_000
    with app.test_request_context(
            f"/api/v1/assessments/1/answers/{QUESTION}", method="PUT",
            json={"value": VALUES[0], "comment": "Bench."},
            headers={"Authorization": f"Bearer {token}", "If-Match": "7"}) as context:
        validate = spec.backend.request_validation
        started = time.perf_counter()
        for _ in range(loops):
            validate(context.request, None, AnswerInput, None, IfMatch, None)
        elapsed = time.perf_counter() - started
    return elapsed / loops


def run() -> list[dict[str, object]]:
    """Time the autosave through the API and through the service alone."""
    with tempfile.TemporaryDirectory() as folder:
        app, assessment_id, user_id, token = _setup(Path(folder))
        _api_run(app, assessment_id, token)  # warm up: imports, caches, SQLite pages
        api = statistics.median(_api_run(app, assessment_id, token) for _ in range(RUNS))
        service = statistics.median(_service_run(app, assessment_id, user_id) for _ in range(RUNS))
        validation = statistics.median(_validation_run(app, token) for _ in range(RUNS))
        get_database(app).dispose()
    return [{"name": f"PUT answer through the test client ({CALLS} calls, per call)",
             "value": api * 1000, "unit": "ms", "baseline": service * 1000,
             "ratio": service / api},
            {"name": "request validation of that PUT (spectree), per call",
             "value": validation * 1000, "unit": "ms", "baseline": api * 1000,
             "ratio": api / validation}]


if __name__ == "__main__":
    for row in run():
        print(row)
