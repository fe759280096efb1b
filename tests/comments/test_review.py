"""Comment review: only groups at or above k reach the queue; only released, masked text
reaches the report pages; the raw answer is never changed; decisions are audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, insert, select

from survey_app.extensions import db
from survey_app.models import AuditEntry, Campaign, Organisation, Response
from survey_app.models.comment import CommentReview
from tests.conftest import csrf_token_from
from tests.reports.conftest import COMMENT, add_disclosure_campaign

NAMED = "工会主席张三不作为，电话13812345678"


@pytest.fixture
def world(demo):
    """TEST-DISC (G01: 3 responses, G02: 8, G03: 9; k = 5) plus one comment naming a person
    in G03 (10 responses then)."""
    with demo.app_context():
        add_disclosure_campaign()
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "TEST-DISC"))
        g03 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G03"))
        model = db.session.scalar(select(Response).where(Response.target_id == g03.id))
        answers = dict(model.answers)
        answers["improve"] = NAMED
        db.session.execute(insert(Response), [{
            "id": "00000000-0000-4000-8000-999999999999", "campaign_id": campaign.id,
            "target_id": g03.id, "rater_group_id": model.rater_group_id,
            "questionnaire_version_id": model.questionnaire_version_id,
            "submitted_on": date(2024, 10, 20), "answers": answers,
            "item_values": model.item_values}])
        db.session.commit()
        return {"campaign_id": campaign.id, "g03": g03.id}


def _login(app, username, password):
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    r = client.post("/auth/login", data={"username": username, "password": password,
                                         "csrf_token": token})
    assert r.status_code == 302
    return client


def _item(html: str, text: str) -> dict[str, str]:
    """The hidden fields of the queue form that holds ``text``."""
    import re

    for block in html.split('<section class="card comment-review">')[1:]:
        if text in block:
            return {name: re.search(rf'name="{name}" value="([^"]*)"', block).group(1)
                    for name in ("target_id", "field_id", "digest")}
    raise AssertionError(f"{text!r} not in the queue")


def test_queue_shows_only_groups_at_or_above_k_with_suggested_masks(world, demo):
    admin = _login(demo, "city_admin", "demo-city-2026")
    html = admin.get(f"/comments/{world['campaign_id']}").get_data(as_text=True)
    assert f"{COMMENT}（DEMO-G03-0）" in html and f"{COMMENT}（DEMO-G02-0）" in html
    assert "DEMO-G01-" not in html  # 3 responses: below k, never in the queue
    assert "工会主席[姓名]不作为，电话[电话]" in html  # the suggestion, ready to confirm


def test_release_shows_only_the_masked_text_and_leaves_the_answer(world, demo):
    admin = _login(demo, "city_admin", "demo-city-2026")
    url = f"/comments/{world['campaign_id']}"
    page = admin.get(url).get_data(as_text=True)
    unit = "/reports/TEST-DISC/units/DEMO-G03"
    before = admin.get(unit).get_data(as_text=True)
    assert "张三" not in before and "[姓名]" not in before and COMMENT not in before

    fields = _item(page, NAMED)
    r = admin.post(f"{url}/review", data={**fields, "decision": "release",
                                           "masked_text": "工会主席[姓名]不作为",
                                           "csrf_token": csrf_token_from(page)})
    assert r.status_code == 302
    after = admin.get(unit).get_data(as_text=True)
    assert "工会主席[姓名]不作为" in after
    assert "张三" not in after and "13812345678" not in after
    assert f"{COMMENT}（DEMO-G03-" not in after  # the others are still unreviewed

    with demo.app_context():
        stored = db.session.scalar(select(Response).where(
            Response.id == "00000000-0000-4000-8000-999999999999"))
        assert stored.answers["improve"] == NAMED  # the raw answer is untouched
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "comment.released"))
        assert entry is not None and "张三" not in str(entry.detail)


def test_withheld_comment_never_appears(world, demo):
    admin = _login(demo, "city_admin", "demo-city-2026")
    url = f"/comments/{world['campaign_id']}"
    page = admin.get(url).get_data(as_text=True)
    fields = _item(page, NAMED)
    r = admin.post(f"{url}/review", data={**fields, "decision": "withhold", "masked_text": "x",
                                           "csrf_token": csrf_token_from(page)})
    assert r.status_code == 302
    html = admin.get("/reports/TEST-DISC/units/DEMO-G03").get_data(as_text=True)
    assert "不作为" not in html
    assert "不作为" in admin.get(f"{url}?state=withheld").get_data(as_text=True)


def test_a_comment_below_k_cannot_be_released_by_a_forged_post(world, demo):
    from survey_app.comments.queries import digest

    admin = _login(demo, "admin", "demo-admin-2026")
    url = f"/comments/{world['campaign_id']}"
    page = admin.get(url).get_data(as_text=True)
    with demo.app_context():
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        g01_id = g01.id
    r = admin.post(f"{url}/review", data={
        "target_id": g01_id, "field_id": "improve", "digest": digest(f"{COMMENT}（DEMO-G01-0）"),
        "decision": "release", "masked_text": "x", "csrf_token": csrf_token_from(page)})
    assert r.status_code == 404
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommentReview)) == 0


def test_empty_release_is_a_clear_400_that_keeps_the_form(world, demo):
    admin = _login(demo, "city_admin", "demo-city-2026")
    url = f"/comments/{world['campaign_id']}"
    page = admin.get(url).get_data(as_text=True)
    fields = _item(page, NAMED)
    r = admin.post(f"{url}/review", data={**fields, "decision": "release", "masked_text": "  ",
                                           "csrf_token": csrf_token_from(page)},
                   headers={"Accept-Language": "zh"})
    assert r.status_code == 400
    assert "error-text" in r.get_data(as_text=True)


@pytest.mark.parametrize("username,password,status", [
    ("g01_admin", "demo-g01-2026", 403),  # not the campaign's manager
    ("analyst", "demo-analyst-2026", 403),
    ("evaluator_g01", "demo-eval-2026", 403),
    ("assessor", "demo-assessor-2026", 403),
])
def test_only_the_campaign_managers_review(world, demo, username, password, status):
    client = _login(demo, username, password)
    assert client.get(f"/comments/{world['campaign_id']}").status_code == status
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    r = client.post(f"/comments/{world['campaign_id']}/review", data={"csrf_token": token})
    assert r.status_code == status
