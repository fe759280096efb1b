"""A database outage is handled evenly: every page gives the 503 page, liveness and
readiness tell the truth."""

from __future__ import annotations

import pytest

from survey_app import create_app
from survey_app.config import TestConfig
from tests.conftest import csrf_token_from

DEAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1"


@pytest.fixture
def staff_cookie(demo):
    """A logged-in union admin's session cookie."""
    client = demo.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": "city_admin",
                                                "password": "demo-city-2026",
                                                "csrf_token": token})
    assert response.status_code == 302
    token = csrf_token_from(client.get("/campaigns/").get_data(as_text=True))
    return client.get_cookie("session").value, token


@pytest.fixture
def dead_app():
    app = create_app(TestConfig(DEAD_DATABASE))
    yield app
    with app.app_context():
        from survey_app.extensions import db

        db.engine.dispose()


@pytest.mark.parametrize("path", ["/campaigns/", "/reports/", "/orgs/", "/", "/assessment/"])
def test_staff_pages_on_a_dead_database_give_the_503_page(staff_cookie, dead_app, path):
    client = dead_app.test_client()
    client.set_cookie("session", staff_cookie[0])
    response = client.get(path)
    assert response.status_code == 503, path
    html = response.get_data(as_text=True)
    assert "服务暂时不可用" in html and "Traceback" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_a_staff_post_on_a_dead_database_gives_the_503_page(staff_cookie, dead_app):
    client = dead_app.test_client()
    client.set_cookie("session", staff_cookie[0])
    response = client.post("/campaigns/new", data={"csrf_token": staff_cookie[1]})
    assert response.status_code == 503


def test_liveness_does_no_io_and_readiness_names_the_database(dead_app):
    client = dead_app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable",
                                   "checks": {"database": "unavailable"}}


def test_readiness_is_ok_on_a_live_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readiness_names_an_unreachable_redis(database_url):
    app = create_app({**TestConfig(database_url).as_dict(),
                      "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "redis": "unavailable"}


def test_readiness_checks_a_live_redis(database_url):
    app = create_app({**TestConfig(database_url).as_dict(),
                      "REDIS_URL": "redis://127.0.0.1:6379/15"})
    response = app.test_client().get("/readyz")
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}
