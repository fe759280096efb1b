"""The platform's calendar: the local date is the only time a response keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def today() -> date:
    """The local date in the platform's time zone (``BABEL_DEFAULT_TIMEZONE``)."""
    name = (current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE)
            if has_app_context() else DEFAULT_TIMEZONE)
    return datetime.now(ZoneInfo(name)).date()


def now() -> datetime:
    """The current moment, timezone-aware UTC: session lifetimes and lockouts count from it
    (tests replace it to move the clock)."""
    return datetime.now(UTC)
