"""The open API's main path on a phone: a union admin makes a token on the API tokens page,
copies it once, a portal lists the unit's open campaigns with it, and revoking it stops it
at once; the reference page lists the API's paths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OPEN_CAMPAIGN, PHONE, login

pytestmark = pytest.mark.e2e


def test_a_token_made_on_a_phone_serves_a_portal_until_revoked(live_server, open_page, shot):
    page = open_page(PHONE)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(live_server("/integrations/tokens"))
    page.get_by_label("令牌用途").fill("江滨机械门户")
    page.get_by_label("单位代码（令牌可访问该单位及其下级单位）").fill("DEMO-G01")
    page.get_by_label("campaigns:read", exact=True).check()
    page.get_by_role("button", name="创建令牌").click()
    secret = page.locator("code.token-secret").inner_text()
    assert re.fullmatch(r"pj_[A-Za-z0-9_-]{40,}", secret)
    shot(page, "api-token-made-360")

    portal = page.context.request
    answer = portal.get(live_server("/api/v1/organisations/DEMO-G01/open-campaigns"),
                        headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200
    assert OPEN_CAMPAIGN in [c["code"] for c in answer.json()["items"]]

    page.goto(live_server("/integrations/tokens"))
    expect(page.locator("code.token-secret")).to_have_count(0)  # shown once only
    row = page.locator("tr", has_text="江滨机械门户")
    row.get_by_role("button", name="吊销").click()
    expect(page.locator("tr", has_text="江滨机械门户")).to_contain_text("已吊销")
    refused = portal.get(live_server("/api/v1/organisations/DEMO-G01/open-campaigns"),
                         headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401

    page.goto(live_server("/api/v1/docs"))
    expect(page.get_by_text("/api/v1/campaigns/{code}/results", exact=True)).to_be_visible()
    shot(page, "api-reference-360")
