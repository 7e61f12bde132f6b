"""The peer comparison pages and API, the evaluators' dashboard and the charts."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from flask import render_template_string
from reportlab.graphics import renderPDF

from ppp_assess.domain.reference import PlatformRole
from ppp_assess.domain.workflow import Status
from ppp_assess.services.benchmarks import benchmark_for_assessment
from ppp_assess.web import charts
from tests.factories import sign_in
from tests.services.benchmark_support import (
    approved_through_services,
    make_project,
    make_result,
    peers_with_scores,
)

# Scores chosen so that their one-decimal forms are easy to spot in a page.
PEER_SCORES = [13.7, 27.9, 41.3, 68.2, 82.6]


@pytest.fixture
def versions(factory):
    return factory.questionnaires()


@pytest.fixture
def people_first(versions):
    return versions["people-first"]


@pytest.fixture
def evaluator(factory):
    return factory.user(role=None, platform_roles=(PlatformRole.evaluator,))


@pytest.fixture
def respondent_setup(db, factory, people_first):
    """A respondent and their organisation's draft assessment of a mining project."""
    organisation = factory.organisation()
    respondent = factory.user(organisation=organisation)
    project = make_project(db, organisation, sector="mining")
    own = make_result(db, people_first, organisation=organisation, project=project,
                      score=50.0, sections={"access-equity": 60.0}, status=Status.draft)
    return respondent, own


class _Ids(HTMLParser):
    """Collect element ids and the aria-labelledby references of SVG charts."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.labelled_by: list[str] = []
        self.svg_roles: list[str | None] = []

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "svg":
            self.svg_roles.append(values.get("role"))
            self.labelled_by.extend((values.get("aria-labelledby") or "").split())


def _check_charts_are_labelled(html: str, expected: int) -> None:
    parser = _Ids()
    parser.feed(html)
    assert len(parser.svg_roles) == expected
    assert all(role == "img" for role in parser.svg_roles)
    assert parser.labelled_by and set(parser.labelled_by) <= parser.ids


# --- the respondent's comparison --------------------------------------------------------------


def test_respondent_sees_aggregates_once_the_group_is_large_enough(
        client, db, people_first, respondent_setup) -> None:
    respondent, own = respondent_setup
    peers_with_scores(db, people_first, PEER_SCORES[:4])
    db.commit()
    sign_in(client, respondent.email)
    page = client.get(f"/benchmarks/assessments/{own.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "too small to show statistics" in html
    for score in PEER_SCORES[:4]:
        assert f"{score:.1f}" not in html
    answer = client.get(f"/api/v1/assessments/{own.id}/benchmark")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["overall"] == {"shown": False, "n": 4, "k": 5,
                               "reason": data["overall"]["reason"]}
    assert all(not section["shown"] for section in data["sections"])
    for score in PEER_SCORES[:4]:
        assert str(score) not in answer.get_data(as_text=True)

    peers_with_scores(db, people_first, PEER_SCORES[4:])
    db.commit()
    page = client.get(f"/benchmarks/assessments/{own.id}")
    html = page.get_data(as_text=True)
    assert "percentile rank 60.0 among 5 peers" in html
    assert "41.3" in html  # the median
    _check_charts_are_labelled(html, 1)
    data = client.get(f"/api/v1/assessments/{own.id}/benchmark").get_json()
    assert data["overall"]["shown"] is True
    assert data["overall"]["n"] == 5
    assert data["overall"]["median"] == 41.3
    assert data["overall"]["percentile_rank"] == 60.0
    assert data["overall"]["value"] == 50.0


def test_a_respondent_never_sees_the_lowest_or_highest_peer_score(
        client, db, people_first, respondent_setup) -> None:
    respondent, own = respondent_setup
    # Sorted: 13.7, 20, 30, 40, 50, 96.3; n - 1 = 5. The 10th percentile is at 0.5:
    # 13.7 + 0.5 * 6.3 = 16.85 (shown 16.9); the 90th at 4.5: 50 + 0.5 * 46.3 = 73.15
    # (shown 73.2).
    peers_with_scores(db, people_first, [96.3, 20.0, 30.0, 40.0, 50.0, 13.7])
    db.commit()
    sign_in(client, respondent.email)
    html = client.get(f"/benchmarks/assessments/{own.id}").get_data(as_text=True)
    api = client.get(f"/api/v1/assessments/{own.id}/benchmark")
    overall = api.get_json()["overall"]
    assert (overall["p10"], overall["p90"]) == (16.9, 73.2)
    assert "16.9" in html and "73.2" in html
    for extreme in ("13.7", "96.3"):
        assert extreme not in html
        assert extreme not in api.get_data(as_text=True)


def test_no_benchmark_names_a_peer(client, db, people_first, respondent_setup) -> None:
    respondent, own = respondent_setup
    peers = peers_with_scores(db, people_first, PEER_SCORES)
    db.commit()
    sign_in(client, respondent.email)
    page = client.get(f"/benchmarks/assessments/{own.id}").get_data(as_text=True)
    api = client.get(f"/api/v1/assessments/{own.id}/benchmark").get_data(as_text=True)
    for peer in peers:
        assert peer.organisation.name not in page and peer.organisation.name not in api
        assert peer.project is not None
        assert peer.project.name not in page and peer.project.name not in api
    payload = json.loads(api)
    # Never the lowest or highest score: each is one organisation's own result.
    allowed = {"shown", "n", "k", "reason", "q1", "median", "q3", "p10", "p90", "value",
               "percentile_rank", "id", "title"}
    for summary in [payload["overall"], *payload["sections"]]:
        assert set(summary) <= allowed


def test_respondent_cannot_reach_other_organisations_or_evaluator_views(
        client, db, people_first, respondent_setup) -> None:
    respondent, _own = respondent_setup
    peers = peers_with_scores(db, people_first, PEER_SCORES)
    db.commit()
    sign_in(client, respondent.email)
    other = peers[0].id
    assert client.get(f"/benchmarks/assessments/{other}").status_code == 404
    assert client.get(f"/api/v1/assessments/{other}/benchmark").status_code == 404
    assert client.get("/api/v1/benchmarks?questionnaire=people-first").status_code == 404
    assert client.get("/evaluations").status_code == 404
    assert client.get("/evaluations/export.csv?questionnaire=people-first").status_code == 404
    assert client.get("/evaluations/export.xlsx?questionnaire=people-first").status_code == 404


def test_narrowing_to_the_subjects_own_sector(client, db, people_first,
                                              respondent_setup) -> None:
    respondent, own = respondent_setup
    peers_with_scores(db, people_first, PEER_SCORES, sector="mining")
    peers_with_scores(db, people_first, [1.0, 2.0, 3.0], sector="energy")
    db.commit()
    sign_in(client, respondent.email)
    everyone = client.get(f"/api/v1/assessments/{own.id}/benchmark").get_json()
    assert everyone["overall"]["n"] == 8
    mining = client.get(f"/api/v1/assessments/{own.id}/benchmark?match=sector").get_json()
    assert mining["filters"] == {"sector": "mining"}
    assert mining["overall"]["n"] == 5
    page = client.get(f"/benchmarks/assessments/{own.id}?match=sector").get_data(as_text=True)
    assert "Mining infrastructure" in page
    assert "percentile rank 60.0 among 5 peers" in page
    wrong = client.get(f"/api/v1/assessments/{own.id}/benchmark?match=colour")
    assert wrong.status_code == 422


def test_panel_partial_renders_from_any_template(app, db, people_first,
                                                 respondent_setup) -> None:
    _respondent, own = respondent_setup
    peers_with_scores(db, people_first, PEER_SCORES)
    db.commit()
    with app.test_request_context("/"):
        benchmark = benchmark_for_assessment(db, own, k=5)
        html = render_template_string(
            '<h1>Assessment</h1>{% include "assessments/_benchmark_panel.html" %}',
            benchmark=benchmark)
        empty = render_template_string('{% include "assessments/_benchmark_panel.html" %}',
                                       benchmark=None)
    assert "How this assessment compares with its peers" in html
    assert '<th scope="row">Overall</th>' in html
    assert "60.0" in html and "41.3" in html  # own section score and the median
    assert "Compare with peers of the same sector" in html
    _check_charts_are_labelled(html, 1)
    assert empty.strip() == ""


# --- the API for evaluators -------------------------------------------------------------------


def test_benchmarks_api_for_evaluators(client, db, people_first, evaluator) -> None:
    peers_with_scores(db, people_first, PEER_SCORES, sector="mining")
    db.commit()
    assert client.get("/api/v1/benchmarks?questionnaire=people-first").status_code == 401
    sign_in(client, evaluator.email)
    data = client.get("/api/v1/benchmarks?questionnaire=people-first").get_json()
    assert data["questionnaire"] == "people-first"
    assert data["major_version"] == people_first.major
    assert data["overall"]["n"] == 5
    assert (data["overall"]["q1"], data["overall"]["median"], data["overall"]["q3"]) == (
        27.9, 41.3, 68.2)
    assert data["overall"]["percentile_rank"] is None
    small = client.get("/api/v1/benchmarks?questionnaire=people-first&sector=energy")
    assert small.get_json()["overall"]["shown"] is False
    bad = client.get("/api/v1/benchmarks?questionnaire=people-first&sector=gold&country=xyz")
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"sector", "country"}
    assert client.get("/api/v1/benchmarks").status_code == 422
    assert client.get("/api/v1/benchmarks?questionnaire=nothing").status_code == 404
    org_filter = client.get(
        "/api/v1/benchmarks?questionnaire=zero-tolerance-corruption&stage=operation")
    assert org_filter.status_code == 422


def test_openapi_describes_the_benchmark_routes(client) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/benchmarks"]
    assert "get" in paths["/assessments/{assessment_id}/benchmark"]


# --- the evaluators' dashboard ----------------------------------------------------------------


def test_dashboard_is_for_evaluators_and_administrators(client, db, factory, evaluator) -> None:
    admin = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    reviewer = factory.user(role=None, platform_roles=(PlatformRole.reviewer,))
    respondent = factory.user(organisation=factory.organisation())
    db.commit()
    assert client.get("/evaluations").status_code == 302
    for user, status in ((respondent, 404), (reviewer, 404), (evaluator, 200), (admin, 200)):
        sign_in(client, user.email)
        assert client.get("/evaluations").status_code == status, user.email
        client.post("/auth/sign-out")
    sign_in(client, evaluator.email)
    assert 'href="/evaluations"' in client.get("/").get_data(as_text=True)


def test_dashboard_shows_distributions_and_weak_spots(client, db, factory, people_first,
                                                     evaluator) -> None:
    approved = [approved_through_services(db, factory, people_first, maturity=0.3 + 0.2 * i,
                                          seed=20 + i) for i in range(3)]
    db.commit()
    sign_in(client, evaluator.email)
    page = client.get("/evaluations?questionnaire=people-first")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3 assessments match." in html
    for assessment in approved:
        assert assessment.project is not None and assessment.project.name in html
    _check_charts_are_labelled(html, 2)  # the histogram and the levels of one questionnaire
    assert "Where most points are lost" in html
    assert "Points lost on average" in html
    assert "Download CSV" in html and "language" in html
    nothing = client.get("/evaluations?questionnaire=people-first&country=FR")
    assert "0 assessments match." in nothing.get_data(as_text=True)
    invalid = client.get("/evaluations?country=France&approved_from=2026-02-01"
                         "&approved_to=2026-01-01")
    assert invalid.status_code == 422
    invalid_html = invalid.get_data(as_text=True)
    assert "There is a problem" in invalid_html
    assert "The end date must not be before the start date." in invalid_html


# --- charts -----------------------------------------------------------------------------------


def _rows() -> list[charts.PositionRow]:
    return [charts.PositionRow("Overall", q1=25.0, median=50.0, q3=75.0, minimum=10.0,
                               maximum=90.0, subject=40.0),
            charts.PositionRow("Section with a long title that does not fit the column",
                               subject=20.0)]


def _chart(rtl: bool) -> charts.Chart:
    return charts.peer_position_chart(
        _rows(), title="Scores <compared>", description="Peers & this assessment",
        legend=charts.Legend("Middle half", "Median", "This assessment"), rtl=rtl)


def test_svg_is_labelled_and_escaped() -> None:
    svg = str(charts.render_svg(_chart(False), "peer"))
    assert svg.startswith("<svg")
    assert 'role="img"' in svg and 'aria-labelledby="peer-title peer-desc"' in svg
    assert '<title id="peer-title">Scores &lt;compared&gt;</title>' in svg
    assert '<desc id="peer-desc">Peers &amp; this assessment</desc>' in svg
    assert "…" in svg  # the long label is shortened; the table keeps it whole


def test_right_to_left_charts_mirror() -> None:
    ltr, rtl = _chart(False), _chart(True)
    label_ltr = next(s for s in ltr.shapes if isinstance(s, charts.Text) and s.text == "Overall")
    assert ltr.physical_x(label_ltr.x) == 0
    assert rtl.physical_x(label_ltr.x) == rtl.width
    svg_rtl = str(charts.render_svg(rtl, "peer"))
    assert 'direction="rtl"' in svg_rtl
    assert f'<text class="chart-label" x="{rtl.width:g}"' in svg_rtl
    marker = next(s for s in ltr.shapes if isinstance(s, charts.Marker))
    assert rtl.physical_x(marker.x) == pytest.approx(ltr.width - ltr.physical_x(marker.x))
    # A higher score lies further from where reading starts, in both directions.
    placed = {text.text: text for text in charts.texts(rtl)}
    assert placed["0"].x > placed["100"].x
    assert placed["Overall"].anchor == "end"
    histogram = charts.histogram_chart([1, 0, 3], bin_labels=["a", "b", "c"], title="t",
                                       description="d", rtl=True)
    bars = [shape for shape in histogram.shapes if isinstance(shape, charts.Rect)]
    assert len(bars) == 2  # no bar for an empty bin
    first = charts.texts(histogram)
    assert first[1].text == "a" and first[1].x > histogram.width / 2


def test_the_same_drawing_renders_to_pdf() -> None:
    drawing = charts.to_reportlab(_chart(True))
    assert (drawing.width, drawing.height) == (_chart(True).width, _chart(True).height)
    assert renderPDF.drawToString(drawing).startswith(b"%PDF")
    bars = charts.bar_chart([("Advanced", 3), ("Initial", 0)], title="Levels",
                            description="Counts")
    assert renderPDF.drawToString(charts.to_reportlab(bars, include_text=False)).startswith(
        b"%PDF")
    with pytest.raises(ValueError, match="label"):
        charts.histogram_chart([1, 2], bin_labels=["a"], title="t", description="d")


# --- statements per page do not grow with the data --------------------------------------------


def _statements(app, client, url: str) -> int:
    from sqlalchemy import event

    from ppp_assess.unit_of_work import get_database

    assert client.get(url).status_code == 200  # warm the caches
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engines = get_database(app).engines
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_statement_counts_stay_flat(app, client, db, factory, people_first, evaluator,
                                    respondent_setup) -> None:
    respondent, own = respondent_setup
    approved_through_services(db, factory, people_first, seed=1)
    peers_with_scores(db, people_first, PEER_SCORES)
    db.commit()
    member = app.test_client()
    sign_in(client, evaluator.email)
    sign_in(member, respondent.email)
    pages = ((client, "/evaluations?questionnaire=people-first"), (client, "/showcase"),
             (member, f"/benchmarks/assessments/{own.id}"))
    few = [_statements(app, user, url) for user, url in pages]
    approved_through_services(db, factory, people_first, seed=2)
    peers_with_scores(db, people_first, PEER_SCORES * 3)
    db.commit()
    many = [_statements(app, user, url) for user, url in pages]
    assert many == few


def test_charts_mirror_on_right_to_left_pages(app, client, db, people_first,
                                              respondent_setup) -> None:
    from ppp_assess.web.locale import available_locales

    if "ar" not in available_locales(app):
        pytest.skip("the Arabic catalog is not compiled (make translations)")
    respondent, own = respondent_setup
    peers_with_scores(db, people_first, PEER_SCORES)
    db.commit()
    sign_in(client, respondent.email)
    html = client.get(f"/benchmarks/assessments/{own.id}?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert 'direction="rtl"' in html
    # Row labels start at the right edge, where Arabic reading starts.
    assert '<text class="chart-label" x="640" y="27" text-anchor="start"' in html


def test_the_legend_entries_never_share_a_line() -> None:
    chart = charts.peer_position_chart(
        [charts.PositionRow("Overall", 20, 40, 60, 10, 90, 50)], title="t", description="d",
        legend=charts.Legend("Middle half of peers, a long translation " * 3, "Median",
                             "This assessment"))
    texts = [shape for shape in chart.shapes if isinstance(shape, charts.Text)
             and shape.role == "muted" and shape.y > 60]
    assert len({text.y for text in texts}) == 3
    assert all(charts._text_width(text.text, text.size) <= chart.width - text.x
               for text in texts)


def test_a_draft_is_compared_only_once_complete_enough(client, db, people_first,
                                                       respondent_setup) -> None:
    respondent, own = respondent_setup
    peers_with_scores(db, people_first, PEER_SCORES)
    own.completion = 0.1
    db.commit()
    sign_in(client, respondent.email)
    html = client.get(f"/benchmarks/assessments/{own.id}").get_data(as_text=True)
    assert "appears once 80% of the required questions are answered (10% so far)" in html
    assert "percentile rank" not in html and "41.3" not in html
    own.completion = 0.85
    db.commit()
    html = client.get(f"/benchmarks/assessments/{own.id}").get_data(as_text=True)
    assert "percentile rank 60.0 among 5 peers" in html
    assert 'class="tag tag-provisional">Provisional<' in html
    own.status = Status.approved
    db.commit()
    html = client.get(f"/benchmarks/assessments/{own.id}").get_data(as_text=True)
    assert "percentile rank 60.0 among 5 peers" in html and "Provisional" not in html
