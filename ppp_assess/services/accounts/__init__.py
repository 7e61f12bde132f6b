"""Organisations, users, memberships and platform roles.

- :mod:`.users`: accounts, profiles and platform roles;
- :mod:`.organisations`: the organisations themselves;
- :mod:`.memberships`: who belongs to which organisation, and in which role.

Who may manage an organisation's members is a policy of
:mod:`ppp_assess.services.permissions`; the rules a password must meet are in
:mod:`ppp_assess.services.passwords`. The public names are importable from this package,
where most callers find them.
"""

from __future__ import annotations

from ppp_assess.services.accounts.memberships import (
    Invitation,
    MemberRow,
    accept_membership,
    add_member,
    invite_member,
    list_members,
    my_organisations,
    remove_member,
    set_member_role,
    user_memberships,
)
from ppp_assess.services.accounts.organisations import (
    OrganisationRow,
    add_organisation,
    create_organisation,
    get_organisation,
    list_organisations,
    set_organisation_active,
    update_organisation,
)
from ppp_assess.services.accounts.users import (
    Page,
    add_user,
    create_user,
    find_user,
    get_user,
    grant_platform_role,
    normalise_email,
    revoke_platform_role,
    search_users,
    set_preferred_locale,
    update_profile,
)

__all__ = [
    "Invitation",
    "MemberRow",
    "OrganisationRow",
    "Page",
    "accept_membership",
    "add_member",
    "add_organisation",
    "add_user",
    "create_organisation",
    "create_user",
    "find_user",
    "get_organisation",
    "get_user",
    "grant_platform_role",
    "invite_member",
    "list_members",
    "list_organisations",
    "my_organisations",
    "normalise_email",
    "remove_member",
    "revoke_platform_role",
    "search_users",
    "set_member_role",
    "set_organisation_active",
    "set_preferred_locale",
    "update_organisation",
    "update_profile",
    "user_memberships",
]
