"""The authorisation matrix, generated from the URL map.

* Every route is either listed as public here, or its view declares the roles it admits
  (``access.roles_required``): a new route without a rule fails ``test_every_route_has_a_rule``.
* Every role outside a route's roles gets 403 (anonymous visitors are sent to the login page).
* Every role inside a route's roles, asking for an object of another federation (another
  subtree, campaign, rater's assignment, unit, evidence file), gets 403 or 404, never the data.
"""

from __future__ import annotations

import re

import pytest

from survey_app.models import Role
from tests.conftest import csrf_token_from
from tests.security.world import FOREIGN_NAME, build_foreign_world

PUBLIC = {
    "static", "home.index", "home.healthz", "home.readyz", "home.set_language", "auth.login", "auth.logout",
    "member_surveys.member_survey", "member_surveys.thanks", "member_surveys.open_survey",
    "auth.second_factor",  # only for a session that has just passed the password step
    "notices.unit_results", "notices.printable_results",
    "member_surveys.enter_code",
    # 你说我改: a unit's public page for its members (published aggregates only)
    "improvement.you_said_we_did", "improvement.short_link", "improvement.qr_code",
    "member_surveys.privacy",
    # the open API's document and reference page; its routes take tokens, not accounts
    # (their rule is ``required_scope``: tests/security/test_api_matrix.py)
    "api-docs.openapi_json", "api_pages.reference",
}

ACCOUNTS = {
    Role.PLATFORM_ADMIN: ("admin", "demo-admin-2026"),
    Role.UNION_ADMIN: ("city_admin", "demo-city-2026"),
    Role.EVALUATOR: ("evaluator_g01", "demo-eval-2026"),
    Role.ASSESSOR: ("assessor", "demo-assessor-2026"),
    Role.ANALYST: ("analyst", "demo-analyst-2026"),
}

#: Parameters that name nothing secret or scoped (library keys, formats, years...).
#: Published questionnaire versions are shared by every federation (content-addressed).
GLOBAL = {"version_id"}
FIXED = {"key": "member_evaluation", "scheme_key": "default", "year": "2026", "fmt": "csv",
         "name": "dimensions", "filename": "app.css"}


def foreign_values(foreign, endpoint: str) -> dict[str, object]:
    """URL parameters naming the foreign world's objects for ``endpoint``."""
    code = foreign.campaign_code if endpoint.startswith("reports.") else foreign.unit_code
    if endpoint.startswith("committee."):
        code = foreign.committee_code
    campaign_id = foreign.cross_campaign_id if endpoint in (
        "campaigns.answers", "campaigns.remove") else foreign.campaign_id
    return {
        "campaign_id": campaign_id, "assignment_id": foreign.assignment_id,
        "org_id": foreign.unit_id, "unit_code": foreign.unit_code, "code": code,
        "evidence_id": foreign.evidence_id, "version_id": foreign.version_id,
        "token": foreign.link_token, "user_id": foreign.user_id, "appeal_id": foreign.appeal_id,
        "pair_id": foreign.pair_id, "activity_id": foreign.activity_id,
        "note_id": foreign.note_id, "action_id": foreign.action_id,
        "action_note_id": foreign.action_note_id, "honour_id": foreign.honour_id,
        "project_id": foreign.project_id, "task_id": foreign.task_id,
        "person_id": foreign.person_id, "token_id": foreign.api_token_id,
        "webhook_id": foreign.webhook_id, "delivery_id": foreign.delivery_id,
        "highlight_id": foreign.highlight_id,
    }


def url_for_rule(app, rule, values: dict[str, object]) -> str:
    path = rule.rule
    for arg in rule.arguments:
        value = values.get(arg, FIXED.get(arg))
        assert value is not None, f"no test value for <{arg}> in {rule.rule}"
        path = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), path)
    return path


def view_roles(app, endpoint: str):
    return getattr(app.view_functions[endpoint], "required_roles", None)


def test_every_route_has_a_rule(app):
    missing = sorted(
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC and view_roles(app, rule.endpoint) is None
        and getattr(app.view_functions[rule.endpoint], "required_scope", None) is None
    )
    assert missing == [], f"routes without an access rule: {missing}"


@pytest.fixture
def world(demo):
    with demo.app_context():
        return build_foreign_world()


def _client_as(app, role):
    client = app.test_client()
    if role is None:
        return client
    username, password = ACCOUNTS[role]
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                "csrf_token": token})
    assert response.status_code == 302, username
    return client


def _call(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def _guarded_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        roles = view_roles(app, rule.endpoint)
        if roles is not None:
            method = "GET" if "GET" in rule.methods else "POST"
            yield rule, {r.value for r in roles}, method


def test_roles_outside_a_route_are_refused(world, demo):
    clients = {role: _client_as(demo, role) for role in [None, *ACCOUNTS]}
    failures = []
    for rule, roles, method in _guarded_rules(demo):
        path = url_for_rule(demo, rule, foreign_values(world, rule.endpoint))
        for role, client in clients.items():
            if role is not None and role.value in roles:
                continue
            response = _call(client, method, path)
            expected = {302} if role is None else {403}
            if response.status_code not in expected or FOREIGN_NAME in response.get_data(as_text=True):
                failures.append((rule.endpoint, role and role.value, response.status_code))
            if role is None and response.status_code == 302:
                assert "/auth/login" in response.headers["Location"]
    assert failures == []


def test_objects_outside_the_scope_are_refused(world, demo):
    clients = {role: _client_as(demo, role) for role in ACCOUNTS if role != Role.PLATFORM_ADMIN}
    failures, checked = [], 0
    for rule, roles, method in _guarded_rules(demo):
        scoped = set(rule.arguments) - set(FIXED) - GLOBAL
        if not scoped:
            continue  # lists are filtered by scope; covered by the subtree tests
        path = url_for_rule(demo, rule, foreign_values(world, rule.endpoint))
        for role, client in clients.items():
            if role.value not in roles:
                continue
            response = _call(client, method, path)
            checked += 1
            body = response.get_data(as_text=True)
            if response.status_code not in (403, 404) or FOREIGN_NAME in body:
                failures.append((rule.endpoint, role.value, response.status_code))
    assert checked > 20
    assert failures == []


def test_platform_admin_reaches_the_foreign_objects(world, demo):
    """The same URLs work for the one role that sees everything: the refusals above are
    about scope, not broken URLs."""
    client = _client_as(demo, Role.PLATFORM_ADMIN)
    for endpoint, path in [
        ("member_surveys.codes_admin", f"/surveys/{world.campaign_id}/codes"),
        ("campaigns.detail", f"/campaigns/{world.campaign_id}"),
        ("campaigns.assignments", f"/campaigns/{world.cross_campaign_id}/assignments"),
        ("appeals.detail", f"/appeals/{world.appeal_id}"),
        ("partnering.pair", f"/partnering/pairs/{world.pair_id}"),
        ("partnering.outcomes", "/partnering/outcomes?org=OTHER-FED"),
        ("partnering.showcase", "/partnering/showcase?org=OTHER-FED"),
        ("improvement.project", f"/improvement/project/{world.project_id}"),
        ("committee.person", f"/committee/{world.committee_code}/people/{world.person_id}"),
        ("committee.unit", f"/committee/units/{world.unit_code}"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, endpoint
        assert FOREIGN_NAME in response.get_data(as_text=True)
    # comments are reviewed once the campaign closes, by nobody while answers arrive
    assert client.get(f"/comments/{world.campaign_id}").status_code == 403


#: Delegation down the tree: the lower unions' admins on the city's open member campaign
#: (targets DEMO-G01, DEMO-G02 under DEMO-D01). (account, method, path, status); ``{id}`` is
#: the campaign. Codes and participation are open to them, settings and state are not.
DELEGATION = [
    ("g01_admin", "GET", "/surveys/{id}/codes", 200),
    ("g01_admin", "GET", "/surveys/{id}/participation", 200),
    ("district_admin", "GET", "/surveys/{id}/codes", 200),
    ("district_admin", "GET", "/surveys/{id}/participation", 200),
    ("g01_admin", "GET", "/campaigns/{id}", 403),
    ("g01_admin", "GET", "/campaigns/{id}/edit", 403),
    ("g01_admin", "POST", "/campaigns/{id}/state", 403),
    ("g01_admin", "GET", "/surveys/{id}/links", 403),
    ("g01_admin", "GET", "/campaigns/{id}/assignments", 403),
    ("evaluator_g01", "GET", "/surveys/{id}/codes", 403),
    ("city_admin", "GET", "/campaigns/{id}", 200),
]
DELEGATION_PASSWORDS = {"g01_admin": "demo-g01-2026", "district_admin": "demo-district-2026",
                        "evaluator_g01": "demo-eval-2026", "city_admin": "demo-city-2026"}


@pytest.mark.parametrize(("account", "method", "path", "status"), DELEGATION)
def test_delegation_down_the_tree(demo, account, method, path, status):
    from tests.surveys.conftest import make_campaign

    with demo.app_context():
        campaign_id = make_campaign().id
    client = demo.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={
        "username": account, "password": DELEGATION_PASSWORDS[account],
        "csrf_token": token}).status_code == 302
    assert _call(client, method, path.format(id=campaign_id)).status_code == status
