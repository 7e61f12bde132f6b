"""The home page's parts for each platform role the signed-in user holds."""

from __future__ import annotations

from dataclasses import dataclass

from ppp_assess.services import home, permissions
from ppp_assess.services.permissions import Person
from ppp_assess.unit_of_work import get_session


@dataclass(frozen=True)
class RoleHomes:
    """What the home page sums up; ``None`` for a role the user does not hold."""

    reviewer: home.ReviewerHome | None = None
    evaluator: home.EvaluatorHome | None = None
    admin: home.AdminHome | None = None


def role_homes(user: Person | None) -> RoleHomes:
    """Collect the parts of the home page ``user`` is to see."""
    if user is None:
        return RoleHomes()
    db = get_session()
    return RoleHomes(
        reviewer=home.reviewer_home(db, user) if permissions.can_review(user) else None,
        evaluator=home.evaluator_home(db) if permissions.can_issue_certificates(user) else None,
        admin=home.admin_home(db) if permissions.can_administer_platform(user) else None,
    )
