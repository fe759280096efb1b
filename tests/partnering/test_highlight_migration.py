"""The showcase migration upgrades a database holding the demo tree, accounts and a pair with
a confirmed activity without losing a row; the new table takes a highlight of that pair, and
the migration goes down again."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from tests.app.test_migrations import empty_database_url  # noqa: F401 - fixture

REVISION = "c8e2f4a61d37"
PREVIOUS = "b3e8d1f4a2c6"
TABLES = ("organisations", "users", "partner_pairs", "partner_activities", "audit_log")


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}


def test_upgrade_keeps_the_demo_data_and_goes_down_again(empty_database_url):  # noqa: F811
    from demo import load_demo

    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision=PREVIOUS)
        assert "partner_highlights" not in inspect(db.engine).get_table_names()
        load_demo(campaigns=False)
        db.session.remove()
        with db.engine.begin() as conn:  # a pair and an activity as the previous schema stores
            conn.execute(text(
                "INSERT INTO partner_pairs (lead_id, partner_id, upper_id, state, lead_confirmed,"
                " partner_confirmed, since, created_at) SELECT l.id, p.id, c.id, 'confirmed', "
                "TRUE, TRUE, '2026-03-01', CURRENT_TIMESTAMP FROM organisations l, "
                "organisations p, organisations c WHERE l.code = 'DEMO-G02' "
                "AND p.code = 'DEMO-G01' AND c.code = 'DEMO-CITY'"))
            conn.execute(text(
                "INSERT INTO partner_activities (pair_id, held_on, form, content, participants,"
                " photo_name, confirmed_at) SELECT id, '2026-04-01', 'exchange', '交流', 9,"
                " NULL, CURRENT_TIMESTAMP FROM partner_pairs"))
        before = _counts()
        assert before["organisations"] > 50 and before["partner_activities"] == 1
        upgrade(revision=REVISION)
        assert "partner_highlights" in inspect(db.engine).get_table_names()
        assert _counts() == before
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO partner_highlights (pair_id, title, story, photo_activity_ids, "
                "author_side, created_at, updated_at) SELECT id, '成果', '', '[]', 'lead', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM partner_pairs"))
            row = conn.execute(text("SELECT h.title, p.state FROM partner_highlights h "
                                    "JOIN partner_pairs p ON p.id = h.pair_id")).one()
        assert tuple(row) == ("成果", "confirmed")
        downgrade(revision=PREVIOUS)
        assert "partner_highlights" not in inspect(db.engine).get_table_names()
        assert _counts() == before
        db.session.remove()
        db.engine.dispose()
