"""A member types the code of a paper slip on a phone, mistypes it once, then gets in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from survey_app.member_surveys import codes as code_tools

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}


def test_member_types_a_code_on_a_phone(live_server, issue, open_page, shot):
    code = issue(1)[0]
    page = open_page(PHONE_390)
    page.goto(live_server("/"))
    box = page.get_by_label("参评码")
    expect(box).to_be_visible()

    # A look-alike (O for the code's first letter): a clear refusal that keeps the typing.
    mistyped = "O" + code_tools.display(code)[1:].lower()
    box.fill(mistyped)
    page.get_by_role("button", name="开始答卷").click()
    expect(page.locator("#code-entry-error")).to_contain_text("不会出现")
    expect(page.get_by_label("参评码")).to_have_value(mistyped)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "code-entry-look-alike")

    # The code as printed, in lower case with spaces: the survey opens.
    page.get_by_label("参评码").fill(" ".join(code_tools.display(code).split("-")).lower())
    page.get_by_role("button", name="开始答卷").click()
    page.wait_for_url(live_server(f"/s/{code}"))
    expect(page.locator("form#survey, form.survey, main form").first).to_be_visible()


def test_unknown_code_page_offers_the_box(live_server, open_page):
    page = open_page(PHONE_390)
    response = page.goto(live_server(f"/s/{code_tools.new_code()}"))
    assert response.status == 404
    expect(page.get_by_label("参评码")).to_be_visible()
