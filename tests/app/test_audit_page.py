"""The audit log page: filters, pages, CSV, and a union admin's subtree only."""

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from survey_app.audit import queries
from survey_app.extensions import db
from survey_app.models import Organisation, User
from survey_app.models.audit import AuditEntry, record


def _org(code):
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def _user(name):
    return db.session.scalar(select(User).where(User.username == name))


def _entries(app):
    with app.app_context():
        admin = _user("admin")
        record("org.rename", "organisation", _org("DEMO-G01").id, admin, name="=HYPERLINK(1)")
        record("org.rename", "organisation", _org("DEMO-G13").id, admin, name="外区单位")
        old = record("org.rename", "organisation", _org("DEMO-G01").id, admin, name="旧名")
        old.at = datetime.now(UTC) - timedelta(days=40)
        db.session.commit()


def test_platform_admin_filters_and_downloads(demo, client, auth):
    _entries(demo)
    auth.login("admin", "demo-admin-2026")
    html = client.get("/audit/").get_data(as_text=True)
    assert "外区单位" in html and "旧名" in html
    today = datetime.now(UTC).date().isoformat()
    html = client.get(f"/audit/?action=org.rename&since={today}").get_data(as_text=True)
    assert "外区单位" in html and "旧名" not in html
    response = client.get("/audit/export.csv?action=org.rename")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert response.status_code == 200 and len(rows) == 3
    assert all(r["account"] == "admin" for r in rows)
    assert any("=HYPERLINK(1)" in r["detail"] for r in rows)


def test_csv_cells_that_start_a_formula_are_neutralised(demo):
    with demo.app_context():
        record("=cmd|' /C calc'!A0", "organisation", 1, _user("admin"))
        db.session.commit()
        frame = queries.export_frame(None, queries.AuditFilter())
    from analysis.exports import csv_chunks

    text = "".join(csv_chunks(frame))
    assert "'=cmd" in text


def test_union_admin_sees_its_subtree_only(demo, client, auth):
    _entries(demo)
    auth.login("district_admin", "demo-district-2026")
    html = client.get("/audit/").get_data(as_text=True)
    assert "HYPERLINK" in html and "外区单位" not in html
    text = client.get("/audit/export.csv").get_data(as_text=True)
    assert "HYPERLINK" in text and "外区单位" not in text


def test_pages_of_fifty(demo, client, auth):
    with demo.app_context():
        admin = _user("admin")
        for i in range(queries.PAGE_SIZE + 5):
            record("test.step", "organisation", _org("DEMO-G01").id, admin, step=f"第{i}步")
        db.session.commit()
    auth.login("admin", "demo-admin-2026")
    first = client.get("/audit/?action=test.step").get_data(as_text=True)
    second = client.get("/audit/?action=test.step&page=2").get_data(as_text=True)
    assert "第54步" in first and "第0步" not in first
    assert "第0步" in second and "第54步" not in second


def test_bad_filters_are_a_clear_400_that_keeps_the_input(demo, client, auth):
    auth.login("admin", "demo-admin-2026")
    response = client.get("/audit/?since=2026-05-01&until=2026-04-01&account=xyz")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "结束日期早于开始日期" in html and 'value="xyz"' in html


def test_other_roles_are_refused(demo, client, auth):
    auth.login("analyst", "demo-analyst-2026")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_no_entry_is_lost_or_doubled_across_entries_and_count(demo):
    with demo.app_context():
        rows, total = queries.entries(None, queries.AuditFilter())
        assert total == db.session.query(AuditEntry).count() and len(rows) == min(total, 50)
