"""Anonymity regression: after a batch of submissions nothing links a code or an account to
an anonymous response, and neither ids nor storage order follow the order of submission."""

import pytest
from scipy.stats import spearmanr
from sqlalchemy import func, inspect, select, text

from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from survey_app.member_surveys.operations import issue_codes
from survey_app.models import AccessCode, AuditEntry, Campaign, Organisation, Response
from tests.conftest import csrf_token_from, on_postgresql
from tests.surveys.conftest import VALID

N = 40


@pytest.fixture
def submitted(demo, campaign, auth, client):
    """N submissions in a known order, from a browser where a staff member is logged in."""
    with demo.app_context():
        c = db.session.get(Campaign, campaign)
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        codes = issue_codes(c, g01, N)
        audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    auth.login("city_admin", "demo-city-2026")
    order = []
    for i, code in enumerate(codes):
        token = csrf_token_from(client.get(f"/s/{code}").get_data(as_text=True))
        answers = dict(VALID, keep=f"意见{i:03d}")
        response = client.post(f"/s/{code}", data={"csrf_token": token, "action": "submit", **answers},
                               headers={"User-Agent": f"Browser-{i}"}, environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
        assert response.status_code == 302
        order.append(f"意见{i:03d}")
    return codes, order, audit_before


def test_no_table_links_a_code_or_account_to_a_response(submitted, demo):
    codes, _, audit_before = submitted
    with demo.app_context():
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            columns = {c["name"] for c in inspector.get_columns(table)}
            refs = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
            if table == "responses":
                assert not refs & {"access_codes", "users", "drafts"}
                assert not columns & {"code_hash", "user_id", "ip", "user_agent", "created_at", "submitted_at"}
            if table == "access_codes":
                assert "responses" not in refs
                assert not columns & {"response_id", "used_at", "used_on", "submitted_at"}
        dump = []
        for table in db.metadata.sorted_tables:
            dump.extend(" ".join(map(str, row)) for row in db.session.execute(select(table)).all())
        everything = "\n".join(dump)
        for i, code in enumerate(codes):
            assert code not in everything and code_tools.display(code) not in everything
            assert f"Browser-{i}" not in everything and f"10.0.0.{i + 1} " not in everything
        # Submissions are not audited (the audit log names accounts).
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
        assert db.session.scalar(select(func.count()).select_from(AccessCode).where(AccessCode.used)) == N


def test_ids_and_storage_order_do_not_follow_submission_order(submitted, demo):
    _, order, _ = submitted
    position = {comment: i for i, comment in enumerate(order)}
    with demo.app_context():
        by_id = [r.answers["keep"] for r in db.session.scalars(select(Response).order_by(Response.id))]
        if on_postgresql():
            physical = [row[0] for row in db.session.execute(text("SELECT answers FROM responses"))]
            physical = [a["keep"] if isinstance(a, dict) else None for a in physical]
        else:
            physical = [row[0] for row in db.session.execute(text("SELECT json_extract(answers, '$.keep') FROM responses"))]
            with pytest.raises(Exception):  # no implicit rowid numbering the arrivals
                db.session.execute(text("SELECT rowid FROM responses")).all()
            db.session.rollback()
    rho_id = spearmanr([position[c] for c in by_id], range(N)).statistic
    assert abs(rho_id) < 0.6  # random UUID4 order: |rho| > 0.6 has probability ~2e-4 at N=40
    if not on_postgresql():  # SQLite stores rows in id order; PostgreSQL's heap order: see docs/security.md
        rho_storage = spearmanr([position[c] for c in physical], range(N)).statistic
        assert abs(rho_storage) < 0.6


def test_thank_you_page_and_session_carry_no_code(submitted, client):
    codes, _, _ = submitted
    html = client.get("/thanks").get_data(as_text=True)
    cookie = client.get_cookie("session").value
    for code in codes:
        assert code not in html and code not in cookie
        assert code_tools.code_hash(code) not in cookie
