"""Answers collected with ODK or KoboToolbox, imported into a draft through the API and
the page: all or nothing, a report per row, permissions, CSRF and the audit log."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from ppp_assess.models import Answer, AuditEvent
from ppp_assess.services import assessments
from ppp_assess.services.xlsform import write_sheets
from tests.factories import sign_in
from tests.web.test_assessments import csrf_token_of, make_member, start

#: As ODK Central writes it: groups and names joined by "-", metadata around.
CENTRAL_CSV = (
    "SubmissionDate,basics-policy,basics-published,basics-staff,details-channels,"
    "details-maturity,details-adopted,details-notes,meta-instanceID,KEY\r\n"
    "2026-11-02T09:12:44.000Z,yes,yes,12,web gazette,3,2024-03-01,\"Seen, on site\","
    "uuid:a1,uuid:a1\r\n"
)


def _kobo_xlsx(rows: list[list[object]]) -> bytes:
    """As KoboToolbox writes it: groups and names joined by "/", one column per option."""
    header = ["start", "end", "basics/policy", "basics/staff", "details/channels",
              "details/channels/web", "details/channels/gazette", "details/maturity", "_id",
              "_uuid", "_submission_time"]
    buffer = io.BytesIO()
    write_sheets(buffer, {"Field check": [header, *rows]})
    return buffer.getvalue()


def _kobo_row(policy: object, staff: object, maturity: object) -> list[object]:
    return ["2026-11-02T09:00:00", "2026-11-02T09:20:00", policy, staff, "web", 1, 0,
            maturity, 1, "b2", "2026-11-02T09:21:00"]


def _post(member, assessment, content: bytes, name: str, **fields):
    data = {"file": (io.BytesIO(content), name), **fields}
    return member.client.post(f"/api/v1/assessments/{assessment.id}/import", data=data,
                              content_type="multipart/form-data", headers=member.headers)


def _answers(db, assessment) -> dict[str, object]:
    rows = {row.question_id: row.value for row in db.scalars(
        select(Answer).where(Answer.assessment_id == assessment.id))}
    db.commit()
    return rows


def _imports(db, assessment) -> list[AuditEvent]:
    events = list(db.scalars(select(AuditEvent).where(
        AuditEvent.action == "assessment.answers_imported",
        AuditEvent.object_id == str(assessment.id))))
    db.commit()
    return events


def test_an_odk_central_csv_is_imported_and_audited(member, db, draft) -> None:
    response = _post(member, draft, CENTRAL_CSV.encode(), "submissions.csv")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["rows"] == [{"row": 2, "status": "imported", "answers": 7, "problems": []}]
    assert body["ignored_columns"] == ["SubmissionDate", "meta-instanceID", "KEY"]
    assert _answers(db, draft) == {"policy": "yes", "published": "yes", "staff": 12,
                                   "channels": ["web", "gazette"], "maturity": 3,
                                   "adopted": "2024-03-01", "notes": "Seen, on site"}
    (event,) = _imports(db, draft)
    assert event.actor_id == member.user.id
    assert event.after["rows"] == [2] and event.after["file"] == "submissions.csv"
    assert set(event.after["answers_changed"]) == set(body["changed"])


def test_a_kobo_export_with_one_bad_value_imports_nothing_and_names_the_row(
        member, db, draft) -> None:
    # Two submissions that agree, one of them with a staff count out of range.
    data = _kobo_xlsx([_kobo_row("yes", 4, 2), _kobo_row("yes", 5000, 2)])
    response = _post(member, draft, data, "kobo.xlsx")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_rows"
    assert error["message"] == "Rows that cannot be imported: 1. Nothing was imported."
    rows = {row["row"]: row for row in error["report"]["rows"]}
    assert rows[2]["status"] == "valid"
    assert rows[3]["status"] == "invalid"
    assert [(p["question"], p["code"]) for p in rows[3]["problems"]] == [
        ("staff", "out_of_range")]
    assert "1000" in rows[3]["problems"][0]["message"]
    assert _answers(db, draft) == {}
    assert _imports(db, draft) == []


def test_the_valid_rows_only_when_asked(member, db, draft) -> None:
    data = _kobo_xlsx([_kobo_row("yes", 4, 2), _kobo_row("maybe", 3, 1)])
    response = _post(member, draft, data, "kobo.xlsx", valid_rows_only="true")
    assert response.status_code == 200, response.get_json()
    assert [row["status"] for row in response.get_json()["rows"]] == ["imported", "left_out"]
    assert _answers(db, draft) == {"policy": "yes", "staff": 4, "channels": ["web"],
                                   "maturity": 2}
    (event,) = _imports(db, draft)
    assert event.after["rows_left_out"] == [3]


@pytest.mark.parametrize(("content", "name", "field"), [
    (b"a,b\r\n1,2\r\n", "other.csv", "no_questions"),
    (b"basics-policy\r\n", "empty.csv", "empty"),
    (b"\xff\xfe\x00bad", "bad.csv", "encoding"),
    (b"not a workbook", "bad.xlsx", "unreadable"),
    (b"basics-policy\r\nyes\r\n", "answers.json", "wrong_type"),
])
def test_unreadable_files_are_refused_with_a_reason(member, db, draft, content, name,
                                                    field) -> None:
    response = _post(member, draft, content, name)
    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]
    assert _answers(db, draft) == {}


def test_no_file_is_a_422(member, draft) -> None:
    response = member.client.post(f"/api/v1/assessments/{draft.id}/import", data={},
                                  content_type="multipart/form-data", headers=member.headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"file": "Choose a file to import."}


def test_another_organisations_assessment_is_not_found(app, db, factory, draft) -> None:
    outsider = factory.user(organisation=factory.organisation())
    db.commit()
    client = app.test_client()
    sign_in(client, outsider.email)
    response = client.post(f"/api/v1/assessments/{draft.id}/import",
                           data={"file": (io.BytesIO(CENTRAL_CSV.encode()), "s.csv")},
                           content_type="multipart/form-data",
                           headers={"X-CSRFToken": csrf_token_of(client)})
    assert response.status_code == 404
    page = client.get(f"/assessments/{draft.id}/import")
    assert page.status_code == 404
    assert _answers(db, draft) == {}


def test_a_submitted_assessment_is_not_changed(member, db, draft) -> None:
    assessments.save_answers(db, draft, {"policy": assessments.AnswerInput("yes"),
                                         "published": assessments.AnswerInput("yes"),
                                         "maturity": assessments.AnswerInput(2)},
                             base_version=draft.version, actor=member.user)
    assessments.submit_assessment(db, draft, actor=member.user)
    db.commit()
    response = _post(member, draft, CENTRAL_CSV.encode(), "submissions.csv")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_editable"


def test_the_page_imports_and_shows_the_report(member, db, draft) -> None:
    page = member.client.get(f"/assessments/{draft.id}/import")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in text and 'name="csrf_token"' in text
    assert f"/api/v1/questionnaires/{member.version.questionnaire_id}/xlsform" in text
    data = _kobo_xlsx([_kobo_row("yes", 4, 2), _kobo_row("yes", -1, 2)])
    refused = member.client.post(f"/assessments/{draft.id}/import",
                                 data={"file": (io.BytesIO(data), "kobo.xlsx")},
                                 content_type="multipart/form-data")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Rows that cannot be imported: 1. Nothing was imported." in text
    assert "<code>staff</code>" in text
    assert _answers(db, draft) == {}
    done = member.client.post(f"/assessments/{draft.id}/import",
                              data={"file": (io.BytesIO(data), "kobo.xlsx"),
                                    "valid_rows_only": "yes"},
                              content_type="multipart/form-data")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/assessments/{draft.id}/check")
    assert _answers(db, draft)["staff"] == 4


def test_the_page_needs_the_csrf_token(csrf_app, db, factory) -> None:
    member = make_member(csrf_app, db, factory)
    draft = start(db, member.user, member.organisation, member.version)
    db.commit()
    response = member.client.post(f"/assessments/{draft.id}/import",
                                  data={"file": (io.BytesIO(CENTRAL_CSV.encode()), "s.csv")},
                                  content_type="multipart/form-data")
    assert response.status_code == 400
    assert _answers(db, draft) == {}
    api = member.client.post(f"/api/v1/assessments/{draft.id}/import",
                             data={"file": (io.BytesIO(CENTRAL_CSV.encode()), "s.csv")},
                             content_type="multipart/form-data")
    assert api.status_code == 400
    assert _answers(db, draft) == {}
