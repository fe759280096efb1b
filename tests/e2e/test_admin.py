"""Path 4 (the parts that exist): a union admin issues codes, downloads the printable sheet,
and watches participation move when a member answers with a code from that sheet."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, campaign_id, login

pytestmark = pytest.mark.e2e

CODE_ON_SHEET = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}\b")


def participation_row(page, unit: str) -> list[str]:
    row = page.locator("table.table tbody tr", has_text=unit)
    expect(row).to_have_count(1)
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def answer_everything(page) -> None:
    """Answer every required question of the member evaluation with 满意."""
    names = page.locator(".question[data-required] input[type=radio]").evaluate_all(
        "els => [...new Set(els.map(e => e.name))]")
    for name in names:
        page.locator(f'input[name="{name}"][value="satisfied"]').check()


def download_sheet(page, live_server, cid: int, shot=None, campaign: str = "DEMO-MEMBER-2026"):
    """Issue five codes for DEMO-G01 on the codes page; return the PDF's path and its codes."""
    page.goto(live_server(f"/surveys/{cid}/codes"))
    unit = page.get_by_label("单位")
    unit.select_option(label=next(o for o in unit.locator("option").all_inner_texts()
                                  if o.startswith("DEMO-G01 ")))
    page.get_by_label("参评码数量").fill("5")
    page.get_by_label("格式").select_option("pdf")
    if shot:
        shot(page, "codes-form", full_page=False)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="生成参评码").click()
    download = download_info.value
    assert download.suggested_filename == f"codes-{campaign}-DEMO-G01.pdf"
    pdf = ARTIFACTS / "admin-code-sheet.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert len(reader.pages) == 1  # eight slips a page
    text = "\n".join(p.extract_text() for p in reader.pages)
    codes = sorted(set(CODE_ON_SHEET.findall(text)))
    assert len(codes) == 5, text
    return pdf, codes


def test_admin_issues_codes_and_watches_participation(live_server, open_page, shot, tmp_path):
    cid = campaign_id(live_server.app)
    page = open_page(DESKTOP)
    login(page, live_server.url, "city_admin", "demo-city-2026")

    page.goto(live_server(f"/surveys/{cid}/participation"))
    expect(page.locator("h1")).to_contain_text("参评情况")
    before = participation_row(page, "DEMO-G01")
    # issued; used and responses of an open campaign: none shown, counted up to yesterday
    assert before[1:4] == ["0", "—", "≥ 0"], before
    eligible = int(before[4])
    shot(page, "participation-before", full_page=False)

    # Issue five codes for DEMO-G01 as a printable PDF sheet.
    pdf, codes = download_sheet(page, live_server, cid, shot)
    if shutil.which("pdftoppm"):  # the sheet as the admin prints it, for a look
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(ARTIFACTS / "admin-code-sheet")], check=True)

    page.goto(live_server(f"/surveys/{cid}/participation"))
    assert participation_row(page, "DEMO-G01")[1:4] == ["5", "—", "≥ 0"]

    # A member answers with one of the printed codes (typed as printed, with dashes).
    member = open_page(PHONE)
    member.goto(live_server(f"/s/{codes[0]}"))
    answer_everything(member)
    member.get_by_role("button", name="提交", exact=True).click()
    expect(member.locator("h1")).to_have_text("感谢您的评议")

    page.reload()
    after = participation_row(page, "DEMO-G01")
    # one member's answer moves nothing on the page the same day (release policy)
    assert after[1:4] == ["5", "—", "≥ 0"], after
    assert after[5] == "0.0%" and eligible > 0
    expect(page.locator("#banded-note")).to_be_visible()
    assert codes[0] not in page.content()
    shot(page, "participation-after", full_page=False)


def test_admin_pages_need_a_login(live_server, open_page):
    cid = campaign_id(live_server.app)
    page = open_page(DESKTOP)
    page.goto(live_server(f"/surveys/{cid}/participation"))
    assert "/auth/login" in page.url
    expect(page.locator("h1")).to_have_text("登录")


def finder_pattern_at(image, left: int, top: int, module: int) -> bool:
    """A QR finder pattern: a 7-module black ring, a white ring, a 3-module black centre."""
    def black(mx, my):
        return image.getpixel((left + mx * module + module // 2,
                               top + my * module + module // 2)) < 128

    ring = all(black(i, 0) and black(i, 6) and black(0, i) and black(6, i) for i in range(7))
    gap = all(not black(i, 1) and not black(1, i) for i in range(1, 6))
    return ring and gap and black(3, 3)


def test_printed_qr_codes_are_intact(live_server, open_page):
    from pypdf import PdfReader

    page = open_page(DESKTOP)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    pdf, _ = download_sheet(page, live_server, campaign_id(live_server.app))
    images = PdfReader(pdf).pages[0].images
    assert len(images) == 5
    for embedded in images:
        image = embedded.image.convert("L")
        size = image.size[0]
        module, border = 6, 12  # sheets.py: box_size=6, border=2 modules
        corners = [(border, border), (size - border - 7 * module, border),
                   (border, size - border - 7 * module)]
        assert all(finder_pattern_at(image, x, y, module) for x, y in corners), \
            "a printed QR code has no finder patterns"
