"""Path 3 (an evaluator fills a cross evaluation) and path 4 (a union admin creates a
campaign from the library, opens it, issues codes, closes and publishes it).

The campaign pages are new; their Chinese labels are looked up through the app's own
translations (``zh``), so the tests follow the catalogue as it is filled in."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, campaign_id, login, zh
from tests.e2e.test_admin import answer_everything, download_sheet, participation_row

pytestmark = pytest.mark.e2e


def answer_every_required_radio(page) -> int:
    """Take the first option of every required radio group that is shown; return how many."""
    names = page.locator(".question:not([hidden])[data-required] input[type=radio]").evaluate_all(
        "els => [...new Set(els.map(e => e.name))]")
    for name in names:
        page.locator(f'input[name="{name}"]').first.check()
    return len(names)


def state_forms(page):
    return page.locator("form[action$='/state']")


def press_state_button(page, label: str) -> None:
    """Press a campaign's state button. Works around the duplicate empty ``to`` field of
    campaigns/detail.html (see test_state_buttons_post_one_state): a no-op once fixed."""
    form = state_forms(page).filter(has=page.get_by_role("button", name=label))
    form.evaluate("f => f.querySelectorAll('input[name=to]').forEach("
                  "i => { if (!i.value) { i.remove(); } })")
    form.get_by_role("button", name=label).click()
    page.wait_for_load_state()
    confirm = page.locator("form.confirm-state")
    if confirm.count():  # closing and publishing ask for a confirmation first
        confirm.get_by_role("button").click()
        page.wait_for_load_state()


def test_state_buttons_post_one_state(live_server, open_page):
    app = live_server.app
    page = open_page(DESKTOP)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(live_server("/campaigns/new"))
    fill_new_campaign(page, "E2E-STATE")
    page.get_by_role("button", name=zh(app, "Create campaign")).click()
    forms = state_forms(page)
    expect(forms).to_have_count(1)
    assert forms.first.locator("input[name=to]").evaluate_all(
        "els => els.map(e => e.value)") == ["open"]
    forms.first.get_by_role("button").click()
    expect(page.locator("p strong", has_text=zh(app, "Status"))).to_contain_text(zh(app, "Open"))


def fill_new_campaign(page, code: str, name: str = "端到端测试会员评家") -> None:
    today = date.today()
    page.locator("#code").fill(code)
    page.locator("#name").fill(name)
    page.locator("#kind").select_option("member")
    page.locator("#cycle").select_option("annual")
    page.locator("#year").fill(str(today.year))
    page.locator("#opens_on").fill(today.isoformat())
    page.locator("#closes_on").fill((today + timedelta(days=30)).isoformat())
    page.locator("#owner").select_option("DEMO-CITY")
    page.locator("#target_mode").select_option("list")
    page.locator("#target_codes").fill("DEMO-G01, DEMO-G02")
    page.locator("#groups-0-key").fill("members")
    page.locator("#groups-0-name").fill("会员")
    page.locator("#groups-0-weight").fill("1")
    page.locator("#groups-0-questionnaire").select_option("member_evaluation")
    page.locator("#groups-0-rule").select_option("members")


def test_evaluator_fills_a_cross_evaluation(live_server, open_page, shot):
    app = live_server.app
    page = open_page(DESKTOP)
    login(page, live_server.url, "evaluator_d01", "demo-eval-2026")
    page.get_by_role("navigation").get_by_role("link", name=zh(app, "My evaluations")).click()
    expect(page.locator("h1")).to_have_text(zh(app, "My evaluations"))
    rows = page.locator("table.table tbody tr")
    todo = rows.filter(has_text="2026年度上下级工会互评（演示）").filter(
        has=page.get_by_role("link", name=zh(app, "Start"), exact=True))
    assert todo.count() > 0, "the demo evaluator has no cross evaluation left to fill"
    row = todo.first
    unit, group = row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()
    expect(row.locator("td").nth(3)).to_have_text(zh(app, "Not started"))
    shot(page, "my-evaluations-before", full_page=False)

    row.get_by_role("link", name=zh(app, "Start"), exact=True).click()
    expect(page.locator(".survey-head .muted").first).to_contain_text(unit)
    assert page.locator("#progress-text").inner_text().startswith("0 / ")

    # Submitting nothing: errors; then save a draft: the list says so.
    page.get_by_role("button", name=zh(app, "Submit"), exact=True).click()
    expect(page.locator("#error-summary")).to_be_visible()
    answered = answer_every_required_radio(page)
    assert answered > 0
    shot(page, "cross-form-filled")
    page.get_by_role("button", name=zh(app, "Save and continue later")).click()
    expect(page.get_by_role("status").first).to_be_visible()
    page.goto(live_server("/evaluations/"))
    same = lambda: rows.filter(has_text="2026年度上下级工会互评（演示）").filter(  # noqa: E731
        has_text=unit).filter(has_text=group.split("·")[-1].strip())
    expect(same().first.locator("td").nth(3)).to_have_text(zh(app, "Draft saved"))

    # Continue and submit: the status changes to submitted.
    same().first.get_by_role("link", name=zh(app, "Continue"), exact=True).click()
    page.get_by_role("button", name=zh(app, "Submit"), exact=True).click()
    page.wait_for_url(re.compile(r"/evaluations/$"))
    expect(page.locator(".flash-success")).to_contain_text(
        zh(app, "Submitted (revision %(revision)d). You may revise it until the evaluation "
                "closes.", revision=1))
    done = same().first
    expect(done.locator("td").nth(3)).to_have_text(zh(app, "Submitted"))
    expect(done.get_by_role("link", name=zh(app, "Revise"), exact=True)).to_be_visible()
    shot(page, "my-evaluations-after", full_page=False)


def test_admin_runs_a_campaign_from_the_library(live_server, open_page, shot):
    app = live_server.app
    page = open_page(DESKTOP)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.get_by_role("navigation").get_by_role("link", name=zh(app, "Campaigns")).click()
    expect(page.locator("table.table")).to_contain_text("DEMO-CROSS-2026")
    page.goto(live_server("/campaigns/new"))

    fill_new_campaign(page, "E2E-MEMBER")
    shot(page, "new-campaign")
    page.get_by_role("button", name=zh(app, "Create campaign")).click()
    expect(page.locator("h1")).to_have_text("端到端测试会员评家")
    status = page.locator("p strong", has_text=zh(app, "Status"))
    expect(status).to_contain_text(zh(app, "Draft"))
    cid = int(re.search(r"/campaigns/(\d+)", page.url).group(1))
    shot(page, "campaign-draft", full_page=False)

    press_state_button(page, zh(app, "Open the campaign"))
    expect(status).to_contain_text(zh(app, "Open"))
    shot(page, "campaign-open", full_page=False)

    # Codes from the campaign page, a member answers; participation stays banded.
    page.get_by_role("link", name=zh(app, "Access codes")).click()
    page.wait_for_url(re.compile(rf"/surveys/{cid}/codes$"))
    _, codes = download_sheet(page, live_server, cid, campaign="E2E-MEMBER")
    member = open_page(PHONE)
    member.goto(live_server(f"/s/{codes[0]}"))
    answer_everything(member)
    member.get_by_role("button", name="提交", exact=True).click()
    expect(member.locator("h1")).to_have_text("感谢您的评议")
    page.goto(live_server(f"/surveys/{cid}/participation"))
    assert participation_row(page, "DEMO-G01")[1:4] == ["5", "—", "≥ 0"]
    shot(page, "campaign-participation", full_page=False)

    # Close: codes are refused (410); publish.
    page.goto(live_server(f"/campaigns/{cid}"))
    press_state_button(page, zh(app, "Close the campaign"))
    expect(status).to_contain_text(zh(app, "Closed"))
    late = open_page(PHONE)
    assert late.goto(live_server(f"/s/{codes[1]}")).status == 410
    expect(late.locator("h1")).to_have_text("本次评议已经结束")
    press_state_button(page, zh(app, "Publish the results"))
    expect(status).to_contain_text(zh(app, "Published"))
    expect(page.get_by_role("button", name=zh(app, "Close the campaign"))).to_have_count(0)
    shot(page, "campaign-published", full_page=False)

    # The unit's results page of the campaign, and its dashboard: one response is under the
    # minimum group size (5), so no figure may show.
    results = page.locator("table.table tbody tr", has_text="DEMO-G01").get_by_role(
        "link", name=zh(app, "Results"))
    results.click()
    expect(page.locator("h1")).to_be_visible()
    shot(page, "campaign-results-g01", full_page=False)
    assert campaign_id(app, "E2E-MEMBER") == cid
    assert page.goto(live_server("/reports/E2E-MEMBER/units/DEMO-G01")).status == 200
    expect(page.locator("h1")).to_contain_text("江滨机械制造有限公司工会")
    expect(page.locator("p.suppressed")).to_be_visible()
    expect(page.locator("main img")).to_have_count(0)
    shot(page, "dashboard-suppressed", full_page=False)
