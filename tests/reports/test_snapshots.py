"""Result snapshots: a campaign's figures are computed from its answers, tree and settings as
they were at close, and nothing done afterwards moves them (docs/anonymity.md)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select

from survey_app.extensions import db
from survey_app.models import AuditEntry, Campaign, Organisation, RaterGroup, Response, User
from survey_app.models.snapshot import ResultSnapshot
from tests.app.test_migrations import empty_database_url  # noqa: F401 - fixture

COUNTS = {"DEMO-G01": 12, "DEMO-G02": 3, "DEMO-G03": 9}


def org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def add_answers(campaign: Campaign, counts: dict[str, int], seed: int, day: date) -> None:
    from analysis.synthetic import synthetic_answers
    from questionnaires.loader import library
    from survey_app.answering import pack_item_values

    q = library()["member_evaluation"]
    group = campaign.rater_groups[0]
    rng = np.random.default_rng(seed)
    rows = []
    for code, n in counts.items():
        for _ in range(n):
            answers = synthetic_answers(q, rng, 0.2)
            rows.append({"id": str(__import__("uuid").uuid4()), "campaign_id": campaign.id,
                         "target_id": org(code).id, "rater_group_id": group.id,
                         "questionnaire_version_id": group.questionnaire_version_id,
                         "submitted_on": day, "answers": answers,
                         "item_values": pack_item_values(q, answers)})
    db.session.execute(insert(Response), rows)
    db.session.commit()


@pytest.fixture
def closed(demo):
    """An open member campaign over three grassroots units, answered, then closed."""
    from questionnaires.loader import library
    from survey_app.campaigns.operations import transition
    from survey_app.models import CampaignTarget
    from survey_app.questionnaire_versions import publish_questionnaire

    with demo.app_context():
        version = publish_questionnaire(library()["member_evaluation"])
        campaign = Campaign(code="TEST-SNAP", name="快照测试", kind="member", year=2026,
                            status="open", min_group_size=5, owner=org("DEMO-CITY"),
                            opens_on=date(2026, 10, 1), closes_on=date(2026, 12, 31))
        campaign.rater_groups.append(RaterGroup(
            key="members", name="会员", weight=1.0, questionnaire_version=version,
            anonymous=True, rule="members"))
        for code in COUNTS:
            campaign.targets.append(CampaignTarget(organisation=org(code)))
        db.session.add(campaign)
        db.session.commit()
        add_answers(campaign, COUNTS, 1, date(2026, 10, 9))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        transition(campaign, "closed", admin)
        return campaign.id


def report_units(campaign_id: int, **kw) -> pd.DataFrame:
    from survey_app.reports import queries as U

    U._reports.clear()
    campaign = db.session.get(Campaign, campaign_id)
    return U.campaign_report(campaign, language="zh", **kw).units.set_index("code")


def test_closing_freezes_the_reports_input_once(closed, demo):
    with demo.app_context():
        snaps = db.session.scalars(select(ResultSnapshot)).all()
        assert len(snaps) == 1
        snap = snaps[0]
        assert (snap.release, snap.current, snap.period) == (1, True, "")
        assert snap.responses == sum(COUNTS.values())
        assert snap.digest == hashlib.sha256(snap.content).hexdigest()
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "campaign.results_frozen"))
        assert entry is not None and snap.digest in str(entry.detail)
        units = report_units(closed)
        assert int(units.at["DEMO-G01", "n"]) == 12 and units.at["DEMO-G02", "suppressed"]
        again = report_units(closed)
        pd.testing.assert_frame_equal(units, again)
        assert len(db.session.scalars(select(ResultSnapshot)).all()) == 1


def test_nothing_done_after_close_moves_a_figure(closed, demo):
    with demo.app_context():
        before = report_units(closed)
        # a unit moved to another parent (a hidden unit would be its old parent's figure
        # minus the new one), a raised minimum group size, and a row written behind the
        # platform's back
        g02, d02 = org("DEMO-G02"), org("DEMO-D02")
        g02.parent_id = d02.id
        g02.path = f"{d02.path}{g02.id}/"
        campaign = db.session.get(Campaign, closed)
        campaign.min_group_size = 10
        db.session.commit()
        add_answers(campaign, {"DEMO-G03": 4}, 2, date(2026, 10, 20))
        after = report_units(closed)
        pd.testing.assert_frame_equal(before, after)
        assert "DEMO-D02" not in after.index or int(after.at["DEMO-D02", "n"]) == int(
            before.at["DEMO-D02", "n"])


def test_reopening_retires_the_snapshot_and_the_next_close_is_release_two(closed, demo):
    from survey_app.campaigns.operations import transition

    with demo.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        campaign = db.session.get(Campaign, closed)
        transition(campaign, "open", admin, reason="两个单位的纸质问卷补录")
        assert not db.session.scalars(select(ResultSnapshot).where(
            ResultSnapshot.current.is_(True))).all()
        add_answers(campaign, {"DEMO-G02": 3}, 3, date(2026, 11, 2))
        transition(campaign, "closed", admin)
        snaps = db.session.scalars(select(ResultSnapshot).order_by(ResultSnapshot.release)).all()
        assert [(s.release, s.current) for s in snaps] == [(1, False), (2, True)]
        assert snaps[1].responses == sum(COUNTS.values()) + 3
        units = report_units(closed)
        assert int(units.at["DEMO-G02", "n"]) == 6 and not units.at["DEMO-G02", "suppressed"]


def test_a_campaign_closed_before_snapshots_is_frozen_at_its_first_report(demo):
    from survey_app.reports import queries as U

    with demo.app_context():
        from tests.reports.conftest import add_disclosure_campaign

        add_disclosure_campaign()  # published, written straight to the tables
        assert db.session.scalar(select(ResultSnapshot)) is None
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "TEST-DISC"))
        first = U.campaign_report(campaign, language="zh")
        snap = db.session.scalar(select(ResultSnapshot))
        assert snap is not None and snap.responses == 20
        U._reports.clear()
        U.campaign_report(campaign, language="zh")
        assert len(db.session.scalars(select(ResultSnapshot)).all()) == 1
        assert first.units["suppressed"].sum() == 2


def test_a_rolling_campaign_freezes_each_ended_month(demo):
    from survey_app.release_policy import released_periods
    from survey_app.reports import queries as U

    with demo.app_context():
        from questionnaires.loader import library
        from survey_app.models import CampaignTarget
        from survey_app.questionnaire_versions import publish_questionnaire

        version = publish_questionnaire(library()["member_evaluation"])
        today = date.today()
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        campaign = Campaign(code="TEST-ROLL", name="日常评议", kind="daily", year=today.year,
                            status="open", min_group_size=5, owner=org("DEMO-CITY"),
                            opens_on=first, closes_on=today + timedelta(days=90))
        campaign.rater_groups.append(RaterGroup(
            key="members", name="会员", weight=1.0, questionnaire_version=version,
            anonymous=True, rule="members"))
        campaign.targets.append(CampaignTarget(organisation=org("DEMO-G01")))
        db.session.add(campaign)
        db.session.commit()
        add_answers(campaign, {"DEMO-G01": 6}, 4, first + timedelta(days=3))
        add_answers(campaign, {"DEMO-G01": 7}, 5, today)  # this month: never shown
        period = released_periods(campaign)[-1]
        assert period == f"{first.year:04d}-{first.month:02d}"
        units = U.campaign_report(campaign, language="zh", period=period).units.set_index("code")
        assert int(units.at["DEMO-G01", "n"]) == 6
        snap = db.session.scalar(select(ResultSnapshot))
        assert (snap.period, snap.responses) == (period, 6)


def test_the_snapshot_table_upgrades_a_database_with_published_results(empty_database_url):  # noqa: F811
    """The previous head with the demo tree and a published campaign, then upgraded: every
    row stays, the campaign's first report freezes it, and the migration goes down again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from demo import load_demo
    from survey_app import create_app
    from survey_app.config import TestConfig
    from survey_app.reports import queries as U
    from tests.reports.conftest import add_disclosure_campaign

    previous = "b6e2d4f8a130"
    tables = ("organisations", "campaigns", "responses", "audit_log")

    def counts():
        with db.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                    for t in tables}

    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision=previous)
        load_demo(campaigns=False)
        add_disclosure_campaign()
        db.session.remove()
        before = counts()
        assert before["responses"] == 20
        upgrade()
        assert "result_snapshots" in inspect(db.engine).get_table_names()
        assert counts() == before
        U._reports.clear()
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "TEST-DISC"))
        units = U.campaign_report(campaign, language="zh").units.set_index("code")
        assert int(units.at["DEMO-G03", "n"]) == 9 and units.at["DEMO-G01", "suppressed"]
        assert db.session.scalar(select(ResultSnapshot)).responses == 20
        db.session.remove()
        downgrade(revision=previous)
        assert "result_snapshots" not in inspect(db.engine).get_table_names()
        assert counts()["responses"] == 20
        db.session.remove()
        db.engine.dispose()
