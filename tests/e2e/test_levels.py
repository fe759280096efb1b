"""A member rates their union group and then the branch union above it with one code, on a
phone (the multi-level campaign DEMO-GROUP-2026, opened for the test)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from questionnaires import library
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

CAMPAIGN, GROUP, BRANCH = "DEMO-GROUP-2026", "DEMO-G02-B1-T2", "DEMO-G02-B1"


def _required_radios(key: str) -> list[str]:
    """Fields answered with a radio button: every matrix row and likert question."""
    return [f.id for f in library()[key].fields()
            if f.kind == "item" or f.question.type == "likert"]


def _open_and_issue(app) -> str:
    from survey_app.extensions import db
    from survey_app.member_surveys.operations import issue_codes
    from survey_app.models import Campaign, Organisation

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == CAMPAIGN))
        campaign.status = "open"
        campaign.opens_on, campaign.closes_on = date.today() - timedelta(1), date.today() + timedelta(9)
        db.session.commit()
        group = db.session.scalar(select(Organisation).where(Organisation.code == GROUP))
        code = issue_codes(campaign, group, 1)[0]
        db.session.remove()
        return code


def _stored(app) -> dict[str, int]:
    from survey_app.extensions import db
    from survey_app.models import Campaign, Organisation, Response

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == CAMPAIGN))
        out = {}
        for code in (GROUP, BRANCH):
            unit = db.session.scalar(select(Organisation).where(Organisation.code == code))
            out[code] = len(db.session.scalars(select(Response.id).where(
                Response.campaign_id == campaign.id, Response.target_id == unit.id)).all())
        db.session.remove()
        return out


def _answer(page, fields: list[str]) -> None:
    for field in fields:
        page.locator(f'input[name="{field}"][value="satisfied"]').check()


def test_member_rates_group_then_branch_with_one_code_on_a_phone(live_server, open_page, shot):
    app = live_server.app
    code = _open_and_issue(app)
    before = _stored(app)
    page = open_page(PHONE)
    assert page.goto(live_server(f"/s/{code}")).status == 200
    expect(page.locator("h1")).to_have_text("职工小家会员满意度测评")
    expect(page.locator("#survey-step")).to_contain_text("第 1 步，共 2 步")
    expect(page.locator("#survey-step")).to_contain_text("生产车间二组")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "step-1-group", full_page=False)

    _answer(page, _required_radios("small_home"))
    page.locator("textarea[name=sh_suggest]").fill("班组休息室加空调")
    page.get_by_role("button", name="下一步", exact=True).click()
    page.wait_for_load_state()
    assert "step=2" in page.url
    expect(page.locator("h1")).to_have_text("会员评家满意度测评")
    expect(page.locator("#survey-step")).to_contain_text("第 2 步，共 2 步")
    expect(page.locator("#survey-step")).to_contain_text("生产车间分工会")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _stored(app) == before  # nothing stored before the last step

    _answer(page, _required_radios("member_evaluation"))
    shot(page, "step-2-branch", full_page=False)
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/thanks")
    after = _stored(app)
    assert after == {GROUP: before[GROUP] + 1, BRANCH: before[BRANCH] + 1}

    # The code is used: opening it again in another browser is refused.
    other = open_page(PHONE)
    assert other.goto(live_server(f"/s/{code}")).status == 409
