"""Rate limits that a guesser cannot dodge: not by a forged X-Forwarded-For, not by
spreading over addresses, not by spreading over workers (Redis), not by trying one account
from many addresses."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import func, select

from survey_app import create_app
from survey_app.config import Config, TestConfig
from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from survey_app.models import Response
from tests.conftest import csrf_token_from
from tests.security.test_codes_and_limits import _redis_up
from tests.surveys.conftest import VALID


def _limited(database_url, **settings):
    config = {**TestConfig(database_url).as_dict(), "RATELIMIT_ENABLED": True,
              "RATELIMIT_KEY_PREFIX": f"pingjia-test-{uuid.uuid4().hex}", **settings}
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


def _guess(client, addr: str, **headers):
    return client.get(f"/s/{code_tools.new_code()}", environ_base={"REMOTE_ADDR": addr},
                      headers=headers).status_code


def _login(client, username: str, addr: str) -> int:
    env = {"REMOTE_ADDR": addr}
    token = csrf_token_from(client.get("/auth/login", environ_base=env).get_data(as_text=True))
    return client.post("/auth/login", environ_base=env, data={
        "username": username, "password": "wrong-password", "csrf_token": token}).status_code


def test_a_forged_forwarded_for_does_not_dodge_the_limit(database_url):
    client = _limited(database_url, CODE_RATE_LIMIT="5 per minute").test_client()
    statuses = [_guess(client, "192.0.2.1", **{"X-Forwarded-For": f"10.0.0.{i}"})
                for i in range(7)]
    assert statuses == [404] * 5 + [429] * 2


def test_behind_a_trusted_proxy_the_proxys_view_of_the_client_counts(database_url):
    app = _limited(database_url, CODE_RATE_LIMIT="5 per minute", TRUSTED_PROXIES=1)
    client = app.test_client()
    # the client forges the left part; the proxy appends the address it saw
    statuses = [_guess(client, "127.0.0.1",
                       **{"X-Forwarded-For": f"10.0.0.{i}, 198.51.100.7"}) for i in range(7)]
    assert statuses == [404] * 5 + [429] * 2
    assert _guess(client, "127.0.0.1", **{"X-Forwarded-For": "198.51.100.8"}) == 404


def test_one_username_from_many_addresses_is_limited(demo, database_url):
    app = _limited(database_url, LOGIN_RATE_LIMIT="100 per minute",
                   LOGIN_USERNAME_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [_login(client, "admin", f"203.0.113.{i}") for i in range(5)]
    assert statuses[:3] == [200] * 3 and statuses[3:] == [429, 429]
    # the same address may still try another account, and the name is matched as typed
    assert _login(client, "city_admin", "203.0.113.1") == 200
    assert _login(client, " ADMIN ", "203.0.113.9") == 429


def test_many_usernames_from_one_address_are_limited(demo, database_url):
    app = _limited(database_url, LOGIN_RATE_LIMIT="3 per minute",
                   LOGIN_USERNAME_RATE_LIMIT="100 per minute")
    client = app.test_client()
    statuses = [_login(client, f"user{i}", "203.0.113.1") for i in range(5)]
    assert statuses == [200] * 3 + [429] * 2


#: The code limits counted in each worker's memory (tests) and in Redis, where a look-up
#: is counted by one script (``rate_limits._count_lookup_in_one_trip``): the same answers.
STORAGES = ["memory://", pytest.param("redis://127.0.0.1:6379/15", marks=pytest.mark.skipif(
    not _redis_up(), reason="Redis is not running on 127.0.0.1:6379"))]


@pytest.mark.parametrize("storage", STORAGES)
def test_a_guesser_spread_over_many_addresses_meets_the_ceiling(demo, codes, database_url,
                                                                storage):
    app = _limited(database_url, CODE_RATE_LIMIT="100 per minute",
                   INVALID_CODE_CEILING="10 per minute",
                   CODE_RATE_LIMIT_UNDER_ATTACK="2 per minute", RATELIMIT_STORAGE_URI=storage)
    client = app.test_client()
    assert [_guess(client, f"10.1.0.{i}") for i in range(10)] == [404] * 10
    # the ceiling is reached: a fresh address gets a small share, before any look-up
    assert [_guess(client, "10.2.0.1") for _ in range(3)] == [404, 404, 429]
    # a valid code is treated exactly like an invalid one: the limit is decided first
    env = {"REMOTE_ADDR": "10.2.0.1"}
    assert client.get(f"/s/{codes[0]}", environ_base=env).status_code == 429
    # a member from another address still gets in
    member = client.get(f"/s/{codes[0]}", environ_base={"REMOTE_ADDR": "10.3.0.1"})
    assert member.status_code == 200


@pytest.mark.parametrize("storage", STORAGES)
def test_no_ceiling_below_it(demo, codes, database_url, storage):
    app = _limited(database_url, CODE_RATE_LIMIT="100 per minute",
                   INVALID_CODE_CEILING="10 per minute",
                   CODE_RATE_LIMIT_UNDER_ATTACK="2 per minute", RATELIMIT_STORAGE_URI=storage)
    client = app.test_client()
    assert [_guess(client, "10.2.0.1") for _ in range(5)] == [404] * 5


@pytest.mark.parametrize("storage", STORAGES)
def test_look_ups_are_limited_per_address_by_every_limit(demo, codes, database_url, storage):
    app = _limited(database_url, CODE_RATE_LIMIT="100 per minute;3 per hour",
                   RATELIMIT_STORAGE_URI=storage)
    client = app.test_client()
    assert [_guess(client, "10.7.0.1") for _ in range(4)] == [404, 404, 404, 429]
    # a valid code from that address too: the limit is decided before the look-up
    assert client.get(f"/s/{codes[0]}", environ_base={"REMOTE_ADDR": "10.7.0.1"}
                      ).status_code == 429
    assert client.get(f"/s/{codes[0]}", environ_base={"REMOTE_ADDR": "10.7.0.2"}
                      ).status_code == 200


def test_submissions_are_limited_per_campaign_and_address(demo, codes, database_url):
    app = _limited(database_url, CAMPAIGN_SUBMIT_RATE_LIMIT="2 per minute")
    client = app.test_client()

    def submit(code: str, addr: str) -> int:
        env = {"REMOTE_ADDR": addr}
        token = csrf_token_from(client.get(f"/s/{code}", environ_base=env)
                                .get_data(as_text=True))
        return client.post(f"/s/{code}", environ_base=env, data={
            "csrf_token": token, "action": "submit", **VALID}).status_code

    assert [submit(codes[0], "10.4.0.1"), submit(codes[1], "10.4.0.1")] == [302, 302]
    assert submit(codes[2], "10.4.0.1") == 429
    assert submit(codes[2], "10.4.0.2") == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 3


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_the_ceiling_and_the_username_limit_are_shared_through_redis(demo, database_url):
    prefix = f"pingjia-test-{uuid.uuid4().hex}"
    settings = dict(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
                    RATELIMIT_KEY_PREFIX=prefix, CODE_RATE_LIMIT="100 per minute",
                    INVALID_CODE_CEILING="4 per minute", CODE_RATE_LIMIT_UNDER_ATTACK="1 per minute",
                    LOGIN_RATE_LIMIT="100 per minute", LOGIN_USERNAME_RATE_LIMIT="2 per minute")
    first, second = (_limited(database_url, **settings).test_client() for _ in range(2))
    assert [_guess(first, "10.5.0.1"), _guess(first, "10.5.0.2")] == [404, 404]
    assert [_guess(second, "10.5.0.3"), _guess(second, "10.5.0.4")] == [404, 404]
    assert [_guess(first, "10.5.0.9"), _guess(second, "10.5.0.9")] == [404, 429]
    assert [_login(first, "admin", "10.6.0.1"), _login(second, "admin", "10.6.0.2"),
            _login(first, "admin", "10.6.0.3")] == [200, 200, 429]


def test_redis_url_is_the_rate_limit_store(monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    assert Config().RATELIMIT_STORAGE_URI == "redis://cache.internal:6379/2"
    monkeypatch.delenv("REDIS_URL")
    assert Config().RATELIMIT_STORAGE_URI == "memory://"


def test_production_without_redis_warns_loudly(database_url, caplog, capsys):
    settings = {**TestConfig(database_url).as_dict(), "ENV_NAME": "production",
                "SECRET_KEY": "x" * 40, "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": "memory://"}
    with caplog.at_level(logging.WARNING):
        create_app(settings)
    assert "RATE LIMITS ARE PER WORKER" in caplog.text
    assert "REDIS_URL" in capsys.readouterr().err
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app({**settings, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"})
    assert "RATE LIMITS ARE PER WORKER" not in caplog.text
