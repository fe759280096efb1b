"""Fixtures for 联手兴家: the demo tree, a city-level model home DEMO-G02 (under DEMO-D01)
with a union admin, and helpers to act as an account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Organisation, Role, User


def org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def make_admin(username: str, code: str, role: Role = Role.UNION_ADMIN) -> User:
    account = User(username=username, role=role.value, organisation=org(code))
    account.set_password("test-password-2026")
    db.session.add(account)
    db.session.flush()
    return account


@pytest.fixture
def world(demo):
    """Inside an app context: the demo tree, G02 holding a city model-home honour awarded by
    the city federation, and an admin for G02."""
    from survey_app.partnering import operations

    with demo.app_context():
        operations.add_honour(user("admin"), unit=org("DEMO-G02"), awarding=org("DEMO-CITY"),
                              level="city", year=2024, document_number="东工发〔2024〕8号")
        make_admin("g02_admin", "DEMO-G02")
        db.session.commit()
    return demo


@pytest.fixture
def ctx(world):
    """``world`` inside an app context (for calling operations directly), with messages in
    English so that the tests read the same whatever the default language."""
    from flask_babel import force_locale

    with world.app_context(), force_locale("en"):
        yield world
