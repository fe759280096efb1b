"""The platform-token migration upgrades a database holding the demo tree and an API token
without losing a row: the existing token is an ordinary one (not a platform token), and
the migration goes down again."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from tests.app.test_migrations import empty_database_url  # noqa: F401 - fixture

REVISION = "b6e2d4f8a130"
PREVIOUS = "a9c4e6b2d871"


def _columns() -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns("api_tokens")}


def test_upgrade_keeps_the_tokens_as_ordinary_ones(empty_database_url):  # noqa: F811
    from demo import load_demo

    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision=PREVIOUS)
        assert "platform_admin" not in _columns()
        load_demo(campaigns=False)
        db.session.remove()
        with db.engine.begin() as conn:  # a token as the previous schema stores it
            conn.execute(text(
                "INSERT INTO api_tokens (name, prefix, token_hash, organisation_id, scopes, "
                "created_at, expires_at) SELECT '门户', 'pj_abc', 'h1', id, "
                "'[\"organisations:write\"]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
                "FROM organisations WHERE code = 'DEMO-CITY'"))
            organisations = conn.execute(text("SELECT COUNT(*) FROM organisations")).scalar()
        upgrade(revision=REVISION)
        assert "platform_admin" in _columns()
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT name, platform_admin FROM api_tokens")).one()
            assert conn.execute(text("SELECT COUNT(*) FROM organisations")).scalar() == \
                organisations
        assert row[0] == "门户" and not row[1]
        downgrade(revision=PREVIOUS)
        assert "platform_admin" not in _columns()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM api_tokens")).scalar() == "门户"
        db.session.remove()
        db.engine.dispose()
