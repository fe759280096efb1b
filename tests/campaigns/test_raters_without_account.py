"""A campaign page lists the rater units that have no evaluator account to answer with."""

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Organisation, User


def test_rater_units_without_account_are_listed_on_the_campaign_page(demo, cross, client,
                                                                       auth):
    auth.login("admin", "demo-admin-2026")
    html = client.get(f"/campaigns/{cross}").get_data(as_text=True)
    assert 'id="raters-without-account"' in html
    # DEMO-G01 has an evaluator account (evaluator_g01): not listed; its branches have none.
    listing = html.split('id="raters-without-account"')[1].split("</div>")[0]
    assert "<code>DEMO-G01</code>" not in listing
    assert "<code>DEMO-G01-B1</code>" in listing
    assert "/accounts/new?unit=DEMO-G01-B1" in listing


def test_a_disabled_account_does_not_count(demo, cross, client, auth):
    with demo.app_context():
        evaluator = db.session.scalar(select(User).where(User.username == "evaluator_g01"))
        evaluator.active = False
        db.session.commit()
    auth.login("admin", "demo-admin-2026")
    listing = client.get(f"/campaigns/{cross}").get_data(as_text=True).split(
        'id="raters-without-account"')[1].split("</div>")[0]
    assert "<code>DEMO-G01</code>" in listing


def test_no_warning_when_every_rater_unit_has_an_account(demo, cross, client, auth):
    from survey_app.campaigns.queries import raters_without_account
    from survey_app.models import Campaign

    with demo.app_context():
        campaign = db.session.get(Campaign, cross)
        for org in raters_without_account(campaign):
            user = User(username=f"e_{org.code}", role="evaluator", organisation=org)
            user.set_password("x" * 12)
            db.session.add(user)
        db.session.commit()
        assert raters_without_account(campaign) == []
        assert db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
    auth.login("admin", "demo-admin-2026")
    assert 'id="raters-without-account"' not in client.get(f"/campaigns/{cross}").get_data(
        as_text=True)
