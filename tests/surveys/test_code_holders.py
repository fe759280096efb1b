"""Who holds which code: a used code answers "already used" to whoever holds it, so the
slips are drawn at random, nobody can look up a code's state, and refused look-ups are
counted per campaign and day, never by code. The promise page says all of it."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import inspect, select

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models import CodeLookupCount
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID

SOURCE = Path(__file__).resolve().parents[2]


def _submit(client, code):
    token = csrf_token_from(client.get(f"/s/{code}").get_data(as_text=True))
    return client.post(f"/s/{code}", data={"csrf_token": token, "action": "submit", **VALID})


def test_refused_look_ups_are_counted_per_campaign_and_day_never_by_code(demo, app, codes,
                                                                        campaign):
    member, other = app.test_client(), app.test_client()
    assert _submit(member, codes[0]).status_code == 302
    assert member.get(f"/s/{codes[0]}").status_code == 302  # the member's own browser: thanks
    assert other.get(f"/s/{codes[0]}").status_code == 409
    assert other.get(f"/s/{codes[0].lower()}").status_code == 409
    assert other.get("/s/ABCDEFGHJKMNPQ").status_code == 404  # well formed, unknown
    assert other.get("/s/short").status_code == 404
    with demo.app_context():
        counts = {(r.day, r.campaign_id, r.outcome): r.count
                  for r in db.session.scalars(select(CodeLookupCount))}
        columns = {c["name"] for c in inspect(db.engine).get_columns("code_lookup_counts")}
    day = today()  # the platform's date (Asia/Shanghai), not the machine's
    assert counts == {(day, campaign, "used"): 2, (day, 0, "unknown"): 2}
    assert columns == {"day", "campaign_id", "outcome", "count"}


def test_the_codes_page_says_to_draw_slips_at_random_and_shows_used_look_ups(
        demo, app, client, auth, codes, campaign):
    other = app.test_client()
    assert _submit(app.test_client(), codes[1]).status_code == 302
    for _ in range(3):
        assert other.get(f"/s/{codes[1]}").status_code == 409
    auth.login("city_admin", "demo-city-2026")
    html = client.get(f"/surveys/{campaign}/codes").get_data(as_text=True)
    assert "参评码纸条必须随机发放" in html and "不要按名单发放" in html
    table = html[html.index('id="refused-lookups"'):]
    assert re.search(rf"<td>{today().isoformat()}</td><td>3</td>", table)
    for code in codes:
        assert code not in html


def test_the_printed_sheet_tells_how_to_hand_out_and_the_member_that_nobody_knows(
        demo, client, auth, campaign):
    auth.login("city_admin", "demo-city-2026")
    page = client.get(f"/surveys/{campaign}/codes").get_data(as_text=True)
    with demo.app_context():
        from survey_app.models import Organisation

        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01")).id
    pdf = client.post(f"/surveys/{campaign}/codes", data={
        "csrf_token": csrf_token_from(page), "target": g01, "count": 9, "fmt": "pdf"})
    reader = PdfReader(io.BytesIO(pdf.data))
    pages = ["".join(p.extract_text().split()) for p in reader.pages]
    assert len(pages) == 2
    for text in pages:
        assert "由会员随机抽取一张" in text and "不要记录谁拿到了哪一张" in text
    assert "".join(pages).count("平台和工会都不知道你拿到的是哪一张") == 9


def test_nothing_outside_the_member_path_looks_up_a_code():
    """Only the member's own page turns a code into its row; issuing hashes new codes.
    A page, command or export that took a code and told its state would tell who took
    part to whoever knows who holds that code."""
    allowed_hashing = {"survey_app/member_surveys/views.py", "survey_app/member_surveys/codes.py",
                       "survey_app/member_surveys/operations.py", "demo/campaigns.py"}
    allowed_matching = {"survey_app/member_surveys/queries.py",
                        "survey_app/member_surveys/operations.py"}
    for path in [*SOURCE.glob("survey_app/**/*.py"), *SOURCE.glob("demo/**/*.py")]:
        name = path.relative_to(SOURCE).as_posix()
        if "/migrations/" in name:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bcode_hash\(", text):
            assert name in allowed_hashing, f"{name} hashes a code"
        if re.search(r"code_hash\s*==", text):
            assert name in allowed_matching, f"{name} looks a code up by its hash"


def test_the_promise_page_in_chinese_and_english_is_linked_from_the_survey_and_home(
        demo, app, codes):
    client = app.test_client()
    html = client.get("/privacy").get_data(as_text=True)
    for words in ("你的回答如何被保护", "只有日期，没有具体时间", "默认 5 人", "绝不少于 3 人",
                  "随机抽取", "评议结束后才统计", "仍然存在的风险"):
        assert words in html
    assert 'href="/privacy"' in client.get(f"/s/{codes[2]}").get_data(as_text=True)
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": token})
    english = client.get("/privacy").get_data(as_text=True)
    assert "How your answers are protected" in english and "never fewer than 3" in english
    assert client.get("/privacy").status_code == 200
