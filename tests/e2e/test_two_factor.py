"""Two-factor authentication on a phone: a union admin enrols (QR code and key), saves the
recovery codes, logs out, and logs in again with the password and a TOTP code."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, login, run_axe, serious

pytestmark = pytest.mark.e2e


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def test_enrol_log_out_and_log_in_with_a_totp_code_on_a_phone(live_server, open_page, shot):
    page = open_page(viewport=PHONE)
    login(page, live_server.url, "city_admin", "demo-city-2026")

    page.get_by_role("link", name="city_admin").click()
    expect(page.get_by_role("heading", name="我的账户")).to_be_visible()
    page.get_by_role("link", name="设置双因素认证").click()
    qr = page.get_by_role("img", name="供身份验证器应用扫描的二维码")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the inline image decodes
    secret = page.locator("#totp-secret").inner_text().strip()
    _no_sideways_scroll(page)
    assert serious(run_axe(page, live_server.url)) == []
    shot(page, "enrol")

    totp = pyotp.TOTP(secret)
    page.get_by_label("身份验证器应用显示的 6 位验证码").fill(totp.now())
    page.get_by_role("button", name="开启双因素认证").click()
    expect(page.get_by_role("heading", name="双因素认证已开启")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    _no_sideways_scroll(page)
    shot(page, "recovery-codes")
    page.get_by_role("link", name="我已保存恢复码").click()
    expect(page.get_by_text("还剩 10 个未使用的恢复码。")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()

    page.goto(live_server("/auth/login"))
    page.locator("input[name=username]").fill("city_admin")
    page.locator("input[name=password]").fill("demo-city-2026")
    page.locator("form.form [type=submit]").click()
    expect(page).to_have_url(live_server("/auth/two-factor"))
    _no_sideways_scroll(page)
    shot(page, "verify")
    # the enrolment spent this time step's code: the next step's code (within the allowed
    # drift of one step) is the one a phone shows a few seconds later
    page.get_by_label("身份验证器应用中的验证码，或一个恢复码").fill(
        totp.at(time.time() + totp.interval))
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("link", name="city_admin")).to_be_visible()
    assert "/auth/" not in page.url
    shot(page, "signed-in")
