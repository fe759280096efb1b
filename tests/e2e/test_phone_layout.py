"""Staff pages fit a 390 px phone: tables scroll inside their own box, charts scale down."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}
PUBLISHED = "DEMO-MEMBER-2025"
PAGES = [f"/reports/{PUBLISHED}/", f"/reports/{PUBLISHED}/units/DEMO-G01",
         f"/reports/{PUBLISHED}/heatmap", "/reports/", "/campaigns/", "/orgs/", "/assessment/"]

WIDEST = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
               && !e.closest('.table'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def test_report_and_staff_pages_fit_a_phone(live_server, open_page, shot):
    page = open_page(PHONE_390)
    login(page, live_server.url, "admin", "demo-admin-2026")
    too_wide = {}
    for path in PAGES:
        page.goto(live_server(path))
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = (width, page.evaluate(WIDEST))
    shot(page, "phone-assessment")
    page.goto(live_server(f"/reports/{PUBLISHED}/"))
    shot(page, "phone-report-overview")
    assert not too_wide, too_wide
