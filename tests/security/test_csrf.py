"""Every state-changing route refuses a POST without a valid CSRF token (from the URL map)."""


from survey_app.extensions import db
from survey_app.models import AuditEntry, Role
from tests.security.test_authorization_matrix import _client_as, foreign_values, url_for_rule
from tests.security.world import build_foreign_world


def test_every_post_route_needs_a_csrf_token(demo):
    with demo.app_context():
        world = build_foreign_world()
        audit_before = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    client = _client_as(demo, Role.PLATFORM_ADMIN)
    checked = []
    for rule in demo.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        if rule.rule.startswith("/api/"):  # bearer tokens only, never a cookie: no CSRF
            continue  # (tests/security/test_api_matrix.py refuses cookie-only calls)
        path = url_for_rule(demo, rule, foreign_values(world, rule.endpoint))
        for data in ({}, {"csrf_token": "forged-token"}):
            response = client.post(path, data=data)
            assert response.status_code == 400, (rule.endpoint, data, response.status_code)
            assert "表单已过期" in response.get_data(as_text=True)
        checked.append(rule.endpoint)
    assert len(checked) >= 15
    with demo.app_context():  # and nothing was written
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == audit_before
