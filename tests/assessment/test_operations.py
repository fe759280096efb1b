"""Assessment inputs, computation, storage, export: authorisation, audit, determinism."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import func, select

from survey_app.assessment.operations import (
    AssessmentError,
    NotAllowed,
    compute,
    publish,
    resolve_campaigns,
    set_objective,
    set_veto,
    sniff_type,
)
from survey_app.assessment.queries import export_bytes, get_run, load_scheme, neutralise
from survey_app.extensions import db
from survey_app.models import AuditEntry
from survey_app.models.assessment import AssessmentResult
from survey_app.permissions import can_enter_for, can_view_result
from tests.assessment.conftest import org, user


def enter(scheme, year, code, coverage, six, by="admin"):
    u = user(by)
    set_objective(scheme, year, org(code), "coverage", coverage, "台账第3页", u)
    set_objective(scheme, year, org(code), "six", six, "", u)


def test_who_may_enter_and_see(aapp):
    with aapp.app_context():
        d01, g01, g02 = org("DEMO-D01"), org("DEMO-G01"), org("DEMO-G02")
        admin, district, g01_admin, analyst = (user("admin"), user("district_admin"),
                                               user("g01_admin"), user("analyst"))
        assert can_enter_for(admin, d01) and can_enter_for(admin, g01)
        assert can_enter_for(district, g01) and not can_enter_for(district, d01)  # not own
        assert not can_enter_for(district, org("DEMO-G13"))  # another district
        assert not can_enter_for(g01_admin, g01) and not can_enter_for(g01_admin, g02)
        assert can_enter_for(g01_admin, org("DEMO-G01-B1"))
        assert not can_enter_for(analyst, g01)  # analysts read only
        assert not can_view_result(g01_admin, g01, None)
        assert can_view_result(district, g01, None) and can_view_result(analyst, g01, None)
        assert not can_view_result(user("evaluator_g01"), g01, None)
        scheme = load_scheme("objective_only")
        with pytest.raises(NotAllowed):
            set_objective(scheme, 2026, d01, "coverage", 0.8, "", district)
        with pytest.raises(NotAllowed):
            set_veto(scheme, 2026, g02, "violation", True, "x", g01_admin)


def test_inputs_are_validated_and_audited(aapp):
    with aapp.app_context():
        scheme = load_scheme("objective_only")
        district = user("district_admin")
        g01 = org("DEMO-G01")
        with pytest.raises(AssessmentError, match="之间的比例.*150%，超出了范围"):
            set_objective(scheme, 2026, g01, "coverage", 1.5, "", district)
        with pytest.raises(AssessmentError, match="请填写整数"):
            set_objective(scheme, 2026, g01, "six", 4.5, "", district)
        with pytest.raises(AssessmentError, match="未知的客观指标 nope"):
            set_objective(scheme, 2026, g01, "nope", 1, "", district)
        with pytest.raises(AssessmentError, match="须填写原因"):
            set_veto(scheme, 2026, g01, "violation", True, "  ", district)
        set_objective(scheme, 2026, g01, "coverage", 0.8, "合同台账", district)
        set_objective(scheme, 2026, g01, "coverage", 0.7, "更正", district)
        set_veto(scheme, 2026, g01, "violation", True, "主席违纪", district)
        set_veto(scheme, 2026, g01, "violation", False, "复核撤销", district)
        db.session.commit()
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["assessment.objective_set", "assessment.objective_set",
                           "assessment.veto_set", "assessment.veto_withdrawn"]
        last_set = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "assessment.objective_set").order_by(AuditEntry.id)).all()[-1]
        assert last_set.detail["before"] == {"value": 0.8, "note": "合同台账"}
        assert last_set.user_id == district.id


def test_compute_stores_results_with_provenance_and_recompute_is_stable(aapp):
    with aapp.app_context():
        scheme = load_scheme("objective_only")
        enter(scheme, 2026, "DEMO-G01", 0.85, 6)     # 100 -> excellent
        enter(scheme, 2026, "DEMO-G02", 0.80, 5)     # 40 + 50 = 90 -> excellent (boundary)
        enter(scheme, 2026, "DEMO-G03", 0.70, 3)     # 20 + 30 = 50
        set_objective(scheme, 2026, org("DEMO-G04"), "coverage", 0.9, "", user("admin"))
        set_veto(scheme, 2026, org("DEMO-G02"), "violation", True, "=HYPERLINK(\"x\")",
                 user("admin"))
        db.session.commit()
        run = compute(scheme, 2026, user=user("admin"))
        db.session.commit()
        assert run.scheme_hash == scheme.content_hash and run.unit_count == 4
        assert run.provenance["campaigns"] == {}
        res = {r.organisation.code: r for r in run.results}
        assert res["DEMO-G01"].score == 100.0 and res["DEMO-G01"].grade == "excellent"
        assert res["DEMO-G01"].rank == 1 and res["DEMO-G01"].honours == "model"
        assert res["DEMO-G02"].score == 90.0 and res["DEMO-G02"].veto
        assert res["DEMO-G02"].grade == "unqualified" and res["DEMO-G02"].rank == 3
        assert res["DEMO-G03"].grade == "unqualified" and res["DEMO-G03"].rank == 2
        assert res["DEMO-G04"].status == "incomplete" and res["DEMO-G04"].score is None
        assert res["DEMO-G04"].details["missing"] == ["six"]
        assert "missing:six" in res["DEMO-G04"].flags
        assert res["DEMO-G02"].bottom and not res["DEMO-G01"].bottom
        first_csv = export_bytes(scheme, run, "csv")
        first_xlsx = export_bytes(scheme, run, "xlsx")
        digest = run.results_digest

        run2 = compute(scheme, 2026, user=user("admin"))
        db.session.commit()
        assert run2.id == run.id and run2.results_digest == digest
        assert db.session.scalar(select(func.count(AssessmentResult.id))) == 4
        assert export_bytes(scheme, run2, "csv") == first_csv
        assert export_bytes(scheme, run2, "xlsx") == first_xlsx
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "assessment.computed")) == 2


def test_export_columns_and_formula_neutralisation(aapp):
    with aapp.app_context():
        scheme = load_scheme("objective_only")
        enter(scheme, 2026, "DEMO-G01", 0.85, 6)
        enter(scheme, 2026, "DEMO-G02", 0.5, 1)
        set_veto(scheme, 2026, org("DEMO-G02"), "violation", True, "=cmd|' /C calc'!A0",
                 user("admin"))
        org("DEMO-G01").name = "+恶意名称"
        org("DEMO-G02").name = "@SUM(1)"
        db.session.commit()
        run = compute(scheme, 2026)
        db.session.commit()
        text = export_bytes(scheme, run, "csv").decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0])[:12] == ["unit_code", "unit_name", "parent_code", "kind", "score",
                                      "grade", "rank", "peers", "bottom", "veto",
                                      "veto_reason", "honours_eligible"]
        assert "points:coverage" in rows[0] and "points:six" in rows[0]
        g01, g02 = rows
        assert g01["unit_name"] == "'+恶意名称" and g01["score"] == "100"
        assert g01["grade"] == "优秀" and g01["rank"] == "1" and g01["honours_eligible"] == "模范职工之家"
        assert g02["veto"] == "yes" and g02["veto_reason"] == "violation: =cmd|' /C calc'!A0"
        assert g02["unit_name"] == "'@SUM(1)"
        assert g02["points:coverage"] == "0" and g02["points:six"] == "10"
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(export_bytes(scheme, run, "xlsx")))
        ws = wb["assessment"]
        values = [[c.value for c in r] for r in ws.iter_rows()]
        assert values[1][1] == "'+恶意名称" and values[2][1] == "'@SUM(1)"
        assert all(not (isinstance(v, str) and v[:1] in "=+-@") for r in values for v in r)
        with zipfile.ZipFile(io.BytesIO(export_bytes(scheme, run, "xlsx"))) as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_neutralise():
    assert [neutralise(v) for v in ("=1+1", "+x", "-2", "@a", "\tx", "ok", 5, None)] == [
        "'=1+1", "'+x", "'-2", "'@a", "'\tx", "ok", 5, None]


def test_sniff_type():
    assert sniff_type(b"%PDF-1.7\n...") == "pdf"
    assert sniff_type(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff_type(b"\xff\xd8\xff\xe0....") == "jpg"
    assert sniff_type(b"<html><script>") is None
    assert sniff_type(b"PK\x03\x04not a zip") is None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "x")
        z.writestr("[Content_Types].xml", "x")
    assert sniff_type(buf.getvalue()) is None  # a .docx is not a workbook
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    assert sniff_type(out.getvalue()) == "xlsx"


def test_missing_campaign_is_flagged_not_zero(aapp):
    """The default scheme with no campaign in the year: campaign indicators are missing."""
    with aapp.app_context():
        scheme = load_scheme("default")
        assert resolve_campaigns(scheme, 2031) == {"member": None, "four": None, "third": None}
        admin = user("admin")
        for key, value in (("frontline_share", 0.7), ("contract_coverage", 0.9),
                           ("six_haves", 6), ("activities", 12), ("home_rate", 0.9),
                           ("organisation_sound", 1)):
            set_objective(scheme, 2031, org("DEMO-G01"), key, value, "", admin)
        db.session.commit()
        run = compute(scheme, 2031)
        db.session.commit()
        r = run.results[0]
        assert run.provenance["campaigns"] == {"member": None, "four": None, "third": None}
        assert r.status == "incomplete" and r.score is None and r.grade == ""
        assert set(r.details["missing"]) == {"member_satisfaction", "member_index",
                                             "participation", "four_party", "third_party"}
        assert r.details["points"]["member_satisfaction"] is None
        assert r.details["points"]["six_haves"] == 12.0


def test_publish_lets_the_unit_see_its_own_result(aapp):
    with aapp.app_context():
        scheme = load_scheme("objective_only")
        enter(scheme, 2026, "DEMO-G01", 0.85, 6)
        db.session.commit()
        run = compute(scheme, 2026)
        db.session.commit()
        g01_admin, g01 = user("g01_admin"), org("DEMO-G01")
        assert not can_view_result(g01_admin, g01, run)
        publish(run, user("admin"))
        db.session.commit()
        assert can_view_result(g01_admin, g01, get_run("objective_only", 2026))
        # recomputing changes results: they must be published again
        run = compute(scheme, 2026)
        db.session.commit()
        assert not run.published and not can_view_result(g01_admin, g01, run)


def test_xlsx_bytes_do_not_depend_on_the_clock(aapp, monkeypatch):
    import datetime as real_datetime

    import openpyxl.writer.excel as excel_writer

    with aapp.app_context():
        scheme = load_scheme("objective_only")
        enter(scheme, 2026, "DEMO-G01", 0.85, 6)
        db.session.commit()
        run = compute(scheme, 2026)
        db.session.commit()
        first = export_bytes(scheme, run, "xlsx")

        class Later(real_datetime.datetime):
            @classmethod
            def now(cls, tz=None):
                return real_datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

        monkeypatch.setattr(excel_writer.datetime, "datetime", Later)
        assert export_bytes(scheme, run, "xlsx") == first
