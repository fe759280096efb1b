"""HSTS over HTTPS, no-store on private pages and downloads, form tokens that expire
without losing a member's answers."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.models import AccessCode, Response
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID


def _app(database_url, **settings):
    return create_app({**TestConfig(database_url).as_dict(), **settings})


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://pingjia.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_max_age_is_configurable(database_url):
    app = _app(database_url, HSTS_MAX_AGE=600)
    response = app.test_client().get("/", base_url="https://pingjia.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=600;")


def test_forwarded_scheme_is_trusted_only_from_configured_proxies(database_url):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    direct = _app(database_url).test_client().get("/", headers=forwarded)
    assert "Strict-Transport-Security" not in direct.headers
    proxied = _app(database_url, TRUSTED_PROXIES=1).test_client().get("/", headers=forwarded)
    assert "Strict-Transport-Security" in proxied.headers


def test_logged_in_pages_and_exports_are_not_stored(demo, auth, client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.login("city_admin", "demo-city-2026")
    for path in ["/", "/campaigns/", "/orgs/", "/reports/"]:
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


def test_an_expired_staff_form_is_refused(demo, database_url):
    app = _app(database_url, WTF_CSRF_TIME_LIMIT=1)
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    time.sleep(2.1)
    response = client.post("/auth/login", data={"username": "city_admin",
                                                "password": "demo-city-2026",
                                                "csrf_token": token})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True) or "过期" in response.get_data(
        as_text=True)


def test_staff_tokens_expire_after_eight_hours_by_default(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 8 * 3600


@pytest.mark.parametrize("action", ["submit", "save"])
def test_a_member_back_at_an_expired_form_keeps_every_answer(demo, codes, database_url,
                                                              action):
    app = _app(database_url, WTF_CSRF_TIME_LIMIT=1)
    client = app.test_client()
    token = csrf_token_from(client.get(f"/s/{codes[0]}").get_data(as_text=True))
    time.sleep(2.1)
    response = client.post(f"/s/{codes[0]}", data={"csrf_token": token, "action": action,
                                                   **VALID})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "表单已过期" in html and "答案都还在" in html
    assert "读书角" in html  # the free text
    checked = re.findall(r'<input[^>]*name="nps"[^>]*>', html)
    assert [tag for tag in checked if "checked" in tag] and all(
        'value="9"' in tag for tag in checked if "checked" in tag)  # the chosen score
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True))) == 0
    fresh = csrf_token_from(html)
    assert fresh != token
    again = client.post(f"/s/{codes[0]}", data={"csrf_token": fresh, "action": "submit",
                                                **VALID})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_member_post_without_any_token_stores_nothing(demo, client, codes):
    response = client.post(f"/s/{codes[0]}", data={"action": "submit", **VALID})
    assert response.status_code == 400
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
