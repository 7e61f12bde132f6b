"""Rows of an ODK or KoboToolbox submission export checked against a questionnaire."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.submissions import check_rows, match_columns, parse_value

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE = load_questionnaire(ROOT / "tests" / "data" / "complete.yaml")


def test_columns_match_by_name_as_central_and_kobo_write_them() -> None:
    columns, ignored = match_columns(QUESTIONNAIRE, [
        "SubmissionDate", "governance-stage", "governance/policy", "channels",
        "governance/channels/web", "finance-share", "meta-instanceID", "KEY", "_uuid"])
    assert columns == {"governance-stage": "stage", "governance/policy": "policy",
                       "channels": "channels", "finance-share": "share"}
    assert ignored == ["SubmissionDate", "governance/channels/web", "meta-instanceID", "KEY",
                       "_uuid"]


def test_values_are_read_as_the_tools_write_them() -> None:
    question = QUESTIONNAIRE.question
    assert parse_value(question("channels"), "web gazette") == ["web", "gazette"]
    assert parse_value(question("maturity"), "4") == 4
    assert parse_value(question("maturity"), "na") == "na"
    assert parse_value(question("share"), "12.5") == 12.5
    assert parse_value(question("share"), 40.0) == 40.0
    assert parse_value(question("adopted"), "2024-05-01") == "2024-05-01"
    assert parse_value(question("adopted"), dt.datetime(2024, 5, 1, 0, 0)) == "2024-05-01"
    assert parse_value(question("adopted"), "2024-05-01T00:00:00.000+02:00") == "2024-05-01"
    assert parse_value(question("policy"), " ") is None
    assert parse_value(question("notes"), None) is None


def test_every_row_is_checked_and_bad_values_are_named() -> None:
    header = ["KEY", "governance-stage", "governance-policy", "governance-channels",
              "governance-maturity", "finance-share", "finance-adopted"]
    rows = [
        (2, ["uuid:1", "design", "yes", "web", "4", "55", "2024-01-31"]),
        (3, ["uuid:2", "design", "maybe", "", "9", "140", "2024-02-30"]),
        (4, ["uuid:3", "operation", "", "", "", "", ""]),
    ]
    checked = check_rows(QUESTIONNAIRE, header, rows)
    assert [row.row for row in checked.valid] == [2]
    assert checked.valid[0].answers == {"stage": "design", "policy": "yes", "channels": ["web"],
                                        "maturity": 4, "share": 55, "adopted": "2024-01-31"}
    second, third = checked.invalid
    assert {problem.question: problem.code for problem in second.problems} == {
        "policy": "not_an_option", "maturity": "out_of_range", "share": "out_of_range",
        "adopted": "not_a_date"}
    assert [(problem.question, problem.code, dict(problem.params))
            for problem in third.problems] == [("stage", "conflict", {"row": 2})]


def test_an_exclusive_option_combined_with_others_is_refused_on_import() -> None:
    questionnaire = load_questionnaire(ROOT / "tests" / "data" / "scoring-v2.yaml")
    header = ["KEY", "law-l3"]
    # ODK writes a multiple choice as its values separated by spaces; every row of one
    # import goes into one assessment, so each case is a file of its own.
    for cell, expected in (("audit hotline", ["audit", "hotline"]), ("none", ["none"])):
        (valid,) = check_rows(questionnaire, header, [(2, ["uuid:1", cell])]).valid
        assert valid.answers == {"l3": expected}
    (refused,) = check_rows(questionnaire, header, [(2, ["uuid:1", "audit none"])]).invalid
    assert [(problem.question, problem.code) for problem in refused.problems] == [
        ("l3", "exclusive_option")]
