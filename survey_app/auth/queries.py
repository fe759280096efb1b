"""Reads about accounts: look-ups by name and the lockout overview for platform admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import User


def user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def all_accounts() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def locked_account_count(now: datetime) -> int:
    """How many accounts are locked out right now (the platform admin's notice)."""
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.locked_until > now)
    ) or 0
