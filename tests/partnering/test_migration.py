"""The partnering migration upgrades a database holding the demo tree and accounts without
losing a row, and the demo partnering data then loads on it."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import inspect, text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from tests.app.test_migrations import empty_database_url  # noqa: F401 - fixture

BEFORE = "c4e1a7d20b93"  # the revision before the partnering tables
TABLES = ("organisations", "users", "audit_log")


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}


def test_upgrade_keeps_the_demo_data(empty_database_url, tmp_path):  # noqa: F811
    from demo import load_demo
    from demo.partnering import load_demo_partnering

    app = create_app(TestConfig(empty_database_url))
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE)
        assert "partner_pairs" not in inspect(db.engine).get_table_names()
        load_demo(campaigns=False)
        db.session.remove()
        before = _counts()
        assert before["organisations"] > 50 and before["users"] > 5
        upgrade()
        assert {"honours", "network_targets", "partner_pairs", "partner_agreements",
                "partner_plan_items", "partner_activities",
                "partner_supervision_notes"} <= set(inspect(db.engine).get_table_names())
        assert _counts() == before
        assert load_demo_partnering() == 8
        db.session.remove()
        db.engine.dispose()
