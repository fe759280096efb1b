"""Path 1 and 2: a member answers the demo member evaluation on a phone, in Chinese and English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from questionnaires import library
from tests.e2e.conftest import DESKTOP, OPEN_CAMPAIGN, PHONE

pytestmark = pytest.mark.e2e

QUESTIONNAIRE = library()["member_evaluation"]
FIELDS = [ff.id for ff in QUESTIONNAIRE.fields()]
MATRIX_ITEMS = [ff.id for ff in QUESTIONNAIRE.fields() if ff.kind == "item" and ff.question.type == "matrix"]
CONDITIONAL = "overall_why"  # shown only when overall_sat is 不满意
LEFT_OUT = "cad_efficiency"  # a required matrix row the member forgets at first


def radio(page, field: str, value: str):
    return page.locator(f'input[name="{field}"][value="{value}"]')


def progress(page, done: int, total: int):
    expect(page.locator("#progress-text")).to_have_text(f"{done} / {total}")


def bar_percent(page) -> float:
    width = page.locator("#progress-bar").evaluate("e => e.style.width")
    return float(width.rstrip("%") or 0)


def submit(page, button: str):
    """Click a submit button; return the status of the POST's response."""
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    return posted.value.status


def responses_for(app, unit: str) -> list[dict]:
    from survey_app.extensions import db
    from survey_app.models import Campaign, Organisation, Response

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == OPEN_CAMPAIGN))
        org = db.session.scalar(select(Organisation).where(Organisation.code == unit))
        rows = db.session.scalars(select(Response).where(
            Response.campaign_id == campaign.id, Response.target_id == org.id)).all()
        answers = [dict(r.answers) for r in rows]
        db.session.remove()
        return answers


def test_member_answers_on_a_phone_in_chinese(live_server, issue, open_page, shot):
    assert len(MATRIX_ITEMS) == 29 and CONDITIONAL in FIELDS
    code = issue(1)[0]
    page = open_page(PHONE)
    response = page.goto(live_server(f"/s/{code}"))
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("会员评家满意度测评")
    expect(page.locator(".survey-head .muted")).to_have_text(
        "2026年度会员评家（演示） · 江滨机械制造有限公司工会")
    # The page fits the phone: nothing wider than 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shown_total = len(FIELDS) - 1  # the conditional question starts hidden
    progress(page, 0, shown_total)
    assert bar_percent(page) == 0
    why = page.locator(f"#q-{CONDITIONAL}")
    expect(why).to_be_hidden()
    shot(page, "empty-form", full_page=False)

    # A few answers: the progress bar moves.
    radio(page, MATRIX_ITEMS[0], "satisfied").check()
    progress(page, 1, shown_total)
    first_width = bar_percent(page)
    assert first_width > 0
    radio(page, MATRIX_ITEMS[1], "basic").check()
    progress(page, 2, shown_total)
    assert bar_percent(page) > first_width

    # The conditional question appears live on 不满意, hides again on 满意, and its inputs
    # are disabled while hidden (so they are never posted).
    overall = page.locator("#q-overall_sat")
    overall.get_by_text("不满意", exact=True).click()
    expect(why).to_be_visible()
    expect(why.locator("legend")).to_contain_text("您不满意的主要原因是什么")
    progress(page, 3, shown_total + 1)
    shot(page, "conditional-shown", full_page=False)
    overall.get_by_text("满意", exact=True).click()
    expect(why).to_be_hidden()
    assert why.locator("input").first.is_disabled()
    progress(page, 3, shown_total)
    overall.get_by_text("不满意", exact=True).click()
    expect(why).to_be_visible()
    why.get_by_text("活动少、形式单一").click()
    total = shown_total + 1

    # Every other matrix row but one, a rating and a text.
    for field in MATRIX_ITEMS[2:]:
        if field != LEFT_OUT:
            radio(page, field, "satisfied").check()
    radio(page, "recommend", "8").check()
    page.locator("textarea[name=keep_doing]").fill("职工书屋和读书会")
    # Text counts when the member leaves the field (survey.js listens to "change").
    page.locator("textarea[name=keep_doing]").blur()
    answered = len(MATRIX_ITEMS) - 1 + 1 + 1 + 1 + 1  # matrix, overall, why, recommend, text
    progress(page, answered, total)
    shot(page, "answered-but-one")

    # Submit with the required row missing: 422, an inline error in Chinese, answers kept.
    assert submit(page, "提交") == 422
    expect(page.locator("#error-summary")).to_have_text("有 1 道题需要您处理。")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    row = page.locator(f'.matrix-row[data-field="{LEFT_OUT}"]')
    expect(row.locator(".error-text")).to_have_text("请回答此题。")
    expect(row.locator(".error-text")).to_be_visible()
    expect(radio(page, MATRIX_ITEMS[0], "satisfied")).to_be_checked()
    expect(radio(page, MATRIX_ITEMS[1], "basic")).to_be_checked()
    expect(radio(page, "overall_sat", "dissatisfied")).to_be_checked()
    expect(why).to_be_visible()
    expect(why.locator('input[value="few_activities"]')).to_be_checked()
    expect(page.locator("textarea[name=keep_doing]")).to_have_value("职工书屋和读书会")
    progress(page, answered, total)
    row.scroll_into_view_if_needed()
    shot(page, "required-missing-error", full_page=False)
    shot(page, "required-missing-error-full")

    # 保存，稍后继续: the server keeps the draft.
    assert submit(page, "保存，稍后继续") == 302
    assert "saved=1" in page.url
    expect(page.get_by_role("status")).to_have_text(
        "您的回答已保存。再次打开同一链接或参评码即可继续填写。")
    shot(page, "saved", full_page=False)
    page.context.close()

    # Come back later on another browser (no local backup): the draft is there.
    page = open_page(PHONE)
    assert page.goto(live_server(f"/s/{code}")).status == 200
    expect(radio(page, MATRIX_ITEMS[0], "satisfied")).to_be_checked()
    expect(radio(page, MATRIX_ITEMS[1], "basic")).to_be_checked()
    expect(page.locator(f"#q-{CONDITIONAL}")).to_be_visible()
    expect(page.locator('input[name="overall_why"][value="few_activities"]')).to_be_checked()
    expect(page.locator("textarea[name=keep_doing]")).to_have_value("职工书屋和读书会")
    expect(radio(page, LEFT_OUT, "satisfied")).not_to_be_checked()
    progress(page, answered, total)
    shot(page, "draft-restored", full_page=False)
    assert responses_for(live_server.app, "DEMO-G01") == []

    # Answer the missing row and submit: the thank-you page.
    radio(page, LEFT_OUT, "basic").check()
    progress(page, answered + 1, total)
    assert submit(page, "提交") == 302
    assert page.url.endswith("/thanks")
    expect(page.locator("h1")).to_have_text("感谢您的评议")
    assert code not in page.content()
    shot(page, "thanks", full_page=False)
    [stored] = responses_for(live_server.app, "DEMO-G01")
    assert stored[LEFT_OUT] == "basic" and stored[MATRIX_ITEMS[1]] == "basic"
    assert stored["overall_sat"] == "dissatisfied"
    assert stored["overall_why"] == ["few_activities"]
    assert stored["keep_doing"] == "职工书屋和读书会"
    assert stored["recommend"] in (8, "8")

    # The same browser opening the code again (a double submit, a reload) sees its thanks.
    page.goto(live_server(f"/s/{code}"))
    assert page.url.endswith("/thanks")

    # Anyone else trying the code: 409, already used.
    other = open_page(PHONE)
    response = other.goto(live_server(f"/s/{code}"))
    assert response.status == 409
    expect(other.locator("h1")).to_have_text("该参评码已经使用过")
    expect(other.locator("form#survey")).to_have_count(0)
    shot(other, "already-used", full_page=False)
    assert len(responses_for(live_server.app, "DEMO-G01")) == 1


def test_member_switches_to_english(live_server, issue, open_page, shot):
    code = issue(1)[0]
    page = open_page(PHONE)
    page.goto(live_server(f"/s/{code}"))
    expect(page.get_by_role("button", name="提交", exact=True)).to_be_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/s/{code}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Member evaluation of the workers' home")
    expect(page.get_by_role("button", name="Submit", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Save and continue later")).to_be_visible()
    first = MATRIX_ITEMS[0]
    expect(page.locator(f'label[for="{radio(page, first, "satisfied").get_attribute("id")}"]')
           ).to_have_text("Satisfied")
    expect(page.locator("#q-overall_sat legend")).to_contain_text(
        "Overall, are you satisfied with your union")
    shot(page, "english-form", full_page=False)

    # Errors in English too; the conditional question works the same.
    page.locator("#q-overall_sat").get_by_text("Dissatisfied", exact=True).click()
    expect(page.locator(f"#q-{CONDITIONAL}")).to_be_visible()
    assert submit(page, "Submit") == 422
    required = len(MATRIX_ITEMS)  # every matrix row; overall_sat was answered
    expect(page.locator("#error-summary")).to_have_text(
        f"{required} questions need your attention.")
    expect(page.locator(f'.matrix-row[data-field="{first}"] .error-text')).to_have_text(
        "Please answer this question.")
    expect(radio(page, "overall_sat", "dissatisfied")).to_be_checked()
    shot(page, "english-errors", full_page=False)

    # And back to Chinese.
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("会员评家满意度测评")


def test_matrix_stacks_on_a_phone_and_is_a_grid_on_a_desktop(live_server, issue, open_page,
                                                              shot):
    code = issue(1)[0]
    page = open_page(PHONE)
    page.goto(live_server(f"/s/{code}"))
    matrix = page.locator("#q-org_block")
    row = matrix.locator(".matrix-row").first
    label = row.locator(".matrix-label")
    options = row.locator(".option")

    expect(matrix.locator(".matrix-head")).to_be_hidden()
    lb, first = label.bounding_box(), options.first.bounding_box()
    assert first["y"] >= lb["y"] + lb["height"] - 1, "options sit under the row's label"
    texts = [t.strip() for t in options.all_inner_texts()]
    assert texts == ["满意", "基本满意", "不满意", "不了解/不适用"]
    for box in (options.nth(i).bounding_box() for i in range(options.count())):
        assert box["height"] >= 44, "tap targets are at least 44 px high"
        assert box["x"] + box["width"] <= PHONE["width"]
    matrix.scroll_into_view_if_needed()
    shot(page, "matrix-360", full_page=False)

    page.set_viewport_size(DESKTOP)
    expect(matrix.locator(".matrix-head")).to_be_visible()
    assert matrix.locator(".matrix-row").first.evaluate("e => getComputedStyle(e).display") \
        == "grid"
    lb = label.bounding_box()
    boxes = [options.nth(i).bounding_box() for i in range(options.count())]
    assert all(b["x"] > lb["x"] + lb["width"] - 1 for b in boxes), "options right of the label"
    assert len({round(b["y"]) for b in boxes}) == 1, "options in one line"
    head = [t.strip() for t in matrix.locator(".matrix-head span").all_inner_texts()]
    assert head == ["", *texts]
    # Each radio sits centred under its column's heading.
    heads = matrix.locator(".matrix-head span")
    for i in range(options.count()):
        column = heads.nth(i + 1).bounding_box()
        dot = options.nth(i).locator("input").bounding_box()
        assert abs((dot["x"] + dot["width"] / 2) - (column["x"] + column["width"] / 2)) < 3, \
            f"radio {i} is not under its heading {texts[i]}"
    matrix.scroll_into_view_if_needed()
    shot(page, "matrix-1280", full_page=False)
    shot(page, "form-1280")


def test_unknown_code_is_refused_in_chinese(live_server, open_page, shot):
    page = open_page(PHONE)
    response = page.goto(live_server("/s/ABCD-EFGH-JKMN-PQ"))
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("参评码无效")
    expect(page.locator("form#survey")).to_have_count(0)
    shot(page, "unknown-code", full_page=False)



def test_member_form_works_without_javascript(live_server, issue, open_page, shot):
    """survey.js is an aid: with scripts off, every question shows and the server checks."""
    code = issue(1)[0]
    page = open_page(PHONE, java_script_enabled=False)
    page.goto(live_server(f"/s/{code}"))
    expect(page.locator(f"#q-{CONDITIONAL}")).to_be_visible()  # nothing hides it
    expect(page.locator("#progress-text")).to_have_text("")
    for field in MATRIX_ITEMS:
        radio(page, field, "basic").check()
    assert submit(page, "提交") == 422  # overall_sat is missing
    expect(page.locator("#q-overall_sat .error-text")).to_have_text("请回答此题。")
    expect(radio(page, MATRIX_ITEMS[-1], "basic")).to_be_checked()
    radio(page, "overall_sat", "satisfied").check()
    assert submit(page, "提交") == 302
    expect(page.locator("h1")).to_have_text("感谢您的评议")
    [stored] = responses_for(live_server.app, "DEMO-G01")
    assert stored["overall_sat"] == "satisfied" and CONDITIONAL not in stored
    shot(page, "no-js-thanks", full_page=False)
