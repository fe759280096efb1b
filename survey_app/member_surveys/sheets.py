"""Printable code sheets: each code with its QR code and URL, for cutting and handing out."""

from __future__ import annotations

import io

import qrcode
from fpdf import FPDF

from analysis.fonts import cjk_font_path
from survey_app.member_surveys.codes import display
from survey_app.models import Campaign, Organisation

COLUMNS, ROWS = 2, 4  # eight slips per A4 page
SLIP_W, SLIP_H = 95.0, 68.0
MARGIN_X, MARGIN_Y = 10.0, 12.0

#: Printed at the foot of every page, for whoever hands the slips out. A one-time code
#: answers "already used" to its holder, so whoever knows who holds which code learns
#: who took part: the slips must be drawn at random.
HANDOUT_NOTE = ("发放说明：请沿虚线剪开，将纸条打乱、折叠后放入箱中，由会员随机抽取一张；"
                "不要按名单发放，不要记录谁拿到了哪一张。")
#: On every slip, for the member.
SLIP_NOTE = ("扫码或打开网址匿名填写，本码只能使用一次。参评码随机抽取，"
             "平台和工会都不知道你拿到的是哪一张。"
             "Scan or open the link; the code works once, anonymously.")


def _qr_png(url: str) -> io.BytesIO:
    image = qrcode.make(
        url, box_size=6, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    buffer = io.BytesIO()
    # 8-bit greyscale: fpdf2 writes 1-bit PNGs with the wrong row stride (noise, not a code).
    image.get_image().convert("L").save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def codes_csv(target: Organisation, codes: list[tuple[str, str]]) -> str:
    """The codes as CSV (with a BOM for Excel): code as printed, its link, the unit; cells
    formula-neutralised. ``codes`` are ``(code, url)`` pairs. The web page and the open API
    both download this."""
    import csv

    from analysis.spreadsheets import neutralise_row

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "url", "unit_code", "unit_name"])
    for code, url in codes:
        writer.writerow(neutralise_row([display(code), url, target.code, target.name]))
    return "\ufeff" + out.getvalue()


def code_sheet_pdf(campaign: Campaign, target: Organisation, codes: list[tuple[str, str]]) -> bytes:
    """A4 sheets, eight slips a page: campaign, unit, QR code, code in groups, URL."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=str(cjk_font_path()))
    pdf.set_title(f"参评码 {campaign.code} {target.code}")
    for index, (code, url) in enumerate(codes):
        slot = index % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
            pdf.set_xy(MARGIN_X, MARGIN_Y + ROWS * SLIP_H + 2)
            pdf.set_font("cjk", size=8)
            pdf.multi_cell(COLUMNS * SLIP_W, 4, HANDOUT_NOTE)
        x = MARGIN_X + (slot % COLUMNS) * SLIP_W
        y = MARGIN_Y + (slot // COLUMNS) * SLIP_H
        pdf.set_draw_color(160)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.line(x, y, x + SLIP_W, y)
        pdf.line(x, y, x, y + SLIP_H)
        pdf.set_dash_pattern()
        pdf.image(_qr_png(url), x=x + 3, y=y + 6, w=38, h=38)
        pdf.set_xy(x + 44, y + 6)
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(SLIP_W - 47, 5, f"{campaign.name}\n{target.name}")
        pdf.set_xy(x + 44, y + 24)
        pdf.set_font("cjk", size=9)
        pdf.cell(SLIP_W - 47, 5, "参评码 Access code")
        pdf.set_xy(x + 44, y + 30)
        pdf.set_font("cjk", size=13)
        pdf.cell(SLIP_W - 47, 7, display(code))
        pdf.set_xy(x + 3, y + 47)
        pdf.set_font("cjk", size=7)
        pdf.multi_cell(SLIP_W - 6, 3.5, f"{url}\n{SLIP_NOTE}")
    return bytes(pdf.output())
