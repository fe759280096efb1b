"""Accounts in the browser: a union admin manages its subtree's accounts only; every change
is audited; a generated password is shown once and works."""

import re

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEntry, User
from tests.conftest import csrf_token_from


def _user(app, name):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == name))
        db.session.expunge_all()
        return user


def _token(client, path):
    return csrf_token_from(client.get(path).get_data(as_text=True))


def _create(client, username, role="evaluator", unit="DEMO-G01"):
    token = _token(client, "/accounts/new")
    return client.post("/accounts/new", data={"csrf_token": token, "username": username,
                                              "role": role, "unit": unit})


def _actions(app):
    with app.app_context():
        return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_union_admin_creates_an_evaluator_who_can_log_in(demo, client, auth):
    auth.login("district_admin", "demo-district-2026")
    response = _create(client, "eval_g01_new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', html).group(1)
    assert len(password) == 16
    assert _user(demo, "eval_g01_new").role == "evaluator"
    assert "user.create" in _actions(demo)
    auth.logout()
    assert auth.login("eval_g01_new", password).status_code == 302


def test_union_admin_cannot_reach_above_its_unit_or_make_a_platform_admin(demo, client, auth):
    auth.login("district_admin", "demo-district-2026")
    assert _create(client, "x_city", unit="DEMO-CITY").status_code == 422
    assert _create(client, "x_admin", role="platform_admin").status_code == 422
    assert _user(demo, "x_city") is None and _user(demo, "x_admin") is None
    city_admin = _user(demo, "city_admin")
    admin = _user(demo, "admin")
    assert client.get(f"/accounts/{city_admin.id}").status_code == 403
    assert client.get(f"/accounts/{admin.id}").status_code == 403
    token = _token(client, "/accounts/")
    assert client.post(f"/accounts/{admin.id}/password",
                       data={"csrf_token": token}).status_code == 403
    html = client.get("/accounts/").get_data(as_text=True)
    assert "g01_admin" in html and "city_admin" not in html and ">admin<" not in html


def test_disable_enable_and_reset_are_audited(demo, client, auth):
    auth.login("city_admin", "demo-city-2026")
    target = _user(demo, "evaluator_g01")
    token = _token(client, f"/accounts/{target.id}")
    client.post(f"/accounts/{target.id}/active", data={"csrf_token": token, "active": "0"})
    assert _user(demo, "evaluator_g01").active is False
    other = demo.test_client()
    page = other.get("/auth/login").get_data(as_text=True)
    refused = other.post("/auth/login", data={"username": "evaluator_g01",
                                             "password": "demo-eval-2026",
                                             "csrf_token": csrf_token_from(page)})
    assert refused.status_code != 302
    client.post(f"/accounts/{target.id}/active", data={"csrf_token": token, "active": "1"})
    html = client.post(f"/accounts/{target.id}/password",
                       data={"csrf_token": token}).get_data(as_text=True)
    assert re.search(r'id="new-password">([^<]+)<', html)
    assert _actions(demo)[-3:] == ["user.disable", "user.enable", "user.password_reset"]


def test_role_and_unit_change_and_its_limits(demo, client, auth):
    auth.login("district_admin", "demo-district-2026")
    target = _user(demo, "evaluator_g01")
    token = _token(client, f"/accounts/{target.id}")
    ok = client.post(f"/accounts/{target.id}", data={"csrf_token": token, "role": "analyst",
                                                      "unit": "DEMO-G01"})
    assert ok.status_code == 302 and _user(demo, "evaluator_g01").role == "analyst"
    me = _user(demo, "district_admin")
    html = client.post(f"/accounts/{me.id}/active", data={"csrf_token": token, "active": "0"},
                       follow_redirects=True).get_data(as_text=True)
    assert _user(demo, "district_admin").active is True
    assert "不能停用自己的账号" in html


def test_evaluators_of_a_unit(demo, client, auth):
    auth.login("admin", "demo-admin-2026")
    html = client.get("/accounts/?unit=DEMO-G01&role=evaluator&only=unit").get_data(as_text=True)
    assert "evaluator_g01" in html and "evaluator_d01" not in html and "g01_admin" not in html


def test_taken_names_and_bad_names_are_clear_errors(demo, client, auth):
    auth.login("admin", "demo-admin-2026")
    taken = _create(client, "Evaluator_G01")
    assert taken.status_code == 422 and "已被使用" in taken.get_data(as_text=True)
    bad = _create(client, "坏 名字")
    assert bad.status_code == 422 and 'value="坏 名字"' in bad.get_data(as_text=True)
