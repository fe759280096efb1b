"""Tests of analysis.compare against R's printed examples and scipy / scikit-posthocs /
pingouin / statsmodels (dev-only cross-checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import scikit_posthocs as sp
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_chisquare

from analysis import compare

# R ?kruskal.test example (Hollander & Wolfe 1973, p. 116): mucociliary efficiency.
HW = {
    "normal": [2.9, 3.0, 2.5, 2.6, 3.2],
    "obstructive": [3.8, 2.7, 4.0, 2.4],
    "asbestosis": [2.8, 3.4, 3.7, 2.2, 2.0],
}


def test_kruskal_r_example():
    # kruskal.test(list(x, y, z)): "Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68"
    res = compare.kruskal(HW)
    assert round(res.statistic, 5) == 0.77143
    assert res.df == 2
    assert round(res.pvalue, 2) == 0.68
    assert (res.n, res.k) == (14, 3)
    # Tomczak & Tomczak (2014): epsilon² = H / ((n²-1)/(n+1)); eta² = (H - k + 1)/(n - k).
    assert res.epsilon_squared == pytest.approx(0.77143 / 13, abs=1e-5)
    assert res.eta_squared == pytest.approx((0.77143 - 2) / 11, abs=1e-5)


def test_kruskal_drops_nan_and_matches_pingouin_effect():
    rng = np.random.default_rng(3)
    groups = {g: np.r_[rng.integers(1, 6, 30) + shift, np.nan] for g, shift in
              zip("abc", [0, 1, 1], strict=True)}
    res = compare.kruskal(groups)
    long = pd.DataFrame([(g, v) for g, vs in groups.items() for v in vs if not np.isnan(v)],
                        columns=["g", "v"])
    ref = pg.kruskal(long, dv="v", between="g")
    assert res.statistic == pytest.approx(ref["H"].iloc[0])
    assert res.pvalue == pytest.approx(ref["p-unc"].iloc[0])
    assert res.n == 90


@pytest.mark.parametrize("p_adjust", ["holm", "bonferroni", "fdr_bh", "none"])
def test_dunn_matches_scikit_posthocs(p_adjust):
    rng = np.random.default_rng(7)
    # Integer scores: many ties, so the tie correction matters.
    groups = {"甲": rng.integers(1, 6, 25), "乙": rng.integers(2, 6, 18),
              "丙": rng.integers(1, 5, 30), "丁": rng.integers(1, 6, 12)}
    table = compare.dunn(groups, p_adjust=p_adjust)
    ref = sp.posthoc_dunn([np.asarray(v) for v in groups.values()],
                          p_adjust=None if p_adjust == "none" else p_adjust)
    ref.index = ref.columns = list(groups)
    expected = [ref.loc[a, b] for a, b in zip(table.group1, table.group2, strict=True)]
    assert table.pvalue_adj.to_numpy() == pytest.approx(expected, rel=1e-10)
    assert len(table) == 6


def test_dunn_formula_by_hand_and_holm_against_statsmodels():
    table = compare.dunn(HW)
    # Pooled ranks of the 14 values (no ties), by hand: rank sums normal 4+5+8+9+10 = 36,
    # obstructive 3+6+13+14 = 36, asbestosis 1+2+7+11+12 = 33; mean ranks 7.2, 9.0, 6.6.
    assert table.mean_rank1.tolist() == pytest.approx([7.2, 7.2, 9.0])
    assert table.mean_rank2.tolist() == pytest.approx([9.0, 6.6, 6.6])
    se = np.sqrt(14 * 15 / 12 * (1 / 5 + 1 / 4))
    assert table.z.iloc[0] == pytest.approx((7.2 - 9.0) / se)
    holm = multipletests(table.pvalue, method="holm")[1]
    assert table.pvalue_adj.to_numpy() == pytest.approx(holm)


def test_dunn_with_ties_matches_dunn_1964_variance():
    groups = {"a": [1, 1, 2, 3], "b": [2, 3, 3, 3], "c": [1, 2, 2, 4]}
    table = compare.dunn(groups, p_adjust="none")
    pooled = np.concatenate([np.asarray(v, float) for v in groups.values()])
    _, t = np.unique(pooled, return_counts=True)
    n = 12
    var = n * (n + 1) / 12 - (t**3 - t).sum() / (12 * (n - 1))
    ranks = pd.Series(pooled).rank().to_numpy()
    z_ab = (ranks[:4].mean() - ranks[4:8].mean()) / np.sqrt(var * (1 / 4 + 1 / 4))
    assert table.z.iloc[0] == pytest.approx(z_ab)


@pytest.mark.parametrize(
    ("groups", "kwargs", "message"),
    [
        ({"a": [1, 2, 3]}, {}, "at least 2 groups"),
        ({"a": [1, 2], "b": []}, {}, "at least 1"),
        ({"a": [1, 2], "b": [np.nan]}, {}, "at least 1"),
        ({"a": [1, 1], "b": [1, 1]}, {}, "identical"),
        ([[1, 2], [3, 4]], {}, "mapping"),
        ({"a": [1, 2], "b": [3, 4]}, {"p_adjust": "sidak"}, "unknown p_adjust"),
    ],
)
def test_dunn_and_kruskal_reject_bad_input(groups, kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare.dunn(groups, **kwargs)
    if not kwargs:
        with pytest.raises(ValueError, match=message):
            compare.kruskal(groups)


# R ?wilcox.test example (Hollander & Wolfe 1973, p. 69): permeability constants.
X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
Y = [1.15, 0.88, 0.90, 0.74, 1.21]


def test_mann_whitney_r_example():
    # wilcox.test(x, y, alternative = "g"): "W = 35, p-value = 0.1272"
    res = compare.mann_whitney(X, Y, alternative="greater")
    assert res.statistic == 35.0
    assert round(res.pvalue, 4) == 0.1272
    assert (res.n_x, res.n_y) == (10, 5)
    assert res.cles == pytest.approx(35 / 50)
    assert res.rank_biserial == pytest.approx(0.4)


def test_mann_whitney_matches_pingouin():
    rng = np.random.default_rng(11)
    x, y = rng.integers(1, 6, 40), rng.integers(2, 6, 35)
    res = compare.mann_whitney(x, y)
    ref = pg.mwu(x, y)
    assert res.pvalue == pytest.approx(ref["p-val"].iloc[0])
    assert res.statistic == pytest.approx(ref["U-val"].iloc[0])
    assert res.cles == pytest.approx(ref["CLES"].iloc[0])
    # Same sign convention as pingouin 0.5.5: positive when x tends to be larger.
    assert res.rank_biserial == pytest.approx(ref["RBC"].iloc[0])
    assert res.rank_biserial < 0


@pytest.mark.parametrize(
    ("x", "y", "kwargs", "message"),
    [
        ([], [1, 2], {}, "at least 1"),
        ([1, 2], [np.nan], {}, "at least 1"),
        ([1, 2], [3, 4], {"alternative": "bigger"}, "unknown alternative"),
        ([1, 2], [3, 4], {"method": "permutation"}, "unknown method"),
        ([2, 2], [2, 2], {}, "identical"),
        ([[1, 2]], [3], {}, "1-D"),
    ],
)
def test_mann_whitney_rejects_bad_input(x, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare.mann_whitney(x, y, **kwargs)


def test_chi2_rates_r_prop_test_smokers():
    # R ?prop.test: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82)
    # prop.test(smokers, patients): "X-squared = 12.6, df = 3, p-value = 0.005585"
    smokers = pd.Series([83, 90, 129, 70], index=["A", "B", "C", "D"])
    res = compare.chi2_rates(smokers, [86, 93, 136, 82])
    assert round(res.statistic, 1) == 12.6
    assert res.df == 3
    assert round(res.pvalue, 6) == 0.005585
    assert res.rates.round(4).tolist() == [0.9651, 0.9677, 0.9485, 0.8537]
    assert list(res.rates.index) == ["A", "B", "C", "D"]
    assert res.cramers_v == pytest.approx(np.sqrt(res.statistic / 397))
    chi2, p, _ = proportions_chisquare(np.array([83, 90, 129, 70]), np.array([86, 93, 136, 82]))
    assert res.statistic == pytest.approx(chi2)
    assert res.pvalue == pytest.approx(p)
    # Smallest expected count: 82 patients x 25 non-smokers / 397.
    assert res.min_expected == pytest.approx(82 * 25 / 397)


def test_chi2_rates_two_units_has_no_continuity_correction():
    # By hand: pooled rate .4, expected 20 successes and 30 failures per unit, |O - E| = 5
    # in every cell: X² = 25/20 + 25/20 + 25/30 + 25/30 = 4.1667 (R: prop.test(c(15, 25),
    # c(50, 50), correct = FALSE); the default correct = TRUE would give a smaller X²).
    res = compare.chi2_rates([15, 25], [50, 50])
    assert res.statistic == pytest.approx(25 / 20 + 25 / 20 + 25 / 30 + 25 / 30)
    assert round(res.statistic, 4) == 4.1667


@pytest.mark.parametrize(
    ("s", "t", "message"),
    [
        ([1], [2], "at least 2 units"),
        ([1, 2], [2], "same length"),
        ([1, 3], [2, 2], "successes <= totals"),
        ([1, 1], [0, 2], "totals > 0"),
        ([1.5, 1], [2, 2], "whole counts"),
        ([0, 0], [2, 3], "undefined"),
        ([2, 3], [2, 3], "undefined"),
        ([np.nan, 1], [2, 3], "NaN"),
    ],
)
def test_chi2_rates_rejects_bad_input(s, t, message):
    with pytest.raises(ValueError, match=message):
        compare.chi2_rates(s, t)


def test_docstring_examples_run():
    import doctest

    from analysis import compare as module

    assert doctest.testmod(module).failed == 0
