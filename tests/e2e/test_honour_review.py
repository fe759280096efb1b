"""荣誉动态管理 on a phone: the city federation confirms the assessment's recommendation into
the honours register and warns an honoured unit on the re-check list, with its reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.extensions import db
from tests.e2e.conftest import PHONE, login, run_axe, serious

pytestmark = pytest.mark.e2e


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def _withdraw_provincial_honour_of_g05(app) -> None:
    """The demo's two units that earn the 2025 qualified home hold higher honours, so the
    assessment recommends nothing to the register; once G05's provincial honour is
    withdrawn, its qualified home is recommended."""
    from survey_app.models import Organisation
    from survey_app.models.partnering import Honour

    with app.app_context():
        honour = db.session.scalar(select(Honour).join(
            Organisation, Organisation.id == Honour.organisation_id).where(
            Organisation.code == "DEMO-G05", Honour.level == "provincial"))
        honour.status, honour.status_note = "withdrawn", "复查未通过"
        db.session.commit()
        db.session.remove()


def test_city_confirms_a_recommendation_and_warns_an_honour(live_server, open_page, shot, app):
    _withdraw_provincial_honour_of_g05(app)
    page = open_page(viewport=PHONE)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(f"{live_server.url}/partnering/review?year=2025")
    expect(page.get_by_role("heading", name="复查和预警名单")).to_be_visible()
    _no_sideways_scroll(page)
    assert serious(run_axe(page, live_server.url)) == []
    shot(page, "honour-review")

    row = page.locator("tr", has_text="DEMO-G05").filter(has=page.get_by_role(
        "button", name="确认并记入荣誉名录"))
    row.get_by_label("文号").fill("东工发〔2026〕7号")
    row.get_by_role("button", name="确认并记入荣誉名录").click()
    expect(page.get_by_text("荣誉已记入名录。")).to_be_visible()

    listed = page.locator("tr#honour-" + _honour_id(app, "DEMO-G27"))
    expect(listed.get_by_text("会员满意率56.6%", exact=False)).to_be_visible()
    listed.get_by_text("处理", exact=True).click()
    listed.get_by_label("决定").select_option("warned")
    listed.get_by_role("button", name="保存决定").click()
    expect(page.get_by_text("请说明预警或撤销的理由。")).to_be_visible()  # a reason is needed
    listed = page.locator("tr#honour-" + _honour_id(app, "DEMO-G27"))
    listed.get_by_label("原因").fill("会员满意率和考核得分均低于标准，限期三个月整改")
    listed.get_by_role("button", name="保存决定").click()
    expect(page.get_by_text("决定已记录。")).to_be_visible()
    listed = page.locator("tr#honour-" + _honour_id(app, "DEMO-G27"))
    expect(listed.get_by_text("限期三个月整改")).to_be_visible()
    _no_sideways_scroll(page)
    shot(page, "honour-warned")

    from survey_app.models import Organisation
    from survey_app.models.partnering import Honour

    with app.app_context():
        g05 = db.session.scalar(select(Organisation.id).where(Organisation.code == "DEMO-G05"))
        confirmed = db.session.scalar(select(Honour).where(Honour.organisation_id == g05,
                                                           Honour.year == 2025))
        assert confirmed is not None and confirmed.assessment_run_id is not None
        assert confirmed.document_number == "东工发〔2026〕7号"
        db.session.remove()


def _honour_id(app, code: str) -> str:
    from survey_app.models import Organisation
    from survey_app.models.partnering import Honour

    with app.app_context():
        found = db.session.scalar(select(Honour.id).join(
            Organisation, Organisation.id == Honour.organisation_id).where(
            Organisation.code == code).order_by(Honour.year.desc()))
        db.session.remove()
        return str(found)
