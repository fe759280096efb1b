"""联手兴家 on a phone: the lead union logs an activity with a photo, the partner union
confirms it; the photo is served without its EXIF data."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.extensions import db
from tests.e2e.conftest import PHONE, login

pytestmark = pytest.mark.e2e


def _pair_id(app) -> int:
    from survey_app.models import Organisation
    from survey_app.models.partnering import Pair

    with app.app_context():
        lead = db.session.scalar(select(Organisation.id).where(Organisation.code == "DEMO-G02"))
        partner = db.session.scalar(select(Organisation.id).where(
            Organisation.code == "DEMO-G01"))
        found = db.session.scalar(select(Pair.id).where(Pair.lead_id == lead,
                                                        Pair.partner_id == partner))
        db.session.remove()
        return found


def _photo_with_gps() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def test_lead_logs_an_activity_with_a_photo_and_the_partner_confirms(live_server, open_page,
                                                                       shot, app):
    pair_url = f"{live_server.url}/partnering/pairs/{_pair_id(app)}"
    page = open_page(viewport=PHONE)
    login(page, live_server.url, "lead_g02", "demo-lead-g02-2026")
    page.goto(pair_url)
    page.get_by_role("link", name="记录活动").click()
    _no_sideways_scroll(page)
    page.get_by_label("活动形式").select_option("guidance")
    page.get_by_label("活动内容").fill("上门指导联手对象建立会员实名制台账")
    page.get_by_label("参加人数").fill("14")
    page.get_by_label("照片（JPEG、PNG 或 WebP）").set_input_files(
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": _photo_with_gps()}])
    shot(page, "partnering-log")
    page.get_by_role("button", name="记录活动").click()
    expect(page.get_by_text("活动已记录，须经联手对象确认。")).to_be_visible()
    entry = page.locator("article.activity", has_text="会员实名制台账")
    expect(entry.get_by_text("等待联手对象确认")).to_be_visible()
    expect(entry.get_by_role("button", name="确认此活动")).to_have_count(0)
    photo = entry.get_by_role("img", name="活动照片")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") == 64
    src = photo.get_attribute("src")
    body = page.request.get(live_server.url + src).body()
    assert body[:2] == b"\xff\xd8" and b"PhoneMaker" not in body and b"Exif" not in body

    partner = open_page(viewport=PHONE)
    login(partner, live_server.url, "partner_g01", "demo-partner-g01-2026")
    partner.goto(pair_url)
    entry = partner.locator("article.activity", has_text="会员实名制台账")
    entry.get_by_role("button", name="确认此活动").click()
    expect(partner.get_by_text("活动已确认。")).to_be_visible()
    entry = partner.locator("article.activity", has_text="会员实名制台账")
    expect(entry.get_by_text("联手对象已于")).to_be_visible()
    _no_sideways_scroll(partner)
    shot(partner, "partnering-confirmed")
