"""The improvement loop in the browser, on a phone: g01_admin turns two of Pingjia's
suggestions into actions and marks one done with evidence, the district federation verifies
it, and the unit's public 你说我改 page shows it without a login (with an axe-core check)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, login, run_axe, serious

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MEASURES = ["每季度召开一次四方座谈会", "建立会员意见办理台账"]


def _accept_first_suggestion(page, base: str, measure: str) -> str:
    page.goto(base + "/improvement/unit/DEMO-G01")
    page.locator("ul.suggestions a").first.click()
    expect(page.get_by_role("heading", name="采纳此建议", exact=True)).to_be_visible()
    page.get_by_label("工作举措（要改进什么）").fill(measure)
    page.get_by_label("责任人").fill("赵六")
    page.get_by_label("完成时限").fill((date.today() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="保存整改事项").click()
    expect(page.get_by_role("heading", name=measure)).to_be_visible()
    return page.url


def test_suggestion_to_verified_action_on_a_phone(live_server, open_page, shot, tmp_path):
    admin = open_page(PHONE)
    login(admin, live_server.url, "g01_admin", "demo-g01-2026")
    admin.goto(live_server("/improvement/unit/DEMO-G01"))
    choice = admin.get_by_label("已公布的评议结果")
    value = choice.locator("option", has_text="DEMO-FOUR-2025").get_attribute("value")
    choice.select_option(value)
    admin.get_by_role("button", name="生成整改建议").click()
    expect(admin.locator(".flash").first).to_contain_text("整改建议")
    shot(admin, "improvement-unit-360")

    second = _accept_first_suggestion(admin, live_server.url, MEASURES[1])
    first = _accept_first_suggestion(admin, live_server.url, MEASURES[0])
    assert first != second

    evidence = tmp_path / "会议纪要.pdf"
    evidence.write_bytes(PDF)
    admin.get_by_label("状态").select_option(label="已完成")
    admin.get_by_label("进展说明").fill("已召开第一次四方座谈会")
    admin.get_by_label("佐证材料（PDF、PNG 或 JPEG）").set_input_files(str(evidence))
    admin.get_by_role("button", name="登记进展").click()
    expect(admin.get_by_text("会议纪要.pdf")).to_be_visible()
    expect(admin.get_by_role("button", name="验收通过")).to_have_count(0)
    shot(admin, "improvement-action-done-360")

    district = open_page(PHONE)
    login(district, live_server.url, "district_admin", "demo-district-2026")
    district.goto(live_server("/improvement/"))
    district.get_by_role("link", name=MEASURES[0]).click()
    district.get_by_label("验收意见").fill("现场查看，验收合格")
    district.get_by_role("button", name="验收通过").click()
    expect(district.locator("dl.facts")).to_contain_text("已验收")

    member = open_page(PHONE)
    member.goto(live_server("/u/DEMO-G01/you-said-we-did"))
    expect(member.get_by_role("heading", name="你说我改", exact=True)).to_be_visible()
    card = member.locator(".action-card", has_text=MEASURES[0])
    expect(card).to_contain_text("已验收")
    expect(member.locator(".action-card", has_text=MEASURES[1])).to_contain_text("已计划")
    expect(member.get_by_text("已召开第一次四方座谈会")).to_have_count(0)
    expect(member.locator(".qr img")).to_be_visible()
    assert re.search(r"/y/DEMO-G01$", member.locator("a", has_text="/y/DEMO-G01").inner_text())
    width = member.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at 360 px ({width})"
    shot(member, "you-said-we-did-360")
    found = serious(run_axe(member, live_server.url))
    assert not found, "axe on the public page:\n" + "\n".join(found)
