"""The security events page: the audit log's ``auth.``, ``user.`` and ``export.`` records, filtered by
event, account and date, scoped to the admin's subtree, exportable as neutralised CSV."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEntry, Organisation, User
from survey_app.models.audit import record
from tests.conftest import csrf_token_from


def _account(username: str, role: str, org_code: str | None) -> User:
    org = db.session.scalar(select(Organisation).where(Organisation.code == org_code))
    user = User(username=username, role=role, organisation=org)
    user.set_password("pw-" + username)
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def events(demo):
    """Union admins of DEMO-D01 and DEMO-D02, and events about accounts in each."""
    with demo.app_context():
        d01 = _account("d01_admin", "union_admin", "DEMO-D01")
        d02 = _account("d02_admin", "union_admin", "DEMO-D02")
        d01_analyst = _account("d01_analyst", "analyst", "DEMO-D01")
        _account("d02_analyst", "analyst", "DEMO-D02")
        e = record("auth.login_failed", "user", "d01_analyst", reason="password")
        e.at = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
        e = record("auth.login_failed", "user", "d02_analyst", reason="password")
        e.at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
        record("auth.lockout", "user", "d02_analyst")
        record("auth.login_failed", "user", "nobody_such", reason="unknown account")
        record("auth.token_created", "api_token", "7", d01, name="portal")
        record("export.raw", "campaign", "C1", d01_analyst, unit="DEMO-D01", format="csv")
        record("export.raw", "campaign", '=HYPERLINK("http://x")', d02, unit="DEMO-D02",
               format="csv")
        record("campaign.create", "campaign", "C3", d01)  # not a security event
        db.session.commit()
    return demo


def _as(app, username: str, password: str):
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token}).status_code == 302
    return client


def _csv(response) -> pd.DataFrame:
    assert response.status_code == 200
    return pd.read_csv(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                       keep_default_na=False)


def test_platform_admin_sees_every_security_event(events):
    client = _as(events, "admin", "demo-admin-2026")
    page = client.get("/admin/security-events")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "nobody_such" in html and "d02_analyst" in html and "auth.token_created" in html
    assert "campaign.create" not in html
    frame = _csv(client.get("/admin/security-events.csv"))
    assert len(frame) == 7
    assert frame["event"].iloc[0] == "export.raw"  # newest first


def test_union_admin_sees_only_its_subtrees_accounts(events):
    frame = _csv(_as(events, "d01_admin", "pw-d01_admin").get("/admin/security-events.csv"))
    assert set(frame["event"]) == {"auth.login_failed", "auth.token_created", "export.raw"}
    people = set(frame["account"]) | set(frame["subject"])
    assert "d02_analyst" not in people and "nobody_such" not in people
    assert {"d01_analyst", "d01_admin"} <= people
    html = _as(events, "d02_admin", "pw-d02_admin").get("/admin/security-events").get_data(
        as_text=True)
    assert "d01_analyst" not in html and "auth.lockout" in html


def test_filters_by_event_account_and_date(events):
    client = _as(events, "admin", "demo-admin-2026")
    only = _csv(client.get("/admin/security-events.csv?action=auth.login_failed"))
    assert set(only["event"]) == {"auth.login_failed"} and len(only) == 3
    mine = _csv(client.get("/admin/security-events.csv?account=d02_analyst"))
    assert set(mine["event"]) == {"auth.login_failed", "auth.lockout"}
    # 2026-03-01 02:00 UTC is 10:00 on 1 March in Beijing
    day = _csv(client.get("/admin/security-events.csv?date_from=2026-03-01&date_to=2026-03-01"))
    assert list(day["subject"]) == ["d01_analyst"]
    bad = client.get("/admin/security-events?date_from=2026-03-05&date_to=2026-03-01")
    assert bad.status_code == 422
    assert 'value="2026-03-05"' in bad.get_data(as_text=True)  # what was typed is kept


def test_csv_is_formula_neutralised_not_cached_and_audited(events):
    client = _as(events, "admin", "demo-admin-2026")
    response = client.get("/admin/security-events.csv")
    assert response.headers["Cache-Control"] == "no-store"
    frame = _csv(response)
    assert "'=HYPERLINK(\"http://x\")" in set(frame["object_id"])
    with events.app_context():
        exported = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "export.security_events"))
        assert exported is not None and exported.detail["rows"] == 7


@pytest.mark.parametrize("username,password", [("analyst", "demo-analyst-2026"),
                                               ("evaluator_g01", "demo-eval-2026")])
def test_other_roles_are_refused(events, username, password):
    client = _as(events, username, password)
    assert client.get("/admin/security-events").status_code == 403
    assert client.get("/admin/security-events.csv").status_code == 403


def test_a_lockout_made_by_wrong_passwords_is_listed_for_the_platform_admin(demo):
    """Five wrong passwords lock g01_admin (``user.lock``, written by the sign-in controls);
    the security events page lists it, and its CSV has the row."""
    client = demo.test_client()
    for _ in range(5):
        token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
        client.post("/auth/login", data={"username": "g01_admin", "password": "wrong-one",
                                         "csrf_token": token})
    with demo.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.lock"))
    admin = _as(demo, "admin", "demo-admin-2026")
    frame = _csv(admin.get("/admin/security-events.csv"))
    locks = frame[frame.apply(lambda r: "user.lock" in " ".join(map(str, r.values)), axis=1)]
    assert len(locks) == 1 and "g01_admin" in " ".join(map(str, locks.iloc[0].values))
