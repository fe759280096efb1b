"""Delegation down the tree: a city member campaign lets each lower union, for its own units
only, issue and print codes, follow participation and read published results; the city's
settings and state stay locked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AccessCode, AuditEntry, Campaign, CampaignTarget, Organisation
from survey_app.permissions import can_issue_codes, can_manage, can_take_part
from tests.conftest import csrf_token_from
from tests.surveys.conftest import make_campaign

PASSWORDS = {"city_admin": "demo-city-2026", "district_admin": "demo-district-2026",
             "g01_admin": "demo-g01-2026", "admin": "demo-admin-2026"}


def org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def user(name: str):
    from survey_app.models import User

    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def city_campaign(demo):
    """The city's open member campaign over G01, G02 (district D01) and G13 (another)."""
    with demo.app_context():
        campaign = make_campaign()
        campaign.targets.append(CampaignTarget(organisation=org("DEMO-G13")))
        db.session.commit()
        return campaign.id


def login(auth, name):
    assert auth.login(name, PASSWORDS[name]).status_code == 302


def test_rules(demo, city_campaign):
    with demo.app_context():
        c = db.session.get(Campaign, city_campaign)
        g01, g02, g13 = org("DEMO-G01"), org("DEMO-G02"), org("DEMO-G13")
        g01_admin, district = user("g01_admin"), user("district_admin")
        assert can_take_part(g01_admin, c) and not can_manage(g01_admin, c)
        assert can_issue_codes(g01_admin, c, g01)
        assert not can_issue_codes(g01_admin, c, g02)          # a peer
        assert can_issue_codes(district, c, g01) and can_issue_codes(district, c, g02)
        assert not can_issue_codes(district, c, g13)           # another district
        assert not can_take_part(user("evaluator_g01"), c)
        c.status = "draft"                                      # the city's unfinished draft
        assert not can_take_part(g01_admin, c) and not can_issue_codes(g01_admin, c, g01)


def test_grassroots_admin_issues_its_own_codes_only(demo, city_campaign, client, auth):
    login(auth, "g01_admin")
    page = client.get(f"/surveys/{city_campaign}/codes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with demo.app_context():
        g01, g02 = org("DEMO-G01"), org("DEMO-G02")
        g01_id, g02_id = g01.id, g02.id
        assert f'value="{g01_id}"' in html and f'value="{g02_id}"' not in html
    token = csrf_token_from(html)
    r = client.post(f"/surveys/{city_campaign}/codes", data={
        "csrf_token": token, "target": g01_id, "count": 3, "fmt": "csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert len(r.get_data(as_text=True).strip().splitlines()) == 4
    r = client.post(f"/surveys/{city_campaign}/codes", data={
        "csrf_token": token, "target": g02_id, "count": 3, "fmt": "csv"})
    assert r.status_code in (403, 422)
    with demo.app_context():
        assert db.session.scalar(select(db.func.count(AccessCode.id))) == 3
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "codes.issue"))
        assert entry.user_id == user("g01_admin").id

    r = client.get(f"/surveys/{city_campaign}/participation")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "DEMO-G01" in body and "DEMO-G02" not in body


def test_the_citys_settings_stay_locked(demo, city_campaign, client, auth):
    login(auth, "district_admin")
    token = csrf_token_from(client.get(f"/surveys/{city_campaign}/codes").get_data(as_text=True))
    assert client.get(f"/campaigns/{city_campaign}").status_code == 403
    assert client.get(f"/campaigns/{city_campaign}/edit").status_code == 403
    for to in ("closed", "published"):
        r = client.post(f"/campaigns/{city_campaign}/state", data={"csrf_token": token, "to": to})
        assert r.status_code == 403
    assert client.get(f"/surveys/{city_campaign}/links").status_code == 403
    with demo.app_context():
        assert db.session.get(Campaign, city_campaign).status == "open"
        g13 = org("DEMO-G13").id
    r = client.post(f"/surveys/{city_campaign}/codes", data={
        "csrf_token": token, "target": g13, "count": 1, "fmt": "csv"})
    assert r.status_code in (403, 422)


def test_campaign_list_shows_the_upper_unions_campaign(demo, city_campaign, client, auth):
    login(auth, "g01_admin")
    body = client.get("/campaigns/").get_data(as_text=True)
    assert "TEST-MEMBER" in body and f"/surveys/{city_campaign}/codes" in body
    assert f"/campaigns/{city_campaign}\"" not in body  # no link to the locked settings
    with demo.app_context():
        c = db.session.get(Campaign, city_campaign)
        c.status = "published"
        db.session.commit()
        g01, g02 = org("DEMO-G01").id, org("DEMO-G02").id
    body = client.get("/campaigns/").get_data(as_text=True)
    assert f"/campaigns/{city_campaign}/results/{g01}" in body
    assert f"/campaigns/{city_campaign}/results/{g02}" not in body
    assert client.get(f"/campaigns/{city_campaign}/results/{g01}").status_code == 200
    assert client.get(f"/campaigns/{city_campaign}/results/{g02}").status_code == 403


def test_a_draft_of_the_city_is_not_shown_below(demo, client, auth):
    with demo.app_context():
        draft = make_campaign(status="draft", code="TEST-DRAFT").id
    login(auth, "g01_admin")
    assert "TEST-DRAFT" not in client.get("/campaigns/").get_data(as_text=True)
    assert client.get(f"/surveys/{draft}/codes").status_code == 403
    assert client.get(f"/surveys/{draft}/participation").status_code == 403
