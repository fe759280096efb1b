"""Helpers of the account-security tests: a fake clock and login steps with a test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from survey_app import dates
from tests.conftest import csrf_token_from


class Clock:
    """Replaces ``survey_app.dates.now``; ``advance(minutes=...)`` moves time on."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


def install_clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(dates, "now", clock)
    return clock


def post_form(client, page_path: str, data: dict, post_path: str | None = None):
    """GET ``page_path`` for its CSRF token, then POST ``data`` to ``post_path`` (or it)."""
    token = csrf_token_from(client.get(page_path).get_data(as_text=True))
    return client.post(post_path or page_path, data={**data, "csrf_token": token})


def login(client, username: str, password: str, remember: bool = False):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return post_form(client, "/auth/login", data)


def logout(client):
    return post_form(client, "/", {}, "/auth/logout")


def secret_from(html: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7]+)<', html)
    assert match, "no TOTP key on the page"
    return match.group(1)
