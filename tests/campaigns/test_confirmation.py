"""Irreversible steps ask first: closing and publishing show what will happen and to how
many; a platform admin may withdraw a publication, with a reason, audited."""

from __future__ import annotations

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AccessCode, AuditEntry, Campaign
from survey_app.models.response import Response
from tests.conftest import csrf_token_from
from tests.surveys.conftest import make_campaign

PASSWORDS = {"city_admin": "demo-city-2026", "admin": "demo-admin-2026"}


def login(auth, name):
    assert auth.login(name, PASSWORDS[name]).status_code == 302


def status_of(app, campaign_id):
    with app.app_context():
        return db.session.get(Campaign, campaign_id).status


def test_close_and_publish_ask_first_with_counts(demo, client, auth):
    with demo.app_context():
        c = make_campaign()
        cid = c.id
        from survey_app.member_surveys.codes import code_hash
        from survey_app.member_surveys.operations import issue_codes
        from survey_app.models import Organisation

        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        unsent = issue_codes(c, g01, 2)
        for code in unsent:  # a member's draft lives on the row of their unused code
            db.session.scalar(select(AccessCode).where(
                AccessCode.code_hash == code_hash(code))).draft = {"q1": "satisfied"}
        db.session.commit()
    login(auth, "city_admin")
    token = csrf_token_from(client.get(f"/campaigns/{cid}").get_data(as_text=True))
    state = f"/campaigns/{cid}/state"
    page = client.post(state, data={"csrf_token": token, "to": "closed"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="confirmed" value="yes"' in html
    assert status_of(demo, cid) == "open"  # nothing happened yet
    assert 'data-units="3" data-responses="0" data-drafts="2"' in html
    r = client.post(state, data={"csrf_token": token, "to": "closed", "confirmed": "yes"})
    assert r.status_code == 302 and status_of(demo, cid) == "closed"

    page = client.post(state, data={"csrf_token": token, "to": "published"})
    assert page.status_code == 200 and status_of(demo, cid) == "closed"
    r = client.post(state, data={"csrf_token": token, "to": "published", "confirmed": "yes"})
    assert r.status_code == 302 and status_of(demo, cid) == "published"

    # a union admin may not withdraw
    r = client.post(state, data={"csrf_token": token, "to": "closed", "confirmed": "yes",
                                 "reason": "x"})
    assert r.status_code == 403 and status_of(demo, cid) == "published"


def test_platform_admin_withdraws_with_a_reason(demo, client, auth):
    with demo.app_context():
        c = make_campaign(status="published")
        cid = c.id
        assert db.session.scalar(select(db.func.count(Response.id))) == 0
    login(auth, "admin")
    detail = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert 'name="to" value="closed"' in detail
    token = csrf_token_from(detail)
    state = f"/campaigns/{cid}/state"
    page = client.post(state, data={"csrf_token": token, "to": "closed"})
    assert page.status_code == 200 and 'name="reason"' in page.get_data(as_text=True)
    client.post(state, data={"csrf_token": token, "to": "closed", "confirmed": "yes"})
    assert status_of(demo, cid) == "published"  # no reason: refused
    r = client.post(state, data={"csrf_token": token, "to": "closed", "confirmed": "yes",
                                 "reason": "数据录入有误"})
    assert r.status_code == 302 and status_of(demo, cid) == "closed"
    with demo.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "campaign.withdraw"))
        assert entry.detail["reason"] == "数据录入有误"
        assert entry.detail["from"] == "published" and entry.detail["to"] == "closed"


def test_cli_withdraw_and_close_does_not_withdraw(demo, runner):
    with demo.app_context():
        make_campaign(status="published", code="CLI-PUB")
    out = runner.invoke(args=["campaign", "close", "CLI-PUB", "--reason", "x"])
    assert out.exit_code != 0 and "use `withdraw`" in out.output
    out = runner.invoke(args=["campaign", "withdraw", "CLI-PUB"])
    assert out.exit_code != 0 and "needs a reason" in out.output
    out = runner.invoke(args=["campaign", "withdraw", "CLI-PUB", "--reason", "核对数据",
                              "--as", "admin"])
    assert out.exit_code == 0, out.output
    with demo.app_context():
        assert db.session.scalar(select(Campaign.status).where(
            Campaign.code == "CLI-PUB")) == "closed"
