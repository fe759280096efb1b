"""Two-factor authentication: TOTP with one-time recovery codes, enrolment, the login step,
replay, recovery codes, disabling, and the roles that must use it."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEntry, RecoveryCode, User
from tests.security.accounts_helpers import (
    install_clock,
    login,
    logout,
    post_form,
    secret_from,
)

CITY = ("city_admin", "demo-city-2026")


def _signed_in(client) -> bool:
    return client.get("/orgs/").status_code == 200


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _enrol(client, clock) -> tuple[str, list[str]]:
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    secret = secret_from(page)
    code = pyotp.TOTP(secret).at(clock())
    response = post_form(client, "/auth/two-factor/setup", {"code": code})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([A-Z2-9]{5}-[A-Z2-9]{5})</code></li>",
                       response.get_data(as_text=True))
    return secret, codes


@pytest.fixture
def clock(monkeypatch):
    return install_clock(monkeypatch)


@pytest.fixture
def enrolled(demo, clock):
    client = demo.test_client()
    login(client, *CITY)
    secret, codes = _enrol(client, clock)
    logout(client)
    clock.advance(seconds=60)  # the enrolment code's time step is spent
    return secret, codes


def test_enrolment_shows_a_qr_code_and_the_key_and_needs_a_right_code(demo, clock):
    client = demo.test_client()
    login(client, *CITY)
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = secret_from(page)
    wrong = post_form(client, "/auth/two-factor/setup", {"code": "000000"})
    assert wrong.status_code == 422
    assert "验证码错误" in wrong.get_data(as_text=True)
    assert secret_from(wrong.get_data(as_text=True)) == secret  # the same key: scan once
    right = post_form(client, "/auth/two-factor/setup",
                      {"code": pyotp.TOTP(secret).at(clock())})
    codes = re.findall(r"<li><code>([A-Z2-9]{5}-[A-Z2-9]{5})</code></li>",
                       right.get_data(as_text=True))
    assert len(set(codes)) == 10
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "city_admin"))
        assert user.two_factor_enabled and user.totp_secret == secret
        stored = {c.code_hash for c in user.recovery_codes}
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}
    assert [e.object_id for e in _audit(demo, "user.2fa_enable")] == ["city_admin"]


def test_the_password_alone_no_longer_signs_in(demo, clock, enrolled):
    secret, _ = enrolled
    client = demo.test_client()
    response = login(client, *CITY)
    assert response.headers["Location"] == "/auth/two-factor"
    assert not _signed_in(client)
    page = client.get("/auth/two-factor").get_data(as_text=True)
    assert "6 位验证码" in page
    response = post_form(client, "/auth/two-factor", {"code": pyotp.TOTP(secret).at(clock())})
    assert response.status_code == 302
    assert _signed_in(client)


def test_a_totp_code_is_accepted_once(demo, clock, enrolled):
    secret, _ = enrolled
    code = pyotp.TOTP(secret).at(clock())
    first, second = demo.test_client(), demo.test_client()
    login(first, *CITY)
    post_form(first, "/auth/two-factor", {"code": code})
    assert _signed_in(first)
    login(second, *CITY)
    response = post_form(second, "/auth/two-factor", {"code": code})
    assert "验证码错误或已被使用" in response.get_data(as_text=True)
    assert not _signed_in(second)


def test_a_recovery_code_works_once_and_is_audited(demo, clock, enrolled):
    _, codes = enrolled
    client = demo.test_client()
    login(client, *CITY)
    response = post_form(client, "/auth/two-factor", {"code": codes[0].lower()})
    assert response.status_code == 302
    assert "还剩 9 个" in client.get("/").get_data(as_text=True)
    assert _signed_in(client)
    [entry] = _audit(demo, "user.2fa_recovery_code_used")
    assert entry.detail["left"] == 9
    again = demo.test_client()
    login(again, *CITY)
    post_form(again, "/auth/two-factor", {"code": codes[0]})
    assert not _signed_in(again)


def test_wrong_codes_count_towards_the_lockout(demo, clock, enrolled):
    secret, _ = enrolled
    client = demo.test_client()
    login(client, *CITY)
    for _ in range(5):
        post_form(client, "/auth/two-factor", {"code": "123456"})
    post_form(client, "/auth/two-factor", {"code": pyotp.TOTP(secret).at(clock())})
    assert not _signed_in(client)
    assert _audit(demo, "user.lock")


def test_the_second_step_waits_five_minutes_at_most(demo, clock, enrolled):
    secret, _ = enrolled
    client = demo.test_client()
    login(client, *CITY)
    clock.advance(minutes=6)
    response = post_form(client, "/auth/login", {}, "/auth/two-factor")
    assert response.headers["Location"] == "/auth/login"
    assert not _signed_in(client)


def test_the_second_step_is_not_reachable_without_the_password(demo, clock):
    client = demo.test_client()
    response = client.get("/auth/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"


def test_disabling_needs_the_password_and_is_audited(demo, clock, enrolled):
    secret, _ = enrolled
    client = demo.test_client()
    login(client, *CITY)
    post_form(client, "/auth/two-factor", {"code": pyotp.TOTP(secret).at(clock())})
    wrong = post_form(client, "/auth/account", {"password": "not-the-password"},
                      "/auth/two-factor/disable")
    assert wrong.status_code == 302
    assert "密码错误" in client.get("/auth/account").get_data(as_text=True)
    post_form(client, "/auth/account", {"password": CITY[1]}, "/auth/two-factor/disable")
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "city_admin"))
        assert not user.two_factor_enabled and user.totp_secret is None
        assert db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id)) \
            is None
    assert _audit(demo, "user.2fa_disable")
    assert _signed_in(client)
    fresh = demo.test_client()
    login(fresh, *CITY)
    assert _signed_in(fresh)


def test_required_roles_reach_nothing_before_enrolling(demo, clock):
    demo.config["TWO_FACTOR_REQUIRED_ROLES"] = ("platform_admin", "union_admin")
    client = demo.test_client()
    login(client, *CITY)
    response = client.get("/orgs/")
    assert response.headers["Location"] == "/auth/two-factor/setup"
    assert "必须使用双因素认证" in client.get("/auth/two-factor/setup").get_data(as_text=True)
    _enrol(client, clock)
    assert _signed_in(client)
    analyst = demo.test_client()
    login(analyst, "analyst", "demo-analyst-2026")
    assert _signed_in(analyst)  # optional for other roles


def test_production_requires_two_factor_for_admins_by_default(monkeypatch):
    from survey_app.config import Config, TestConfig

    monkeypatch.setenv("PINGJIA_ENV", "production")
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    assert Config().TWO_FACTOR_REQUIRED_ROLES == ("platform_admin", "union_admin")
    monkeypatch.setenv("PINGJIA_ENV", "development")
    assert Config().TWO_FACTOR_REQUIRED_ROLES == ()
    assert TestConfig().TWO_FACTOR_REQUIRED_ROLES == ()
