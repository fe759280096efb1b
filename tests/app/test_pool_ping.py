"""The pool pings a connection only after it sat idle, and replaces one that died idle."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from survey_app import create_app, database
from survey_app.config import TestConfig
from survey_app.extensions import db
from tests.conftest import on_postgresql


class Clock:
    def __init__(self) -> None:
        # Starts from the real clock, which stamped the connections the app made at start:
        # a fixed value would lie far after those stamps on a host that just booted.
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(database, "monotonic", fake)
    return fake


@pytest.fixture
def pings(app, monkeypatch):
    """Counts the dialect's pings; ``pings.fail`` makes the next ones raise."""
    with app.app_context():
        dialect = db.engine.dialect
    real = dialect.do_ping
    calls = {"n": 0, "fail": 0}

    def counted(dbapi_connection):
        calls["n"] += 1
        if calls["fail"]:
            calls["fail"] -= 1
            raise dialect.loaded_dbapi.OperationalError("server closed the connection")
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return calls


def backend(conn) -> object:
    """Who serves this connection: the server process id, or the SQLite connection."""
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()
    return conn.connection.dbapi_connection


def test_pre_ping_on_every_checkout_is_off():
    assert "pool_pre_ping" not in TestConfig().SQLALCHEMY_ENGINE_OPTIONS


def test_a_connection_used_a_moment_ago_is_not_pinged(app, clock, pings):
    with app.app_context():
        for _ in range(5):
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            clock.now += app.config["POOL_PING_IDLE_SECONDS"] - 0.5
    assert pings["n"] == 0


def left_idle(app, clock) -> object:
    """Use one connection, then let it sit in the pool past the idle period: who served it."""
    with db.engine.connect() as conn:
        first = backend(conn)
    clock.now += app.config["POOL_PING_IDLE_SECONDS"] + 1
    return first


def test_a_connection_idle_for_longer_is_pinged_once_per_checkout(app, clock, pings):
    with app.app_context():
        first = left_idle(app, clock)
        with db.engine.connect() as conn:
            assert backend(conn) == first  # alive: the same connection is reused
        assert pings["n"] == 1
        with db.engine.connect() as conn:  # in use a moment ago again
            conn.execute(text("SELECT 1"))
        assert pings["n"] == 1


def test_an_idle_connection_that_fails_its_ping_is_replaced_unseen(app, clock, pings):
    with app.app_context():
        first = left_idle(app, clock)
        pings["fail"] = 1
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT 41 + 1")).scalar() == 42
            assert backend(conn) != first
        assert pings["n"] == 1  # the replacement is new: it needs no ping


def end_server_sessions(app) -> None:
    """Two pooled connections, then the server ends both sessions (as a restart would)."""
    with app.app_context(), db.engine.connect() as a, db.engine.connect() as b:
        pids = [backend(a), backend(b)]
    admin_app = create_app(TestConfig(app.config["SQLALCHEMY_DATABASE_URI"]))
    with admin_app.app_context():
        with db.engine.connect() as admin:
            for pid in pids:
                admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        db.engine.dispose()


needs_server = pytest.mark.skipif(not on_postgresql(), reason="needs a server to end sessions")


@needs_server
def test_a_server_side_disconnect_while_idle_is_invisible_to_the_member(app, clock):
    """The database ended the pooled sessions (a restart, an idle timeout): the next
    member after the idle period gets the page, not an error."""
    end_server_sessions(app)
    clock.now += app.config["POOL_PING_IDLE_SECONDS"] + 1
    response = app.test_client().get("/s/ABCDEFGHJKMNPQ")  # well formed, never issued
    assert response.status_code == 404
    assert "服务暂时不可用" not in response.get_data(as_text=True)


@needs_server
def test_a_disconnect_within_the_idle_period_fails_one_request_then_heals(app, clock):
    """The price of not pinging busy connections: a session that died while it was in
    use a moment ago fails one request with the 503 page; the pool then drops every
    connection it held, and the next request works."""
    end_server_sessions(app)
    client = app.test_client()
    first = client.get("/s/ABCDEFGHJKMNPQ")
    assert first.status_code == 503
    assert "服务暂时不可用" in first.get_data(as_text=True)
    assert client.get("/s/ABCDEFGHJKMNPQ").status_code == 404
