"""Organisations: creating, changing, deactivating and listing them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ppp_assess.domain.reference import REGIONS
from ppp_assess.models import Assessment, Membership, Organisation
from ppp_assess.services.audit import record_event
from ppp_assess.services.benchmarks.totals import recounted
from ppp_assess.services.errors import Conflict, Invalid, NotFound
from ppp_assess.services.peer_index import refresh_organisation


def create_organisation(session: Session, *, name: str, country: str, region: str,
                        actor_id: int | None = None) -> Organisation:
    """Create an organisation.

    :raises Invalid: for an unknown region or a malformed country code.
    """
    country = _check_organisation_fields(country, region)
    organisation = Organisation(name=name.strip(), country=country, region=region, active=True)
    session.add(organisation)
    session.flush()
    record_event(session, actor_id=actor_id, action="organisation.created",
                 object_type="organisation", object_id=organisation.id,
                 organisation_id=organisation.id,
                 after={"name": organisation.name, "country": country, "region": region})
    return organisation


@dataclass(frozen=True)
class OrganisationRow:
    """An organisation with its number of members."""

    organisation: Organisation
    members: int


def _check_organisation_fields(country: str, region: str) -> str:
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise Invalid("Give the country as a two-letter ISO 3166 code.",
                      fields={"country": "invalid"})
    if region not in REGIONS:
        raise Invalid("Choose a region from the list.", fields={"region": "invalid"})
    return country


def _check_organisation_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise Invalid("Enter the organisation's name.", fields={"name": "required"})
    query = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    if session.scalar(query) is not None:
        raise Conflict("An organisation with this name exists already.")
    return name


def add_organisation(session: Session, *, name: str, country: str, region: str,
                     actor_id: int | None = None) -> Organisation:
    """Create an organisation after checking that its name is free.

    :raises Invalid: for an empty name, an unknown region or a malformed country code.
    :raises Conflict: when another organisation has the same name.
    """
    name = _check_organisation_name(session, name)
    return create_organisation(session, name=name, country=country, region=region,
                               actor_id=actor_id)


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    """Return the organisation.

    :raises NotFound: when it does not exist.
    """
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("This organisation does not exist.")
    return organisation


def update_organisation(session: Session, organisation: Organisation, *, name: str,
                        country: str, region: str, actor_id: int | None = None) -> Organisation:
    """Change an organisation's name, country and region.

    :raises Invalid: for an empty name, an unknown region or a malformed country code.
    :raises Conflict: when another organisation has the same name.
    """
    name = _check_organisation_name(session, name, exclude_id=organisation.id)
    country = _check_organisation_fields(country, region)
    before = {"name": organisation.name, "country": organisation.country,
              "region": organisation.region}
    if (organisation.country, organisation.region) != (country, region):
        # The evaluators' dashboard totals count its decided assessments by country and
        # region (the organisation's, for assessments without a project).
        with recounted(session, Assessment.organisation_id == organisation.id):
            organisation.country, organisation.region = country, region
            session.flush()
    organisation.name = name
    after = {"name": name, "country": country, "region": region}
    if before != after:
        session.flush()
        if (before["country"], before["region"]) != (country, region):
            refresh_organisation(session, organisation.id)
        record_event(session, actor_id=actor_id, action="organisation.updated",
                     object_type="organisation", object_id=organisation.id,
                     organisation_id=organisation.id, before=before, after=after)
    return organisation


def set_organisation_active(session: Session, organisation: Organisation, active: bool, *,
                            actor_id: int | None = None) -> Organisation:
    """Activate or deactivate an organisation (nothing happens if it already is)."""
    if organisation.active == active:
        return organisation
    organisation.active = active
    session.flush()
    record_event(session, actor_id=actor_id,
                 action="organisation.activated" if active else "organisation.deactivated",
                 object_type="organisation", object_id=organisation.id,
                 organisation_id=organisation.id,
                 before={"active": not active}, after={"active": active})
    return organisation


def list_organisations(session: Session) -> list[OrganisationRow]:
    """Return every organisation by name, with its number of members."""
    rows = session.execute(
        select(Organisation, func.count(Membership.id))
        .outerjoin(Membership, Membership.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [OrganisationRow(organisation=organisation, members=count)
            for organisation, count in rows]
