"""Path 4 (the unit dashboard) and path 5 (an analyst's heatmap and exports), on last year's
published demo campaign DEMO-MEMBER-2025. The report pages are new: labels are looked up
through the app's translations (``zh``)."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, login, zh

pytestmark = pytest.mark.e2e

PUBLISHED = "DEMO-MEMBER-2025"


def images_loaded(page) -> list[dict]:
    """Every <img> of the page: its source and whether the browser could draw it."""
    page.wait_for_load_state("networkidle")
    return page.locator("main img").evaluate_all(
        "els => els.map(e => ({src: e.getAttribute('src'), ok: e.complete && e.naturalWidth > 0,"
        " alt: e.alt}))")


def download(page, link_text: str, app):
    with page.expect_download() as info:
        page.get_by_role("link", name=zh(app, link_text)).first.click()
    d = info.value
    path = ARTIFACTS / d.suggested_filename
    d.save_as(path)
    return path


def test_admin_opens_the_unit_dashboard(live_server, open_page, shot):
    app = live_server.app
    page = open_page(DESKTOP)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.get_by_role("link", name=zh(app, "Reports")).first.click()
    expect(page.locator("h1")).to_have_text(zh(app, "Reports"))
    page.goto(live_server(f"/reports/{PUBLISHED}/units/DEMO-G01"))
    expect(page.locator("h1")).to_contain_text("江滨机械制造有限公司工会")
    images = images_loaded(page)
    assert images, "the unit dashboard shows no chart"
    broken = [i["src"] for i in images if not i["ok"]]
    assert not broken, f"charts that did not load: {broken}"
    assert all(i["alt"] for i in images)
    shot(page, "unit-dashboard")
    pdf = download(page, "Printable report (PDF)", app)
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_analyst_heatmap_and_exports(live_server, open_page, shot):
    app = live_server.app
    page = open_page(DESKTOP)
    login(page, live_server.url, "analyst", "demo-analyst-2026")
    page.goto(live_server("/reports/"))
    row = page.locator("table.table tbody tr", has_text=PUBLISHED)
    row.get_by_role("link", name=zh(app, "Heatmap")).click()
    expect(page.locator("h1")).to_contain_text("2025年度会员评家（演示）")
    images = images_loaded(page)
    assert len(images) == 1 and images[0]["ok"], images
    size = page.locator("main img").evaluate("e => [e.naturalWidth, e.naturalHeight]")
    assert size[0] > 300 and size[1] > 200
    shot(page, "heatmap")
    page.goto(live_server(f"/reports/{PUBLISHED}/"))
    expect(page.locator("main img").first).to_be_visible()
    broken = [i["src"] for i in images_loaded(page) if not i["ok"]]
    assert not broken, broken
    shot(page, "overview")

    xlsx = download(page, "Ledger (Excel)", app)
    with zipfile.ZipFile(xlsx) as z:
        assert "xl/workbook.xml" in z.namelist()
    import openpyxl

    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert book.sheetnames

    sav = download(page, "Responses (SPSS)", app)
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(sav))
    assert len(frame) > 100
    assert meta.column_labels and any(meta.variable_value_labels.values())
