"""Downloading exports from the dashboard and the `export` command."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.schema import QuestionType
from ppp_assess.services.assessments import AnswerInput, load_answers
from ppp_assess.services.exports import export_header
from ppp_assess.services.questionnaires import questionnaire_of
from tests.factories import sign_in
from tests.services.benchmark_support import (
    approved_through_services,
    make_organisation,
    make_project,
)

FORMULAS = ("=1+1", "+SUM(A1)", "-3+cmd|' /C calc'!A0", "@A1", "\t=2", "\r=3")


@pytest.fixture
def people_first(factory):
    return factory.questionnaires()["people-first"]


@pytest.fixture
def evaluator(factory):
    return factory.user(role=None, platform_roles=(PlatformRole.evaluator,))


def _text_questions(version) -> list[str]:
    return [question.id for question in questionnaire_of(version).all_questions()
            if question.type is QuestionType.text]


def _rows(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text[1:], newline=""))
    return list(reader)


def test_only_evaluators_and_administrators_export(client, db, factory, people_first,
                                                   evaluator) -> None:
    organisation = factory.organisation()
    approved_through_services(db, factory, people_first, organisation=organisation)
    member = factory.user(organisation=organisation)
    reviewer = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    admin = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    db.commit()
    url = "/evaluations/export.csv?questionnaire=people-first"
    assert client.get(url).status_code == 302  # to the sign-in page
    for user, status in ((member, 404), (reviewer, 404), (evaluator, 200), (admin, 200)):
        sign_in(client, user.email)
        for address in (url, url.replace(".csv", ".xlsx")):
            with client.get(address) as response:
                assert response.status_code == status, (user.email, address)
        client.post("/auth/sign-out")


def test_csv_download_is_streamed_and_complete(client, db, factory, people_first,
                                               evaluator) -> None:
    approved = [approved_through_services(db, factory, people_first, seed=index)
                for index in range(3)]
    db.commit()
    sign_in(client, evaluator.email)
    response = client.get("/evaluations/export.csv?questionnaire=people-first&language=en",
                          buffered=False)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    rows = _rows(response)
    assert [int(row["assessment_id"]) for row in rows] == [a.id for a in approved]
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True)[1:])))
    assert header == export_header(questionnaire_of(people_first))
    # Labels in words beside the codes.
    first = rows[0]
    assert first["status_label"] == "Approved"
    assert first["sector_label"] == "Mining infrastructure"
    assert first["country_label"] == "Kazakhstan"


def test_a_database_gone_before_the_first_byte_answers_503(client, db, factory, people_first,
                                                           evaluator, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    from ppp_assess.services import exports

    approved_through_services(db, factory, people_first)
    db.commit()
    sign_in(client, evaluator.email)

    def gone(*_args, **_kwargs):
        raise OperationalError("SELECT", None, Exception("server closed the connection"))
        yield  # a generator, as the export's rows are

    monkeypatch.setattr(exports, "iter_csv_lines", gone)
    with client.get("/evaluations/export.csv?questionnaire=people-first",
                    buffered=False) as response:
        assert response.status_code == 503
        assert response.headers["Retry-After"]


def test_dashboard_filters_apply_to_the_export(client, db, factory, people_first,
                                               evaluator) -> None:
    french = factory.organisation(country="FR", region="europe")
    kept = approved_through_services(db, factory, people_first, organisation=french)
    approved_through_services(db, factory, people_first)
    db.commit()
    sign_in(client, evaluator.email)
    rows = _rows(client.get("/evaluations/export.csv?questionnaire=people-first&country=fr"))
    assert [int(row["assessment_id"]) for row in rows] == [kept.id]


def test_export_needs_a_questionnaire_and_a_known_language(client, db, evaluator,
                                                           people_first) -> None:
    db.commit()
    sign_in(client, evaluator.email)
    assert client.get("/evaluations/export.csv").status_code == 400
    assert client.get("/evaluations/export.csv?questionnaire=people-first&language=xx"
                      ).status_code == 400
    assert client.get("/evaluations/export.csv?questionnaire=nothing").status_code == 400
    assert client.get("/evaluations/export.csv?questionnaire=people-first&version=9.9"
                      ).status_code == 404
    assert client.get("/evaluations/export.pdf?questionnaire=people-first").status_code == 404


def _formula_assessment(db, factory, people_first):
    texts = _text_questions(people_first)
    organisation = make_organisation(db)
    project = make_project(db, organisation, name=FORMULAS[0])
    overrides = {texts[0]: AnswerInput(FORMULAS[4], comment=FORMULAS[1]),
                 texts[1]: AnswerInput(FORMULAS[5], comment=FORMULAS[2])}
    assessment = approved_through_services(db, factory, people_first,
                                           organisation=organisation, project=project,
                                           overrides=overrides)
    organisation.name = FORMULAS[3]
    db.flush()
    return assessment, texts


def test_formula_payloads_are_inert_in_downloads(client, db, factory, people_first,
                                                 evaluator) -> None:
    _assessment, texts = _formula_assessment(db, factory, people_first)
    db.commit()
    sign_in(client, evaluator.email)
    expected = {"project": FORMULAS[0], "organisation": FORMULAS[3],
                f"{texts[0]}.code": FORMULAS[4], f"{texts[0]}.comment": FORMULAS[1],
                f"{texts[1]}.code": FORMULAS[5], f"{texts[1]}.comment": FORMULAS[2]}
    row = _rows(client.get("/evaluations/export.csv?questionnaire=people-first"))[0]
    for column, payload in expected.items():
        # A line break is written as a space on a CSV line.
        assert row[column] == "'" + payload.replace("\r", " "), column

    with client.get("/evaluations/export.xlsx?questionnaire=people-first") as response:
        assert response.status_code == 200
        assert response.mimetype.endswith("spreadsheetml.sheet")
        workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["assessments"]
    # Row 1: labels for people; row 2: the codes; then the data.
    header = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    cells = dict(zip(header, next(sheet.iter_rows(min_row=3, max_row=3)), strict=True))
    for column, payload in expected.items():
        assert cells[column].data_type == "s", column
        assert cells[column].value.startswith("'"), column
        # The standard library's XML parser reads a carriage return back as a line feed;
        # lxml (when installed, as pyHanko needs it) keeps it.
        assert cells[column].value in {"'" + payload,
                                       ("'" + payload).replace("\r", "\n")}, column
    for worksheet in workbook.worksheets:
        for sheet_row in worksheet.iter_rows():
            assert all(cell.data_type != "f" for cell in sheet_row)
    assert workbook["columns"].max_row == len(header) + 1


def test_downloaded_csv_round_trips_the_stored_answers(client, db, factory, people_first,
                                                       evaluator) -> None:
    assessment = approved_through_services(db, factory, people_first, seed=5)
    db.commit()
    sign_in(client, evaluator.email)
    row = _rows(client.get("/evaluations/export.csv?questionnaire=people-first"))[0]
    stored = load_answers(db, assessment)
    answered_types = set()
    for question in questionnaire_of(people_first).all_questions():
        answer = stored.get(question.id)
        code = row[f"{question.id}.code"]
        if answer is None or answer.value is None:
            assert code == ""
            continue
        answered_types.add(question.type)
        value = answer.value
        if question.type is QuestionType.multi_choice:
            assert code.split(";") == value
        elif question.type in (QuestionType.scale, QuestionType.number) and value != "na":
            assert float(code) == float(value)
        else:
            assert code == value
        assert row[f"{question.id}.comment"] == answer.comment
    assert answered_types == set(QuestionType)


# --- the command ------------------------------------------------------------------------------


def test_export_command_writes_csv_and_xlsx(app, db, factory, people_first, tmp_path) -> None:
    approved = approved_through_services(db, factory, people_first)
    db.commit()
    runner = app.test_cli_runner()
    target = tmp_path / "people-first.csv"
    result = runner.invoke(args=["export", "--questionnaire", "people-first", str(target)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 assessments" in result.output
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["assessment_id"]) for row in rows] == [approved.id]

    workbook_path = tmp_path / "people-first.xlsx"
    result = runner.invoke(args=["export", "--questionnaire", "people-first", "--format",
                                 "xlsx", "--lang", "en", str(workbook_path)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(workbook_path)["assessments"]
    assert sheet.max_row == 3
    assert sheet.cell(row=1, column=1).value == "Assessment number"
    assert sheet.cell(row=2, column=1).value == "assessment_id"
    assert sheet.cell(row=3, column=1).value == approved.id

    missing = runner.invoke(args=["export", "--questionnaire", "nothing",
                                  str(tmp_path / "x.csv")])
    assert missing.exit_code != 0
    assert "No published questionnaire" in missing.output
    wrong = runner.invoke(args=["export", "--questionnaire", "people-first", "--lang", "xx",
                                str(tmp_path / "y.csv")])
    assert wrong.exit_code != 0


def _export_events(db) -> list[dict]:
    from sqlalchemy import select

    from ppp_assess.models import AuditEvent
    from ppp_assess.services.exports import EXPORT_DOWNLOADED

    db.expire_all()
    return [event for event in db.scalars(
        select(AuditEvent).where(AuditEvent.action == EXPORT_DOWNLOADED)
        .order_by(AuditEvent.sequence))]


def test_each_export_is_in_the_audit_log_with_its_filters_and_rows(
        client, db, factory, people_first, evaluator) -> None:
    for country in ("MN", "MN", "KZ"):
        organisation = make_organisation(db, country=country)
        approved_through_services(db, factory, people_first, organisation=organisation,
                                  project=make_project(db, organisation))
    db.commit()
    sign_in(client, evaluator.email)
    csv_rows = _rows(client.get("/evaluations/export.csv?questionnaire=people-first&country=MN"))
    with client.get("/evaluations/export.xlsx?questionnaire=people-first") as response:
        assert response.status_code == 200
    events = _export_events(db)
    assert [(event.actor_id, event.after["format"], event.after["filters"],
             event.after["rows"], event.after["complete"]) for event in events] == [
        (evaluator.id, "csv", {"questionnaire_id": "people-first", "country": "MN"},
         len(csv_rows), True),
        (evaluator.id, "xlsx", {"questionnaire_id": "people-first"}, 3, True),
    ]
    assert len(csv_rows) == 2


def test_exports_are_rate_limited_per_evaluator(client, db, factory, people_first,
                                                 evaluator) -> None:
    from ppp_assess.web.benchmarks.views import EXPORT_LIMIT

    per_minute = int(EXPORT_LIMIT.split(" ")[0])
    approved_through_services(db, factory, people_first, organisation=factory.organisation())
    db.commit()
    sign_in(client, evaluator.email)
    url = "/evaluations/export.csv?questionnaire=people-first"
    statuses = [client.get(url).status_code for _ in range(per_minute)]
    assert statuses == [200] * per_minute
    refused = client.get(url)
    assert refused.status_code == 429
    assert "Too many" in refused.get_data(as_text=True)
    # A refused download reads nothing and records nothing.
    assert len(_export_events(db)) == per_minute


def test_the_export_command_reports_progress_in_plain_lines_off_a_terminal(
        app, db, factory, people_first, tmp_path) -> None:
    for _index in range(3):
        approved_through_services(db, factory, people_first, organisation=make_organisation(db))
    db.commit()
    result = app.test_cli_runner().invoke(
        args=["export", "--questionnaire", "people-first", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Exporting")]
    assert lines == ["Exporting assessments: 1/3", "Exporting assessments: 2/3",
                     "Exporting assessments: 3/3"]
