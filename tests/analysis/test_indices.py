import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.indices import (
    bottom_box,
    item_satisfaction,
    nps,
    participation_rate,
    satisfaction_rate,
    top_box,
    unit_indices,
    wilson_interval,
)
from analysis.scoring import score_responses

# Newcombe (1998), Statistics in Medicine 17:857-872, method 3 (Wilson score) for the
# paper's examples; the same numbers are printed by R's prop.test(x, n, correct = FALSE).
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


def test_wilson_matches_newcombe_1998():
    x, n, lo, hi = (np.array(c) for c in zip(*NEWCOMBE, strict=True))
    low, high = wilson_interval(x, n)
    np.testing.assert_allclose(np.round(low, 4), lo, atol=1e-12)
    np.testing.assert_allclose(np.round(high, 4), hi, atol=1e-12)


def test_wilson_matches_statsmodels_at_other_levels():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    x, n = np.array([3, 7, 50, 0]), np.array([10, 7, 120, 5])
    low, high = wilson_interval(x, n, confidence=0.9)
    ref_low, ref_high = proportion.proportion_confint(x, n, alpha=0.1, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=1e-10)
    np.testing.assert_allclose(high, ref_high, rtol=1e-10)


def test_wilson_bad_input():
    with pytest.raises(ValueError):
        wilson_interval(np.array([5]), np.array([3]))
    with pytest.raises(ValueError):
        wilson_interval(1, 2, confidence=1.5)
    low, high = wilson_interval(np.array([0]), np.array([0]))
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_nps_worked_example():
    # Reichheld (2003): promoters 9-10, passives 7-8, detractors 0-6.
    # 5 promoters, 2 passives, 3 detractors of 10 -> 50 % - 30 % = 20
    assert nps([10, 10, 9, 9, 9, 8, 7, 6, 3, 0]) == pytest.approx(20.0)
    assert nps([10] * 4) == 100.0 and nps([0, 6]) == -100.0
    assert nps([7, 8, np.nan]) == 0.0
    with pytest.raises(ValueError):
        nps([])
    with pytest.raises(ValueError):
        nps([11])


def test_top_and_bottom_box():
    v = [5, 4, 3, 2, 1, -1, -2]
    assert top_box(v, scale_max=5) == pytest.approx(40.0)
    assert top_box(v, scale_max=5, k=1) == pytest.approx(20.0)
    assert bottom_box(v, scale_min=1) == pytest.approx(40.0)
    with pytest.raises(ValueError):
        top_box([6], scale_max=5)
    with pytest.raises(ValueError):
        bottom_box([-1], scale_min=1)


def test_satisfaction_rate_pools_valid_answers():
    v = np.array([[5, 4, -2], [3, -1, 4], [1, 2, 5]])
    r = satisfaction_rate(v, (4, 5))
    assert (r["n_valid"], r["n_satisfied"]) == (7, 4)
    assert r["rate"] == pytest.approx(4 / 7)
    lo, hi = wilson_interval(np.array(4), np.array(7))
    assert r["ci_low"] == pytest.approx(float(lo)) and r["ci_high"] == pytest.approx(float(hi))


def test_item_satisfaction_per_item_and_dimension():
    spec = pd.DataFrame(
        {"dimension": ["A", "A", "B"], "min": 1, "max": 5, "reverse": [False, True, False],
         "weight": 1.0, "satisfied_values": [(4, 5), (1, 2), (4, 5)]},
        index=["a", "b", "c"],
    )
    v = pd.DataFrame({"a": [5, 3, -2], "b": [1, 5, 2], "c": [4, -1, 4]}, dtype=np.int8)
    out = item_satisfaction(v, spec)
    assert out.loc["a", "rate"] == pytest.approx(1 / 2)
    assert out.loc["b", "rate"] == pytest.approx(2 / 3)
    assert out.loc["dim:A", "n_valid"] == 5 and out.loc["dim:A", "n_satisfied"] == 3
    assert out.loc["dim:B", "rate"] == 1.0


def test_participation_rate():
    r = participation_rate(pd.Series({1: 30, 2: 5, 3: 2}), pd.Series({1: 60, 2: 0}))
    assert r[1] == 0.5 and np.isnan(r[2]) and np.isnan(r[3])
    with pytest.raises(ValueError):
        participation_rate([1], pd.Series({1: 1}))


SPEC1 = pd.DataFrame(
    {"dimension": ["A", "B"], "min": 0, "max": 10, "reverse": False, "weight": 1.0,
     "satisfied_values": [(8, 9, 10), (8, 9, 10)]},
    index=["x", "y"],
)


def test_unit_indices_mean_t_interval_and_wilson():
    resp = pd.DataFrame(
        {"target_id": [1, 1, 1, 2, 2], "x": [8, 6, 7, 10, -1], "y": [8, 6, 7, 9, 2]},
    ).astype({"x": np.int8, "y": np.int8})
    scored = score_responses(resp, SPEC1)
    ui = unit_indices(scored)
    # unit 1: overall = 80, 60, 70 -> mean 70, sd 10
    assert ui.loc[1, "n"] == 3 and ui.loc[1, "overall"] == pytest.approx(70)
    assert ui.loc[1, "overall_sd"] == pytest.approx(10)
    lo, hi = stats.t.interval(0.95, 2, loc=70, scale=10 / np.sqrt(3))
    assert ui.loc[1, "overall_ci_low"] == pytest.approx(lo)
    assert ui.loc[1, "overall_ci_high"] == pytest.approx(hi)
    # satisfied answers of unit 1: 8, 8 of 6 -> 1/3
    assert ui.loc[1, "satisfaction_rate"] == pytest.approx(2 / 6)
    wl, wh = wilson_interval(np.array(2), np.array(6))
    assert ui.loc[1, "satisfaction_ci_low"] == pytest.approx(float(wl))
    # unit 2: respondent 1 = (100+90)/2 = 95, respondent 2 has only y -> B only -> 20
    assert ui.loc[2, "overall"] == pytest.approx((95 + 20) / 2)
    assert ui.loc[2, "dim:A"] == 100 and ui.loc[2, "dim:A_n"] == 1
    assert ui.loc[2, "sat:B"] == pytest.approx(1 / 2)
    by_two = unit_indices(scored.assign(g=["m", "m", "u", "m", "m"]), by=["target_id", "g"])
    assert by_two.loc[(1, "m"), "overall"] == pytest.approx(70)
    with pytest.raises(ValueError, match="unknown grouping"):
        unit_indices(scored, by="nope")
    with pytest.raises(ValueError, match="not a scored frame"):
        unit_indices(resp)


def test_item_satisfaction_per_unit():
    spec = pd.DataFrame(
        {"dimension": ["A", "A", "B"], "min": 1, "max": 5, "reverse": [False, True, False],
         "weight": 1.0, "satisfied_values": [(4, 5), (1, 2), (4, 5)]},
        index=["a", "b", "c"],
    )
    v = pd.DataFrame({"a": [5, 3, -2, 4], "b": [1, 5, 2, 5], "c": [4, -1, 4, 1]}, dtype=np.int8)
    out = item_satisfaction(v, spec, by=np.array(["u1", "u1", "u1", "u2"]))
    assert out.loc[("u1", "a"), "rate"] == pytest.approx(1 / 2)
    assert out.loc[("u1", "dim:A"), "n_valid"] == 5
    assert out.loc[("u1", "dim:A"), "n_satisfied"] == 3
    assert out.loc[("u2", "dim:A"), "rate"] == pytest.approx(1 / 2)
    assert out.loc[("u2", "dim:B"), "rate"] == 0.0
    pooled = item_satisfaction(v, spec)
    assert out.xs("a", level="item")["n_satisfied"].sum() == pooled.loc["a", "n_satisfied"]
    with pytest.raises(ValueError, match="one label per row"):
        item_satisfaction(v, spec, by=np.array(["u1"]))
