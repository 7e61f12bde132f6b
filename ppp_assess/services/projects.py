"""Recording and changing the PPP projects of an organisation."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import get_territory_currencies
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ppp_assess.domain.reference import CONTRACT_TYPES, REGIONS, SECTORS, STAGES, SUBSECTORS
from ppp_assess.models import Assessment, Membership, Organisation, Project
from ppp_assess.services.audit import record_event
from ppp_assess.services.benchmarks.totals import recounted
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.services.peer_index import PEER_ATTRIBUTES, refresh_project
from ppp_assess.services.permissions import Person, can_add_project

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
#: Largest capital value stored (the column is a signed 64-bit integer).
MAX_CAPITAL_VALUE = 2**63 - 1

#: Codes CLDR lists as territories that ISO 3166-1 does not assign to a country:
#: exceptional reservations, groupings and user-assigned codes.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN",
                            "XA", "XB", "XK", "ZZ"})


@cache
def country_codes() -> frozenset[str]:
    """Return the ISO 3166-1 alpha-2 country codes (from CLDR, through Babel)."""
    return frozenset(code for code in map(str, Locale("en").territories)
                     if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


@cache
def _currency_codes_on(day: dt.date) -> frozenset[str]:
    codes: set[str] = set()
    for country in country_codes():
        codes.update(get_territory_currencies(country, day, tender=True))
    return frozenset(codes)


def currency_codes() -> frozenset[str]:
    """Return the ISO 4217 codes of the currencies that are legal tender somewhere today."""
    return _currency_codes_on(dt.date.today())


@dataclass(frozen=True)
class ProjectInput:
    """The editable facts of a project, as a user gives them."""

    name: str
    sector: str
    country: str
    region: str
    stage: str
    contract_type: str
    subsector: str | None = None
    capital_value: int | None = None
    currency: str | None = None
    description: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ProjectInput:
        """Build the input from JSON-like data, checking the value types.

        :raises Invalid: naming each field whose value has the wrong type.
        """
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name in ("name", "sector", "country", "region", "stage", "contract_type"):
            value = data.get(name)
            if not isinstance(value, str):
                errors[name] = "required" if value is None else "wrong_type"
            values[name] = value if isinstance(value, str) else ""
        for name in ("subsector", "currency"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                errors[name] = "wrong_type"
            values[name] = value if isinstance(value, str) else None
        capital = data.get("capital_value")
        if capital is not None and (isinstance(capital, bool) or not isinstance(capital, int)):
            errors["capital_value"] = "wrong_type"
            capital = None
        values["capital_value"] = capital
        description = data.get("description", "")
        if description is not None and not isinstance(description, str):
            errors["description"] = "wrong_type"
        values["description"] = description if isinstance(description, str) else ""
        if errors:
            raise Invalid("Some project details could not be accepted.", fields=errors)
        return cls(**values)


def clean_project(data: ProjectInput) -> ProjectInput:
    """Return ``data`` normalised, or refuse it.

    :param data: the project facts as given.
    :return: trimmed values, codes upper-cased where ISO writes them so, blanks as None.
    :raises Invalid: with a code per field that is not acceptable.
    """
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "required"
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = "too_long"
    for field, allowed in (("sector", SECTORS), ("region", REGIONS), ("stage", STAGES),
                           ("contract_type", CONTRACT_TYPES)):
        if getattr(data, field) not in allowed:
            errors[field] = "unknown"
    subsector = (data.subsector or "").strip() or None
    if subsector is not None and subsector not in SUBSECTORS:
        errors["subsector"] = "unknown"
    country = data.country.strip().upper()
    if country not in country_codes():
        errors["country"] = "unknown"
    currency = (data.currency or "").strip().upper() or None
    if currency is not None and currency not in currency_codes():
        errors["currency"] = "unknown"
    capital = data.capital_value
    if capital is not None:
        if capital < 0:
            errors["capital_value"] = "negative"
        elif capital > MAX_CAPITAL_VALUE:
            errors["capital_value"] = "too_large"
        elif currency is None and "currency" not in errors:
            errors["currency"] = "required"
    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        errors["description"] = "too_long"
    if errors:
        raise Invalid("Some project details could not be accepted.", fields=errors)
    return ProjectInput(name=name, sector=data.sector, country=country, region=data.region,
                        stage=data.stage, contract_type=data.contract_type, subsector=subsector,
                        capital_value=capital, currency=currency, description=description)


def member_organisations(session: Session, user: Person) -> list[Organisation]:
    """Return the active organisations ``user`` belongs to, by name."""
    return list(session.scalars(
        select(Organisation).join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, Organisation.active.is_(True))
        .order_by(Organisation.name)))


def list_projects(session: Session, user: Person) -> Sequence[Project]:
    """Return the projects of every organisation ``user`` belongs to, by name."""
    return session.scalars(
        select(Project).join(Membership, Membership.organisation_id == Project.organisation_id)
        .where(Membership.user_id == user.id)
        .options(joinedload(Project.organisation))
        .order_by(Project.name, Project.id)).all()


def _facts(project: Project) -> dict[str, Any]:
    return {"name": project.name, "sector": project.sector, "subsector": project.subsector,
            "country": project.country, "region": project.region, "stage": project.stage,
            "contract_type": project.contract_type, "capital_value": project.capital_value,
            "currency": project.currency, "description": project.description}


def create_project(session: Session, *, actor: Person, organisation_id: int,
                   data: ProjectInput) -> Project:
    """Record a new project of one of ``actor``'s organisations.

    :param actor: the user recording the project; must be a member of the organisation.
    :param organisation_id: the organisation that owns the project.
    :param data: the project's facts.
    :return: the new project (flushed).
    :raises NotFound: when ``actor`` is not a member of an active organisation of that id.
    :raises Invalid: when a fact is not acceptable (see :func:`clean_project`).
    """
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not can_add_project(session, actor, organisation):
        raise NotFound("This organisation does not exist.")
    cleaned = clean_project(data)
    project = Project(organisation_id=organisation_id, **asdict(cleaned))
    session.add(project)
    session.flush()
    record_event(session, actor_id=actor.id, action="project.created", object_type="project",
                 object_id=project.id, organisation_id=organisation_id, after=_facts(project))
    log.info("project %s created by %s", project.id, actor.id)
    return project


#: The facts the evaluators' dashboard totals count a project's decided assessments under.
COUNTED_FACTS = frozenset({"country", "region", "sector", "stage"})


def update_project(session: Session, project: Project, *, actor: Person,
                   data: ProjectInput) -> Project:
    """Change the facts of a project (its organisation never changes).

    :param project: a project ``actor`` may change (see
        :func:`ppp_assess.services.permissions.can_edit_project`).
    :return: the project, flushed; unchanged facts write no audit event.
    :raises Invalid: when a fact is not acceptable (see :func:`clean_project`).
    """
    cleaned = asdict(clean_project(data))
    before = _facts(project)
    changed = {name: value for name, value in cleaned.items() if before[name] != value}
    if not changed:
        return project
    if changed.keys() & COUNTED_FACTS:
        # The evaluators' dashboard totals count its decided assessments under these.
        with recounted(session, Assessment.project_id == project.id):
            for name, value in changed.items():
                setattr(project, name, value)
            session.flush()
    else:
        for name, value in changed.items():
            setattr(project, name, value)
        session.flush()
    if set(changed) & PEER_ATTRIBUTES:
        refresh_project(session, project.id)
    record_event(session, actor_id=actor.id, action="project.updated", object_type="project",
                 object_id=project.id, organisation_id=project.organisation_id,
                 before={name: before[name] for name in changed}, after=changed)
    return project


def project_assessments(session: Session, project: Project) -> Sequence[Assessment]:
    """Return the assessments of a project, newest first, with their questionnaire version."""
    return session.scalars(
        select(Assessment).where(Assessment.project_id == project.id)
        .options(joinedload(Assessment.questionnaire_version))
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())).all()
