"""The next survey links to the unit's public results (公示) of its last campaign: members see
what came of their last evaluation before they answer again. The blank form is served from
a cached shell, which must never carry one unit's link to another unit's member."""

from __future__ import annotations

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.member_surveys.operations import issue_codes
from survey_app.models import Campaign, CampaignTarget, Organisation
from tests.surveys.conftest import make_campaign


def _setup(demo) -> tuple[str, str]:
    with demo.app_context():
        last = make_campaign(status="published", code="TEST-LAST")
        last.name = "去年的会员评家"
        last.public_results = True
        g02 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G02"))
        last.targets = [t for t in last.targets if t.organisation.code == "DEMO-G01"]
        db.session.commit()
        now = make_campaign(code="TEST-NOW")
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        assert isinstance(now, Campaign) and isinstance(g02, Organisation)
        assert all(isinstance(t, CampaignTarget) for t in now.targets)
        return issue_codes(now, g01, 1)[0], issue_codes(now, g02, 1)[0]


def test_the_form_links_to_the_units_public_results(demo):
    with_notice, without = _setup(demo)
    member = demo.test_client()
    for _ in range(2):  # the second round is served from the cached page shell
        plain = member.get(f"/s/{without}").get_data(as_text=True)
        assert "/results" not in plain and "去年的会员评家" not in plain
        page = member.get(f"/s/{with_notice}").get_data(as_text=True)
        assert 'href="/u/DEMO-G01/results"' in page and "去年的会员评家" in page
    assert member.get("/u/DEMO-G01/results").status_code == 200


def test_no_link_once_the_public_page_is_turned_off(demo):
    with_notice, _without = _setup(demo)
    with demo.app_context():
        last = db.session.scalar(select(Campaign).where(Campaign.code == "TEST-LAST"))
        last.public_results = False
        db.session.commit()
    page = demo.test_client().get(f"/s/{with_notice}").get_data(as_text=True)
    assert "/u/DEMO-G01/results" not in page
