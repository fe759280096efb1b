"""Tests of analysis.drivers: LMG and relative weights on R's swiss data, and IPA quadrants."""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis import drivers

SWISS = pd.read_csv(Path(__file__).parent / "reference" / "swiss.csv", index_col=0)
X_COLS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def _ols_r2(cols: list[str]) -> float:
    if not cols:
        return 0.0
    return sm.OLS(SWISS["Fertility"], sm.add_constant(SWISS[cols])).fit().rsquared


@pytest.fixture(scope="module")
def swiss_result() -> pd.DataFrame:
    return drivers.driver_analysis(SWISS, "Fertility", X_COLS)


def test_swiss_r_squared_published(swiss_result):
    # R: summary(lm(Fertility ~ ., data = swiss)) prints "Multiple R-squared:  0.7067"
    # (relaimpo's print-out of the same model: "Proportion of variance explained by model:
    # 70.67%"); checked here against statsmodels OLS too.
    assert round(swiss_result.attrs["r_squared"], 4) == 0.7067
    assert swiss_result.attrs["r_squared"] == pytest.approx(_ols_r2(X_COLS), abs=1e-12)
    assert swiss_result.attrs["n"] == 47
    assert swiss_result["lmg"].sum() == pytest.approx(swiss_result.attrs["r_squared"])
    assert swiss_result["relative_weight"].sum() == pytest.approx(0.7067350016, abs=1e-9)
    assert swiss_result["lmg_share"].sum() == pytest.approx(1.0)


def test_swiss_lmg_equals_average_over_orderings(swiss_result):
    # The definition of Lindeman, Merenda & Gold (1980, p. 119ff): the sequential R² gain of
    # each regressor, averaged over all 5! = 120 orderings, with statsmodels OLS fits.
    cache: dict[frozenset, float] = {}

    def r2(cols):
        key = frozenset(cols)
        if key not in cache:
            cache[key] = _ols_r2(sorted(cols))
        return cache[key]

    totals = dict.fromkeys(X_COLS, 0.0)
    orders = list(permutations(X_COLS))
    for order in orders:
        for pos, col in enumerate(order):
            totals[col] += r2(order[: pos + 1]) - r2(order[:pos])
    brute = pd.Series(totals) / len(orders)
    assert swiss_result["lmg"].to_numpy() == pytest.approx(brute[X_COLS].to_numpy(), abs=1e-12)
    # Values (4 d.p.) of this computation, to fail loudly on any regression:
    assert swiss_result["lmg"].round(4).tolist() == [0.0571, 0.1712, 0.2601, 0.1056, 0.1128]


def test_relative_weights_equal_squared_correlations_for_orthogonal_drivers():
    # Johnson (2000): with uncorrelated predictors the relative weight of each is r²(x, y),
    # and so is its LMG share.
    rng = np.random.default_rng(5)
    raw = rng.normal(size=(200, 3))
    # Q of the QR decomposition of centred data: centred, mutually orthogonal columns.
    x, _ = np.linalg.qr(raw - raw.mean(axis=0))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    assert np.abs(np.corrcoef(x, rowvar=False) - np.eye(3)).max() < 1e-12
    frame["y"] = frame @ np.array([3.0, 2.0, 1.0]) + rng.normal(scale=0.05, size=200)
    res = drivers.driver_analysis(frame, "y", ["a", "b", "c"])
    r2 = frame[["a", "b", "c"]].corrwith(frame["y"]) ** 2
    assert res["relative_weight"].to_numpy() == pytest.approx(r2.to_numpy(), abs=0.02)
    assert res["lmg"].to_numpy() == pytest.approx(r2.to_numpy(), abs=0.02)


def test_spearman_column_and_missing_rows(swiss_result):
    expected = SWISS[X_COLS].corrwith(SWISS["Fertility"], method="spearman")
    assert swiss_result["spearman"].to_numpy() == pytest.approx(expected.to_numpy())
    gappy = SWISS.copy()
    gappy.iloc[0, 1] = np.nan
    res = drivers.driver_analysis(gappy, "Fertility", X_COLS)
    assert res.attrs["n"] == 46


@pytest.mark.parametrize(
    ("frame", "outcome", "cols", "message"),
    [
        (SWISS, "Fertility", ["Agriculture"], "at least 2 drivers"),
        (SWISS, "Fertility", ["Agriculture", "Agriculture"], "distinct"),
        (SWISS, "Fertility", ["Fertility", "Agriculture"], "distinct"),
        (SWISS, "Fertility", ["Agriculture", "Nope"], "not in frame"),
        (SWISS.head(3), "Fertility", X_COLS, "complete rows"),
        (SWISS.assign(k=1.0), "Fertility", ["Agriculture", "k"], "without variance"),
        (SWISS.assign(d=SWISS["Agriculture"] * 2), "Fertility", ["Agriculture", "d"],
         "collinear"),
        (SWISS.values, "Fertility", X_COLS, "DataFrame"),
        (SWISS.assign(s="x"), "Fertility", ["Agriculture", "s"], "numeric"),
    ],
)
def test_driver_analysis_rejects_bad_input(frame, outcome, cols, message):
    with pytest.raises(ValueError, match=message):
        drivers.driver_analysis(frame, outcome, cols)


def test_ipa_quadrants_with_mean_cuts():
    # Constructed case: performance mean 70, importance mean 0.25.
    perf = pd.Series({"services": 85.0, "rights": 55.0, "culture": 60.0, "facilities": 80.0})
    imp = pd.Series({"services": 0.40, "rights": 0.35, "culture": 0.10, "facilities": 0.15})
    table = drivers.ipa(perf, imp)
    assert table["quadrant"].to_dict() == {
        "services": "keep up the good work",
        "rights": "concentrate here",
        "culture": "low priority",
        "facilities": "possible overkill",
    }
    assert table.attrs == {"performance_cut": 70.0, "importance_cut": 0.25}


def test_ipa_explicit_cuts_and_ties_count_as_high():
    perf = pd.Series({"a": 60.0, "b": 90.0})
    imp = pd.Series({"b": 0.5, "a": 0.5})  # aligned by label, not position
    table = drivers.ipa(perf, imp, performance_cut=60.0, importance_cut=0.6)
    assert table.loc["a", "importance"] == 0.5
    assert table["quadrant"].tolist() == ["possible overkill", "possible overkill"]
    table = drivers.ipa(perf, imp, performance_cut=75.0, importance_cut=0.5)
    assert table["quadrant"].tolist() == ["concentrate here", "keep up the good work"]


@pytest.mark.parametrize(
    ("perf", "imp", "message"),
    [
        (pd.Series(dtype=float), pd.Series(dtype=float), "empty"),
        (pd.Series({"a": 1.0, "b": 2.0}), pd.Series({"a": 1.0, "c": 2.0}), "same dimensions"),
        (pd.Series({"a": 1.0, "b": np.nan}), pd.Series({"a": 1.0, "b": 2.0}), "NaN"),
        (pd.Series({"a": 1.0}), pd.Series({"a": 1.0}), "at least 2 dimensions"),
        ([1.0, 2.0], pd.Series([1.0, 2.0]), "Series"),
        (pd.Series([1.0, 2.0], index=["a", "a"]), pd.Series({"a": 1.0}), "unique"),
    ],
)
def test_ipa_rejects_bad_input(perf, imp, message):
    with pytest.raises(ValueError, match=message):
        drivers.ipa(perf, imp)


def test_docstring_examples_run():
    import doctest

    from analysis import drivers as module

    assert doctest.testmod(module).failed == 0
