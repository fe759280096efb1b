"""The demo member and daily campaigns, and open links (posters, service points)."""

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Campaign, CampaignTarget, OpenLink, Organisation, Response
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID, make_campaign


def test_full_demo_has_member_and_daily_campaigns(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        member = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2026"))
        assert member.status == "open" and member.rater_groups[0].anonymous
        assert member.rater_groups[0].questionnaire_version.key == "member_evaluation"
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        targets = {t.organisation_id for t in member.targets}
        assert g01.id in targets
        per_unit = dict(db.session.execute(
            select(Response.target_id, func.count()).where(Response.campaign_id == member.id)
            .group_by(Response.target_id)).all())
        assert g01.id not in per_unit  # DEMO-G01 is left for a real member to answer
        assert len(per_unit) == len(targets) - 1 and sum(per_unit.values()) > 500
        last_year = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2025"))
        assert last_year.status == "published"
        daily = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-DAILY-2026"))
        assert daily.kind == "daily"
        assert db.session.scalar(select(func.count()).select_from(OpenLink)
                                 .where(OpenLink.campaign_id == daily.id)) == 4
        stored = db.session.scalars(select(Response).where(Response.campaign_id == member.id).limit(50)).all()
        version = member.rater_groups[0].questionnaire_version
        from survey_app.questionnaire_versions import questionnaire_of

        k = len(questionnaire_of(version).scored_items())
        assert k == 30
        assert all(len(r.item_values) == k for r in stored)
    codes = runner.invoke(args=["codes", "issue", "--campaign", "DEMO-MEMBER-2026", "--unit", "DEMO-G01", "--count", "3"])
    assert codes.exit_code == 0 and len(codes.output.split()) == 3
    client = app.test_client()
    page = client.get(f"/s/{codes.output.split()[0]}")
    assert page.status_code == 200 and "会员评家满意度测评" in page.get_data(as_text=True)


def _daily_link(app):
    with app.app_context():
        from demo.surveys import _daily_campaign

        _daily_campaign(2026)
        db.session.commit()
        return db.session.scalar(select(OpenLink.token).limit(1))


def test_daily_link_accepts_repeat_answers_and_stores_the_date_only(demo, client):
    token = _daily_link(demo)
    with demo.app_context():  # the demo's own answers of January to November
        earlier = set(db.session.scalars(select(Response.id)))
    for _ in range(3):
        html = client.get(f"/o/{token}").get_data(as_text=True)
        response = client.post(f"/o/{token}", data={
            "csrf_token": csrf_token_from(html), "service_type": "legal_aid",
            "service_satisfaction": "satisfied"})
        assert response.status_code == 302
    with demo.app_context():
        stored = [r for r in db.session.scalars(select(Response)) if r.id not in earlier]
        assert len(stored) == 3
        assert all(r.answers["service_type"] == "legal_aid" for r in stored)


def test_poster_link_discourages_a_second_answer_from_one_browser(demo, client, app):
    with demo.app_context():
        campaign = make_campaign(code="TEST-POSTER")
        campaign.allow_open_link = True
        target = db.session.scalar(select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id)).organisation
        db.session.add(OpenLink(token="poster-token-123", campaign=campaign,
                                rater_group=campaign.rater_groups[0], target=target))
        db.session.commit()
    html = client.get("/o/poster-token-123").get_data(as_text=True)
    assert client.post("/o/poster-token-123", data={"csrf_token": csrf_token_from(html), **VALID}).status_code == 302
    assert client.get("/o/poster-token-123").status_code == 409
    other = app.test_client()  # another browser is not blocked (a poster link is weaker)
    assert other.get("/o/poster-token-123").status_code == 200


def test_unknown_open_link_is_404(demo, client):
    assert client.get("/o/nope").status_code == 404


def test_admin_creates_an_open_link_with_qr_code(demo, client, auth):
    with demo.app_context():
        campaign = make_campaign(code="TEST-LINKS")
        campaign_id = campaign.id
        g02 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G02")).id
    auth.login("city_admin", "demo-city-2026")
    page = client.get(f"/surveys/{campaign_id}/links")
    assert "弱于参评码" in page.get_data(as_text=True)  # the page says a link is weaker
    response = client.post(f"/surveys/{campaign_id}/links", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "target": g02,
        "label": "<b>食堂</b>门口海报"})
    assert response.status_code == 302
    html = client.get(f"/surveys/{campaign_id}/links").get_data(as_text=True)
    assert "data:image/png;base64," in html
    assert "&lt;b&gt;食堂&lt;/b&gt;门口海报" in html and "<b>食堂</b>" not in html
    with demo.app_context():
        token = db.session.scalar(select(OpenLink.token).where(OpenLink.campaign_id == campaign_id))
    assert f"/o/{token}" in html
    assert client.get(f"/o/{token}").status_code == 200
