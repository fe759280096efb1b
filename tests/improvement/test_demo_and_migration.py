"""The improvement migration upgrades a database holding the demo, and the demo's actions of
DEMO-G01 are in the states the demo promises."""

from __future__ import annotations

from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.models import Organisation, User
from survey_app.models.improvement import ImprovementAction, Notification
from tests.app.test_migrations import empty_database_url  # noqa: F401 - fixture

REVISION = "9d3b5efba579"
PREVIOUS = "b19f3d98532b"
TABLES = {"improvement_actions", "improvement_action_notes", "notifications"}


def test_upgrade_and_downgrade_on_demo_data(empty_database_url):  # noqa: F811
    from demo import load_demo

    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision=PREVIOUS)
        assert not TABLES & set(inspect(db.engine).get_table_names())
        load_demo(campaigns=False)
        units = db.session.scalar(select(func.count()).select_from(Organisation))
        upgrade(revision=REVISION)
        assert TABLES <= set(inspect(db.engine).get_table_names())
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        admin = db.session.scalar(select(User).where(User.username == "g01_admin"))
        # rows as this revision stores them (today's models have later columns)
        db.session.execute(text(
            "INSERT INTO improvement_actions (organisation_id, source_kind, source_ref, "
            "source_label, title, description, owner_name, owner_unit_id, due_on, milestones, "
            "status, dismissed_reason, created_on, created_at) VALUES (:g, 'item', 'q1', '', "
            "'会员座谈', '', '张三', :g, :due, '', 'planned', '', :due, CURRENT_TIMESTAMP)"),
            {"g": g01.id, "due": date(2027, 1, 1)})
        db.session.execute(text(
            "INSERT INTO improvement_action_notes (action_id, at, text, status_from, status_to) "
            "SELECT id, CURRENT_TIMESTAMP, '进展', '', '' FROM improvement_actions"))
        db.session.add(Notification(user_id=admin.id, kind="action_overdue"))
        db.session.commit()
        assert db.session.execute(text(
            "SELECT status FROM improvement_actions")).scalar_one() == "planned"
        db.session.remove()
        downgrade(revision=PREVIOUS)
        assert not TABLES & set(inspect(db.engine).get_table_names())
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == units
        db.engine.dispose()


def test_demo_actions_of_g01(app, tmp_path):
    from demo import load_demo

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    with app.app_context():
        load_demo()
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        actions = db.session.scalars(select(ImprovementAction).where(
            ImprovementAction.organisation_id == g01.id)).all()
        statuses = sorted(a.status for a in actions)
        assert statuses.count("verified") == 2
        assert [a for a in actions if a.overdue and a.status == "in_progress"]
        dismissed = [a for a in actions if a.status == "dismissed"]
        assert len(dismissed) == 1 and dismissed[0].dismissed_reason
        for a in actions:
            if a.status == "verified":
                assert a.verified_by.username == "district_admin"
                assert any(n.stored_name for n in a.notes)
        load_demo()  # idempotent
        assert db.session.scalar(select(func.count()).select_from(ImprovementAction)) == len(
            actions)
    html = app.test_client().get("/u/DEMO-G01/you-said-we-did").get_data(as_text=True)
    assert "已验收" in html and "已逾期" in html
    assert "该事项已列入企业行政年度计划" not in html  # dismissals are for the upper union


def test_demo_public_page_of_g01_shows_before_and_after(app, tmp_path):
    """DEMO-G01's mid-year evaluation (DEMO-G01-2026) is published after its actions were
    done: each verified item action shows its before and after, equal to the two-proportion
    test of analysis.trends on the published counts, and the page shows what changed."""
    import numpy as np

    from analysis import trends
    from survey_app.improvement import queries as q

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    with app.app_context():
        from demo import load_demo

        load_demo()
    with app.test_request_context():
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        verified = db.session.scalars(select(ImprovementAction).where(
            ImprovementAction.organisation_id == g01.id,
            ImprovementAction.status == "verified")).all()
        assert len(verified) == 2
        page = q.public_page(g01)
        assert page.latest.campaign.code == "DEMO-G01-2026"
        assert page.previous.campaign.code == "DEMO-MEMBER-2025"
        assert len(page.changes()) >= 3
        shown = 0
        for action in verified:
            effect = q.effect_of(action)
            assert effect is not None and effect.campaign.code == "DEMO-G01-2026"
            if action.source_kind != "item":
                continue
            a = page.previous.items.set_index("item").loc[action.source_ref]
            b = page.latest.items.set_index("item").loc[action.source_ref]
            _, p = trends.two_proportion_z(np.array([a["n_satisfied"]]), np.array([a["n_valid"]]),
                                           np.array([b["n_satisfied"]]), np.array([b["n_valid"]]))
            assert (effect.before, effect.after) == pytest.approx((a["rate"], b["rate"]))
            assert effect.p_value == pytest.approx(float(p[0]))
            shown += 1
        assert shown >= 1
    html = app.test_client().get("/u/DEMO-G01/you-said-we-did").get_data(as_text=True)
    assert "会员评家回头看" in html or "2026" in html
