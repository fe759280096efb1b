import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.trends import two_proportion_z, welch_from_stats, year_over_year

# R's datasets::sleep; t.test(extra ~ group, data = sleep) prints (Welch):
# t = -1.8608, df = 17.776, p-value = 0.07939
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def _stats(x):
    x = np.asarray(x)
    return len(x), x.mean(), x.std(ddof=1)


def test_welch_matches_r_sleep():
    # welch_from_stats tests mean2 - mean1; R's formula tests group 1 minus group 2
    t, df, p = welch_from_stats(*_stats(SLEEP_2), *_stats(SLEEP_1))
    assert round(float(t), 4) == -1.8608
    assert round(float(df), 3) == 17.776
    assert round(float(p), 5) == 0.07939


def test_two_proportion_z_matches_statsmodels_and_r():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    z, p = two_proportion_z(np.array([45]), np.array([100]), np.array([60]), np.array([110]))
    ref_z, ref_p = proportion.proportions_ztest([60, 45], [110, 100])
    assert float(z[0]) == pytest.approx(ref_z) and float(p[0]) == pytest.approx(ref_p)
    # prop.test(c(45, 60), c(100, 110), correct = FALSE): X-squared = z^2
    chi2 = stats.chi2_contingency([[45, 55], [60, 50]], correction=False)[0]
    assert float(z[0]) ** 2 == pytest.approx(chi2)
    with pytest.raises(ValueError):
        two_proportion_z(np.array([5]), np.array([3]), np.array([1]), np.array([2]))


def scored(year_values, sat):
    rows = []
    for unit, (vals, sats) in year_values.items():
        for v, s in zip(vals, sats, strict=True):
            rows.append({"target_code": unit, "overall": v, "dim:A": v - 5,
                         "n_valid": 2, "n_satisfied": s})
    return pd.DataFrame(rows)


def test_year_over_year_against_scipy():
    rng = np.random.default_rng(2)
    a1, a2 = rng.normal(70, 10, 40), rng.normal(76, 12, 50)
    b1, b2 = rng.normal(60, 10, 8), rng.normal(61, 10, 9)
    prev = scored({"U1": (a1, rng.integers(0, 3, 40)), "U2": (b1, rng.integers(0, 3, 8)),
                   "U3": (b1, rng.integers(0, 3, 8))}, None)
    cur = scored({"U1": (a2, rng.integers(1, 3, 50)), "U2": (b2, rng.integers(0, 3, 9))}, None)
    out = year_over_year(prev, cur, by="target_code").set_index(["target_code", "metric"])
    assert "U3" not in out.index.get_level_values(0)
    row = out.loc[("U1", "overall")]
    ref = stats.ttest_ind(a2, a1, equal_var=False)
    assert row["statistic"] == pytest.approx(ref.statistic)
    assert row["p_value"] == pytest.approx(ref.pvalue)
    assert row["change"] == pytest.approx(a2.mean() - a1.mean())
    assert row["significant"] == (ref.pvalue < 0.05)
    assert out.loc[("U2", "dim:A"), "change"] == pytest.approx(b2.mean() - b1.mean())
    sr = out.loc[("U1", "satisfaction_rate")]
    assert sr["test"] == "two_proportion_z"
    k1, k2 = prev[prev.target_code == "U1"].n_satisfied.sum(), cur[
        cur.target_code == "U1"].n_satisfied.sum()
    z, p = two_proportion_z(np.array([k1]), np.array([80]), np.array([k2]), np.array([100]))
    assert sr["statistic"] == pytest.approx(float(z[0])) and sr["p_value"] == pytest.approx(
        float(p[0]))
    with pytest.raises(ValueError, match="no unit"):
        year_over_year(prev[prev.target_code == "U3"], cur, by="target_code")
    with pytest.raises(ValueError, match="unknown metrics"):
        year_over_year(prev, cur, by="target_code", metrics=["dim:Z"])


def test_too_few_values_give_nan():
    t, df, p = welch_from_stats(1, 1.0, np.nan, *_stats([2.0, 3.0]))
    assert np.isnan(t) and np.isnan(p)
