"""The release policy: no figure while answers arrive, day-old banded participation, rolling
campaigns by ended month, no finer time than the month, thin cells inside published units."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select

from survey_app import dates
from survey_app import release_policy as policy
from survey_app.answering import pack_item_values
from survey_app.extensions import db
from survey_app.models import Campaign, Organisation, Response, User
from survey_app.models.response import new_response_id
from survey_app.questionnaire_versions import questionnaire_of
from tests.surveys.conftest import make_campaign

ANSWERS = {"q1": "satisfied", "m1": "satisfied", "m2": "basic", "nps": 9, "keep": "读书角"}


def _answers(campaign: Campaign, target: str, n: int, day: date, **changes) -> None:
    unit = db.session.scalar(select(Organisation).where(Organisation.code == target))
    group = campaign.rater_groups[0]
    q = questionnaire_of(group.questionnaire_version)
    answers = ANSWERS | changes
    db.session.execute(insert(Response), [{
        "id": new_response_id(), "campaign_id": campaign.id, "target_id": unit.id,
        "rater_group_id": group.id, "questionnaire_version_id": group.questionnaire_version_id,
        "submitted_on": day, "answers": answers, "item_values": pack_item_values(q, answers),
    } for _ in range(n)])
    db.session.commit()


@pytest.mark.parametrize(("count", "band"), [(0, 0), (1, 0), (4, 0), (5, 5), (9, 5), (10, 10),
                                             (23, 20)])
def test_counts_round_down_to_bands_of_five(count, band):
    assert policy.banded(count) == band


def _rolling(status: str, opens: date, closes: date | None = None):
    return SimpleNamespace(kind="daily", status=status, opens_on=opens, closes_on=closes,
                           created_at=None)


def test_rolling_campaigns_release_ended_months_only():
    on = date(2026, 12, 2)
    camp = _rolling("open", date(2026, 1, 15), date(2026, 12, 31))
    assert policy.released_periods(camp, on) == [f"2026-{m:02d}" for m in range(1, 12)]
    assert policy.released_periods(camp, date(2026, 1, 31)) == []  # January not ended
    assert not policy.figures_released(camp, date(2026, 1, 31))
    assert policy.figures_released(camp, date(2026, 2, 1))
    closed = _rolling("closed", date(2026, 10, 1), date(2026, 12, 31))
    assert policy.released_periods(closed, on) == ["2026-10", "2026-11", "2026-12"]
    assert policy.released_periods(_rolling("draft", date(2026, 1, 1)), on) == []
    annual = SimpleNamespace(kind="member", status="open", opens_on=date(2026, 1, 1))
    assert policy.released_periods(annual, on) == [] and not policy.figures_released(annual)
    assert policy.period_range("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    with pytest.raises(ValueError):
        policy.month_start("2026-1")


def test_no_role_sees_figures_of_an_open_campaign(demo):
    from survey_app.permissions import can_view

    with demo.app_context():
        campaign = make_campaign()
        _answers(campaign, "DEMO-G01", 12, date.today() - timedelta(days=3))
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        city = db.session.scalar(select(User).where(User.username == "city_admin"))
        assert not can_view(admin, campaign, g01) and not can_view(city, campaign, g01)
        from survey_app.reports.queries import campaign_report

        assert campaign_report(campaign) is None  # whoever asks
        campaign.status = "closed"
        db.session.commit()
        assert can_view(admin, campaign, g01) and can_view(city, campaign, g01)
        assert campaign_report(campaign) is not None


def test_participation_while_open_is_a_day_old_and_banded(demo, monkeypatch):
    from survey_app.member_surveys.queries import participation

    with demo.app_context():
        campaign = make_campaign()
        today = dates.today()  # the platform's date, as the policy counts days
        _answers(campaign, "DEMO-G01", 7, today - timedelta(days=1))
        rows = {r.target.code: r for r in participation(campaign)}
        assert rows["DEMO-G01"].responses == 5 and rows["DEMO-G01"].banded
        assert rows["DEMO-G01"].codes_used is None
        _answers(campaign, "DEMO-G01", 4, today)  # today's answers do not count yet
        assert {r.target.code: r.responses for r in participation(campaign)}["DEMO-G01"] == 5
        monkeypatch.setattr(policy, "today", lambda: today + timedelta(days=1))
        assert {r.target.code: r.responses for r in participation(campaign)}["DEMO-G01"] == 10
        campaign.status = "closed"
        db.session.commit()
        closed = {r.target.code: r for r in participation(campaign)}["DEMO-G01"]
        assert closed.responses == 11 and not closed.banded and closed.codes_used == 0


def test_participation_page_says_the_counts_are_banded(demo, auth, client):
    with demo.app_context():
        campaign = make_campaign()
        _answers(campaign, "DEMO-G01", 6, date.today() - timedelta(days=2))
        cid = campaign.id
    auth.login("city_admin", "demo-city-2026")
    html = client.get(f"/surveys/{cid}/participation").get_data(as_text=True)
    assert 'id="banded-note"' in html and "≥ 5" in html
    assert "≥ 6" not in html and ">6<" not in html


def test_a_rolling_campaign_reports_one_ended_month_at_a_time(demo, auth, client, monkeypatch):
    from survey_app.reports import queries as U

    with demo.app_context():
        campaign = make_campaign(code="TEST-DAILY", opens_on=date(2026, 9, 1),
                                 closes_on=date(2026, 12, 31))
        campaign.kind = "daily"
        db.session.commit()
        _answers(campaign, "DEMO-G01", 6, date(2026, 10, 3))
        _answers(campaign, "DEMO-G01", 5, date(2026, 11, 20), q1="dissatisfied",
                 q2="太慢")
        _answers(campaign, "DEMO-G01", 9, date(2026, 12, 1))  # the current month
    monkeypatch.setattr(policy, "today", lambda: date(2026, 12, 2))
    U._reports.clear()
    with demo.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "TEST-DAILY"))
        assert policy.released_periods(campaign) == ["2026-09", "2026-10", "2026-11"]
        nov = U.campaign_report(campaign, language="zh")  # the latest ended month
        assert int(nov.units.loc[nov.unit_id("DEMO-G01"), "n"]) == 5
        october = U.campaign_report(campaign, language="zh", period="2026-10")
        assert int(october.units.loc[october.unit_id("DEMO-G01"), "n"]) == 6
        days = pd.to_datetime(october.data.responses["submitted_on"])
        assert (days.dt.day == 1).all()  # cut to the month before anything is computed
        with pytest.raises(LookupError):
            U.report_period(campaign, "2026-12")
    auth.login("city_admin", "demo-city-2026")
    assert client.get("/reports/TEST-DAILY/?period=2026-12").status_code == 404
    page = client.get("/reports/TEST-DAILY/?period=2026-10")
    assert page.status_code == 200
    assert 'value="2026-11"' in page.get_data(as_text=True)  # the month filter


def test_thin_items_and_derived_rates_are_hidden_inside_a_published_unit(demo):
    """Six respondents: five answer m1 with "don't know", so m1 has one valid answer. Its
    count, rate, interval and answer counts are withheld (docs/anonymity.md, the cell rule), and so is the pooled rate of its
    dimension (the pooled row minus m2 would give m1)."""
    from analysis.reports import answer_shares, item_table
    from survey_app.reports import queries as U

    with demo.app_context():
        campaign = make_campaign(status="closed")
        _answers(campaign, "DEMO-G01", 5, date.today() - timedelta(days=2), m1="na")
        _answers(campaign, "DEMO-G01", 1, date.today() - timedelta(days=2))
        U._reports.clear()
        report = U.campaign_report(campaign, language="zh")
        uid = report.unit_id("DEMO-G01")
        assert report.is_published(uid)
        items = item_table(report, uid).set_index("item")
        assert np.isnan(items.at["m1", "n_valid"]) and np.isnan(items.at["m1", "rate"])
        assert not np.isnan(items.at["m2", "rate"]) and items.at["m2", "n_valid"] == 6
        dims = report.items[(report.items["unit_id"] == uid)
                            & report.items["item"].str.startswith("dim:")].set_index("item")
        home = [d for d in dims.index if d.endswith("home")]
        assert home and dims.loc[home, "suppressed"].all()
        assert dims.loc[home, "rate"].isna().all()
        shares = answer_shares(report, uid)
        assert report.labels.item("m1") not in shares.index
