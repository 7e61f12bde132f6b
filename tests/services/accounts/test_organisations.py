"""Organisations: unique names and audited changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ppp_assess.models import AuditEvent
from ppp_assess.services import accounts
from ppp_assess.services.errors import Conflict, Invalid


def _actions(db) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)))


def test_organisation_names_stay_unique_and_changes_are_audited(db, factory) -> None:
    first = accounts.add_organisation(db, name="Mining PPP Unit", country="mn",
                                      region="asia_pacific")
    assert first.country == "MN"
    with pytest.raises(Conflict):
        accounts.add_organisation(db, name="mining ppp unit", country="MN",
                                  region="asia_pacific")
    second = factory.organisation()
    with pytest.raises(Conflict):
        accounts.update_organisation(db, second, name="Mining PPP Unit", country="KZ",
                                     region="central_asia")
    with pytest.raises(Invalid):
        accounts.update_organisation(db, second, name="Other", country="KAZ",
                                     region="central_asia")
    accounts.update_organisation(db, second, name="Renamed Unit", country="KZ",
                                 region="central_asia")
    accounts.set_organisation_active(db, second, False)
    assert not second.active
    assert _actions(db)[-2:] == ["organisation.updated", "organisation.deactivated"]
