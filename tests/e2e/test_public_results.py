"""The public notice page (公示) on a phone, as a member opens it from the QR code: figures,
QR code, printable version; axe-core finds no serious violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.extensions import db
from tests.e2e.conftest import PHONE, zh
from tests.e2e.test_accessibility import check_axe

pytestmark = pytest.mark.e2e


def _public(app, code: str = "DEMO-MEMBER-2025") -> None:
    from survey_app.models import Campaign

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
        campaign.public_results = True
        db.session.commit()
        db.session.remove()


def test_public_results_on_a_phone(app, live_server, open_page, shot):
    page = open_page(PHONE)
    response = page.goto(live_server("/u/DEMO-G02/results"))
    assert response.status == 404
    _public(app)
    page.goto(live_server("/u/DEMO-G02/results"))
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_text(zh(app, "Satisfaction index (0–100)"))).to_be_visible()
    qr = page.get_by_alt_text(zh(app, "QR code of this page"))
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth > 0", qr.element_handle())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    check_axe(page, live_server.url, "public-results-360")
    shot(page, "public-results-360")

    page.get_by_role("link", name=zh(app, "Printable version")).click()
    expect(page).to_have_url(live_server("/u/DEMO-G02/results/print"))
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    check_axe(page, live_server.url, "public-results-print")


def test_comment_queue_and_public_switch_pass_axe(app, live_server, open_page):
    from tests.e2e.conftest import DESKTOP, campaign_id, login

    page = open_page(DESKTOP)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    cid = campaign_id(live_server.app, "DEMO-MEMBER-2025")
    assert page.goto(live_server(f"/comments/{cid}")).status == 200
    check_axe(page, live_server.url, "comment-queue-1280")
    assert page.goto(live_server(f"/campaigns/{cid}")).status == 200
    page.get_by_role("button", name=zh(app, "Show the results to members")).click()
    expect(page.get_by_role("button", name=zh(app, "Turn the public page off"))).to_be_visible()
    check_axe(page, live_server.url, "campaign-public-switch-1280")
