"""Fixtures shared by the web tests: a signed-in member and a draft of theirs.

A module that needs another member (other settings, other roles) defines its own
``member`` fixture, which takes precedence over this one.
"""

from __future__ import annotations

import pytest

from ppp_assess.models import Assessment
from tests.web.test_assessments import Member, make_member, start


@pytest.fixture
def member(app, db, factory) -> Member:
    """A signed-in member of a new organisation, with the sample questionnaire published."""
    return make_member(app, db, factory)


@pytest.fixture
def draft(member: Member, db) -> Assessment:
    """A draft of the member's organisation, on the sample questionnaire."""
    assessment = start(db, member.user, member.organisation, member.version)
    db.commit()
    return assessment
