"""Creating and editing campaigns over the API: the web form's fields and checks (the same
operation), a draft in the token's subtree, a minimum group size never below the platform's
floor; refusals are 4xx problem documents in English and Chinese that change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import AuditEntry, Campaign
from tests.api.conftest import bearer, make_token
from tests.campaigns.test_views import _new_form, login

#: The body of the web test's new-campaign form (tests/campaigns/test_views.py).
BODY = {"code": "API-PEER", "name": "接口创建互评", "kind": "peer", "cycle": "annual",
        "year": 2026, "opens_on": "2026-01-01", "closes_on": "2099-12-31",
        "min_group_size": 5, "owner_code": "DEMO-D01",
        "targets": {"level": "grassroots_union", "within": "DEMO-D01"},
        "rater_groups": [{"key": "peer", "name": "同级", "weight": 1,
                          "questionnaire": "peer_evaluation", "rule": "peer",
                          "peers_per_target": 4}]}


@pytest.fixture
def secrets(demo):
    with demo.app_context():
        return {"district": make_token("DEMO-D01", "campaigns:write"),
                "district_read": make_token("DEMO-D01", "campaigns:read"),
                "g01": make_token("DEMO-G01", "campaigns:write"),
                "d02": make_token("DEMO-D02", "campaigns:write")}


def _campaigns(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Campaign.id)))


def _shape(c: Campaign) -> dict:
    return {"kind": c.kind, "cycle": c.cycle, "year": c.year, "status": c.status,
            "opens_on": c.opens_on, "closes_on": c.closes_on,
            "min_group_size": c.min_group_size, "owner": c.owner.code,
            "targets": sorted(t.organisation.code for t in c.targets),
            "groups": [(g.key, g.name, g.weight, g.rule, g.settings, g.anonymous,
                        g.questionnaire_version_id) for g in c.rater_groups]}


def test_the_api_makes_the_draft_the_web_form_makes(demo, secrets, client, auth):
    login(auth, "district_admin")
    assert client.post("/campaigns/new", data=_new_form(client)).status_code == 302
    response = demo.test_client().post("/api/v1/campaigns", json=BODY,
                                       headers=bearer(secrets["district"]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft" and body["owner_code"] == "DEMO-D01"
    assert body["target_count"] == 12 and body["min_group_size"] == 5
    with demo.app_context():
        web = db.session.scalar(select(Campaign).where(Campaign.code == "W-PEER"))
        api = db.session.scalar(select(Campaign).where(Campaign.code == "API-PEER"))
        assert _shape(api) == _shape(web)
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.object_id == "API-PEER")).all()
    assert sorted(actions) == ["api.campaign.create", "campaign.create"]


def test_the_owner_defaults_to_the_token_s_unit(demo, secrets):
    body = {k: v for k, v in BODY.items() if k != "owner_code"}
    response = demo.test_client().post("/api/v1/campaigns", json=body,
                                       headers=bearer(secrets["district"]))
    assert response.status_code == 201 and response.get_json()["owner_code"] == "DEMO-D01"


@pytest.mark.parametrize("k", [1, 4])
def test_a_minimum_group_size_below_the_floor_is_refused(demo, secrets, k):
    response = demo.test_client().post("/api/v1/campaigns", json=BODY | {"min_group_size": k},
                                       headers=bearer(secrets["district"]))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    [problem] = response.get_json()["errors"]
    assert "below the platform's minimum of 5" in problem["message"]
    assert "5" in problem["message_zh"] and problem["message_zh"] != problem["message"]
    assert "活动设置有 1 处问题" in response.get_json()["detail_zh"]
    assert _campaigns(demo) == 0


def test_the_floor_follows_the_platform_setting(demo, secrets):
    demo.config["MIN_GROUP_SIZE_FLOOR"] = 10
    try:
        response = demo.test_client().post("/api/v1/campaigns", json=BODY,
                                           headers=bearer(secrets["district"]))
    finally:
        demo.config["MIN_GROUP_SIZE_FLOOR"] = 5
    assert response.status_code == 422 and "minimum of 10" in response.get_data(as_text=True)


@pytest.mark.parametrize(("change", "words"), [
    ({"owner_code": "DEMO-D02"}, "outside your part of the tree"),
    ({"targets": {"subtree": "DEMO-D02"}}, "not in the owner's subtree"),
    ({"targets": {"subtree": "DEMO-D01", "list": ["DEMO-G01"]}}, "exactly one of"),
    ({"rater_groups": [BODY["rater_groups"][0] | {"questionnaire": "no_such_q"}]},
     "no questionnaire"),
    ({"rater_groups": [BODY["rater_groups"][0] | {"weight": 0.5}]}, "sum to 0.5"),
    ({"year": None}, "year"),
])
def test_the_web_form_s_checks_refuse_a_campaign(demo, secrets, change, words):
    response = demo.test_client().post("/api/v1/campaigns", json=BODY | change,
                                       headers=bearer(secrets["district"]))
    assert response.status_code == 422, response.get_json()
    assert words in response.get_data(as_text=True)
    assert response.get_json()["detail_zh"]
    assert _campaigns(demo) == 0


def test_a_used_code_is_refused(demo, secrets):
    client = demo.test_client()
    assert client.post("/api/v1/campaigns", json=BODY,
                       headers=bearer(secrets["district"])).status_code == 201
    again = client.post("/api/v1/campaigns", json=BODY, headers=bearer(secrets["district"]))
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)
    assert _campaigns(demo) == 1


def test_a_lower_unit_or_a_read_token_may_not_create_here(demo, secrets):
    client = demo.test_client()
    response = client.post("/api/v1/campaigns", json=BODY, headers=bearer(secrets["g01"]))
    assert response.status_code == 422 and "outside your part" in response.get_data(
        as_text=True)
    response = client.post("/api/v1/campaigns", json=BODY,
                           headers=bearer(secrets["district_read"]))
    assert response.status_code == 403 and _campaigns(demo) == 0


# ---------------------------------------------------------------- editing


@pytest.fixture
def draft(demo, secrets):
    response = demo.test_client().post("/api/v1/campaigns", json=BODY,
                                       headers=bearer(secrets["district"]))
    assert response.status_code == 201
    return BODY["code"]


def _patch(app, secret, body, code=BODY["code"]):
    return app.test_client().patch(f"/api/v1/campaigns/{code}", json=body,
                                   headers=bearer(secret))


def test_a_draft_s_settings_change_as_on_the_edit_page(demo, secrets, draft):
    response = _patch(demo, secrets["district"], {"name": "改名", "min_group_size": 8,
                                                  "closes_on": "2099-06-30",
                                                  "weights": {"peer": 1.0}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == "改名" and body["min_group_size"] == 8
    assert body["closes_on"] == "2099-06-30"
    with demo.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "campaign.update"))
        assert entry.detail["after"]["min_group_size"] == 8


def test_the_minimum_group_size_is_only_raised(demo, secrets, draft):
    response = _patch(demo, secrets["district"], {"min_group_size": 3, "name": "不变"})
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert "at least 5" in problem["message"] and problem["message_zh"] != problem["message"]
    with demo.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.code == draft))
        assert (c.min_group_size, c.name) == (5, BODY["name"])


def test_an_open_campaign_keeps_its_draft_only_settings(demo, secrets, draft):
    with demo.app_context():
        db.session.scalar(select(Campaign).where(Campaign.code == draft)).status = "open"
        db.session.commit()
    assert _patch(demo, secrets["district"], {"min_group_size": 9}).status_code == 409
    response = _patch(demo, secrets["district"], {"name": "延长", "closes_on": "2099-12-30"})
    assert response.status_code == 200 and response.get_json()["name"] == "延长"


def test_closes_before_opens_and_bad_weights_are_refused(demo, secrets, draft):
    assert _patch(demo, secrets["district"], {"closes_on": "2025-01-01"}).status_code == 422
    assert _patch(demo, secrets["district"], {"weights": {"other": 1}}).status_code == 422
    assert _patch(demo, secrets["district"], {"weights": {"peer": 0.4}}).status_code == 422


def test_another_tree_may_not_edit(demo, secrets, draft):
    assert _patch(demo, secrets["d02"], {"name": "x"}).status_code == 403
    assert _patch(demo, secrets["g01"], {"name": "x"}).status_code == 403
    assert _patch(demo, secrets["district_read"], {"name": "x"}).status_code == 403
    assert _patch(demo, secrets["district"], {"name": "x"}, code="NOPE").status_code == 404
