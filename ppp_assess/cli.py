"""Command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ppp_assess.models import migrate
from ppp_assess.models.database import get_database


def _url() -> str:
    return get_database(current_app).url


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the schema (to the newest revision by default)."""
    migrate.upgrade(_url(), revision)
    click.echo(f"Database at revision {migrate.current_revision(_url())}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" drops every table)."""
    migrate.downgrade(_url(), revision)
    click.echo(f"Database at revision {migrate.current_revision(_url())}.")


@db_group.command("current")
def db_current() -> None:
    """Print the schema revision of the database and of the code."""
    click.echo(f"database: {migrate.current_revision(_url())}")
    click.echo(f"code:     {migrate.head_revision()}")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(db_group)
