"""Assessment pages: access per object, CSRF, entry forms, uploads, downloads, escaping."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import select

from survey_app.assessment.operations import compute, publish, set_objective
from survey_app.assessment.queries import get_run, load_scheme
from survey_app.extensions import db
from survey_app.models import AuditEntry
from survey_app.models.assessment import EvidenceFile, ObjectiveValue
from tests.assessment.conftest import org, user
from tests.conftest import csrf_token_from

PASSWORDS = {"admin": "demo-admin-2026", "city_admin": "demo-city-2026",
             "district_admin": "demo-district-2026", "g01_admin": "demo-g01-2026",
             "analyst": "demo-analyst-2026", "evaluator_g01": "demo-eval-2026",
             "assessor": "demo-assessor-2026"}
BASE = "/assessment/objective_only/2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(auth, name):
    assert auth.login(name, PASSWORDS[name]).status_code == 302


def computed(app, publish_it=False):
    with app.app_context():
        scheme = load_scheme("objective_only")
        admin = user("admin")
        for code, cov, six in (("DEMO-G01", 0.85, 6), ("DEMO-G02", 0.7, 3),
                               ("DEMO-G13", 0.8, 5)):
            set_objective(scheme, 2026, org(code), "coverage", cov, "", admin)
            set_objective(scheme, 2026, org(code), "six", six, "", admin)
        db.session.commit()
        run = compute(scheme, 2026)
        if publish_it:
            publish(run)
        db.session.commit()


@pytest.mark.parametrize(("who", "path", "status"), [
    (None, f"{BASE}/", 302),
    ("evaluator_g01", f"{BASE}/", 403),
    ("assessor", "/assessment/", 403),
    ("district_admin", f"{BASE}/unit/DEMO-G01", 200),
    ("district_admin", f"{BASE}/unit/DEMO-G13", 403),   # another district
    ("district_admin", f"{BASE}/unit/DEMO-D01", 403),   # own unit, not published
    ("g01_admin", f"{BASE}/unit/DEMO-G01", 403),        # own unit, not published
    ("g01_admin", f"{BASE}/unit/DEMO-G02", 403),        # a peer
    ("city_admin", f"{BASE}/unit/DEMO-G13", 200),
    ("analyst", f"{BASE}/unit/DEMO-G13", 200),
    ("admin", f"{BASE}/unit/DEMO-G13", 200),
    ("admin", f"{BASE}/unit/NOPE", 404),
    ("admin", "/assessment/nope/2026/", 404),
])
def test_page_access(aapp, client, auth, who, path, status):
    computed(aapp)
    if who:
        login(auth, who)
    assert client.get(path).status_code == status


def test_results_page_lists_subtree_only_and_unit_page_explains_points(aapp, client, auth):
    computed(aapp)
    login(auth, "district_admin")
    html = client.get(f"{BASE}/").get_data(as_text=True)
    assert "DEMO-G01" in html and "DEMO-G02" in html and "DEMO-G13" not in html
    page = client.get(f"{BASE}/unit/DEMO-G02").get_data(as_text=True)
    assert "20.00" in page and "30.00" in page       # coverage tier, six piecewise
    assert "六有建设" in page and "集体合同覆盖率" in page
    # the biggest loss (six: 30 points) comes first in the improvement list
    assert page.index("六有建设: ") < page.index("集体合同覆盖率: ")
    assert 'style="' not in page and "<script>" not in page


def test_own_unit_sees_result_only_after_publication(aapp, client, auth):
    computed(aapp)
    login(auth, "city_admin")
    assert client.get(f"{BASE}/unit/DEMO-CITY").status_code == 403
    with aapp.app_context():
        publish(get_run("objective_only", 2026))
        db.session.commit()
    assert client.get(f"{BASE}/unit/DEMO-CITY").status_code == 200


def test_entry_form_csrf_scope_and_audit(aapp, client, auth):
    login(auth, "district_admin")
    url = f"{BASE}/unit/DEMO-G03/objective"
    data = {"obj-indicator": "coverage", "obj-value": "0.78", "obj-note": "<b>台账</b>"}
    assert client.post(url, data=data).status_code == 400  # no CSRF token
    token = csrf_token_from(client.get(f"{BASE}/unit/DEMO-G03").get_data(as_text=True))
    assert client.post(url, data={**data, "obj-csrf_token": token}).status_code == 302
    page = client.get(f"{BASE}/unit/DEMO-G03").get_data(as_text=True)
    assert "&lt;b&gt;台账&lt;/b&gt;" in page and "<b>台账</b>" not in page
    with aapp.app_context():
        row = db.session.scalar(select(ObjectiveValue))
        assert row.value == 0.78 and row.organisation.code == "DEMO-G03"
        assert db.session.scalar(select(AuditEntry.action)) == "assessment.objective_set"
    # not for a unit outside the subtree, nor for the admin's own unit
    for code in ("DEMO-G13", "DEMO-D01"):
        r = client.post(f"{BASE}/unit/{code}/objective", data={**data, "obj-csrf_token": token})
        assert r.status_code == 403
    # out of range: re-shown with the error, nothing stored
    r = client.post(url, data={**data, "obj-value": "7", "obj-csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "超出了范围" in html and "700%" in html
    assert "outside" not in html and "coverage:" not in html


def test_veto_form_needs_reason(aapp, client, auth):
    login(auth, "district_admin")
    token = csrf_token_from(client.get(f"{BASE}/unit/DEMO-G03").get_data(as_text=True))
    url = f"{BASE}/unit/DEMO-G03/veto"
    r = client.post(url, data={"veto-item": "violation", "veto-failed": "y", "veto-reason": "",
                               "veto-csrf_token": token})
    assert r.status_code == 422
    r = client.post(url, data={"veto-item": "violation", "veto-failed": "y",
                               "veto-reason": "主席违纪", "veto-csrf_token": token})
    assert r.status_code == 302
    assert "主席违纪" in client.get(f"{BASE}/unit/DEMO-G03").get_data(as_text=True)


def test_evidence_upload_checks_content_and_serves_as_attachment(aapp, client, auth):
    login(auth, "district_admin")
    token = csrf_token_from(client.get(f"{BASE}/unit/DEMO-G03").get_data(as_text=True))
    url = f"{BASE}/unit/DEMO-G03/evidence"

    def upload(content, name):
        return client.post(url, data={"ev-csrf_token": token, "ev-indicator": "coverage",
                                      "ev-file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")

    assert upload(b"<html><script>alert(1)</script>", "evil.pdf").status_code == 422
    aapp.config["MAX_EVIDENCE_BYTES"] = 1000
    assert upload(PDF + b"x" * 2000, "big.pdf").status_code == 422
    aapp.config["MAX_EVIDENCE_BYTES"] = None
    assert upload(PDF, "../../集体合同.pdf").status_code == 302
    with aapp.app_context():
        ev = db.session.scalar(select(EvidenceFile))
        assert ev.original_name == "集体合同.pdf" and ev.content_type == "application/pdf"
        stored = os.path.join(aapp.config["UPLOAD_FOLDER"], "assessment", ev.stored_name)
        assert os.path.exists(stored) and "集体合同" not in ev.stored_name
        ev_id = ev.id
    r = client.get(f"/assessment/evidence/{ev_id}")
    assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    auth.logout()
    login(auth, "g01_admin")  # a peer unit's admin
    assert client.get(f"/assessment/evidence/{ev_id}").status_code == 403
    auth.logout()
    login(auth, "district_admin")
    token = csrf_token_from(client.get(f"{BASE}/unit/DEMO-G03").get_data(as_text=True))
    assert client.post(f"/assessment/evidence/{ev_id}/delete").status_code == 400
    r = client.post(f"/assessment/evidence/{ev_id}/delete", data={"csrf_token": token})
    assert r.status_code == 302 and not os.path.exists(stored)


def test_export_over_http_is_scoped(aapp, client, auth):
    computed(aapp)
    login(auth, "district_admin")
    r = client.get(f"{BASE}/export.csv")
    body = r.data.decode("utf-8-sig")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    assert "DEMO-G01" in body and "DEMO-G13" not in body
    assert client.get(f"{BASE}/export.xlsx").status_code == 200
    assert client.get(f"{BASE}/export.exe").status_code == 404


def test_compute_and_publish_buttons_are_for_platform_admins(aapp, client, auth):
    login(auth, "city_admin")
    token = csrf_token_from(client.get(f"{BASE}/").get_data(as_text=True))
    assert client.post(f"{BASE}/compute", data={"csrf_token": token}).status_code == 403
    auth.logout()
    login(auth, "admin")
    token = csrf_token_from(client.get(f"{BASE}/").get_data(as_text=True))
    assert client.post(f"{BASE}/compute").status_code == 400
    assert client.post(f"{BASE}/compute", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{BASE}/publish", data={"csrf_token": token}).status_code == 302
    with aapp.app_context():
        assert get_run("objective_only", 2026).published


def test_inputs_import_page(aapp, client, auth):
    login(auth, "district_admin")
    token = csrf_token_from(client.get(f"{BASE}/").get_data(as_text=True))

    def post(text):
        return client.post(f"{BASE}/import", content_type="multipart/form-data", data={
            "csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), "inputs.csv")})

    r = post("unit_code,indicator,value,note\nDEMO-G13,coverage,0.9,\n")
    assert r.status_code == 422 and "第 2 行：只有上级工会才能录入" in r.get_data(as_text=True)
    r = post("unit_code,indicator,value,note\nDEMO-G03,coverage,0.9,<script>x</script>\n")
    assert r.status_code == 302
    with aapp.app_context():
        row = db.session.scalar(select(ObjectiveValue))
        assert row.organisation.code == "DEMO-G03" and row.note == "<script>x</script>"
    page = client.get(f"{BASE}/unit/DEMO-G03").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in page
