"""Writes on accounts. Every change is checked against ``survey_app.permissions`` and
recorded in the audit log, in the same transaction."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from survey_app.errors import Conflict, DomainError, NotAllowed
from survey_app.extensions import db
from survey_app.models import Organisation, Role, User
from survey_app.models.audit import record
from survey_app.models.user import SCOPED_ROLES
from survey_app.permissions import can_grant, can_manage_account

#: Generated passwords: 16 characters of an alphabet without look-alikes (about 80 bits).
GENERATED_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"
PASSWORD_LENGTH = 16


def new_password() -> str:
    return "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _check_grant(actor: Any, role: Role, org: Organisation | None) -> None:
    if role in SCOPED_ROLES and org is None:
        raise DomainError(_("This role needs a unit."))
    if not can_grant(actor, role, org):
        raise NotAllowed(_("You may not give this role at this unit."))


def _require(actor: Any, account: User) -> None:
    if not can_manage_account(actor, account):
        raise NotAllowed(_("You may not manage this account."))


def create_account(actor: Any, username: str, role: Role,
                   org: Organisation | None) -> tuple[User, str]:
    """A new account with a generated password (returned once, never stored in clear)."""
    username = username.strip()
    if db.session.scalar(select(func.count()).select_from(User).where(
            func.lower(User.username) == username.lower())):
        raise Conflict(_("The account name %(name)s is taken.", name=username))
    _check_grant(actor, role, org)
    password = new_password()
    account = User(username=username, role=role.value, organisation=org, active=True)
    account.set_password(password)
    db.session.add(account)
    db.session.flush()
    record("user.create", "user", account.id, actor, username=username, role=role.value,
           org=org.code if org else None)
    return account, password


def update_account(actor: Any, account: User, role: Role, org: Organisation | None) -> None:
    """Give ``account`` another role or unit (both checked for the actor)."""
    _require(actor, account)
    if account.id == getattr(actor, "id", None) and role.value != account.role:
        raise Conflict(_("You cannot change your own role."))
    _check_grant(actor, role, org)
    before = {"role": account.role,
              "org": account.organisation.code if account.organisation else None}
    account.role, account.organisation = role.value, org
    record("user.update", "user", account.id, actor, username=account.username,
           role=role.value, org=org.code if org else None, before=before)


def set_active(actor: Any, account: User, active: bool) -> None:
    _require(actor, account)
    if account.id == getattr(actor, "id", None):
        raise Conflict(_("You cannot disable your own account."))
    if account.active != active:
        account.active = active
        record("user.enable" if active else "user.disable", "user", account.id, actor,
               username=account.username)


def reset_password(actor: Any, account: User) -> str:
    """A new generated password for ``account``, returned once."""
    _require(actor, account)
    password = new_password()
    account.set_password(password)
    record("user.password_reset", "user", account.id, actor, username=account.username)
    return password
