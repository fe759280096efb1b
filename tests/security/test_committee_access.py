"""Who sees a committee member's 述职评议 result (DEMO-COMMITTEE-2026, published, union
DEMO-G01): the person, the union's chair and the upper union; never another account of the
same union, nor a peer union; nobody while the campaign is open. 赵立新 has 3 raters (< k):
no figure on any page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Campaign, CommitteeMember
from tests.conftest import csrf_token_from

PASSWORDS = {
    "admin": "demo-admin-2026", "g01_admin": "demo-g01-2026",
    "partner_g01": "demo-partner-g01-2026", "evaluator_g01": "demo-eval-2026",
    "committee_g01": "demo-committee-2026", "lead_g02": "demo-lead-g02-2026",
    "district_admin": "demo-district-2026", "city_admin": "demo-city-2026",
    "analyst": "demo-analyst-2026", "assessor": "demo-assessor-2026",
}
CODE = "DEMO-COMMITTEE-2026"

#: (account, whose result, status). 李明 is committee_g01's own record; 王秀英 the chair,
#: linked to g01_admin.
MATRIX = [
    ("committee_g01", "李明", 200),  # the person
    ("committee_g01", "王秀英", 403),  # a colleague's result
    ("g01_admin", "李明", 200),  # the union's chair
    ("g01_admin", "赵立新", 200),
    ("partner_g01", "李明", 403),  # another admin of the same union, not the chair
    ("evaluator_g01", "李明", 403),  # another member of the same union
    ("lead_g02", "李明", 403),  # a peer union
    ("district_admin", "李明", 200),  # the upper union
    ("city_admin", "李明", 200),  # above that
    ("analyst", "李明", 403),
    ("assessor", "李明", 403),
    ("admin", "李明", 200),
    (None, "李明", 302),  # to the login page
]


@pytest.fixture
def committee(demo):
    from demo.committee import load_demo_committee

    with demo.app_context():
        load_demo_committee()
        return {p.name: p.id for p in db.session.scalars(select(CommitteeMember))}


def client_as(app, username: str | None):
    client = app.test_client()
    if username:
        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        response = client.post("/auth/login", data={
            "username": username, "password": PASSWORDS[username], "csrf_token": token})
        assert response.status_code == 302, username
    return client


def test_the_matrix(demo, committee):
    failures = []
    for account, name, status in MATRIX:
        client = client_as(demo, account)
        response = client.get(f"/committee/{CODE}/people/{committee[name]}")
        if response.status_code != status:
            failures.append((account, name, response.status_code))
        if status == 403 and name in response.get_data(as_text=True):
            failures.append((account, name, "name shown"))
    assert failures == []


def _names_listed(html: str) -> set[str]:
    return set(re.findall(r"/people/\d+\">([^<]+)</a>", html))


def test_the_lists_hold_only_whom_the_account_may_see(demo, committee):
    own = client_as(demo, "committee_g01")
    assert _names_listed(own.get(f"/committee/{CODE}/").get_data(as_text=True)) == {"李明"}
    assert _names_listed(own.get("/committee/").get_data(as_text=True)) == {"李明"}
    chair = client_as(demo, "g01_admin").get(f"/committee/{CODE}/").get_data(as_text=True)
    assert len(_names_listed(chair)) == 7
    for account in ("evaluator_g01", "partner_g01", "lead_g02"):
        client = client_as(demo, account)
        assert client.get(f"/committee/{CODE}/").status_code == 403
        assert _names_listed(client.get("/committee/").get_data(as_text=True)) == set()


def test_too_few_raters_show_no_figure(demo, committee):
    chair = client_as(demo, "g01_admin")
    page = chair.get(f"/committee/{CODE}/people/{committee['赵立新']}").get_data(as_text=True)
    assert "评议人数不足" in page and "%" not in page.split("<main", 1)[-1]
    listing = chair.get(f"/committee/{CODE}/").get_data(as_text=True)
    row = re.search(r"赵立新</a>.*?</tr>", listing, re.S).group(0)
    text = re.sub(r"<[^>]+>", " ", row)
    assert "评议人数不足" in text and not re.search(r"\d", text)


def test_nobody_sees_a_result_while_the_campaign_is_open(demo, committee):
    with demo.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == CODE))
        campaign.status = "open"
        db.session.commit()
    for account in ("committee_g01", "g01_admin", "district_admin", "admin"):
        response = client_as(demo, account).get(f"/committee/{CODE}/people/{committee['李明']}")
        assert response.status_code == 403, account


def test_a_person_of_another_campaign_is_404(demo, committee):
    response = client_as(demo, "admin").get(f"/committee/{CODE}/people/999999")
    assert response.status_code == 404
    assert client_as(demo, "admin").get("/committee/DEMO-NONE/").status_code == 404
