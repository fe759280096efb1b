"""The public notice page (公示): off unless the campaign's managers turn it on; shows only the
published report's figures for the unit (same suppression), released comments and a QR code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from analysis import reports as R
from survey_app.extensions import db
from survey_app.models import AuditEntry, Campaign, Organisation
from survey_app.reports.queries import campaign_report
from tests.comments.test_review import _item, _login
from tests.conftest import csrf_token_from
from tests.reports.conftest import COMMENT, add_disclosure_campaign


@pytest.fixture
def campaign_id(demo):
    from survey_app.reports import queries as util

    util._reports.clear()
    with demo.app_context():
        add_disclosure_campaign()
        return db.session.scalar(select(Campaign.id).where(Campaign.code == "TEST-DISC"))


def _turn(app, campaign_id: int, value: str, username="city_admin", password="demo-city-2026"):
    client = _login(app, username, password)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    return client.post(f"/notices/{campaign_id}/public",
                       data={"public": value, "csrf_token": csrf_token_from(page)})


def test_page_is_off_until_the_managers_turn_it_on(campaign_id, demo):
    visitor = demo.test_client()
    assert visitor.get("/u/DEMO-G03/results").status_code == 404
    assert visitor.get("/u/NO-SUCH-UNIT/results").status_code == 404
    r = _turn(demo, campaign_id, "on")
    assert r.status_code == 302
    assert visitor.get("/u/DEMO-G03/results").status_code == 200
    with demo.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "campaign.public_results")) is not None
    assert _turn(demo, campaign_id, "off").status_code == 302
    assert visitor.get("/u/DEMO-G03/results").status_code == 404


def test_only_the_campaign_managers_turn_it_on(campaign_id, demo):
    assert _turn(demo, campaign_id, "on", "g01_admin", "demo-g01-2026").status_code == 403
    with demo.app_context():
        assert db.session.get(Campaign, campaign_id).public_results is False


def test_figures_are_the_published_reports_and_small_groups_show_none(campaign_id, demo):
    _turn(demo, campaign_id, "on")
    visitor = demo.test_client()
    html = visitor.get("/u/DEMO-G03/results").get_data(as_text=True)
    with demo.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        g03 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G03"))
        row = R.unit_summary(campaign_report(campaign, language="zh"), g03.id)
    assert f"{float(row['overall']):.1f}" in html
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', html)
    assert "http://localhost/u/DEMO-G03/results" in html
    # G01 has 3 answers (below k = 5); G02's 8 are withheld so G01 cannot be subtracted.
    for code in ("DEMO-G01", "DEMO-G02"):
        small = visitor.get(f"/u/{code}/results").get_data(as_text=True)
        assert "本单位结果不予显示" in small
        assert not re.search(r"<dd>\d", small)
    assert visitor.get("/u/DEMO-G03/results/print").status_code == 200


def test_only_released_comments_appear(campaign_id, demo):
    _turn(demo, campaign_id, "on")
    visitor = demo.test_client()
    assert COMMENT not in visitor.get("/u/DEMO-G03/results").get_data(as_text=True)
    admin = _login(demo, "city_admin", "demo-city-2026")
    queue = admin.get(f"/comments/{campaign_id}").get_data(as_text=True)
    fields = _item(queue, f"{COMMENT}（DEMO-G03-1）")
    admin.post(f"/comments/{campaign_id}/review",
               data={**fields, "decision": "release", "masked_text": "食堂饭菜要改进（已审核）",
                     "csrf_token": csrf_token_from(queue)})
    html = visitor.get("/u/DEMO-G03/results").get_data(as_text=True)
    assert "食堂饭菜要改进（已审核）" in html
    assert f"{COMMENT}（DEMO-G03-1）" not in html and f"{COMMENT}（DEMO-G03-2）" not in html
