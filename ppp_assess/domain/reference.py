"""Reference lists shared by forms, validation, seed data and exports.

Values are stable codes stored in the database; labels are English msgids that the web
layer translates.
"""

from __future__ import annotations

from enum import StrEnum

from ppp_assess.domain.schema import Subject


class OrgRole(StrEnum):
    """A user's role inside one organisation."""

    respondent = "respondent"
    org_admin = "org_admin"


class PlatformRole(StrEnum):
    """A role across the whole platform."""

    reviewer = "reviewer"
    evaluator = "evaluator"
    admin = "admin"


#: What an assessment is about: the questionnaire's subject.
SubjectType = Subject


#: Infrastructure sectors (code -> label msgid).
SECTORS: dict[str, str] = {
    "transport": "Transport",
    "energy": "Energy",
    "water": "Water and sanitation",
    "mining": "Mining infrastructure",
    "social": "Social infrastructure",
    "digital": "Digital infrastructure",
}

#: Mining-infrastructure subsectors (code -> label msgid).
SUBSECTORS: dict[str, str] = {
    "rail": "Rail line",
    "port": "Port or terminal",
    "road": "Road",
    "power": "Power generation or transmission",
    "water_supply": "Water supply",
    "tailings": "Tailings facility",
    "processing": "Processing plant",
    "pipeline": "Pipeline or slurry line",
    "other": "Other",
}

#: Project stages, in life-cycle order (code -> label msgid).
STAGES: dict[str, str] = {
    "identification": "Identification",
    "preparation": "Preparation and appraisal",
    "procurement": "Procurement",
    "construction": "Construction",
    "operation": "Operation",
    "closure": "Closure and hand-back",
}

#: The project stages an assessment describes, in life-cycle order (code -> label msgid).
#: A project is assessed again as it moves on: at procurement, at financial close, during
#: construction, in operation and at closure.
ASSESSMENT_STAGES: dict[str, str] = {
    "procurement": "Procurement",
    "financial_close": "Financial close",
    "construction": "Construction",
    "operation": "Operation",
    "closure": "Closure and hand-back",
}

#: PPP contract types (code -> label msgid).
CONTRACT_TYPES: dict[str, str] = {
    "concession": "Concession (user pays)",
    "availability": "Availability payment",
    "bot": "Build-operate-transfer",
    "dbfo": "Design-build-finance-operate",
    "lease": "Lease or affermage",
    "management": "Management contract",
    "joint_venture": "Joint venture",
}

#: Regions used for peer groups (code -> label msgid), after the UN regional commissions.
REGIONS: dict[str, str] = {
    "europe": "Europe",
    "central_asia": "Central Asia and the Caucasus",
    "africa": "Africa",
    "latin_america": "Latin America and the Caribbean",
    "asia_pacific": "Asia and the Pacific",
    "western_asia": "Western Asia",
    "north_america": "North America",
}
