"""The migration of honours review and 建家 projects upgrades a database holding the demo
tree, accounts, an honour and an improvement action without losing a row; the honour keeps
its status with an empty reason, the action serves no project, and the migration goes down
again."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from tests.app.test_migrations import empty_database_url  # noqa: F401 - fixture

REVISION = "a7d3c9e5f180"
PREVIOUS = "f2a6c8e1d053"
TABLES = ("organisations", "users", "honours", "improvement_actions", "audit_log")
NEW = {"honour_review_thresholds", "home_projects", "home_project_tasks"}


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}


def test_upgrade_keeps_the_demo_data_and_goes_down_again(empty_database_url):  # noqa: F811
    from demo import load_demo

    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision=PREVIOUS)
        assert not NEW & set(inspect(db.engine).get_table_names())
        load_demo(campaigns=False)
        db.session.remove()
        with db.engine.begin() as conn:  # an honour as the previous schema stores it
            conn.execute(text(
                "INSERT INTO honours (organisation_id, level, year, awarding_id, "
                "document_number, evidence_note, recheck_years, status, created_at) "
                "SELECT g.id, 'city', 2024, c.id, '东工发〔2024〕8号', '', 3, 'valid', "
                "CURRENT_TIMESTAMP FROM organisations g, organisations c "
                "WHERE g.code = 'DEMO-G02' AND c.code = 'DEMO-CITY'"))
            conn.execute(text(
                "INSERT INTO improvement_actions (organisation_id, source_kind, source_ref, "
                "source_label, title, description, owner_name, milestones, status, "
                "dismissed_reason, created_on, created_at) SELECT id, 'manual', '', '', "
                "'会员座谈', '', '张三', '', 'planned', '', CURRENT_DATE, CURRENT_TIMESTAMP "
                "FROM organisations WHERE code = 'DEMO-G01'"))
        before = _counts()
        assert before["organisations"] > 50 and before["honours"] == 1
        assert before["improvement_actions"] == 1
        upgrade(revision=REVISION)
        assert NEW <= set(inspect(db.engine).get_table_names())
        assert _counts() == before
        with db.engine.connect() as conn:
            row = conn.execute(text(
                "SELECT status, status_note, assessment_run_id FROM honours")).one()
            action = conn.execute(text("SELECT title, project_id FROM improvement_actions")).one()
        assert tuple(row) == ("valid", "", None)
        assert tuple(action) == ("会员座谈", None)
        downgrade(revision=PREVIOUS)
        assert not NEW & set(inspect(db.engine).get_table_names())
        assert _counts() == before
        db.session.remove()
        db.engine.dispose()
