"""First use, on a phone: the third-party assessment's report, an evaluator's own results,
the member form's link to last year's public results, the upload errors of a questionnaire
and the reminder notices as a PDF."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.extensions import db
from tests.e2e.conftest import DESKTOP, PHONE, campaign_id, login, zh
from tests.e2e.test_accessibility import check_axe

pytestmark = pytest.mark.e2e


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"


def test_third_party_results_on_a_phone(live_server, open_page, shot):
    app = live_server.app
    page = open_page(PHONE)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(live_server("/reports/DEMO-THIRD-2025/"))
    expect(page.get_by_role("heading", name=zh(app, "Checklist totals of the assessed units"))
           ).to_be_visible()
    expect(page.get_by_text(zh(app, "No responses yet."))).to_have_count(0)
    rows = page.locator("main table tbody tr")
    assert rows.count() == 42  # every assessed unit of the city
    _fits(page)
    check_axe(page, live_server.url, "third-party-overview-360")
    shot(page, "third-party-overview")
    page.get_by_role("link", name="江滨机械制造有限公司工会").click()
    expect(page.get_by_role("heading", name=zh(app, "Findings per indicator"))).to_be_visible()
    _fits(page)
    check_axe(page, live_server.url, "third-party-unit-360")
    shot(page, "third-party-unit")


def test_an_evaluator_sees_what_was_said_of_its_own_unit(live_server, open_page, shot):
    app = live_server.app
    page = open_page(PHONE)
    login(page, live_server.url, "evaluator_d01", "demo-eval-2026")
    page.goto(live_server("/reports/"))
    listing = page.locator("main table")
    expect(listing).to_contain_text("DEMO-CROSS-2025")
    expect(listing).not_to_contain_text("DEMO-MEMBER-2025")
    shot(page, "evaluator-reports")
    page.get_by_role("link", name=zh(app, "Results of my unit")).first.click()
    expect(page.locator(".scope-note")).to_contain_text("本单位本身")
    expect(page.get_by_role("heading", name=zh(app, "Results by rater group"))).to_be_visible()
    _fits(page)
    check_axe(page, live_server.url, "evaluator-own-unit-360")
    shot(page, "evaluator-own-unit")
    page.goto(live_server("/reports/"))  # the listing says where the rated units are
    page.get_by_role("link", name=zh(app, "The units you rated are under “My evaluations”.")
                     ).click()
    expect(page).to_have_url(live_server("/evaluations/"))


def test_the_member_form_links_to_last_years_public_results(live_server, issue, open_page,
                                                            shot):
    from survey_app.models import Campaign

    app = live_server.app
    with app.app_context():
        last = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2025"))
        last.public_results = True
        db.session.commit()
        db.session.remove()
    (code,) = issue(1, unit="DEMO-G02")
    page = open_page(PHONE)
    page.goto(live_server(f"/s/{code}"))
    link = page.get_by_role("link", name=zh(app, "See the results of %(campaign)s",
                                            campaign="2025年度会员评家（演示）"))
    expect(link).to_be_visible()
    _fits(page)
    shot(page, "member-form-notice-link", full_page=False)
    link.click()
    expect(page).to_have_url(live_server("/u/DEMO-G02/results"))
    expect(page.get_by_text(zh(app, "Satisfaction index (0–100)"))).to_be_visible()


def test_questionnaire_upload_errors_in_chinese_on_a_phone(live_server, open_page, shot):
    from tests.questionnaire_admin.test_upload_messages import MISTAKES

    app = live_server.app
    page = open_page(PHONE)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(live_server("/questionnaires/"))
    page.locator("input[type=file]").set_input_files(files=[{
        "name": "mistakes.yaml", "mimeType": "text/yaml", "buffer": MISTAKES.encode()}])
    page.get_by_role("button", name=zh(app, "Check and preview")).click()
    errors = page.locator(".errors")
    expect(errors).to_contain_text("未知的量表 'likert9'")
    expect(errors).to_contain_text("问卷中有未知的键 'colour'")
    assert "unknown" not in errors.inner_text()
    shot(page, "questionnaire-upload-errors")


def test_reminder_notices_as_a_pdf(live_server, open_page, shot):
    from pypdf import PdfReader

    app = live_server.app
    cid = campaign_id(app, "DEMO-CROSS-2026")
    page = open_page(DESKTOP)
    login(page, live_server.url, "city_admin", "demo-city-2026")
    page.goto(live_server(f"/campaigns/{cid}/reminders"))
    shot(page, "reminders-page")
    # building the PDF embeds a subset of the CJK font: slow on a busy machine
    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("link", name=zh(app, "Reminder notices (PDF)")).click(
            no_wait_after=True)
    path = info.value.path()
    pdf = PdfReader(io.BytesIO(open(path, "rb").read()))
    assert len(pdf.pages) >= 1 and "催办通知" in pdf.pages[0].extract_text()
