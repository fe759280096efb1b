"""成效 (/partnering/outcomes): honours the partner units gained after pairing, counted by
level as the speech counts them, and the matched difference-in-differences of their member
satisfaction and participation between two published member campaigns.

The demo has one published member campaign of the whole tree (2025); its 2026 campaign is
still open, so the demo page shows the not-enough-data state. The estimate is tested on a
constructed fixture: the demo's member campaigns with the 2026 one published (with a larger
minimum group, so that some partner units are suppressed), and pairs formed in March 2026.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from analysis.partnering import partnering_effect
from survey_app.extensions import db
from survey_app.models import Campaign
from survey_app.models.partnering import Honour, Pair
from survey_app.partnering import queries
from tests.conftest import csrf_token_from
from tests.partnering.conftest import org

#: (lead, partner, since, state): five partner units paired between the two campaigns, one
#: paired before the 2025 campaign closed (neither treated nor a control), one proposed.
PAIRS = [
    ("DEMO-G14", "DEMO-G13", date(2026, 3, 1), "confirmed"),
    ("DEMO-G14", "DEMO-G15", date(2026, 3, 1), "confirmed"),
    ("DEMO-G05", "DEMO-G06", date(2026, 3, 1), "confirmed"),
    ("DEMO-G05", "DEMO-G19", date(2026, 4, 1), "finished"),
    ("DEMO-G02", "DEMO-G21", date(2026, 5, 1), "confirmed"),
    ("DEMO-G02", "DEMO-G33", date(2026, 5, 1), "confirmed"),
    ("DEMO-G27", "DEMO-G07", date(2025, 6, 1), "confirmed"),
    ("DEMO-G27", "DEMO-G08", None, "proposed"),
]
#: (unit, level, year, status)
HONOURS = [
    ("DEMO-G14", "national", 2019, "valid"),
    ("DEMO-G05", "provincial", 2021, "valid"),
    ("DEMO-G02", "city", 2022, "valid"),
    ("DEMO-G27", "city", 2023, "valid"),
    ("DEMO-G06", "qualified", 2026, "valid"),  # gained after pairing: counted
    ("DEMO-G13", "district", 2025, "valid"),  # before pairing: not counted
    ("DEMO-G21", "city", 2026, "withdrawn"),  # withdrawn: not counted
    ("DEMO-G07", "city", 2025, "valid"),  # paired in 2025: counted
    ("DEMO-G08", "city", 2026, "valid"),  # a proposal only: not counted
]
#: the 2026 campaign's minimum group: a few partner units fall under it
AFTER_MIN_GROUP = 20


def _login(client, username, password="demo-city-2026"):
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                "csrf_token": token})
    assert response.status_code == 302


def _add_pairs_and_honours() -> None:
    city = org("DEMO-CITY")
    for lead, partner, since, state in PAIRS:
        db.session.add(Pair(lead=org(lead), partner=org(partner), upper=city, state=state,
                            lead_confirmed=True, partner_confirmed=state != "proposed",
                            since=since))
    for unit, level, year, status in HONOURS:
        db.session.add(Honour(organisation=org(unit), level=level, year=year, awarding=city,
                              recheck_years=3, status=status))


@pytest.fixture
def campaigns_world(demo):
    """The demo tree with its member campaigns, DEMO-MEMBER-2026 published."""
    from demo.surveys import load_demo_surveys

    with demo.app_context():
        load_demo_surveys()
        after = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2026"))
        after.status, after.min_group_size = "published", AFTER_MIN_GROUP
        _add_pairs_and_honours()
        db.session.commit()
    return demo


def _campaign(code):
    return db.session.scalar(select(Campaign).where(Campaign.code == code))


def _sector(code: str) -> str:
    """The industry union above the unit, else ``enterprise``."""
    node = org(code).parent
    while node is not None:
        if node.kind == "industry_union":
            return node.code
        node = node.parent
    return "enterprise"


def _expected_panel(before, after) -> pd.DataFrame:
    """The panel written from the reports' unit tables, apart from the app's code."""
    from survey_app.reports.queries import campaign_report

    frames = []
    for year, campaign in ((0, before), (1, after)):
        report = campaign_report(campaign)
        units = report.units[report.units["is_target"] & ~report.units["suppressed"]]
        members = report.data.organisations.set_index("id")["members"].reindex(units.index)
        frames.append(pd.DataFrame({
            "unit_code": units["code"], "year": year,
            "sector": [_sector(c) for c in units["code"]],
            "size": members.astype(float), "satisfaction_index": units["overall"].astype(float),
            "participation_rate": np.minimum(units["n"] / members, 1.0) * 100}))
    return pd.concat(frames, ignore_index=True)


def test_honours_gained_after_pairing_are_counted_by_level(campaigns_world):
    with campaigns_world.app_context():
        counts = queries.honours_after_pairing(org("DEMO-CITY"))
        assert counts.leads == 4 and counts.partners == 7  # the proposal does not count
        assert counts.by_level == {"national": 0, "provincial": 0, "city": 1, "district": 0,
                                   "qualified": 1}
        gained = {r.pair.partner.code: [h.level for h in r.honours] for r in counts.rows}
        assert gained["DEMO-G06"] == ["qualified"] and gained["DEMO-G13"] == []
        assert gained["DEMO-G21"] == [] and gained["DEMO-G07"] == ["city"]
        # a district admin counts the pairs supervised in its subtree only
        assert queries.honours_after_pairing(org("DEMO-D02")).partners == 0


def test_only_released_figures_of_published_campaigns_enter_the_panel(campaigns_world):
    from survey_app.reports.queries import campaign_report

    with campaigns_world.app_context():
        city = org("DEMO-CITY")
        codes = [c.code for c in queries.outcome_campaigns(city)]
        assert "DEMO-MEMBER-2025" in codes and "DEMO-MEMBER-2026" in codes
        assert "DEMO-DAILY-2026" not in codes  # rolling
        before, after = _campaign("DEMO-MEMBER-2025"), _campaign("DEMO-MEMBER-2026")
        data = queries.outcome_panel(city, before, after)
        assert data.treated == ["DEMO-G06", "DEMO-G13", "DEMO-G15", "DEMO-G19", "DEMO-G21",
                                "DEMO-G33"]
        # leads and the partner paired before the 2025 campaign closed are no controls
        assert {"DEMO-G02", "DEMO-G05", "DEMO-G07", "DEMO-G14", "DEMO-G27"} <= set(
            data.excluded)
        assert "DEMO-G08" not in data.excluded  # only proposed: still unpaired
        units = campaign_report(after).units
        hidden = set(units.loc[units["suppressed"].astype(bool), "code"])
        assert hidden & set(data.treated), "the fixture should withhold a partner unit"
        after_codes = set(data.panel.loc[data.panel["year"] == 1, "unit_code"])
        assert not hidden & after_codes
        # the open campaign is never offered, even with its answers in the database
        after.status = "open"
        assert "DEMO-MEMBER-2026" not in [c.code for c in queries.outcome_campaigns(city)]
        db.session.rollback()


def test_page_numbers_equal_partnering_effect_called_directly(campaigns_world):
    client = campaigns_world.test_client()
    _login(client, "city_admin")
    response = client.get("/partnering/outcomes?before=DEMO-MEMBER-2025&after=DEMO-MEMBER-2026")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    with campaigns_world.app_context():
        city = org("DEMO-CITY")
        before, after = _campaign("DEMO-MEMBER-2025"), _campaign("DEMO-MEMBER-2026")
        panel = _expected_panel(before, after)
        data, estimates = queries.partnering_outcomes(city, before, after)
        for estimate in estimates:
            expected = partnering_effect(
                panel, treated_units=data.treated, pair_year=1, pre_year=0, post_year=1,
                outcomes=estimate.outcome, k=3,
                exclude_units=data.excluded).loc[estimate.outcome]
            assert estimate.k == 3
            assert estimate.estimate == pytest.approx(expected["estimate"], abs=1e-9)
            assert estimate.ci_low == pytest.approx(expected["ci_low"], abs=1e-9)
            assert estimate.ci_high == pytest.approx(expected["ci_high"], abs=1e-9)
            assert estimate.n_treated == expected["n_treated"]
            assert estimate.n_control == expected["n_control"]
            assert estimate.n_dropped == expected["n_dropped"] >= 1
            section = body.split(f'id="outcome-{estimate.outcome}"')[1].split("</section>")[0]
            shown = re.search(r'class="estimate">([^<]+)<', section).group(1)
            assert shown == f"{expected['estimate']:+.1f}"
            interval = re.search(r'class="interval">([^<]+)<', section).group(1)
            assert interval == f"{expected['ci_low']:+.1f} … {expected['ci_high']:+.1f}"
            assert f'class="n-treated">{expected["n_treated"]}<' in section
            assert f'class="n-control">{expected["n_control"]}<' in section
            assert "样本较小" in section  # fewer than ten partner units
            if expected["ci_low"] <= 0 <= expected["ci_high"]:
                assert "未显示差异" in section


def test_demo_has_no_pair_of_campaigns_with_partner_figures_and_says_so(campaigns_world):
    """With the 2026 campaign open again (as in the demo), the partner units have released
    figures in 2025 only: the page renders the not-enough-data message, not a 500."""
    with campaigns_world.app_context():
        _campaign("DEMO-MEMBER-2026").status = "open"
        db.session.commit()
    client = campaigns_world.test_client()
    _login(client, "city_admin")
    response = client.get("/partnering/outcomes")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.count("数据不足") == 2 and 'class="estimate"' not in body
    # the honours part still shows
    assert re.search(r'data-level="qualified">1<', body)


def test_campaign_choice_is_checked(campaigns_world):
    client = campaigns_world.test_client()
    _login(client, "city_admin")
    assert client.get("/partnering/outcomes?after=NO-SUCH").status_code == 404
    response = client.get(
        "/partnering/outcomes?before=DEMO-MEMBER-2026&after=DEMO-MEMBER-2025")
    assert response.status_code == 400
    assert "结束" in response.get_data(as_text=True)
    assert 'class="estimate"' not in response.get_data(as_text=True)


def test_outcomes_stay_in_the_user_tree(campaigns_world):
    with campaigns_world.app_context():
        from tests.partnering.conftest import make_admin

        make_admin("d02_admin", "DEMO-D02")
        db.session.commit()
    client = campaigns_world.test_client()
    _login(client, "d02_admin", "test-password-2026")
    body = client.get("/partnering/outcomes?org=DEMO-CITY").get_data(as_text=True)
    assert "江滨" not in body.split('id="member-figures"')[0]  # no D01 pair listed
    evaluator = campaigns_world.test_client()
    _login(evaluator, "evaluator_d01", "demo-eval-2026")
    assert evaluator.get("/partnering/outcomes").status_code == 403


def test_no_published_campaign_pair_renders_a_message(world):
    client = world.test_client()
    _login(client, "analyst", "demo-analyst-2026")
    response = client.get("/partnering/outcomes")
    assert response.status_code == 200
    assert 'id="no-campaigns"' in response.get_data(as_text=True)
