"""Closing a campaign on a phone asks first, with what will happen and to how many; cancel
leaves it open, confirming closes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, campaign_id, login, zh

pytestmark = pytest.mark.e2e


def test_closing_asks_for_confirmation_on_a_phone(live_server, open_page, shot):
    app = live_server.app
    cid = campaign_id(app)
    page = open_page(PHONE)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(live_server(f"/campaigns/{cid}"))
    status = page.locator("p strong", has_text=zh(app, "Status"))
    close = page.get_by_role("button", name=zh(app, "Close the campaign"))
    close.click()

    expect(page.locator("h1")).to_have_text(zh(app, "Close the campaign?"))
    summary = page.locator(".confirm-summary")
    units = int(summary.get_attribute("data-units"))
    responses = int(summary.get_attribute("data-responses"))
    assert units > 40 and responses > 1000  # the demo's open member campaign
    expect(summary).to_contain_text(str(units))
    expect(summary).to_contain_text(str(responses))
    shot(page, "confirm-close")

    page.get_by_role("link", name=zh(app, "Cancel")).click()
    expect(status).to_contain_text(zh(app, "Open"))

    page.get_by_role("button", name=zh(app, "Close the campaign")).click()
    page.get_by_role("button", name=zh(app, "Yes, close the campaign")).click()
    expect(status).to_contain_text(zh(app, "Closed"))
    shot(page, "closed")
