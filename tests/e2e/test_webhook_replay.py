"""Webhook replay on a phone: a portal subscribes to a receiver on 127.0.0.1 and the city
closes its member campaign through the API; the receiver fails the first delivery; the
city's admin sees it on the integrations page (status, attempts, answer 500), presses 重新发送,
and the next pass of the worker delivers it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.api.conftest import make_token
from tests.api.test_webhooks import Receiver
from tests.e2e.conftest import OPEN_CAMPAIGN, PHONE, login

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _deliver(app) -> None:
    from survey_app.api.delivery import deliver_due

    with app.app_context():
        deliver_due()


def test_a_failed_delivery_is_sent_again_from_a_phone(live_server, open_page, shot, receiver):
    app = live_server.app
    with app.app_context():
        secret = make_token("DEMO-CITY", "webhooks:write", "campaigns:write")
    api = {"Authorization": f"Bearer {secret}"}
    page = open_page(PHONE)
    portal = page.context.request
    made = portal.post(live_server("/api/v1/webhooks"), headers=api,
                       data={"url": receiver.url, "events": ["campaign.closed"]})
    assert made.status == 201
    closed = portal.post(live_server(f"/api/v1/campaigns/{OPEN_CAMPAIGN}/close"), headers=api,
                         data={})
    assert closed.status == 200
    receiver.statuses.append(500)
    _deliver(app)
    assert len(receiver.requests) == 1

    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(live_server("/integrations/tokens#webhooks"))
    section = page.locator("section.webhook", has_text=receiver.url)
    row = section.locator("tr", has_text="campaign.closed")
    expect(row).to_contain_text("500")
    expect(row.locator(".delivery-state")).to_have_text("等待发送")
    row.get_by_role("button", name="重新发送").scroll_into_view_if_needed()
    shot(page, "webhook-failed-360")
    row.get_by_role("button", name="重新发送").click()
    expect(page.get_by_text("该推送将在下一轮发送时重新发送。")).to_be_visible()
    expect(row.locator("td.num").first).to_have_text("0")

    _deliver(app)
    assert len(receiver.requests) == 2
    assert receiver.requests[0][0]["webhook-id"] == receiver.requests[1][0]["webhook-id"]
    page.reload()
    expect(row.locator(".delivery-state")).to_have_text("已送达")
    expect(row).to_contain_text("204")
    shot(page, "webhook-delivered-360")
