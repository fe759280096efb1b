"""``flask user``: accounts from the command line (create, set a password, disable, enable,
unlock, turn off two-factor authentication)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from survey_app.auth import operations
from survey_app.auth.queries import user_by_username
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import Organisation, Role, User
from survey_app.models.audit import record
from survey_app.models.user import SCOPED_ROLES


def create_user(username: str, password: str, role: Role, org_code: str | None) -> User:
    """Create an account; raise ``click.UsageError`` with a clear message on bad input."""
    if user_by_username(username):
        raise click.UsageError(f"user {username!r} already exists")
    _check_password(password, username)
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


def _check_password(password: str, username: str) -> None:
    try:
        operations.check_new_password(password, username)
    except DomainError as error:
        raise click.UsageError(str(error)) from None


def _read_password(password_stdin: bool) -> str:
    if password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)


def _account(username: str) -> User:
    user = user_by_username(username)
    if user is None:
        raise click.UsageError(f"unknown user {username!r}")
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
    password = _read_password(password_stdin)
    created = create_user(username, password, Role(role), org_code)
    click.echo(f"created {created.username} ({created.role})")


@user.command("set-password")
@click.option("--username", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password(username: str, password_stdin: bool) -> None:
    """Set a new password; every session of the account ends."""
    account = _account(username)
    password = _read_password(password_stdin)
    try:
        operations.set_password(account, password)
    except DomainError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"password of {username} changed")


@user.command("disable")
@click.option("--username", required=True)
@with_appcontext
def disable(username: str) -> None:
    """Disable an account: it cannot log in, and its open sessions end at once."""
    operations.set_active(_account(username), False, None)
    click.echo(f"{username} disabled")


@user.command("enable")
@click.option("--username", required=True)
@with_appcontext
def enable(username: str) -> None:
    operations.set_active(_account(username), True, None)
    click.echo(f"{username} enabled")


@user.command("unlock")
@click.option("--username", required=True)
@with_appcontext
def unlock(username: str) -> None:
    """End a lockout after failed logins before it expires."""
    operations.unlock(_account(username), None)
    click.echo(f"{username} unlocked")


@user.command("reset-two-factor")
@click.option("--username", required=True)
@with_appcontext
def reset_two_factor(username: str) -> None:
    """Turn off two-factor authentication (the owner lost the phone and the recovery codes)."""
    operations.reset_two_factor(_account(username), None)
    click.echo(f"two-factor authentication of {username} reset")
