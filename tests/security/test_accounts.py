"""Accounts and sessions: revocable sessions, equal-cost login failures, the password rule,
lockout after failed logins and staff session lifetimes. Each test replays an attack."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEntry, User
from tests.security.accounts_helpers import install_clock, login, logout, post_form

ADMIN = ("admin", "demo-admin-2026")
CITY = ("city_admin", "demo-city-2026")
REFUSED = "用户名或密码错误"


def _signed_in(client) -> bool:
    return client.get("/orgs/").status_code == 200


def _user(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# ---------------------------------------------------------------- F7: sessions end on the server


def test_logout_deletes_the_remember_cookie_and_a_copy_of_it_is_refused(demo):
    client = demo.test_client()
    login(client, *CITY, remember=True)
    stolen = client.get_cookie("remember_token").value
    thief = demo.test_client()
    thief.set_cookie("remember_token", stolen)
    assert _signed_in(thief)  # the cookie works while the session lives

    logout(client)
    assert client.get_cookie("remember_token") is None
    assert not _signed_in(client)
    replay = demo.test_client()
    replay.set_cookie("remember_token", stolen)
    assert not _signed_in(replay)


def test_a_copied_session_cookie_is_refused_after_logout(demo):
    client = demo.test_client()
    login(client, *CITY)
    stolen = client.get_cookie("session").value
    logout(client)
    replay = demo.test_client()
    replay.set_cookie("session", stolen)
    assert not _signed_in(replay)


def test_a_password_change_ends_every_other_session(demo):
    phone, laptop = demo.test_client(), demo.test_client()
    login(phone, *CITY)
    login(laptop, *CITY, remember=True)
    remember = laptop.get_cookie("remember_token").value
    response = post_form(phone, "/auth/password", {
        "current": CITY[1], "new": "lantern orchard 7 quietly", "confirm":
        "lantern orchard 7 quietly"})
    assert response.status_code == 302
    assert _signed_in(phone)  # the session that changed it goes on
    assert not _signed_in(laptop)
    replay = demo.test_client()
    replay.set_cookie("remember_token", remember)
    assert not _signed_in(replay)
    assert _audit(demo, "user.password_change")


def test_disabling_an_account_ends_its_open_sessions(demo):
    admin, city = demo.test_client(), demo.test_client()
    login(admin, *ADMIN)
    login(city, *CITY)
    assert _signed_in(city)
    user_id = _user(demo, "city_admin").id
    response = post_form(admin, "/auth/accounts", {}, f"/auth/accounts/{user_id}/disable")
    assert response.status_code == 302
    assert not _signed_in(city)
    assert REFUSED in login(demo.test_client(), *CITY).get_data(as_text=True)
    assert _audit(demo, "user.disable")


def test_an_admin_cannot_disable_itself(demo):
    admin = demo.test_client()
    login(admin, *ADMIN)
    user_id = _user(demo, "admin").id
    post_form(admin, "/auth/accounts", {}, f"/auth/accounts/{user_id}/disable")
    assert _user(demo, "admin").active
    assert _signed_in(admin)


# ---------------------------------------------------------------- F12: equal cost of failures


@pytest.fixture
def hasher_calls(monkeypatch):
    calls: list[str] = []
    verify = PasswordHasher.verify

    def counting(self, hash_, password):
        calls.append(hash_)
        return verify(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


@pytest.mark.parametrize("case", ["unknown", "wrong password", "disabled", "locked"])
def test_every_refused_login_runs_the_password_hasher(demo, hasher_calls, case):
    username, password = "city_admin", "wrong-password-123"
    with demo.app_context():
        user = db.session.scalar(select(User).where(User.username == "city_admin"))
        if case == "disabled":
            user.active, password = False, CITY[1]
        if case == "locked":
            from datetime import timedelta

            from survey_app import dates

            user.locked_until, password = dates.now() + timedelta(minutes=5), CITY[1]
        db.session.commit()
    if case == "unknown":
        username = "no_such_user"
    hasher_calls.clear()
    response = login(demo.test_client(), username, password)
    assert REFUSED in response.get_data(as_text=True)
    assert len(hasher_calls) == 1
    assert hasher_calls[0].startswith("$argon2id$")


# ---------------------------------------------------------------- F15: the password rule


@pytest.mark.parametrize("password", [
    "12345678", "password1", "Password123!", "qwertyuiop123", "aaaaaaaaaaaaaa",
    "short-Pw1", "new_admin2026",
])
def test_cli_refuses_weak_passwords(app, runner, password):
    result = runner.invoke(
        args=["user", "create", "--username", "new_admin", "--role", "platform_admin"],
        input=password + "\n",
    )
    assert result.exit_code != 0
    assert "12 个字符" in result.output or "太容易被猜到" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "new_admin")) is None


def test_cli_accepts_a_strong_password_and_set_password_checks_it_too(app, runner):
    result = runner.invoke(
        args=["user", "create", "--username", "new_admin", "--role", "platform_admin"],
        input="velvet harbour 42 marches\n",
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(args=["user", "set-password", "--username", "new_admin"],
                         input="password1\n")
    assert weak.exit_code != 0 and "12 个字符" in weak.output
    strong = runner.invoke(args=["user", "set-password", "--username", "new_admin"],
                           input="copper kettle 9 drifting\n")
    assert strong.exit_code == 0, strong.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "new_admin"))
        assert user.check_password("copper kettle 9 drifting")
        assert user.session_version == 2


@pytest.mark.parametrize(("new", "message"), [
    ("password1", "至少需要 12 个字符"),
    ("password12345", "太容易被猜到"),
    ("city_admin2026", "太容易被猜到"),
])
def test_password_page_refuses_weak_passwords_with_a_clear_message(demo, new, message):
    client = demo.test_client()
    login(client, *CITY)
    response = post_form(client, "/auth/password",
                         {"current": CITY[1], "new": new, "confirm": new})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _user(demo, "city_admin").check_password(CITY[1])


def test_password_page_needs_the_current_password(demo):
    client = demo.test_client()
    login(client, *CITY)
    strong = "lantern orchard 7 quietly"
    response = post_form(client, "/auth/password",
                         {"current": "not-my-password", "new": strong, "confirm": strong})
    assert response.status_code == 422
    assert "密码错误" in response.get_data(as_text=True)
    assert _user(demo, "city_admin").check_password(CITY[1])


# ---------------------------------------------------------------- lockout


def _fail(app, times: int, username: str = "city_admin") -> None:
    for _ in range(times):
        login(app.test_client(), username, "wrong-password-123")


def test_five_failures_lock_the_account_even_for_the_right_password(demo, monkeypatch):
    clock = install_clock(monkeypatch)
    _fail(demo, 5)
    wrong = login(demo.test_client(), "city_admin", "wrong-password-123")
    right_client = demo.test_client()
    right = login(right_client, *CITY)
    assert right.status_code == wrong.status_code == 200
    assert REFUSED in right.get_data(as_text=True)
    assert not _signed_in(right_client)
    [entry] = _audit(demo, "user.lock")
    assert entry.object_id == "city_admin" and entry.detail["minutes"] == 15

    clock.advance(minutes=14)
    assert not _signed_in_after_login(demo, *CITY)
    clock.advance(minutes=2)
    assert _signed_in_after_login(demo, *CITY)


def _signed_in_after_login(app, username, password) -> bool:
    client = app.test_client()
    login(client, username, password)
    return _signed_in(client)


def test_lockouts_double_up_to_the_cap_and_a_login_resets_them(demo, monkeypatch):
    clock = install_clock(monkeypatch)
    demo.config["LOCKOUT_MAX_MINUTES"] = 40
    expected = [15, 30, 40, 40]
    for minutes in expected:
        _fail(demo, 5)
        clock.advance(minutes=minutes - 1)
        assert not _signed_in_after_login(demo, *CITY)
        clock.advance(minutes=2)
    assert [e.detail["minutes"] for e in _audit(demo, "user.lock")] == expected
    assert _signed_in_after_login(demo, *CITY)
    _fail(demo, 5)
    assert _audit(demo, "user.lock")[-1].detail["minutes"] == 15


def test_failures_spread_beyond_the_window_do_not_lock(demo, monkeypatch):
    clock = install_clock(monkeypatch)
    _fail(demo, 4)
    clock.advance(minutes=16)
    _fail(demo, 4)
    assert _signed_in_after_login(demo, *CITY)
    assert not _audit(demo, "user.lock")


def test_platform_admin_sees_locked_accounts_and_can_unlock(demo, monkeypatch):
    install_clock(monkeypatch)
    _fail(demo, 5)
    admin = demo.test_client()
    login(admin, *ADMIN)
    home = admin.get("/").get_data(as_text=True)
    assert "1 个账户被锁定" in home
    page = admin.get("/auth/accounts").get_data(as_text=True)
    assert "flag-locked" in page and "city_admin" in page
    user_id = _user(demo, "city_admin").id
    post_form(admin, "/auth/accounts", {}, f"/auth/accounts/{user_id}/unlock")
    assert _audit(demo, "user.unlock")
    assert "被锁定" not in admin.get("/").get_data(as_text=True)
    assert _signed_in_after_login(demo, *CITY)


def test_union_admins_see_no_accounts_page(demo):
    client = demo.test_client()
    login(client, *CITY)
    assert client.get("/auth/accounts").status_code == 403
    assert "/auth/accounts" not in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------- idle and absolute lifetime


def test_idle_staff_session_ends_with_a_message(demo, monkeypatch):
    clock = install_clock(monkeypatch)
    client = demo.test_client()
    login(client, *CITY, remember=True)
    for _ in range(3):
        clock.advance(minutes=29)
        assert _signed_in(client)
    clock.advance(minutes=31)
    response = client.get("/orgs/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=/orgs/")
    assert client.get_cookie("remember_token") is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "30 分钟未操作" in page
    assert not _signed_in(client)


def test_staff_session_ends_after_its_maximum_length(demo, monkeypatch):
    clock = install_clock(monkeypatch)
    demo.config["SESSION_IDLE_MINUTES"] = 30
    client = demo.test_client()
    login(client, *CITY)
    for _ in range(12 * 3 - 1):
        clock.advance(minutes=20)
        assert _signed_in(client)
    clock.advance(minutes=21)
    response = client.get("/orgs/")
    assert response.status_code == 302
    assert "12 小时" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_lifetimes_follow_the_settings(demo, monkeypatch):
    clock = install_clock(monkeypatch)
    demo.config["SESSION_IDLE_MINUTES"] = 5
    client = demo.test_client()
    login(client, *CITY)
    clock.advance(minutes=6)
    assert not _signed_in(client)
