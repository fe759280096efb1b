"""The platform admin chooses, on a phone, which campaign feeds each assessment input and
computes: a grassroots union's own published survey is offered but never taken by default."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.extensions import db
from tests.e2e.conftest import PHONE, login, zh

pytestmark = pytest.mark.e2e

YEAR = 2026


def add_g01_member_campaign(app) -> None:
    """G01's own member survey, published: the one that used to replace the city's."""
    from survey_app.models import Campaign, Organisation

    with app.app_context():
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        db.session.add(Campaign(code="G01-MEMBER-2026", name="G01 会员评家", kind="member",
                                year=YEAR, status="published", owner=g01))
        db.session.commit()
        db.session.remove()


def test_admin_chooses_the_member_campaign_and_computes_on_a_phone(live_server, open_page,
                                                                    shot):
    app = live_server.app
    add_g01_member_campaign(app)
    page = open_page(PHONE)
    login(page, live_server.url, "admin", "demo-admin-2026")
    page.goto(live_server(f"/assessment/default/{YEAR}/"))
    member = page.locator("select[name=slot_member]")
    expect(member).to_be_visible()
    assert "G01-MEMBER-2026" in member.inner_text()
    shot(page, "choices")

    page.get_by_role("button", name=zh(app, "Compute now")).click()
    used = page.locator("ul.campaigns-used")
    expect(used).to_contain_text(zh(app, "none (inputs missing)"))
    expect(used).not_to_contain_text("G01-MEMBER-2026")
    expect(used).not_to_contain_text("DEMO-MEMBER-2026")  # the city's is still open

    member.select_option("G01-MEMBER-2026")
    page.get_by_role("button", name=zh(app, "Compute now")).click()
    expect(used).to_contain_text("G01-MEMBER-2026")
    expect(page.locator("select[name=slot_member]")).to_have_value("G01-MEMBER-2026")
    # the choices fit the phone's width
    box = page.locator("form.compute-form select[name=slot_member]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
    shot(page, "computed-with-choice")
