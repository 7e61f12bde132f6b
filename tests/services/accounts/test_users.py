"""Accounts: passwords, search, platform roles, profiles and the create command."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.models import AuditEvent
from ppp_assess.services import accounts, auth, people, permissions, tokens
from ppp_assess.services.errors import Conflict, Invalid
from ppp_assess.services.passwords import verify_password


def _actions(db) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)))


def test_set_password_hashes_with_argon2id_and_ends_sessions(db, factory) -> None:
    user = factory.user()
    version = user.session_version
    auth.set_password(db, user, "a river of molten copper", reason="changed")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "a river of molten copper")
    assert user.session_version == version + 1
    assert _actions(db)[-2:] == ["user.password_set", "user.sessions_ended"]


def test_change_password_needs_the_current_one(db, factory) -> None:
    user = factory.user()
    with pytest.raises(Invalid) as caught:
        auth.change_password(db, user, current_password="not the password",
                             new_password="a river of molten copper")
    assert caught.value.fields == {"current_password": "wrong"}


def test_search_users_pages_and_matches_email_or_name(db, factory) -> None:
    for number in range(5):
        factory.user(email=f"searchable{number}@ministry.example", name=f"Analyst {number}")
    factory.user(email="someone@else.example", name="Literal 100%_name")
    page = accounts.search_users(db, "MINISTRY.example", page=2, per_page=2)
    assert page.total == 5 and page.pages == 3 and page.has_previous and page.has_next
    assert [user.email for user in page.items] == ["searchable2@ministry.example",
                                                   "searchable3@ministry.example"]
    assert [user.email for user in accounts.search_users(db, "100%_").items] == [
        "someone@else.example"]
    assert accounts.search_users(db, "%").total == 0 or all(
        "%" in user.name or "%" in user.email for user in accounts.search_users(db, "%").items)


def test_platform_roles_are_granted_and_revoked_but_not_the_last_admin(db, factory) -> None:
    admin = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    user = factory.user(role=None)
    accounts.grant_platform_role(db, user=user, role=PlatformRole.reviewer, actor_id=admin.id)
    accounts.revoke_platform_role(db, user=user, role=PlatformRole.reviewer, actor_id=admin.id)
    assert not user.has_platform_role(PlatformRole.reviewer)
    assert _actions(db)[-2:] == ["role.granted", "role.revoked"]
    with pytest.raises(Conflict):
        accounts.revoke_platform_role(db, user=admin, role=PlatformRole.admin, actor_id=admin.id)


def test_deactivation_ends_sessions_and_spares_the_last_admin(db, factory) -> None:
    admin = factory.user(role=None, platform_roles=(PlatformRole.admin,))
    user = factory.user()
    version = user.session_version
    auth.set_user_active(db, user, False, actor_id=admin.id)
    assert not user.active and user.session_version == version + 1
    assert _actions(db)[-2:] == ["user.deactivated", "user.sessions_ended"]
    with pytest.raises(Conflict):
        auth.set_user_active(db, admin, False, actor_id=admin.id)


def test_add_user_checks_address_duplicates_and_password(db, factory) -> None:
    existing = factory.user()
    with pytest.raises(Conflict):
        accounts.add_user(db, email=existing.email.upper(), name="Copy")
    with pytest.raises(Invalid):
        accounts.add_user(db, email="not-an-address", name="Nobody")
    with pytest.raises(Invalid):
        accounts.add_user(db, email="new@example.org", name="New", password="123456789012")
    user = accounts.add_user(db, email="new@example.org", name="New",
                             password="granite quarry at dawn")
    assert user.password_hash is not None


def test_profile_accepts_only_offered_locales(db, factory) -> None:
    user = factory.user()
    with pytest.raises(Invalid):
        accounts.update_profile(db, user, name="Ana", locale="xx", allowed_locales=("en", "fr"))
    accounts.update_profile(db, user, name=" Ana ", locale="fr", allowed_locales=("en", "fr"))
    assert (user.name, user.locale) == ("Ana", "fr")
    assert _actions(db)[-1] == "user.profile_changed"


def test_the_create_command_with_a_generated_password(runner, factory, db) -> None:
    org = factory.organisation()
    db.commit()
    result = runner.invoke(args=["users", "create", "Chief@Example.org", "--name", "Chief",
                                 "--role", "reviewer", "--organisation", str(org.id),
                                 "--org-role", "org_admin", "--generate-password"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown only now): ", 1)[1].strip()
    db.expire_all()
    user = accounts.find_user(db, "chief@example.org")
    assert user is not None and verify_password(user.password_hash, password)
    assert user.has_platform_role(PlatformRole.reviewer)
    assert accounts.my_organisations(db, user) == [(org, OrgRole.org_admin)]


def test_the_create_command_with_a_prompted_password(runner, db) -> None:
    chosen = "feldspar and quartz at noon"
    result = runner.invoke(args=["users", "create", "prompted@example.org", "--name", "P"],
                           input=f"{chosen}\n{chosen}\n")
    assert result.exit_code == 0, result.output
    assert chosen not in result.output
    db.expire_all()
    assert verify_password(accounts.find_user(db, "prompted@example.org").password_hash, chosen)


def test_the_create_command_refuses_bad_input(runner, factory, db) -> None:
    existing = factory.user()
    db.commit()
    duplicate = runner.invoke(args=["users", "create", existing.email, "--name", "X",
                                    "--generate-password"])
    assert duplicate.exit_code != 0 and "exists already" in duplicate.output
    weak = runner.invoke(args=["users", "create", "weak@example.org", "--name", "W"],
                         input="123456789012\n123456789012\n")
    assert weak.exit_code != 0 and "too common" in weak.output
    missing = runner.invoke(args=["users", "create", "x@example.org", "--name", "X",
                                  "--organisation", "999999", "--generate-password"])
    assert missing.exit_code != 0 and "no organisation" in missing.output
    db.expire_all()
    assert accounts.find_user(db, "weak@example.org") is None
    assert accounts.find_user(db, "x@example.org") is None


def test_a_signed_in_snapshot_holds_every_membership_and_platform_role(db, factory) -> None:
    first, second = factory.organisation(), factory.organisation()
    user = factory.user(organisation=first, role=OrgRole.org_admin, locale="fr",
                        platform_roles=(PlatformRole.reviewer, PlatformRole.evaluator))
    accounts.add_member(db, user=user, organisation=second, role=OrgRole.respondent)
    db.flush()
    person = people.signed_in(db, user.id, user.session_version)
    assert person is not None
    assert (person.id, person.name, person.email, person.locale) == (
        user.id, user.name, user.email, "fr")
    assert person.memberships == ((first.id, OrgRole.org_admin),
                                  (second.id, OrgRole.respondent))
    assert person.has_platform_role(PlatformRole.reviewer)
    assert person.has_platform_role(PlatformRole.evaluator)
    assert not person.has_platform_role(PlatformRole.admin)
    assert person.get_id() == user.get_id()
    # The policies ask the snapshot what they ask the stored user.
    for policy in (permissions.has_organisation, permissions.can_review,
                   permissions.can_evaluate, permissions.can_administer_platform):
        assert policy(person) == policy(user)


def test_a_signed_in_snapshot_without_memberships_or_roles(db, factory) -> None:
    user = factory.user(role=None)
    person = people.signed_in(db, user.id, user.session_version)
    assert person is not None
    assert person.memberships == () and person.platform_roles == frozenset()
    assert not permissions.has_organisation(person)


def test_no_snapshot_for_an_ended_session_a_deactivated_or_a_missing_user(db, factory) -> None:
    user = factory.user()
    version = user.session_version
    assert people.signed_in(db, user.id, version + 1) is None
    auth.end_sessions(db, user, reason="signed_out")
    db.flush()
    assert people.signed_in(db, user.id, version) is None
    assert people.signed_in(db, user.id, user.session_version) is not None
    user.active = False
    db.flush()
    assert people.signed_in(db, user.id, user.session_version) is None
    assert people.signed_in(db, 2**31 - 1, 1) is None


def test_a_valid_token_gives_its_holder_in_one_statement(db, factory) -> None:
    organisation = factory.organisation()
    user = factory.user(organisation=organisation, platform_roles=(PlatformRole.evaluator,))
    row, token = factory.api_token(user)
    db.flush()
    holder = people.token_holder(db, token)
    assert holder is not None
    assert (holder.token_id, holder.last_used_at) == (row.id, row.last_used_at)
    assert holder.person == people.signed_in(db, user.id, user.session_version)
    assert holder.person.memberships == ((organisation.id, OrgRole.respondent),)
    assert holder.person.has_platform_role(PlatformRole.evaluator)


def test_no_holder_for_an_unknown_revoked_or_expired_token_or_a_deactivated_user(
        db, factory) -> None:
    user = factory.user()
    row, token = factory.api_token(user)
    db.flush()
    assert people.token_holder(db, token + "x") is None
    assert people.token_holder(db, token, now=row.expires_at + dt.timedelta(seconds=1)) is None
    assert people.token_holder(db, token) is not None
    user.active = False
    db.flush()
    assert people.token_holder(db, token) is None
    user.active = True
    tokens.revoke_api_token(db, user, row.id)
    db.flush()
    assert people.token_holder(db, token) is None
