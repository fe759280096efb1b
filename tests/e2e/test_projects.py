"""建家 projects on a phone: g01_admin creates a project tied to a 六有 item, adds a dated task
down to a person, marks it done, and reads the timeline without scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from survey_app.dates import today
from tests.e2e.conftest import PHONE, login, run_axe, serious

pytestmark = pytest.mark.e2e


def test_union_plans_a_project_and_follows_its_timeline(live_server, open_page, shot):
    page = open_page(viewport=PHONE)
    login(page, live_server.url, "g01_admin", "demo-g01-2026")
    page.goto(f"{live_server.url}/improvement/unit/DEMO-G01")
    page.get_by_role("link", name="建家项目").click()
    page.get_by_label("项目", exact=True).fill("职工书屋提档升级")
    page.get_by_label("对应标准").select_option("venue")
    page.get_by_label("目标任务").fill("年内书屋藏书翻一番，开放时间延长至晚八点")
    page.get_by_label("责任人").fill("李晓梅")
    page.get_by_role("button", name="创建项目").click()
    expect(page.get_by_text("项目已创建。")).to_be_visible()

    year = today().year
    page.get_by_label("工作举措").fill("采购新书并完成编目")
    page.get_by_label("责任人").fill("王强")
    page.get_by_label("开始日期").fill(f"{year}-03-01")
    page.get_by_label("完成时限").fill(f"{year}-04-30")
    page.get_by_role("button", name="添加举措").click()
    expect(page.get_by_text("举措已添加。")).to_be_visible()
    expect(page.get_by_text("采购新书并完成编目 · 王强")).to_be_visible()
    page.get_by_role("button", name="标记完成：采购新书并完成编目").click()
    expect(page.get_by_text("举措已完成。")).to_be_visible()
    expect(page.get_by_text("已完成100%的举措")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    assert serious(run_axe(page, live_server.url)) == []
    shot(page, "project-timeline")
