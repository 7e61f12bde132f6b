"""``flask --app wsgi users create|token``: accounts and API tokens from the command line."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import AppGroup

from ppp_assess.config import get_settings
from ppp_assess.domain.reference import OrgRole, PlatformRole
from ppp_assess.models import Organisation
from ppp_assess.services import accounts, tokens
from ppp_assess.services.errors import ServiceError
from ppp_assess.unit_of_work import get_session


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Create users and API tokens."""


def _generated_password() -> str:
    return secrets.token_urlsafe(18)


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", "platform_role", type=click.Choice([role.value for role in PlatformRole]),
              help="A platform role to grant.")
@click.option("--organisation", "organisation_id", type=int,
              help="Id of an organisation to make the user a member of.")
@click.option("--org-role", type=click.Choice([role.value for role in OrgRole]),
              default=OrgRole.respondent.value, show_default=True,
              help="The role in that organisation.")
@click.option("--generate-password", is_flag=True,
              help="Generate a password and print it instead of asking for one.")
def users_create(email: str, name: str, platform_role: str | None, organisation_id: int | None,
                 org_role: str, generate_password: bool) -> None:
    """Create a user with EMAIL; asks for a password (empty: generate one and print it)."""
    session = get_session()
    organisation = None
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise click.ClickException(f"There is no organisation with id {organisation_id}.")
    password = "" if generate_password else click.prompt(
        "Password (leave empty to generate one)", default="", show_default=False,
        hide_input=True, confirmation_prompt=True)
    generated = not password
    if generated:
        password = _generated_password()
    try:
        user = accounts.add_user(session, email=email, name=name, password=password)
        if organisation is not None:
            accounts.add_member(session, user=user, organisation=organisation,
                                role=OrgRole(org_role))
        if platform_role:
            accounts.grant_platform_role(session, user=user, role=PlatformRole(platform_role))
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created user {user.email} (id {user.id}).")
    if generated:
        click.echo(f"Password (shown only now): {password}")


@users_group.command("token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True,
              help="What the token is for, to recognise it later.")
@click.option("--days", type=click.IntRange(1, tokens.MAX_TOKEN_DAYS), default=None,
              help="How many days the token lives (default: PPP_ASSESS_TOKEN_DAYS, 90).")
def users_token(email: str, name: str, days: int | None) -> None:
    """Create an API bearer token for EMAIL and print it (it is shown only once)."""
    session = get_session()
    user = accounts.find_user(session, email)
    if user is None:
        raise click.ClickException(f"There is no user with the e-mail address {email}.")
    lifetime = days or get_settings(current_app).token_days
    try:
        row, token = tokens.create_api_token(session, user, name=name, days=lifetime)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"API token for {user.email} ({name}), valid until "
               f"{row.expires_at:%Y-%m-%d %H:%M} UTC; it is shown only now:", err=True)
    click.echo(token)


@users_group.command("revoke-tokens")
@click.argument("email")
def users_revoke_tokens(email: str) -> None:
    """Revoke every API token of EMAIL."""
    session = get_session()
    user = accounts.find_user(session, email)
    if user is None:
        raise click.ClickException(f"There is no user with the e-mail address {email}.")
    count = tokens.revoke_all_api_tokens(session, user, reason="command")
    click.echo(f"Revoked {count} token(s) of {user.email}.")
