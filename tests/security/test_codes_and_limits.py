"""Access-code enumeration and password guessing are rate-limited; unknown codes all look
the same; upload sizes are capped."""

import io
import re

import pytest

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from tests.conftest import csrf_token_from


@pytest.fixture
def limited_app(database_url):
    config = TestConfig(database_url)
    config.RATELIMIT_ENABLED = True
    config.CODE_RATE_LIMIT = "5 per minute"
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


def test_code_lookups_are_rate_limited(limited_app):
    client = limited_app.test_client()
    statuses = [client.get(f"/s/{code_tools.new_code()}").status_code for _ in range(7)]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]
    # The limit is per address: another client is not blocked by the first one's guesses.
    other = limited_app.test_client()
    assert other.get(f"/s/{code_tools.new_code()}", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 404


def test_unknown_codes_are_indistinguishable(demo, client):
    """Before the limit, a guess tells nothing but 'not valid': same status, same page."""
    guesses = [code_tools.new_code() for _ in range(5)] + ["short", "O0O0O0O0O0O0O0", "x" * 300]
    pages = set()
    for guess in guesses:
        response = client.get(f"/s/{guess}")
        assert response.status_code == 404
        # The page echoes its own path (the language switch returns there), and its CSRF
        # token is signed with the current second: neither says anything about the guess.
        html = response.get_data(as_text=True).replace(f"/s/{guess}", "/s/…")
        pages.add(re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', 'value="TOKEN"', html))
    assert len(pages) == 1


def test_upload_size_is_capped(database_url):
    config = TestConfig(database_url)
    config.MAX_CONTENT_LENGTH = 10_000
    app = create_app(config)
    with app.app_context():
        db.create_all()
        from demo import load_demo

        load_demo(campaigns=False)
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"username": "admin", "password": "demo-admin-2026", "csrf_token": token})
    token = csrf_token_from(client.get("/orgs/import").get_data(as_text=True))
    big = b"code,name,kind,parent_code,members\n" + b"X,Y,federation,,0\n" * 2000
    response = client.post("/orgs/import", data={"csrf_token": token, "file": (io.BytesIO(big), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)


def _redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
def test_rate_limits_are_shared_through_redis(database_url):
    """With RATELIMIT_STORAGE_URI set, two app instances (two workers) share one budget."""
    import uuid

    apps = []
    prefix = f"pingjia-test-{uuid.uuid4().hex}"  # one deployment: one prefix
    for _ in range(2):
        config = TestConfig(database_url)
        config.RATELIMIT_ENABLED = True
        config.RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
        config.RATELIMIT_KEY_PREFIX = prefix
        config.CODE_RATE_LIMIT = "4 per minute"
        apps.append(create_app(config))
    with apps[0].app_context():
        db.create_all()
    first, second = (a.test_client() for a in apps)
    statuses = [first.get(f"/s/{code_tools.new_code()}").status_code for _ in range(2)]
    statuses += [second.get(f"/s/{code_tools.new_code()}").status_code for _ in range(3)]
    assert statuses == [404, 404, 404, 404, 429]
