"""Appeals (申诉): the unit's own admins appeal a published assessment within the window,
with a reason and checked evidence; the upper union decides with a reason; every step is
audited and the outcome is shown on the unit's assessment page."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Appeal, AuditEntry, Organisation
from survey_app.models.assessment import AssessmentResult, AssessmentRun
from tests.conftest import csrf_token_from

YEAR = 2026
NEW = f"/appeals/default/{YEAR}/DEMO-G01/new"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def run(demo):
    """A published 2026 assessment of the default scheme with a result for DEMO-G01."""

    def make(published_days_ago: int = 1):
        with demo.app_context():
            g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
            run = AssessmentRun(scheme_key="default", scheme_hash="0" * 64, year=YEAR,
                                published_at=datetime.now(UTC) - timedelta(
                                    days=published_days_ago))
            run.results.append(AssessmentResult(organisation_id=g01.id, score=61.0,
                                                grade="fail", veto=True,
                                                veto_reason="false_data"))
            db.session.add(run)
            db.session.commit()
            return run.id

    return make


def _login(app, username, password):
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token}).status_code == 302
    return client


def _file(client, **data):
    page = client.get(NEW)
    fields = {"subject": "veto", "veto_item": "false_data", "finding": "",
              "reason": "数据已于年底核实更正，附证明。", "csrf_token": csrf_token_from(
                  page.get_data(as_text=True))}
    fields.update(data)
    return client.post(NEW, data=fields, content_type="multipart/form-data")


def test_unit_appeals_and_the_upper_union_decides(demo, run):
    run()
    unit_admin = _login(demo, "g01_admin", "demo-g01-2026")
    r = _file(unit_admin, evidence=(io.BytesIO(PDF), "证明.pdf"))
    assert r.status_code == 302, r.get_data(as_text=True)
    appeal_url = r.headers["Location"]
    with demo.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert (appeal.subject, appeal.item, appeal.status) == ("veto", "false_data", "pending")
        assert appeal.evidence_type == "application/pdf" and appeal.evidence_size == len(PDF)
    # the unit cannot decide its own appeal
    page = unit_admin.get(appeal_url).get_data(as_text=True)
    assert "outcome" not in page
    token = csrf_token_from(page)
    assert unit_admin.post(f"{appeal_url}/decide", data={
        "outcome": "upheld", "reason": "x", "csrf_token": token}).status_code == 403

    upper = _login(demo, "district_admin", "demo-district-2026")
    assert upper.get(f"{appeal_url}/evidence").get_data() == PDF
    page = upper.get(appeal_url).get_data(as_text=True)
    r = upper.post(f"{appeal_url}/decide", data={
        "outcome": "upheld", "reason": "证明材料属实，撤销否决。", "csrf_token": csrf_token_from(page)})
    assert r.status_code == 302
    again = upper.post(f"{appeal_url}/decide", data={
        "outcome": "rejected", "reason": "改判", "csrf_token": csrf_token_from(page)})
    assert again.status_code == 409

    with demo.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "appeal").order_by(AuditEntry.id))]
        assert actions == ["appeal.filed", "appeal.upheld"]
    unit_page = unit_admin.get(f"/assessment/default/{YEAR}/unit/DEMO-G01")
    assert "证明材料属实，撤销否决。" in unit_page.get_data(as_text=True)


def test_the_window_closes(demo, run, app):
    run(published_days_ago=app.config["APPEAL_WINDOW_DAYS"] + 1)
    unit_admin = _login(demo, "g01_admin", "demo-g01-2026")
    r = _file(unit_admin)
    assert r.status_code == 409
    with demo.app_context():
        assert db.session.scalar(select(Appeal)) is None


def test_bad_input_is_a_clear_400_that_keeps_the_form(demo, run):
    run()
    unit_admin = _login(demo, "g01_admin", "demo-g01-2026")
    r = _file(unit_admin, reason="我们不同意", evidence=(io.BytesIO(b"MZ\x90\x00"), "virus.exe"))
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "只接受 PDF、PNG、JPEG 和 XLSX 文件" in html and "我们不同意" in html
    r = _file(unit_admin, subject="veto", veto_item="", reason="理由")
    assert r.status_code == 400
    with demo.app_context():
        assert db.session.scalar(select(Appeal)) is None


@pytest.mark.parametrize("username,password", [
    ("district_admin", "demo-district-2026"),  # upper union: decides, does not appeal
    ("city_admin", "demo-city-2026"),
])
def test_only_the_units_own_admins_appeal(demo, run, username, password):
    run()
    assert _login(demo, username, password).get(NEW).status_code == 403


def test_no_appeal_before_publication(demo):
    assert _login(demo, "g01_admin", "demo-g01-2026").get(NEW).status_code == 403
