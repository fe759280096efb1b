"""``flask user create``: accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Organisation, Role, User
from survey_app.models.audit import record
from survey_app.models.user import SCOPED_ROLES


def create_user(username: str, password: str, role: Role, org_code: str | None) -> User:
    """Create an account; raise ``click.UsageError`` with a clear message on bad input."""
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.UsageError(f"user {username!r} already exists")
    if len(password) < 8:
        raise click.UsageError("the password must have at least 8 characters")
    org = None
    if org_code:
        org = db.session.scalar(select(Organisation).where(Organisation.code == org_code))
        if org is None:
            raise click.UsageError(f"unknown organisation code {org_code!r}")
    elif role in SCOPED_ROLES:
        raise click.UsageError(f"role {role.value} needs --org CODE")
    user = User(username=username, role=role.value, organisation=org)
    user.set_password(password)
    db.session.add(user)
    record("user.create", "user", username, role=role.value, org=org_code)
    db.session.commit()
    return user


@click.group("user", help="Manage accounts.")
def user() -> None:
    pass


@user.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--org", "org_code", default=None, help="Organisation code (the account's scope).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(username: str, role: str, org_code: str | None, password_stdin: bool) -> None:
    """Create an account. Asks for the password, or reads it from stdin when piped."""
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    created = create_user(username, password, Role(role), org_code)
    click.echo(f"created {created.username} ({created.role})")
