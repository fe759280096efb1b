"""Reminders: raters behind schedule, units below the members' target (bands only), and
printable notices; managers of the campaign only."""

import re
from datetime import timedelta

from sqlalchemy import select

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models import Assignment, Campaign


def test_raters_with_open_assignments_are_listed_and_printable(demo, open_cross, client, auth):
    with demo.app_context():
        first = db.session.scalars(select(Assignment).where(
            Assignment.campaign_id == open_cross).order_by(Assignment.id)).first()
        first.due_on = today() - timedelta(days=1)
        rater = first.rater_org.name
        db.session.commit()
    auth.login("admin", "demo-admin-2026")
    html = client.get(f"/campaigns/{open_cross}/reminders").get_data(as_text=True)
    assert rater in html and "已逾期" in html
    notices = client.get(f"/campaigns/{open_cross}/reminders?print=1").get_data(as_text=True)
    assert notices.count('class="notice"') >= 2 and rater in notices


def test_member_units_are_shown_by_band_never_by_count(demo, client, auth, app):
    from demo.surveys import load_demo_surveys

    with demo.app_context():
        load_demo_surveys()
        campaign = db.session.scalars(select(Campaign).where(Campaign.kind == "member")
                                      .order_by(Campaign.code.desc())).first()
        cid = campaign.id
    auth.login("admin", "demo-admin-2026")
    response = client.get(f"/campaigns/{cid}/reminders")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    members_part = html.split("参评未过半的单位", 1)[1]
    cells = re.findall(r"</td>\s*<td>([^<]*)</td></tr>", members_part)
    assert cells, "no unit behind its members' target in the demo campaign"
    assert set(cells) <= {"尚无答卷", "不到四分之一", "四分之一到一半"}  # bands, no counts


def test_only_the_campaign_managers(demo, open_cross, client, auth):
    auth.login("evaluator_g01", "demo-eval-2026")
    assert client.get(f"/campaigns/{open_cross}/reminders").status_code == 403


def test_in_app_reminders_reach_the_evaluators_of_units_behind(demo, open_cross, client, auth):
    from tests.conftest import csrf_token_from

    auth.login("admin", "demo-admin-2026")
    token = csrf_token_from(client.get(f"/campaigns/{open_cross}/reminders").get_data(
        as_text=True))
    response = client.post(f"/campaigns/{open_cross}/reminders", data={"csrf_token": token})
    assert response.status_code == 302
    with demo.app_context():
        from survey_app.models import AuditEntry, Notice

        assert db.session.query(Notice).count() >= 2
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) \
            == "reminders.send"
    auth.logout()
    auth.login("evaluator_g01", "demo-eval-2026")
    html = client.get("/evaluations/").get_data(as_text=True)
    assert 'class="badge"' in html and "notice-reminder" in html and "项评议尚未提交" in html


def test_no_reminder_without_sending(demo, open_cross, client, auth):
    auth.login("evaluator_g01", "demo-eval-2026")
    html = client.get("/evaluations/").get_data(as_text=True)
    assert 'class="badge"' not in html and "notice-reminder" not in html


def test_reminder_notices_as_a_pdf_one_page_per_rater(demo, open_cross, client, auth):
    import io

    from pypdf import PdfReader

    from survey_app.campaigns.queries import behind_schedule

    with demo.app_context():
        first = db.session.scalars(select(Assignment).where(
            Assignment.campaign_id == open_cross).order_by(Assignment.id)).first()
        first.due_on = today() - timedelta(days=1)
        db.session.commit()
        raters, _members = behind_schedule(db.session.get(Campaign, open_cross), None, today())
        names = [r.name for r in raters]
        late = next(r.name for r in raters if r.overdue)
    auth.login("admin", "demo-admin-2026")
    page = client.get(f"/campaigns/{open_cross}/reminders").get_data(as_text=True)
    assert f"/campaigns/{open_cross}/reminders.pdf" in page
    response = client.get(f"/campaigns/{open_cross}/reminders.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.data))
    assert len(pdf.pages) == len(names) >= 2
    texts = [p.extract_text() for p in pdf.pages]
    for name, text in zip(names, texts, strict=True):
        assert name in text and "催办通知" in text and "我的评议" in text
    assert any(late in t and "已过截止日期" in t for t in texts)
    assert "http://localhost/auth/login" in texts[0]
    auth.logout()
    auth.login("evaluator_g01", "demo-eval-2026")
    assert client.get(f"/campaigns/{open_cross}/reminders.pdf").status_code == 403
