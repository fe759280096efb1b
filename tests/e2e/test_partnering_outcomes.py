"""联手兴家 成效 on a phone: the city federation's admin reads the honours gained after
pairing and, since the demo's 2026 member campaign is still open, the plain not-enough-data
message instead of an estimate; the campaign choice fits the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, login, run_axe, serious

pytestmark = pytest.mark.e2e


def test_outcomes_page_on_a_phone(live_server, open_page, shot):
    page = open_page(viewport=PHONE)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(f"{live_server.url}/partnering/outcomes")
    expect(page.get_by_role("heading", name="联手后获得的荣誉")).to_be_visible()
    expect(page.locator("#honour-summary")).to_contain_text("个牵头工会已联手")
    expect(page.get_by_label("结对前的评议活动")).to_be_visible()
    expect(page.locator("#outcome-satisfaction_index")).to_contain_text("数据不足")
    assert page.locator(".estimate").count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    assert serious(run_axe(page, live_server.url)) == []
    shot(page, "partnering-outcomes")
