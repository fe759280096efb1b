"""A district admin, on a phone, creates an evaluator account for a unit and disables it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}


def test_admin_creates_and_disables_an_evaluator_on_a_phone(live_server, open_page, shot):
    page = open_page(PHONE_390)
    login(page, live_server.url, "district_admin", "demo-district-2026")
    page.goto(live_server("/accounts/"))
    page.get_by_role("link", name="新建账号").click()
    page.get_by_label("账号名").fill("eval_g01_phone")
    page.get_by_label("角色").select_option("evaluator")
    page.get_by_label("单位").select_option("DEMO-G01")
    page.get_by_role("button", name="创建账号").click()
    password = page.locator("#new-password").inner_text()
    assert re.fullmatch(r"[2-9a-zA-Z]{16}", password)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "account-created")

    page.get_by_role("link", name="返回账号").click()
    page.get_by_role("button", name="停用账号").click()
    expect(page.get_by_text("账号已停用。")).to_be_visible()
    expect(page.get_by_role("button", name="启用账号")).to_be_visible()
    shot(page, "account-disabled")

    other = open_page(PHONE_390)
    other.goto(live_server("/auth/login"))
    other.locator("input[name=username]").fill("eval_g01_phone")
    other.locator("input[name=password]").fill(password)
    other.locator("form.form [type=submit]").click()
    expect(other).to_have_url(re.compile(r"/auth/login"))
