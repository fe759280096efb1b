"""Alembic migrations build the whole schema on an empty database, matching the models."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.database import schema_objects_of
from survey_app.extensions import db
from tests.conftest import SERVER_DB_URL, on_postgresql


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database: an SQLite file, or a new PostgreSQL database."""
    if not on_postgresql():
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"pingjia_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(SERVER_DB_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(SERVER_DB_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_on_empty_database_matches_models(empty_database_url):
    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"organisations", "users", "questionnaire_versions", "campaigns", "rater_groups",
                "assignments", "access_codes", "responses", "audit_log"} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "include_object": schema_objects_of(conn.dialect.name)})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_responses_table_has_no_identifying_columns(empty_database_url):
    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade()
        columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
        db.engine.dispose()
    forbidden = {"code", "code_hash", "access_code_id", "user_id", "account_id", "ip",
                 "ip_address", "user_agent", "created_at", "submitted_at", "timestamp"}
    assert columns & forbidden == set()
    assert "submitted_on" in columns


def test_migrated_sqlite_responses_have_no_rowid(tmp_path):
    """Rows must not be numbered in arrival order (see docs/security.md)."""
    import pytest
    from sqlalchemy.exc import OperationalError

    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'rowid.sqlite'}"))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            with pytest.raises(OperationalError):
                conn.execute(text("SELECT rowid FROM responses"))
        db.engine.dispose()


def test_questionnaire_keys_get_owners_from_their_first_publisher(empty_database_url):
    """Existing keys: the library's go to the platform, others to the union whose admin
    published them first (from the audit log)."""
    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision="3f1c9a7e2b40")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO organisations (id, code, name, kind, path, depth, members) "
                "VALUES (1, 'U1', 'U1', 'federation', '/1/', 0, 0)"))
            conn.execute(text(
                "INSERT INTO users (id, username, password_hash, role, organisation_id, "
                "active, created_at) VALUES (1, 'u', 'x', 'union_admin', 1, true, :at)"),
                {"at": "2026-01-01 00:00:00"})
            for vid, key in ((1, "member_evaluation"), (2, "own_key"), (3, "unknown_key")):
                conn.execute(text(
                    "INSERT INTO questionnaire_versions (id, key, version, content_hash, "
                    "title_zh, title_en, definition, published_at) "
                    "VALUES (:id, :key, '1', :h, 't', 't', '{}', :at)"),
                    {"id": vid, "key": key, "h": str(vid) * 64, "at": "2026-01-01 00:00:00"})
            for vid in (1, 2):
                conn.execute(text(
                    "INSERT INTO audit_log (seq, at, user_id, action, object_type, object_id, "
                    "detail, hash) VALUES (:s, :at, 1, 'questionnaire.publish', "
                    "'questionnaire_version', :o, '{}', :h)"),
                    {"s": vid, "at": "2026-01-01 00:00:00", "o": str(vid), "h": "0" * 64})
        upgrade()
        with db.engine.connect() as conn:
            owners = dict(conn.execute(text(
                "SELECT key, owner_id FROM questionnaire_keys")).all())
        assert owners == {"member_evaluation": None, "own_key": 1, "unknown_key": None}
        db.engine.dispose()


def test_campaigns_below_the_group_size_floor_are_raised_to_it(empty_database_url):
    """A campaign whose owner had set k = 1 or 4 reports no group smaller than 5 after the
    upgrade; one set to 8 keeps 8."""
    from datetime import date

    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision="5e1d7c0a9b42")
        with db.engine.begin() as conn:
            for i, k in enumerate((1, 4, 8), start=1):
                conn.execute(text(
                    "INSERT INTO campaigns (id, code, name, kind, cycle, status,"
                    " min_group_size, allow_open_link, target_spec, created_at)"
                    " VALUES (:i, :code, 'C', 'member', 'annual', 'open', :k, :no, '{}',"
                    " :now)"), {"i": i, "code": f"C{i}", "k": k, "no": False,
                                 "now": date(2026, 1, 1)})
        upgrade()
        with db.engine.connect() as conn:
            sizes = dict(conn.execute(text("SELECT code, min_group_size FROM campaigns")).all())
        db.engine.dispose()
    assert sizes == {"C1": 5, "C2": 5, "C3": 8}


def test_committee_members_upgrade_on_the_demo(empty_database_url):
    """The demo loaded at the previous head, then upgraded: its data is kept, and the
    committee evaluation loads on top (a committee list, its campaign and answers)."""
    from demo import load_demo
    from demo.committee import load_demo_committee

    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision="a7d3c9e5f180")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO organisations (id, code, name, kind, path, depth,"
                              " members) VALUES (99999, 'KEEP', '保留', 'federation', '/99999/', 0, 0)"))
        upgrade()
        assert "committee_members" in inspect(db.engine).get_table_names()
        load_demo(campaigns=False)
        assert load_demo_committee() == 24
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT name FROM organisations WHERE code = 'KEEP'"))
            people = conn.execute(text("SELECT count(*) FROM committee_members")).scalar()
            assert kept.scalar() == "保留" and people == 7
        downgrade(revision="a7d3c9e5f180")
        assert "committee_members" not in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
