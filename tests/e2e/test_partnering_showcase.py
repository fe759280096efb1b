"""联手兴家 展示 on a phone: a member-level account of the federation reads the published
highlight with its photos (served through the authorised route); the highlight still
awaiting the partner's confirmation is not shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, login, run_axe, serious

pytestmark = pytest.mark.e2e


def test_showcase_on_a_phone(live_server, open_page, shot):
    page = open_page(viewport=PHONE)
    login(page, live_server.url, "evaluator_g01", "demo-eval-2026")
    page.goto(f"{live_server.url}/partnering/showcase")
    expect(page.get_by_role("heading", name="月月有活动：会员实名制台账从无到有")).to_be_visible()
    expect(page.get_by_text("技能比武共办")).to_have_count(0)
    photos = page.locator("article.highlight img")
    expect(photos).to_have_count(2)
    for n in range(2):
        photos.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=photos.nth(n).element_handle())
        assert photos.nth(n).bounding_box()["width"] <= PHONE["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    assert serious(run_axe(page, live_server.url)) == []
    shot(page, "partnering-showcase")
