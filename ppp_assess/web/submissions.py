"""The report of an import of ODK or KoboToolbox submissions, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ppp_assess.domain.submissions import CheckedExport, RowProblem


def problem_text(problem: RowProblem) -> str:
    """Return why a value cannot be imported, translated."""
    return _(problem.message, **problem.params)


def report_json(checked: CheckedExport, imported: bool) -> dict[str, Any]:
    """Return the per-row report as the API gives it."""
    return {
        "columns": checked.columns,
        "ignored_columns": checked.ignored,
        "rows": [{
            "row": row.row,
            "status": ("imported" if imported else "valid") if row.ok else (
                "left_out" if imported else "invalid"),
            "answers": len(row.answers),
            "problems": [{"question": problem.question, "code": problem.code,
                          "message": problem_text(problem)} for problem in row.problems],
        } for row in checked.rows],
    }
