"""The open API's authorisation matrix, generated from the URL map: every ``/api/v1/`` route
declares the scope it needs (``required_scope``), and for every one of them

* no token, a garbled token, a browser session cookie alone, an expired token and a revoked
  token get 401;
* a valid token without the route's scope gets 403 (a read token on a write route too);
* a valid token of another federation's tree, asking for that tree's objects, gets 403 or
  404 and never the data; a list never names them;
* a platform route (``platform_only``: the organisation import) refuses every token that is
  not a platform token with its scope (403), even one holding every scope.
"""

from __future__ import annotations

import pytest

from survey_app.models.api import API_RESOURCES, API_SCOPES
from tests.api.conftest import bearer, make_token
from tests.conftest import csrf_token_from
from tests.security.test_authorization_matrix import url_for_rule
from tests.security.world import FOREIGN_NAME, build_foreign_world

OWN = {"code": "DEMO-G01", "unit_code": "DEMO-G01", "webhook_id": 999999,
       "delivery_id": 999999, "action_id": 999999, "pair_id": 999999, "activity_id": 999999}


def api_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        scope = getattr(app.view_functions[rule.endpoint], "required_scope", None)
        if rule.endpoint.startswith("api."):
            assert scope in API_SCOPES, rule.endpoint
            method = next(m for m in ("GET", "DELETE", "PATCH", "POST") if m in rule.methods)
            yield rule, scope, method


def _platform_only(app, rule) -> bool:
    return bool(getattr(app.view_functions[rule.endpoint], "platform_only", False))


def _values(rule, foreign) -> dict[str, str]:
    campaign_route = rule.rule.startswith("/api/v1/campaigns/")
    return {"code": foreign.campaign_code if campaign_route else foreign.unit_code,
            "unit_code": foreign.unit_code, "webhook_id": foreign.webhook_id,
            "delivery_id": foreign.delivery_id, "action_id": foreign.action_id,
            "pair_id": foreign.pair_id, "activity_id": foreign.activity_id}


#: Valid bodies, so that a refusal is about the object, not the body.
BODIES = {
    "api.create_action": {"source_kind": "assessor", "source_label": "x", "title": "x",
                          "owner_name": "x", "owner_unit_code": "OTHER-G1",
                          "due_on": "2099-01-01"},
    "api.log_activity": {"held_on": "2020-01-01", "form": "exchange", "content": "x",
                         "participants": 1},
    "api.issue_codes": {"unit_code": "OTHER-G1", "count": 1},
    "api.action_progress": {"status": "in_progress", "text": "x"},
    "api.update_campaign": {"name": "x"},
}


def _call(client, method: str, path: str, headers=None, endpoint: str = ""):
    if method == "GET":
        return client.get(path, headers=headers or {})
    if method == "DELETE":
        return client.delete(path, headers=headers or {})
    if method == "PATCH":
        return client.patch(path, json=BODIES.get(endpoint, {}), headers=headers or {})
    return client.post(path, json=BODIES.get(endpoint, {}), headers=headers or {})


@pytest.fixture
def setup(demo):
    with demo.app_context():
        world = build_foreign_world()
        everything = list(API_SCOPES)
        secrets = {
            "all": make_token("DEMO-CITY", *everything),
            "expired": make_token("DEMO-CITY", *everything, expired=True),
            "revoked": make_token("DEMO-CITY", *everything, revoked=True),
            "reads": make_token("DEMO-CITY", *[f"{r}:read" for r in API_RESOURCES]),
        }
        for resource in API_RESOURCES:
            others = [s for s in everything if not s.startswith(resource + ":")]
            secrets["without:" + resource] = make_token("DEMO-CITY", *others)
    return demo, world, secrets


def test_every_api_route_needs_a_scope(demo):
    rules = list(api_rules(demo))
    assert len(rules) >= 12


def test_invalid_credentials_are_refused_on_every_route(setup):
    app, world, secrets = setup
    browser = app.test_client()
    token = csrf_token_from(browser.get("/auth/login").get_data(as_text=True))
    assert browser.post("/auth/login", data={"username": "admin", "password": "demo-admin-2026",
                                             "csrf_token": token}).status_code == 302
    anonymous = app.test_client()
    failures = []
    for rule, _scope, method in api_rules(app):
        path = url_for_rule(app, rule, OWN)
        cases = {
            "none": (anonymous, None),
            "cookie only": (browser, None),
            "garbled": (anonymous, {"Authorization": "Bearer pj_not-a-token"}),
            "basic": (anonymous, {"Authorization": "Basic YWRtaW46ZGVtbw=="}),
            "expired": (anonymous, bearer(secrets["expired"])),
            "revoked": (anonymous, bearer(secrets["revoked"])),
            "cookie and revoked": (browser, bearer(secrets["revoked"])),
        }
        for case, (client, headers) in cases.items():
            response = _call(client, method, path, headers)
            if response.status_code != 401 or \
                    response.mimetype != "application/problem+json" or \
                    "Set-Cookie" in response.headers:
                failures.append((rule.endpoint, case, response.status_code))
    assert failures == []


def test_a_token_without_the_scope_is_refused_on_every_route(setup):
    app, _world, secrets = setup
    client = app.test_client()
    failures, checked = [], 0
    for rule, scope, method in api_rules(app):
        path = url_for_rule(app, rule, OWN)
        resource, _, access = scope.partition(":")
        refused = [secrets["without:" + resource]]
        if access == "write":
            refused.append(secrets["reads"])
        for secret in refused:
            checked += 1
            response = _call(client, method, path, bearer(secret))
            if response.status_code != 403:
                failures.append((rule.endpoint, scope, response.status_code))
    assert checked >= 12 and failures == []


def test_objects_of_another_tree_are_refused_on_every_route(setup):
    app, world, secrets = setup
    client = app.test_client()
    failures, scoped = [], 0
    for rule, _scope, method in api_rules(app):
        path = url_for_rule(app, rule, _values(rule, world))
        response = _call(client, method, path, bearer(secrets["all"]), rule.endpoint)
        # the problem's ``instance`` echoes the caller's own path; nothing else may name them
        body = str({k: v for k, v in (response.get_json() or {}).items() if k != "instance"})
        if _platform_only(app, rule):
            if response.status_code != 403:  # not a platform token
                failures.append((rule.endpoint, response.status_code))
        elif rule.arguments:
            scoped += 1
            if response.status_code not in (403, 404):
                failures.append((rule.endpoint, response.status_code))
        elif method == "GET" and response.status_code != 200:
            failures.append((rule.endpoint, response.status_code))
        elif method == "POST" and response.status_code != 422:  # an empty body: refused
            failures.append((rule.endpoint, response.status_code))
        if FOREIGN_NAME in body or world.unit_code in body or world.campaign_code in body:
            failures.append((rule.endpoint, "leaks"))
    assert scoped >= 8 and failures == []


def test_platform_routes_need_a_platform_token_with_the_scope(setup):
    """Only a platform token holding the route's scope gets past the check (an empty body is
    then refused as a body, 422); every other token is 403 and changes nothing."""
    from sqlalchemy import select

    from survey_app.extensions import db
    from survey_app.models import User

    app, _world, secrets = setup
    client = app.test_client()
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        platform = make_token("DEMO-CITY", *API_SCOPES, platform_admin=True, user=admin)
        platform_reads = make_token("DEMO-CITY", *[f"{r}:read" for r in API_RESOURCES],
                                    platform_admin=True, user=admin)
        made_by_admin = make_token("DEMO-CITY", *API_SCOPES, user=admin)
    rules = [(rule, scope, method) for rule, scope, method in api_rules(app)
             if _platform_only(app, rule)]
    assert [rule.endpoint for rule, _s, _m in rules] == ["api.import_organisations"]
    failures = []
    for rule, scope, method in rules:
        path = url_for_rule(app, rule, OWN)
        resource = scope.partition(":")[0]
        for name, secret in [("all scopes, not platform", secrets["all"]),
                             ("made by a platform admin, not platform", made_by_admin),
                             ("platform, reads only", platform_reads),
                             ("without the resource", secrets["without:" + resource])]:
            response = _call(client, method, path, bearer(secret))
            if response.status_code != 403 or \
                    response.mimetype != "application/problem+json":
                failures.append((rule.endpoint, name, response.status_code))
        response = _call(client, method, path, bearer(platform))
        if response.status_code != 422:
            failures.append((rule.endpoint, "platform", response.status_code))
    assert failures == []


def test_the_same_routes_answer_inside_the_tree(setup):
    """The refusals above are about scope, not broken URLs."""
    app, _world, secrets = setup
    client = app.test_client()
    for path in ("/api/v1/organisations/DEMO-G01", "/api/v1/organisations/DEMO-G01/open-campaigns",
                 "/api/v1/organisations", "/api/v1/campaigns", "/api/v1/honours",
                 "/api/v1/assessment/results"):
        assert client.get(path, headers=bearer(secrets["all"])).status_code == 200, path


def test_a_campaign_may_not_be_created_in_another_tree(setup):
    """POST /api/v1/campaigns names its owner and targets in the body: another federation's
    units are refused (422) and no campaign is made."""
    from sqlalchemy import func, select

    from survey_app.extensions import db
    from survey_app.models import Campaign

    app, world, secrets = setup
    body = {"code": "X-FOREIGN", "name": "x", "kind": "member", "year": 2026,
            "targets": {"subtree": "DEMO-G01"},
            "rater_groups": [{"key": "m", "weight": 1, "questionnaire": "member_evaluation"}]}
    client = app.test_client()
    with app.app_context():
        before = db.session.scalar(select(func.count(Campaign.id)))
    for change in ({"owner_code": world.unit_code}, {"targets": {"subtree": world.unit_code}},
                   {"targets": {"list": [world.unit_code]}}):
        response = client.post("/api/v1/campaigns", json=body | change,
                               headers=bearer(secrets["all"]))
        assert response.status_code == 422, change
        assert FOREIGN_NAME not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Campaign.id))) == before
