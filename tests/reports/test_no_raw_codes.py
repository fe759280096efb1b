"""The Chinese interface shows names, never the stored codes of kinds and statuses."""

import re

import pytest
from sqlalchemy import select

from questionnaires.vocabulary import CampaignKind, CampaignStatus, OrgKind
from survey_app.extensions import db
from survey_app.models import Campaign
from tests.conftest import csrf_token_from

ACCOUNTS = [("admin", "demo-admin-2026"), ("city_admin", "demo-city-2026"),
            ("district_admin", "demo-district-2026"), ("g01_admin", "demo-g01-2026"),
            ("evaluator_d01", "demo-eval-2026"), ("evaluator_g01", "demo-eval-2026"),
            ("assessor", "demo-assessor-2026"), ("analyst", "demo-analyst-2026")]
#: The stored codes of unit kinds, campaign kinds and campaign statuses (the codes of other
#: vocabularies, such as an action's source ``assessor``, are also account names).
CODES = {m.value for kind in (OrgKind, CampaignKind, CampaignStatus) for m in kind}
RAW = re.compile(r"(?<![\w-])(" + "|".join(sorted(CODES, key=len, reverse=True))
                 + r")(?![\w-])")


def visible_text(html: str) -> str:
    """The page's text, without scripts, styles and identifiers set as ``<code>``."""
    html = re.sub(r"<(script|style|code)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def staff_pages(app) -> list[str]:
    with app.app_context():
        campaigns = db.session.scalars(select(Campaign).order_by(Campaign.code)).all()
        pages = ["/", "/orgs/", "/campaigns/", "/campaigns/new", "/reports/", "/assessment/",
                 "/evaluations/", "/questionnaires/"]
        for c in campaigns:
            pages += [f"/campaigns/{c.id}", f"/reports/{c.code}/"]
        db.session.remove()
    return pages


@pytest.mark.parametrize(("username", "password"), ACCOUNTS)
def test_staff_pages_in_chinese_show_no_raw_kind_or_status(demo_app, username, password):
    client = demo_app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token}).status_code == 302
    seen = 0
    for path in staff_pages(demo_app):
        response = client.get(path)
        if response.status_code != 200:
            continue
        seen += 1
        raw = RAW.findall(visible_text(response.get_data(as_text=True)))
        assert not raw, f"{username} {path}: raw codes {sorted(set(raw))}"
    assert seen >= 2


def test_level_dropdown_of_a_new_campaign_names_the_levels(demo_app):
    client = demo_app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"username": "admin", "password": "demo-admin-2026",
                                     "csrf_token": token})
    html = client.get("/campaigns/new").get_data(as_text=True)
    assert '<option value="federation">总工会</option>' in html
    assert '<option value="grassroots_union">基层工会</option>' in html


