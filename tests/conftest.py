"""Shared fixtures: an app on a clean database for every test.

The database is SQLite (a fresh file per test) unless TEST_DATABASE_URL names another
(CI runs the suite a second time on PostgreSQL). On a server database the schema is made
once per session and every table is emptied after each test.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db as _db


def _worker_database(url: str, worker: str) -> str:
    """With pytest-xdist on PostgreSQL, each worker gets a database of its own beside the
    configured one (``test`` → ``test_gw0``), created if missing: the schema is made per
    session and tables are emptied after each test, which two workers cannot share."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


SERVER_DB_URL = os.environ.get("TEST_DATABASE_URL")
if (SERVER_DB_URL and SERVER_DB_URL.startswith("postgresql")
        and os.environ.get("PYTEST_XDIST_WORKER")):
    SERVER_DB_URL = _worker_database(SERVER_DB_URL, os.environ["PYTEST_XDIST_WORKER"])
    os.environ["TEST_DATABASE_URL"] = SERVER_DB_URL  # for code that reads it itself


def on_postgresql() -> bool:
    return bool(SERVER_DB_URL and SERVER_DB_URL.startswith("postgresql"))


@pytest.fixture(scope="session")
def _server_schema():
    """On a server database: drop and create the schema once for the session."""
    if not SERVER_DB_URL:
        yield None
        return
    app = create_app(TestConfig(SERVER_DB_URL))
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
    yield SERVER_DB_URL


@pytest.fixture
def database_url(tmp_path, _server_schema) -> str:
    return _server_schema or f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(database_url):
    app = create_app(TestConfig(database_url))
    with app.app_context():
        if not SERVER_DB_URL:
            _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        if SERVER_DB_URL:
            tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo tree and accounts (without the demo campaigns: see full_demo)."""
    from demo import load_demo

    with app.app_context():
        load_demo(campaigns=False)
    return app


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str):
        page = self.client.get("/auth/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post(
            "/auth/login",
            data={"username": username, "password": password, "csrf_token": token},
        )

    def logout(self):
        page = self.client.get("/")
        return self.client.post(
            "/auth/logout", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}
        )


def csrf_token_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def auth(client):
    return Auth(client)
