"""A grassroots union's admin, on a phone, finds the city's member campaign that covers the
union, prints the members' code slips and follows participation; the city's settings stay
locked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, PHONE, campaign_id, login, zh

pytestmark = pytest.mark.e2e


def test_grassroots_admin_prints_its_codes_on_a_phone(live_server, open_page, shot):
    app = live_server.app
    cid = campaign_id(app)
    page = open_page(PHONE)
    login(page, live_server.url, "g01_admin", "demo-g01-2026")
    page.goto(live_server("/campaigns/"))
    item = page.locator("ul.covering-campaigns li", has_text="DEMO-MEMBER-2026")
    expect(item).to_be_visible()
    shot(page, "campaign-list")
    item.get_by_role("link", name=zh(app, "Access codes")).click()

    unit = page.get_by_label("单位")
    options = unit.locator("option").evaluate_all("els => els.map(e => e.textContent)")
    assert [o.strip().split(" ")[0] for o in options] == ["DEMO-G01"]
    page.get_by_label("参评码数量").fill("5")
    page.get_by_label("格式").select_option("pdf")
    shot(page, "codes-form", full_page=False)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="生成参评码").click()
    download = download_info.value
    assert download.suggested_filename == "codes-DEMO-MEMBER-2026-DEMO-G01.pdf"
    pdf = ARTIFACTS / "delegated-code-sheet.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    page.get_by_role("link", name=zh(app, "Participation")).click()
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("DEMO-G01")
    shot(page, "participation")

    response = page.goto(live_server(f"/campaigns/{cid}/edit"))
    assert response.status == 403
