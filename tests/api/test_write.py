"""Writes through the API: campaign state changes use the web's operation and permission
rules; bad bodies are 4xx problem documents and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEntry, Campaign
from tests.api.conftest import bearer, make_token
from tests.surveys.conftest import make_campaign


@pytest.fixture
def setup(demo):
    with demo.app_context():
        campaign = make_campaign(status="open", code="TEST-API-STATE")
        secrets = {"city": make_token("DEMO-CITY", "campaigns:write"),
                   "city_read": make_token("DEMO-CITY", "campaigns:read"),
                   "g01": make_token("DEMO-G01", "campaigns:write")}
        return demo, campaign.code, secrets


def _status(app, code: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Campaign.status).where(Campaign.code == code))


def test_the_owner_closes_and_publishes_and_the_audit_names_the_token(setup):
    app, code, secrets = setup
    client = app.test_client()
    closed = client.post(f"/api/v1/campaigns/{code}/close", json={},
                         headers=bearer(secrets["city"]))
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    published = client.post(f"/api/v1/campaigns/{code}/publish", json={},
                            headers=bearer(secrets["city"]))
    assert published.status_code == 200 and _status(app, code) == "published"
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "api.campaign.closed"))
        assert entry.detail["organisation"] == "DEMO-CITY" and entry.detail["token_id"]
    assert "campaign.close" in actions and "campaign.publish" in actions


def test_a_lower_unit_may_not_change_an_upper_unions_campaign(setup):
    app, code, secrets = setup
    response = app.test_client().post(f"/api/v1/campaigns/{code}/close", json={},
                                      headers=bearer(secrets["g01"]))
    assert response.status_code == 403 and _status(app, code) == "open"
    response = app.test_client().post(f"/api/v1/campaigns/{code}/close", json={},
                                      headers=bearer(secrets["city_read"]))
    assert response.status_code == 403 and _status(app, code) == "open"


def test_an_illegal_move_is_a_conflict_and_changes_nothing(setup):
    app, code, secrets = setup
    response = app.test_client().post(f"/api/v1/campaigns/{code}/publish", json={},
                                      headers=bearer(secrets["city"]))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert _status(app, code) == "open"
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action.like("api.campaign.%"))) is None


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"{not json", "application/json", 400),
    (b'{"reason": 5}', "application/json", 422),
    (b'{"unknown": "x"}', "application/json", 422),
    (b'["a list"]', "application/json", 422),
    (b'{"reason": "' + b"x" * 70_000 + b'"}', "application/json", 413),
])
def test_bad_bodies_are_refused_and_change_nothing(setup, body, content_type, status):
    app, code, secrets = setup
    response = app.test_client().post(f"/api/v1/campaigns/{code}/close", data=body,
                                      content_type=content_type,
                                      headers=bearer(secrets["city"]))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail_zh"]
    assert _status(app, code) == "open"


def test_the_api_needs_no_csrf_token_and_sets_no_cookie(setup):
    app, code, secrets = setup
    response = app.test_client().post(f"/api/v1/campaigns/{code}/close", json={},
                                      headers=bearer(secrets["city"]))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_codes_are_issued_for_a_target_as_csv_and_only_their_hashes_kept(setup):
    from survey_app.member_surveys.codes import code_hash, normalise
    from survey_app.models import AccessCode

    app, code, secrets = setup
    with app.app_context():
        g01 = make_token("DEMO-G01", "codes:write")
        reader = make_token("DEMO-G01", "codes:read")
    client = app.test_client()
    response = client.post(f"/api/v1/campaigns/{code}/codes",
                           json={"unit_code": "DEMO-G01", "count": 3}, headers=bearer(g01))
    assert response.status_code == 201 and response.mimetype == "text/csv"
    rows = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0] == "code,url,unit_code,unit_name" and len(rows) == 4
    printed = [r.split(",")[0] for r in rows[1:]]
    with app.app_context():
        stored = set(db.session.scalars(select(AccessCode.code_hash)).all())
        assert {code_hash(normalise(c)) for c in printed} == stored
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "api.codes.issue")).detail["target"] == "DEMO-G01"
    # a unit outside the token's subtree, a unit that is not a target, a read-only token
    assert client.post(f"/api/v1/campaigns/{code}/codes", json={"unit_code": "DEMO-G02",
                       "count": 1}, headers=bearer(g01)).status_code == 403
    assert client.post(f"/api/v1/campaigns/{code}/codes", json={"unit_code": "DEMO-CITY",
                       "count": 1}, headers=bearer(secrets["city"])).status_code in (403, 404)
    assert client.post(f"/api/v1/campaigns/{code}/codes", json={"unit_code": "DEMO-G01",
                       "count": 1}, headers=bearer(reader)).status_code == 403
    with app.app_context():
        assert len(db.session.scalars(select(AccessCode.id)).all()) == 3


def test_codes_as_printable_slips(setup):
    app, code, _secrets = setup
    with app.app_context():
        g01 = make_token("DEMO-G01", "codes:write")
    response = app.test_client().post(f"/api/v1/campaigns/{code}/codes",
                                      json={"unit_code": "DEMO-G01", "count": 2,
                                            "format": "pdf"}, headers=bearer(g01))
    assert response.status_code == 201 and response.data.startswith(b"%PDF")
