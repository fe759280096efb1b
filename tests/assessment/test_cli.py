"""``flask assessment ...`` and the demo assessment end to end (campaigns read from the DB)."""

from __future__ import annotations

import csv
import io
import time

from survey_app.assessment.operations import set_objective, set_veto
from survey_app.assessment.queries import load_scheme
from survey_app.extensions import db
from tests.assessment.conftest import org, user


def test_schemes_and_validate(runner, tmp_path):
    out = runner.invoke(args=["assessment", "schemes"])
    assert out.exit_code == 0 and out.output.startswith("default\t")
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: bad\nversion: '1'\nname: x\nindicators: []\ngrades:\n"
                   "  - {key: a, name: A, min: 10}\n", encoding="utf-8")
    out = runner.invoke(args=["assessment", "validate", str(bad)])
    assert out.exit_code == 1 and "bad.yaml:5 grades" in out.output


def test_compute_export_publish(aapp, tmp_path):
    runner = aapp.test_cli_runner()
    with aapp.app_context():
        scheme = load_scheme("objective_only")
        for code, cov, six in (("DEMO-G01", 0.85, 6), ("DEMO-G02", 0.85, 6),
                               ("DEMO-G03", 0.6, 2)):
            set_objective(scheme, 2026, org(code), "coverage", cov, "", user("admin"))
            set_objective(scheme, 2026, org(code), "six", six, "", user("admin"))
        set_veto(scheme, 2026, org("DEMO-G03"), "violation", True, "主席受处分", user("admin"))
        db.session.commit()
    out = runner.invoke(args=["assessment", "compute", "--scheme", "objective_only",
                              "--year", "2026", "--by", "admin"])
    assert out.exit_code == 0, out.output
    assert "3 units" in out.output and "excellent 2" in out.output
    files = {}
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"a.{fmt}"
        out = runner.invoke(args=["assessment", "export", "--scheme", "objective_only",
                                  "--year", "2026", "--format", fmt, "--out", str(path)])
        assert out.exit_code == 0, out.output
        files[fmt] = path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    assert [(r["unit_code"], r["rank"], r["grade"]) for r in rows] == [
        ("DEMO-G01", "1", "优秀"), ("DEMO-G02", "1", "优秀"), ("DEMO-G03", "3", "不合格")]
    assert rows[2]["veto"] == "yes" and rows[2]["veto_reason"] == "violation: 主席受处分"
    assert rows[0]["honours_eligible"] == "模范职工之家" and rows[2]["honours_eligible"] == ""
    # recompute: the exports are byte-identical
    assert runner.invoke(args=["assessment", "compute", "--scheme", "objective_only",
                               "--year", "2026"]).exit_code == 0
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"b.{fmt}"
        runner.invoke(args=["assessment", "export", "--scheme", "objective_only", "--year",
                            "2026", "--format", fmt, "--out", str(path)])
        assert path.read_bytes() == files[fmt]
    out = runner.invoke(args=["assessment", "publish", "--scheme", "objective_only",
                              "--year", "2026"])
    assert out.exit_code == 0
    out = runner.invoke(args=["assessment", "export", "--scheme", "objective_only",
                              "--year", "2099"])
    assert out.exit_code != 0 and "run compute" in out.output
    out = runner.invoke(args=["assessment", "compute", "--scheme", "nope", "--year", "2026"])
    assert out.exit_code != 0 and "unknown assessment scheme" in out.output
    out = runner.invoke(args=["assessment", "compute", "--scheme", "objective_only",
                              "--year", "2026", "--campaign", "member"])
    assert out.exit_code != 0 and "SLOT=CODE" in out.output


def test_demo_assessment_end_to_end(demo):
    """The full demo: campaigns read with load_campaign, both years computed, stable."""
    from demo import load_demo
    from demo.assessment import load_demo_assessment
    from survey_app.models.assessment import AssessmentRun

    with demo.app_context():
        load_demo()
        start = time.perf_counter()
        counts = load_demo_assessment()
        elapsed = time.perf_counter() - start
        print(f"\ndemo assessment (2 years, entry + compute): {elapsed:.2f} s; {counts}")
        assert set(counts) == {2025, 2026}
        runs = {r.year: r for r in db.session.scalars(db.select(AssessmentRun))}
        assert runs[2025].published and not runs[2026].published
        prov = runs[2026].provenance["campaigns"]
        # the 2026 campaigns are open: their figures are not released, so none feeds it
        assert prov["member"] is None and prov["third"] is None and prov["four"] is None
        assert runs[2025].provenance["campaigns"]["member"]["code"] == "DEMO-MEMBER-2025"
        assert runs[2025].provenance["campaigns"]["member"]["responses"] > 0
        res26 = {r.organisation.code: r for r in runs[2026].results}
        assert res26["DEMO-G17"].veto  # a veto needs no campaign
        assert counts[2026] == {"incomplete": len(res26)}  # no grade without the surveys
        # no released member campaign in 2026: member indicators missing, not zero
        g01 = res26["DEMO-G01"]
        assert "member_satisfaction" in g01.details["missing"]
        assert g01.details["points"]["member_satisfaction"] is None
        # units outside the four-party campaign (2025, published): its indicator is missing
        res25 = {r.organisation.code: r for r in runs[2025].results}
        assert "four_party" in res25["DEMO-G20"].details["missing"]
        assert res25["DEMO-G03"].details["points"]["four_party"] is not None
        digest = runs[2026].results_digest
        from questionnaires.assessment import get_scheme
        from survey_app.assessment.operations import compute

        again = compute(get_scheme("default"), 2026)
        db.session.commit()
        assert again.results_digest == digest
        assert load_demo_assessment() == counts  # idempotent


def test_import_inputs_all_or_nothing_with_row_numbers(aapp, tmp_path):
    from sqlalchemy import func, select

    from survey_app.models.assessment import ObjectiveValue, VetoFinding

    runner = aapp.test_cli_runner()
    good = tmp_path / "inputs.csv"
    good.write_text("unit_code,indicator,value,note\n"
                    "DEMO-G01,coverage,0.82,合同台账\n"
                    "DEMO-G01,six,5,\n"
                    "DEMO-G02,veto:violation,1,主席受处分\n", encoding="gbk")
    bad = tmp_path / "bad.csv"
    bad.write_text("unit_code,indicator,value,note\n"
                   "DEMO-G01,coverage,0.9,\n"
                   "DEMO-XX,coverage,0.9,\n"
                   "DEMO-G13,coverage,abc,\n"
                   "DEMO-G13,coverage,0.9,\n", encoding="utf-8")
    args = ["--scheme", "objective_only", "--year", "2026", "--by", "district_admin"]
    out = runner.invoke(args=["assessment", "import-inputs", str(bad), *args])
    assert out.exit_code == 1
    assert "第 3 行：未知的单位 DEMO-XX" in out.output
    assert "第 4 行：abc 不是数字" in out.output
    assert "第 5 行：只有上级工会才能录入" in out.output  # another district
    with aapp.app_context():
        assert db.session.scalar(select(func.count(ObjectiveValue.id))) == 0
    out = runner.invoke(args=["assessment", "import-inputs", str(good), *args])
    assert out.exit_code == 0, out.output
    assert "entered 3 inputs" in out.output
    with aapp.app_context():
        assert db.session.scalar(select(func.count(ObjectiveValue.id))) == 2
        veto = db.session.scalar(select(VetoFinding))
        assert veto.reason == "主席受处分" and veto.organisation.code == "DEMO-G02"
