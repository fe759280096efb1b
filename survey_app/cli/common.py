"""What the command groups share: the account named by ``--user``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from survey_app.models import User


def actor(username: str | None) -> User | None:
    """The account named by a command's ``--user`` option (None without one); a clear
    error when there is no such account."""
    import click
    from sqlalchemy import select

    from survey_app.extensions import db
    from survey_app.models import User

    if username is None:
        return None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no account named {username!r}")
    return user
