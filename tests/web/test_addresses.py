"""Addresses built once per rule give what url_for gives, whatever the value."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppp_assess.web import addresses
from ppp_assess.web.addresses import ID_SLOT, address_builder

#: Text that is not a path separator: Werkzeug's default converter takes one segment.
SEGMENTS = st.text(min_size=1, max_size=30).filter(lambda text: "/" not in text)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # app is only read
@given(section_id=SEGMENTS, assessment_id=st.integers(min_value=1, max_value=ID_SLOT))
def test_text_segments_are_quoted_as_url_for_quotes_them(app: Flask, section_id: str,
                                                         assessment_id: int) -> None:
    with app.test_request_context("/"):
        build = address_builder("assessments.section", "section_id",
                                assessment_id=assessment_id)
        assert build(section_id) == url_for("assessments.section",
                                            assessment_id=assessment_id,
                                            section_id=section_id)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # app is only read
@given(evidence_id=st.integers(min_value=1, max_value=ID_SLOT),
       assessment_id=st.sampled_from([1, 42, ID_SLOT]))
def test_ids_are_put_in_even_where_another_value_equals_the_placeholder(
        app: Flask, evidence_id: int, assessment_id: int) -> None:
    with app.test_request_context("/"):
        build = address_builder("assessments.delete_evidence", "evidence_id", ID_SLOT,
                                assessment_id=assessment_id)
        assert build(evidence_id) == url_for("assessments.delete_evidence",
                                             assessment_id=assessment_id,
                                             evidence_id=evidence_id)


def test_builders_are_kept_for_the_path_the_application_is_mounted_at(app: Flask) -> None:
    for root in ("", "/ppp", "", "/other/ppp"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            build = address_builder("assessments.section", "section_id", assessment_id=7)
            assert build("s1") == url_for("assessments.section", assessment_id=7,
                                          section_id="s1")
            assert build("s1").startswith(f"{root}/")
    with app.test_request_context("/"):
        kept = address_builder("assessments.section", "section_id", assessment_id=7)
    with app.test_request_context("/"):
        assert address_builder("assessments.section", "section_id", assessment_id=7) is kept


def test_the_kept_builders_are_bounded(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addresses, "KEPT_BUILDERS", 3)
    with app.test_request_context("/"):
        for assessment_id in range(1, 10):
            build = address_builder("assessments.section", "section_id",
                                    assessment_id=assessment_id)
            assert build("s1") == url_for("assessments.section", assessment_id=assessment_id,
                                          section_id="s1")
            assert len(app.extensions["ppp_address_builders"]) <= 3
