"""The page's script shows and hides questions exactly as the server does.

Both evaluate the shared cases of ``tests/data/show_if_cases.json``: pytest through
:func:`ppp_assess.domain.conditions.evaluate` (``tests/domain/test_conditions.py``), and
here the condition function of ``autosave.js``, as loaded by a questionnaire page.
"""

from __future__ import annotations

from playwright.sync_api import Page

from ppp_assess.unit_of_work import get_database
from tests.domain.show_if_cases import load_cases
from tests.e2e.conftest import LiveServer
from tests.factories import Factory


def test_the_script_agrees_with_the_server_on_every_shared_case(page: Page,
                                                                live_server: LiveServer) -> None:
    with get_database(live_server.app).transaction() as session:
        Factory(session).questionnaires()
    page.goto(f"{live_server.url}/check/")
    page.locator("main a[href^='/check/']").first.click()
    page.wait_for_function("() => window.PPPAssess && window.PPPAssess.evaluateCondition")
    cases = load_cases()
    results = page.evaluate(
        """cases => cases.map(item => {
            const visible = {};
            item.visible.forEach(id => { visible[id] = true; });
            return window.PPPAssess.evaluateCondition(item.condition, item.answers, visible);
        })""", cases)
    disagreements = [f"{case['name']}: script says {result}, expected {case['expected']}"
                     for case, result in zip(cases, results, strict=True)
                     if result is not case["expected"]]
    assert not disagreements, "\n".join(disagreements)
