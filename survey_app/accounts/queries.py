"""Reads on accounts: the accounts a manager may see, filtered by unit and role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey_app.extensions import db
from survey_app.models import Organisation, Role, User


def accounts(scope: Organisation | None, unit: Organisation | None = None,
             role: str | None = None, subtree: bool = True) -> list[User]:
    """Accounts of ``scope``'s subtree (None: every account), never a platform admin's for a
    scoped reader; narrowed to ``unit`` (its subtree, or the unit alone) and ``role``."""
    query = select(User).outerjoin(Organisation, User.organisation_id == Organisation.id)
    if scope is not None:
        query = query.where(Organisation.path.startswith(scope.path),
                            User.role != Role.PLATFORM_ADMIN.value)
    if unit is not None:
        query = query.where(Organisation.path.startswith(unit.path) if subtree
                            else User.organisation_id == unit.id)
    if role:
        query = query.where(User.role == role)
    query = query.options(selectinload(User.organisation)).order_by(
        Organisation.path, User.username)
    return list(db.session.scalars(query))


def units(scope: Organisation | None) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.path)
    if scope is not None:
        query = query.where(Organisation.path.startswith(scope.path))
    return list(db.session.scalars(query))
