"""Printable reminder notices (催办通知) as a PDF: one A4 page per rater behind schedule, to
hand out or send to the units that still have evaluations to submit.

Only named raters (units and accounts that rate openly) get a notice. Members of anonymous
groups are never reminded one by one, so their units appear on the reminders page with a
participation band and on no notice.
"""

from __future__ import annotations

import io
from datetime import date

import qrcode
from flask_babel import gettext as _
from fpdf import FPDF

from analysis.fonts import cjk_font_path
from survey_app.campaigns.queries import RaterBehind
from survey_app.models import Campaign

WIDTH = 170.0  # printable width on A4 with 20 mm margins


def _qr_png(url: str) -> io.BytesIO:
    image = qrcode.make(url, box_size=6, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    # 8-bit greyscale: fpdf2 writes 1-bit PNGs with the wrong row stride
    image.get_image().convert("L").save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def reminder_notices_pdf(campaign: Campaign, raters: list[RaterBehind], on: date,
                         login_url: str) -> bytes:
    """One page per rater: the campaign, how many evaluations are outstanding, the due date
    (and whether it has passed), how to answer, with a QR code of the login page."""
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("cjk", fname=str(cjk_font_path()))
    title = _("Reminder notices")
    pdf.set_title(f"{title} {campaign.code}")
    sender = campaign.owner.name if campaign.owner is not None else ""
    qr = _qr_png(login_url).getvalue()
    for rater in raters:
        pdf.add_page()
        pdf.set_font("cjk", size=20)
        pdf.cell(WIDTH, 14, _("Reminder"), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_font("cjk", size=14)
        pdf.multi_cell(WIDTH, 9, f"{rater.name}：", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("cjk", size=12)
        lines = [_("In %(campaign)s, your unit still has %(n)d evaluations to submit.",
                   campaign=campaign.name, n=rater.outstanding)]
        if rater.due_on is not None:
            lines.append(_("Please submit them by %(day)s.", day=rater.due_on.isoformat()))
            if rater.overdue:
                lines.append(_("The due date has passed: please submit them as soon as "
                               "possible."))
        lines.append(_("Log in to Pingjia with your evaluator account and open “My "
                       "evaluations”."))
        for line in lines:
            pdf.multi_cell(WIDTH, 8, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        pdf.ln(4)
        top = pdf.get_y()
        pdf.image(io.BytesIO(qr), x=20, y=top, w=40, h=40)
        pdf.set_xy(66, top + 8)
        pdf.set_font("cjk", size=10)
        scan = _("Scan to log in")
        pdf.multi_cell(WIDTH - 46, 6, f"{scan}\n{login_url}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(top + 48)
        pdf.set_font("cjk", size=9)
        pdf.multi_cell(WIDTH, 5, _("This notice concerns evaluations given by name. Members "
                                   "who answer anonymously are never reminded one by one."),
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
        pdf.set_font("cjk", size=12)
        pdf.cell(WIDTH, 8, sender, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(WIDTH, 8, on.isoformat(), align="R", new_x="LMARGIN", new_y="NEXT")
    if not raters:
        pdf.add_page()
        pdf.set_font("cjk", size=12)
        pdf.multi_cell(WIDTH, 8, _("Every rater has submitted."))
    return bytes(pdf.output())
