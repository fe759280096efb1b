"""台账 for 经验交流会: a pair's ledger as XLSX and PDF (with the photos of its confirmed
activities and Chinese text), for the two sides, the supervising union and platform admins;
the supervision figures as a network summary workbook."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Organisation
from survey_app.models.partnering import Pair
from tests.conftest import csrf_token_from

PASSWORDS = {"lead_g02": "demo-lead-g02-2026", "partner_g01": "demo-partner-g01-2026",
             "city_admin": "demo-city-2026", "district_admin": "demo-district-2026",
             "admin": "demo-admin-2026", "analyst": "demo-analyst-2026",
             "evaluator_g01": "demo-eval-2026", "g02_admin": "test-password-2026"}


def _client(app, username):
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": username,
                                                "password": PASSWORDS[username],
                                                "csrf_token": token})
    assert response.status_code == 302
    return client


@pytest.fixture
def pairs_demo(demo, tmp_path):
    """The demo pairs (with photos stored under ``tmp_path``); ``demo.pair_ids`` by partner."""
    from demo.partnering import load_demo_partnering

    demo.config["UPLOAD_FOLDER"] = str(tmp_path)
    with demo.app_context():
        load_demo_partnering()
        partner = db.aliased(Organisation)
        demo.pair_ids = dict(db.session.execute(
            select(partner.code, Pair.id).join(partner, Pair.partner)).all())
        db.session.remove()
    return demo


def test_pair_ledger_xlsx_holds_the_records_and_the_photos(pairs_demo):
    pair_id = pairs_demo.pair_ids["DEMO-G01"]
    response = _client(pairs_demo, "lead_g02").get(f"/partnering/pairs/{pair_id}/ledger.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["封面", "联手协议", "活动计划", "活动记录", "督查意见", "活动照片"]
    cover = {r[0]: r[1] for r in book["封面"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert cover["已确认活动"] == 9 and cover["其中有照片"] == 9
    assert "江滨" in cover["牵头工会"] and "DEMO-G01" in cover["联手对象"]
    log = list(book["活动记录"].iter_rows(values_only=True))
    assert log[0][:3] == ("日期", "活动形式", "活动内容") and len(log) == 10
    assert "经验交流" in {r[1] for r in log[1:]}  # the vocabulary's Chinese names
    notes = list(book["督查意见"].iter_rows(values_only=True))
    assert notes[1][2] == "请在台账中补充每次活动的参加人员名单。"
    assert len(book["活动照片"]._images) == 9


def test_pair_ledger_pdf_embeds_photos_and_chinese_text(pairs_demo):
    pair_id = pairs_demo.pair_ids["DEMO-G15"]  # one confirmed activity, one awaiting
    response = _client(pairs_demo, "city_admin").get(f"/partnering/pairs/{pair_id}/ledger.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "联手兴家台账" in text and "活动记录" in text and "督查意见" in text
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1  # the unconfirmed activity's photo is no record
    fonts = {str(font.get("/BaseFont")) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()
             for font in [font.get_object()]}
    assert any("CJK" in name or "Noto" in name for name in fonts)


@pytest.mark.parametrize(("username", "status"), [
    ("lead_g02", 200), ("partner_g01", 200), ("district_admin", 200), ("city_admin", 200),
    ("admin", 200), ("analyst", 403), ("evaluator_g01", 403), ("g02_admin", 200)])
def test_pair_ledger_is_for_the_sides_the_upper_union_and_platform_admins(pairs_demo, username,
                                                                          status):
    if username == "g02_admin":
        from tests.partnering.conftest import make_admin

        with pairs_demo.app_context():
            make_admin("g02_admin", "DEMO-G05")  # another grassroots union: not a side
            db.session.commit()
        status = 403
    pair_id = pairs_demo.pair_ids["DEMO-G01"]
    client = _client(pairs_demo, username)
    assert client.get(f"/partnering/pairs/{pair_id}/ledger.pdf").status_code == status
    assert client.get(f"/partnering/pairs/{pair_id}/ledger.csv").status_code in (403, 404)


def test_network_summary_holds_the_supervision_figures(pairs_demo):
    from survey_app.dates import today

    response = _client(pairs_demo, "city_admin").get(
        f"/partnering/supervision.xlsx?year={today().year}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cover = {r[0]: r[1] for r in book["封面"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert cover["结对数"] == 8 and cover["半拉子工程"] == 2
    rows = list(book["结对"].iter_rows(values_only=True))
    assert len(rows) == 9 and "计划完成率" in rows[0]
    below = {r[1] for r in book["未达网络目标"].iter_rows(min_row=2, values_only=True)}
    assert {"DEMO-G05", "DEMO-G14", "DEMO-G27"} <= below
    # a district sees its own pairs only
    district = _client(pairs_demo, "district_admin").get(
        f"/partnering/supervision.xlsx?year={today().year}")
    rows = list(load_workbook(io.BytesIO(district.data))["结对"].iter_rows(values_only=True))
    assert len(rows) == 6  # the five pairs DEMO-D01 supervises
