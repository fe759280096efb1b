"""The assessment engine: rules, grades, veto, mandatory items, ranks, honours, missing inputs."""

from __future__ import annotations

import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from analysis.assessment import (
    assess,
    campaign_figures,
    compare_years,
    piecewise_share,
    result_digest,
    shortfalls,
    tier_points,
)
from questionnaires.assessment import get_scheme, load_scheme_text

SCHEME = load_scheme_text(textwrap.dedent("""\
    key: t
    version: "1"
    name: 测试
    bonus_max: 5
    bottom_count: 1
    campaigns:
      - {key: member, kind: member, name: 会员评家}
    objective_indicators:
      - {key: coverage, name: 覆盖率, kind: rate}
      - {key: front, name: 一线占比, kind: rate}
      - {key: sound, name: 组织健全, kind: boolean}
      - {key: six, name: 六有, kind: count, min: 0, max: 6}
      - {key: extra, name: 加分, kind: count}
    indicators:
      - key: sat
        name: 满意率
        points: 50
        source: {type: satisfaction, campaign: member, measure: satisfaction_rate}
        rule: {piecewise: [[0.6, 0], [0.8, 0.8], [0.9, 1]], below: 0}
      - key: part
        name: 参评率
        points: 10
        source: {type: participation, campaign: member}
        rule: {piecewise: [[0.3, 0.5], [0.6, 1]], below: 0}
      - key: cov
        name: 覆盖率
        points: 40
        source: {type: objective, objective: coverage}
        rule: {tiers: [[0.8, 40], [0.75, 30], [0.7, 20], [0.65, 10]], otherwise: 0}
      - key: extra
        name: 加分
        points: 8
        bonus: true
        source: {type: objective, objective: extra}
        rule: {tiers: [[2, 8], [1, 4]]}
    participation:
      campaign: member
      min_rate: 0.3
      min_frontline_share: 0.6
      frontline_objective: front
    missing: {min_available_share: 0.8, blocks_honours: true}
    mandatory:
      - {key: sound, name: 组织健全, objective: sound, min: 1, effect: cap_grade, cap_grade: c}
      - {key: six, name: 六有4项, objective: six, min: 4, effect: no_honours}
    veto:
      - {key: violation, name: 严重违纪}
      - {key: incident, name: 重大事件}
    veto_grade: d
    grades:
      - {key: a, name: 优秀, min: 90}
      - {key: b, name: 良好, min: 80}
      - {key: c, name: 合格, min: 60}
      - {key: d, name: 不合格, min: 0}
    honours:
      - {key: qualified, name: 合格职工之家, grades: [a, b, c]}
      - key: model
        name: 模范职工之家
        grades: [a]
        minimums: {member.satisfaction_rate: 0.9}
        requires: [qualified]
    """))


def unit(code, sat=0.95, part=0.6, parent="P1", kind="grassroots_union"):
    return {"unit_code": code, "unit_name": f"工会{code}", "parent_code": parent, "kind": kind,
            "member.satisfaction_rate": sat, "member.participation_rate": part}


def objective_row(code, coverage=0.85, front=0.7, sound=1, six=6, extra=0):
    return {"unit_code": code, "coverage": coverage, "front": front, "sound": sound,
            "six": six, "extra": extra}


def run(units, objectives=None, vetoes=None, scheme=SCHEME):
    inputs = pd.DataFrame(units)
    obj = pd.DataFrame(objectives if objectives is not None
                       else [objective_row(u["unit_code"]) for u in units])
    return assess(scheme, inputs, obj, vetoes).set_index("unit_code")


# --- rules ----------------------------------------------------------------------------------

def test_piecewise_rule_breakpoints_interpolation_and_outside():
    bp = [(0.6, 0.0), (0.8, 0.8), (0.9, 1.0)]
    got = piecewise_share([0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, np.nan], bp, below=0)
    np.testing.assert_allclose(got[:7], [0, 0, 0.4, 0.8, 0.9, 1.0, 1.0])
    assert np.isnan(got[7])
    # below/above default to the end shares; explicit values override
    np.testing.assert_allclose(piecewise_share([0.1, 2], [(0.3, 0.5), (0.6, 1)]), [0.5, 1])
    np.testing.assert_allclose(piecewise_share([0.1, 2], [(0.3, 0.5), (0.6, 1)], 0, 0.7),
                               [0, 0.7])
    with pytest.raises(ValueError):
        piecewise_share([1], [(0.9, 0), (0.8, 1)])


def test_tiers_threshold_inclusive():
    tiers = [(0.80, 4), (0.75, 3), (0.70, 2), (0.65, 1)]
    got = tier_points([0.9, 0.80, 0.7999, 0.75, 0.70, 0.65, 0.6499, 0.0, np.nan], tiers)
    np.testing.assert_array_equal(got[:8], [4, 4, 3, 3, 2, 1, 0, 0])
    assert np.isnan(got[8])
    with pytest.raises(ValueError):
        tier_points([1], [(0.6, 1), (0.7, 2)])


def test_points_per_indicator_and_score():
    r = run([unit("U1", sat=0.85, part=0.45)],
            [objective_row("U1", coverage=0.72, extra=1)]).loc["U1"]
    assert r["points:sat"] == 45.0          # 0.85 -> share 0.9 of 50
    assert r["points:part"] == 7.5          # 0.45 -> share 0.75 of 10
    assert r["points:cov"] == 20.0          # 0.72 -> tier 0.70
    assert r["points:extra"] == 4.0
    assert r["base_score"] == 72.5 and r["bonus"] == 4.0 and r["score"] == 76.5
    assert r["grade"] == "c" and r["status"] == "complete"


def test_grade_boundaries_are_exact():
    # sat 0.8 -> 40; part 0.6 -> 10; cov 0.8 -> 40: exactly 90.0
    rows = [unit("A", sat=0.8), unit("B", sat=0.7998, part=0.6)]
    res = run(rows)
    assert res.loc["A", "score"] == 90.0 and res.loc["A", "grade"] == "a"
    assert res.loc["B", "score"] == 89.96 and res.loc["B", "grade"] == "b"
    # a rate computed as 0.8999999999 counts as 0.9 (inputs are rounded to 9 decimals)
    res = run([unit("C", sat=0.1 * 9 - 1e-12)])
    assert res.loc["C", "points:sat"] == 50.0


def test_bonus_is_capped():
    r = run([unit("U1")], [objective_row("U1", extra=5)]).loc["U1"]
    assert r["points:extra"] == 8.0 and r["bonus"] == 5.0 and r["score"] == 105.0


# --- veto, mandatory ------------------------------------------------------------------------

def test_veto_removes_eligibility_records_reason_and_ranks_last():
    vetoes = pd.DataFrame([
        {"unit_code": "A", "item": "incident", "reason": "2026-03 事故处置不力"},
        {"unit_code": "A", "item": "violation", "reason": "主席受处分"},
    ])
    res = run([unit("A"), unit("B", sat=0.7)], vetoes=vetoes)
    a = res.loc["A"]
    assert a["score"] == 100.0          # the score is still shown
    assert a["veto"] and a["grade"] == "d"
    assert a["veto_reason"] == "violation: 主席受处分;incident: 2026-03 事故处置不力"
    assert a["honours_eligible"] == ""
    assert a["rank"] == 2 and res.loc["B", "rank"] == 1
    assert not res.loc["B", "veto"] and res.loc["B", "veto_reason"] == ""
    with pytest.raises(ValueError, match="unknown veto"):
        run([unit("A")], vetoes=pd.DataFrame([{"unit_code": "A", "item": "x", "reason": ""}]))


def test_mandatory_cap_grade_and_no_honours():
    res = run([unit("A"), unit("B"), unit("C")],
              [objective_row("A", sound=0), objective_row("B", six=3), objective_row("C")])
    assert res.loc["A", "score"] == 100.0 and res.loc["A", "grade"] == "c"
    assert res.loc["A", "mandatory_failed"] == "sound"
    assert res.loc["B", "grade"] == "a" and res.loc["B", "mandatory_failed"] == "six"
    assert res.loc["A", "honours_eligible"] == "" and res.loc["B", "honours_eligible"] == ""
    assert res.loc["C", "honours_eligible"] == "qualified;model"


def test_mandatory_item_not_entered_fails():
    res = run([unit("A")], [{"unit_code": "A", "coverage": 0.9, "front": 0.7, "sound": 1}])
    assert res.loc["A", "mandatory_failed"] == "six"
    assert res.loc["A", "honours_eligible"] == ""


# --- ranks ----------------------------------------------------------------------------------

def test_ties_share_rank_min_method_within_peers_only():
    rows = [unit("A", sat=0.9), unit("B", sat=0.85), unit("C", sat=0.85), unit("D", sat=0.7),
            unit("X", sat=0.6, parent="P2"), unit("Y", sat=0.9, parent="P1", kind="branch")]
    res = run(rows)
    assert res.loc[["A", "B", "C", "D"], "rank"].tolist() == [1, 2, 2, 4]
    assert res.loc[["A", "B", "C", "D"], "peers"].tolist() == [4, 4, 4, 4]
    assert res.loc["X", "rank"] == 1 and res.loc["X", "peers"] == 1
    assert res.loc["Y", "rank"] == 1
    # bottom_count 1: only D; a unit alone among its peers is never "bottom"
    assert res["bottom"][res["bottom"]].index.tolist() == ["D"]


def test_tied_bottom_units_are_all_marked():
    res = run([unit("A"), unit("B", sat=0.7), unit("C", sat=0.7)])
    assert res.loc[["B", "C"], "rank"].tolist() == [2, 2]
    assert res.loc[["A", "B", "C"], "bottom"].tolist() == [False, True, True]


# --- honours, participation -----------------------------------------------------------------

def test_honours_need_grade_satisfaction_and_participation_minimum():
    rows = [unit("OK", sat=0.9), unit("LOWSAT", sat=0.89), unit("LOWPART", part=0.29),
            unit("LOWFRONT")]
    objs = [objective_row(c) for c in ("OK", "LOWSAT", "LOWPART")] + [
        objective_row("LOWFRONT", front=0.59)]
    res = run(rows, objs)
    assert res.loc["OK", "honours_eligible"] == "qualified;model"
    assert res.loc["LOWSAT", "grade"] == "a"
    assert res.loc["LOWSAT", "honours_eligible"] == "qualified"  # 0.89 < 0.9
    # below the participation minimum: participation scores 0 and no honours
    assert res.loc["LOWPART", "points:part"] == 0.0
    assert "participation_below_minimum" in res.loc["LOWPART", "flags"]
    assert res.loc["LOWPART", "honours_eligible"] == ""
    assert res.loc["LOWFRONT", "points:part"] == 0.0
    assert "frontline_below_minimum" in res.loc["LOWFRONT", "flags"]
    assert res.loc["LOWFRONT", "honours_eligible"] == ""


# --- missing inputs -------------------------------------------------------------------------

def test_missing_input_is_flagged_and_score_rescaled_never_zero():
    res = run([unit("A", sat=np.nan), unit("B", part=np.nan)])
    a = res.loc["A"]
    # sat missing: available 50 of 100 < 80 % -> incomplete, no score, no grade, no rank
    assert np.isnan(a["points:sat"]) and a["status"] == "incomplete"
    assert np.isnan(a["score"]) and a["grade"] == "" and pd.isna(a["rank"])
    assert "missing:sat" in a["flags"] and a["missing"] == "sat"
    b = res.loc["B"]
    # part missing: 90 of 100 available; earned 90 -> rescaled to 100, not 90
    assert b["status"] == "rescaled" and b["available_max"] == 90.0
    assert b["score"] == 100.0 and b["grade"] == "a"
    assert b["missing"] == "part" and b["honours_eligible"] == ""
    assert b["rank"] == 1 and b["peers"] == 1


def test_partial_inputs_never_rank_above_complete_ones():
    """A unit rescaled from 90 of 100 points (with the full bonus: 105) comes after a
    complete unit with a lower score, and before a vetoed one; the rescaled score, base plus
    capped bonus, never exceeds max_score + bonus_max."""
    units = [unit("PARTIAL", part=np.nan), unit("COMPLETE", sat=0.85), unit("VETOED")]
    objectives = [objective_row("PARTIAL", extra=5), objective_row("COMPLETE"),
                  objective_row("VETOED")]
    vetoes = pd.DataFrame([{"unit_code": "VETOED", "item": "violation", "reason": "x"}])
    res = run(units, objectives, vetoes)
    partial, complete = res.loc["PARTIAL"], res.loc["COMPLETE"]
    assert partial["status"] == "rescaled" and complete["status"] == "complete"
    assert partial["score"] == SCHEME.max_score + SCHEME.bonus_max > complete["score"]
    assert complete["rank"] == 1 and partial["rank"] == 2 and res.loc["VETOED", "rank"] == 3
    assert (res["score"].dropna() <= SCHEME.max_score + SCHEME.bonus_max).all()


def test_absent_figure_column_and_absent_objective_row_are_missing():
    inputs = pd.DataFrame([unit("A")]).drop(columns="member.participation_rate")
    res = assess(SCHEME, inputs, pd.DataFrame(columns=["unit_code", "coverage"]))
    r = res.iloc[0]
    assert r["missing"] == "part;cov;extra" and r["status"] == "incomplete"


# --- determinism, year comparison, shortfalls -----------------------------------------------

def test_recomputation_is_byte_identical_and_order_independent():
    rng = np.random.default_rng(1)
    rows = [unit(f"U{i:03d}", sat=float(rng.uniform(0.5, 1)), part=float(rng.uniform(0.2, 0.9)),
                 parent=f"P{i % 7}") for i in range(200)]
    objs = [objective_row(r["unit_code"], coverage=float(rng.uniform(0.5, 1))) for r in rows]
    one = assess(SCHEME, pd.DataFrame(rows), pd.DataFrame(objs))
    two = assess(SCHEME, pd.DataFrame(rows[::-1]), pd.DataFrame(objs[::-1]))
    assert one.to_csv(index=False) == two.to_csv(index=False)
    assert result_digest(one) == result_digest(two)


def test_shortfalls_and_year_comparison():
    res = run([unit("A", sat=0.85, part=0.45)], [objective_row("A", coverage=0.72)])
    items = shortfalls(res.reset_index().iloc[0].to_dict(), SCHEME)
    assert [(i["key"], i["lost"]) for i in items] == [("cov", 20.0), ("extra", 8.0),
                                                      ("sat", 5.0), ("part", 2.5)]
    prev = res.reset_index().assign(score=70.0, rank=3)
    cmp = compare_years(res.reset_index(), prev).iloc[0]
    assert cmp["score_change"] == pytest.approx(res.loc["A", "score"] - 70)
    assert cmp["previous_rank"] == 3


def test_default_scheme_runs_and_missing_campaign_is_flagged():
    scheme = get_scheme("default")
    inputs = pd.DataFrame([{**unit("A", sat=0.93, part=0.5), "member.overall_index": 88.0,
                            "four.composite_index": 91.0}])  # no third-party figure
    obj = pd.DataFrame([{"unit_code": "A", "frontline_share": 0.7, "contract_coverage": 0.82,
                         "six_haves": 6, "activities": 12, "home_rate": 0.9,
                         "organisation_sound": 1, "partnering": 2}])
    r = assess(scheme, inputs, obj).iloc[0]
    assert r["missing"] == "third_party" and r["status"] == "rescaled"
    assert r["available_max"] == 90.0
    assert "missing:third_party" in r["flags"]
    assert r["honours_eligible"] == ""  # blocked by the missing input


def test_five_thousand_units_under_a_second():
    scheme = get_scheme("default")
    rng = np.random.default_rng(7)
    n = 5000
    codes = [f"U{i:05d}" for i in range(n)]
    inputs = pd.DataFrame({
        "unit_code": codes, "unit_name": codes,
        "parent_code": [f"P{i % 60}" for i in range(n)], "kind": "grassroots_union",
        "member.satisfaction_rate": rng.uniform(0.5, 1, n),
        "member.overall_index": rng.uniform(50, 100, n),
        "member.participation_rate": rng.uniform(0.1, 1, n),
        "four.composite_index": rng.uniform(50, 100, n),
        "third.overall_index": np.where(rng.random(n) < 0.05, np.nan, rng.uniform(50, 100, n)),
    })
    obj = pd.DataFrame({
        "unit_code": codes, "frontline_share": rng.uniform(0.4, 1, n),
        "contract_coverage": rng.uniform(0.5, 1, n), "six_haves": rng.integers(0, 7, n),
        "activities": rng.integers(0, 20, n), "home_rate": rng.uniform(0.5, 1, n),
        "organisation_sound": (rng.random(n) > 0.02).astype(int),
        "partnering": rng.integers(0, 10, n)})
    vetoes = pd.DataFrame({"unit_code": codes[:10], "item": "major_incident", "reason": "x"})
    start = time.perf_counter()
    res = assess(scheme, inputs, obj, vetoes)
    elapsed = time.perf_counter() - start
    print(f"\nassess(): {n} units in {elapsed:.3f} s")
    assert len(res) == n and res["veto"].sum() == 10
    assert elapsed < 5


def test_campaign_figures_from_a_synthetic_campaign():
    from analysis.synthetic import synthetic_campaign

    data = synthetic_campaign(3000, 40, 10, seed=3)
    scheme = get_scheme("default")
    figs = campaign_figures(scheme, {"member": data, "four": None, "third": None})
    assert {"member.satisfaction_rate", "member.overall_index",
            "member.participation_rate"} <= set(figs.columns)
    assert "four.composite_index" not in figs.columns
    assert figs["member.satisfaction_rate"].dropna().between(0, 1).all()
    again = campaign_figures(scheme, {"member": data})
    pd.testing.assert_frame_equal(figs, again)


def test_engine_and_scheme_loader_never_import_the_web_app():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import analysis.assessment, questionnaires.assessment, sys\n"
            "print('\\n'.join(sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    loaded = set(out.stdout.split())
    assert not {m for m in loaded if m.split(".")[0] in ("flask", "survey_app", "sqlalchemy")}
