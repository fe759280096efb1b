"""Accessibility: axe-core on the member form, the login page and the admin pages; the member
form by keyboard only. axe's full results are written to tests/e2e/artifacts/axe-*.json."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, campaign_id, login, run_axe, serious

pytestmark = pytest.mark.e2e


def check_axe(page, base_url: str, name: str) -> None:
    violations = run_axe(page, base_url)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps([{k: v[k] for k in ("id", "impact", "help")} | {
            "targets": [n["target"] for n in v["nodes"]]} for v in violations],
            ensure_ascii=False, indent=1), encoding="utf-8")
    found = serious(violations)
    assert not found, f"axe on {name}:\n" + "\n".join(found)


def test_axe_member_pages(live_server, issue, open_page, shot):
    used, fresh = issue(2)
    page = open_page(PHONE)
    page.goto(live_server(f"/s/{fresh}"))
    check_axe(page, live_server.url, "member-form-360")

    # With inline errors and the conditional question shown.
    page.locator("#q-overall_sat").get_by_text("不满意", exact=True).click()
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("#error-summary")).to_be_visible()
    check_axe(page, live_server.url, "member-form-errors-360")

    page.set_viewport_size(DESKTOP)
    check_axe(page, live_server.url, "member-form-errors-1280")

    # In English as well (lang attributes, labels).
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_axe(page, live_server.url, "member-form-en-1280")

    refused = open_page(PHONE)
    refused.goto(live_server("/s/ABCD-EFGH-JKMN-PQ"))
    check_axe(refused, live_server.url, "member-refused-360")
    refused.goto(live_server("/thanks"))
    check_axe(refused, live_server.url, "member-thanks-360")


def test_axe_login_and_admin_pages(live_server, open_page, shot):
    page = open_page(DESKTOP)
    page.goto(live_server("/auth/login"))
    check_axe(page, live_server.url, "login-1280")
    shot(page, "login-1280", full_page=False)
    phone = open_page(PHONE)
    phone.goto(live_server("/auth/login"))
    check_axe(phone, live_server.url, "login-360")
    shot(phone, "login-360", full_page=False)

    login(page, live_server.url, "city_admin", "demo-city-2026")
    cid = campaign_id(live_server.app)
    for name, path in (("participation", f"/surveys/{cid}/participation"),
                       ("codes", f"/surveys/{cid}/codes"),
                       ("links", f"/surveys/{cid}/links")):
        assert page.goto(live_server(path)).status == 200, path
        check_axe(page, live_server.url, f"admin-{name}-1280")


def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), name: e.name || '', type: e.type || '',
                value: e.value || '', text: (e.innerText || '').trim(),
                outline: s.outlineStyle, outlineWidth: s.outlineWidth}; }""")


def test_member_form_by_keyboard_only(live_server, issue, open_page, shot):
    """Tab reaches every question and button; one question is answered with the keyboard,
    and the conditional question joins the tab order when it appears."""
    from questionnaires import library

    questionnaire = library()["member_evaluation"]
    names = [ff.id for ff in questionnaire.fields()]
    code = issue(1)[0]
    page = open_page(PHONE)
    page.goto(live_server(f"/s/{code}"))
    expect(page.locator("#progress-text")).to_have_text(f"0 / {len(names) - 1}")

    reached: list[str] = []
    keyboard_answered = conditional_reached = False
    for _ in range(150):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] in ("input", "textarea", "select") or now["tag"] == "button":
            assert now["outline"] != "none" and now["outlineWidth"] != "0px", \
                f"no visible focus on {now}"
        if now["name"] and now["name"] not in reached:
            reached.append(now["name"])
        if now["name"] == names[0] and not keyboard_answered:
            # The first matrix row: space takes the focused option, an arrow moves on.
            page.keyboard.press("Space")
            page.keyboard.press("ArrowRight")
            expect(page.locator(f'input[name="{names[0]}"][value="basic"]')).to_be_checked()
            expect(page.locator("#progress-text")).to_have_text(f"1 / {len(names) - 1}")
            shot(page, "keyboard-answer", full_page=False)
            keyboard_answered = True
        if now["name"] == "overall_sat" and not conditional_reached:
            page.keyboard.press("Space")  # 满意
            page.keyboard.press("ArrowDown")  # 基本满意
            page.keyboard.press("ArrowDown")  # 不满意: the conditional question appears
            expect(page.locator('input[name="overall_sat"][value="dissatisfied"]')).to_be_checked()
            expect(page.locator("#q-overall_why")).to_be_visible()
            page.keyboard.press("Tab")
            nxt = focused(page)
            assert nxt["name"] == "overall_why", f"Tab after 不满意 went to {nxt}"
            page.keyboard.press("Space")
            expect(page.locator('input[name="overall_why"]').first).to_be_checked()
            reached.append("overall_why")
            conditional_reached = True
            shot(page, "keyboard-conditional", full_page=False)
        if now["tag"] == "button" and now["value"] == "save":
            break
    else:
        pytest.fail(f"Tab never reached the save button; reached {reached}")

    missing = [n for n in names if n not in reached]
    assert not missing, f"not reachable by Tab: {missing}"
    for name in ("lang", "action"):
        assert name in reached, name
    expect(page.locator("#progress-text")).to_have_text(f"3 / {len(names)}")


def test_axe_really_runs(live_server, open_page):
    """The check above is only worth something if axe reports what it finds: an input
    without a label and grey-on-white text, added to a real page, are reported."""
    page = open_page(PHONE)
    page.goto(live_server("/auth/login"))
    page.evaluate("""() => {
        const form = document.querySelector('form.form');
        const input = document.createElement('input'); input.type = 'text'; input.name = 'x';
        form.appendChild(input);
        const p = document.createElement('p'); p.textContent = '浅灰色的文字';
        p.style.color = '#cccccc'; form.appendChild(p); }""")
    found = {v["id"] for v in run_axe(page, live_server.url) if v["impact"] in ("serious", "critical")}
    assert {"label", "color-contrast"} <= found


def test_console_watch_catches_csp_violations(live_server, open_page):
    """The console check of every test is only worth something if it sees a CSP violation:
    an inline script, refused by the app's policy (script-src 'self')."""
    page = open_page(PHONE)
    page.goto(live_server("/auth/login"))
    assert page.console_watch.errors() == []
    page.evaluate("""() => {
        const s = document.createElement('script'); s.textContent = 'window.ran = 1';
        document.body.appendChild(s); }""")
    assert page.evaluate("window.ran") is None, "the inline script ran: no CSP?"
    page.wait_for_timeout(200)
    errors = page.console_watch.errors()
    assert any("Content Security Policy" in e for e in errors), errors
    page.console_watch.messages.clear()  # seen: not a failure of this test
