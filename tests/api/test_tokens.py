"""API tokens: made on the command line or by an admin's page, shown once, stored hashed,
scoped, expiring, revocable, audited and rate-limited per token."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.models import AuditEntry
from survey_app.models.api import ApiToken
from tests.api.conftest import bearer, make_token
from tests.conftest import csrf_token_from


def test_the_command_line_prints_a_token_once_and_stores_its_hash(demo, runner):
    result = runner.invoke(args=["api", "token", "create", "--org", "DEMO-D01", "--scope",
                                 "organisations:read", "--scope", "results:read",
                                 "--expires", "7", "--name", "portal"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.splitlines()[0]
    assert secret.startswith("pj_") and len(secret) > 40
    with demo.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str({c.name: getattr(row, c.name) for c in ApiToken.__table__.c})
        assert row.scopes == ["organisations:read", "results:read"]
        assert row.organisation.code == "DEMO-D01"
        assert 6 <= (row.expires_at.replace(tzinfo=None) - row.created_at.replace(
            tzinfo=None)).days <= 7
        audit = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "api.token.create"))
        assert audit.detail["organisation"] == "DEMO-D01" and secret not in str(audit.detail)
    listed = runner.invoke(args=["api", "token", "list"]).output
    assert "DEMO-D01" in listed and secret not in listed


def test_the_command_line_refuses_unknown_scopes_units_and_lifetimes(demo, runner):
    for args in (["--org", "DEMO-D01", "--scope", "everything:write"],
                 ["--org", "NOPE", "--scope", "results:read"],
                 ["--org", "DEMO-D01", "--scope", "results:read", "--expires", "0"],
                 ["--org", "DEMO-D01", "--scope", "results:read", "--expires", "1000"]):
        result = runner.invoke(args=["api", "token", "create", *args])
        assert result.exit_code != 0 and "pj_" not in result.output
    with demo.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_revoking_a_token_stops_it_at_once(demo, runner, client):
    with demo.app_context():
        secret = make_token("DEMO-D01", "organisations:read")
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200
    assert runner.invoke(args=["api", "token", "revoke", str(token_id)]).exit_code == 0
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 401
    with demo.app_context():
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "api.token.revoke")) is not None


def _login(client, username: str, password: str) -> None:
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token}).status_code == 302


def test_an_admin_makes_and_revokes_tokens_on_the_page(demo, client):
    _login(client, "district_admin", "demo-district-2026")
    page = client.get("/integrations/tokens")
    assert page.status_code == 200
    form = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "name": "门户",
            "org_code": "DEMO-G01", "scopes": ["campaigns:read", "results:read"], "days": "30"}
    made = client.post("/integrations/tokens", data=form)
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    import re

    secret = re.search(r'class="token-secret">(pj_[^<]+)<', html).group(1)
    assert "Set-Cookie" not in made.headers or secret not in made.headers["Set-Cookie"]
    assert secret not in client.get("/integrations/tokens").get_data(as_text=True)
    api = demo.test_client()
    assert api.get("/api/v1/campaigns", headers=bearer(secret)).status_code == 200
    # outside the admin's subtree: refused, nothing made
    outside = dict(form, org_code="DEMO-D02")
    assert client.post("/integrations/tokens", data=outside).status_code == 403
    with demo.app_context():
        rows = db.session.scalars(select(ApiToken)).all()
        assert [r.organisation.code for r in rows] == ["DEMO-G01"]
        token_id = rows[0].id
    page = client.get("/integrations/tokens").get_data(as_text=True)
    revoked = client.post(f"/integrations/tokens/{token_id}/revoke",
                          data={"csrf_token": csrf_token_from(page)})
    assert revoked.status_code == 302
    assert api.get("/api/v1/campaigns", headers=bearer(secret)).status_code == 401


def test_a_union_admin_cannot_revoke_a_token_above_them(demo):
    with demo.app_context():
        make_token("DEMO-CITY", "organisations:read")
        token_id = db.session.scalar(select(ApiToken.id))
    client = demo.test_client()
    _login(client, "g01_admin", "demo-g01-2026")
    page = client.get("/integrations/tokens").get_data(as_text=True)
    assert "DEMO-CITY" not in page
    response = client.post(f"/integrations/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 403


def test_each_token_has_its_own_rate_limit(database_url):
    from tests.conftest import SERVER_DB_URL

    config = TestConfig(database_url)
    config.RATELIMIT_ENABLED = True
    config.API_RATE_LIMIT = "3 per minute"
    config.RATELIMIT_KEY_PREFIX = f"api-test-{id(config)}"
    app = create_app(config)
    with app.app_context():
        if not SERVER_DB_URL:
            db.create_all()
        from demo import load_demo

        load_demo(campaigns=False)
        first = make_token("DEMO-D01", "organisations:read")
        second = make_token("DEMO-D01", "organisations:read")
    client = app.test_client()
    codes = [client.get("/api/v1/organisations/DEMO-D01", headers=bearer(first)).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/organisations/DEMO-D01", headers=bearer(first))
    assert limited.mimetype == "application/problem+json"
    assert client.get("/api/v1/organisations/DEMO-D01",
                      headers=bearer(second)).status_code == 200
    with app.app_context():
        db.session.remove()
        if SERVER_DB_URL:
            from sqlalchemy import text

            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


def test_only_a_platform_admin_makes_a_platform_token_on_the_page(demo, client):
    _login(client, "district_admin", "demo-district-2026")
    page = client.get("/integrations/tokens").get_data(as_text=True)
    assert 'name="platform_admin"' not in page
    form = {"csrf_token": csrf_token_from(page), "name": "门户", "org_code": "DEMO-G01",
            "scopes": ["organisations:write"], "days": "30", "platform_admin": "y"}
    assert client.post("/integrations/tokens", data=form).status_code == 403
    with demo.app_context():
        assert db.session.scalar(select(ApiToken)) is None

    admin = demo.test_client()
    _login(admin, "admin", "demo-admin-2026")
    page = admin.get("/integrations/tokens").get_data(as_text=True)
    assert 'name="platform_admin"' in page
    made = admin.post("/integrations/tokens", data=dict(form, org_code="DEMO-CITY",
                                                         csrf_token=csrf_token_from(page)))
    assert made.status_code == 200
    with demo.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.platform_admin and row.created_by.username == "admin"
        audit = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "api.token.create"))
        assert audit.detail["platform_admin"] is True


def test_the_command_line_makes_a_platform_token(demo, runner):
    result = runner.invoke(args=["api", "token", "create", "--org", "DEMO-CITY", "--scope",
                                 "organisations:write", "--platform-admin"])
    assert result.exit_code == 0, result.output
    assert "platform token" in result.stderr
    with demo.app_context():
        assert db.session.scalar(select(ApiToken.platform_admin)) is True
