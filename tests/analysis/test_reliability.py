"""Tests of analysis.reliability against published values and pingouin (dev-only cross-check)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from analysis import reliability

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SF = pd.DataFrame(
    {
        "J1": [9, 6, 8, 7, 10, 6],
        "J2": [2, 1, 4, 1, 5, 2],
        "J3": [5, 3, 6, 2, 6, 4],
        "J4": [8, 2, 8, 6, 9, 7],
    }
)

# Shrout & Fleiss (1979): the six ICCs of the Table 2 data (.17, .29, .71, .44, .62, .91);
# R `psych::ICC(sf)` (the example of ?psych::ICC, same data) prints them with F, df, p and the
# 95% CI (reproduced from memory; every number is also cross-checked against pingouin below):
#                          type  ICC    F df1 df2       p lower bound upper bound
# Single_raters_absolute   ICC1 0.17  1.8   5  18 0.16477      -0.133        0.72
# Single_random_raters     ICC2 0.29 11.0   5  15 0.00013       0.019        0.76
# Single_fixed_raters      ICC3 0.71 11.0   5  15 0.00013       0.342        0.95
# Average_raters_absolute ICC1k 0.44  1.8   5  18 0.16477      -0.884        0.91
# Average_random_raters   ICC2k 0.62 11.0   5  15 0.00013       0.071        0.93
# Average_fixed_raters    ICC3k 0.91 11.0   5  15 0.00013       0.676        0.99
PUBLISHED_ICC = {
    "ICC1": (0.17, 1.8, 5, 18, -0.133, 0.72),
    "ICC2": (0.29, 11.0, 5, 15, 0.019, 0.76),
    "ICC3": (0.71, 11.0, 5, 15, 0.342, 0.95),
    "ICC1k": (0.44, 1.8, 5, 18, -0.884, 0.91),
    "ICC2k": (0.62, 11.0, 5, 15, 0.071, 0.93),
    "ICC3k": (0.91, 11.0, 5, 15, 0.676, 0.99),
}


@pytest.mark.parametrize("form", reliability.ICC_FORMS)
def test_icc_shrout_fleiss_table(form):
    icc, f_value, df1, df2, low, high = PUBLISHED_ICC[form]
    res = reliability.icc_detail(SF, form)
    assert round(res.icc, 2) == icc
    assert reliability.icc(SF, form) == res.icc
    assert round(res.F, 1) == f_value
    assert (res.df1, res.df2) == (df1, df2)
    assert round(res.ci_low, 3) == pytest.approx(low, abs=0.0015)
    assert round(res.ci_high, 2) == high


@pytest.mark.parametrize("form", reliability.ICC_FORMS)
def test_icc_matches_pingouin(form):
    long = SF.reset_index(names="target").melt(id_vars="target", var_name="judge",
                                               value_name="score")
    ref = pg.intraclass_corr(long, targets="target", raters="judge", ratings="score")
    ref = ref.set_index("Type").loc[form]
    res = reliability.icc_detail(SF, form)
    assert res.icc == pytest.approx(ref["ICC"], abs=1e-12)
    assert res.F == pytest.approx(ref["F"], abs=1e-12)
    assert res.pvalue == pytest.approx(ref["pval"], rel=1e-9)
    # pingouin rounds its interval to 2 decimals.
    assert np.round([res.ci_low, res.ci_high], 2) == pytest.approx(list(ref["CI95%"]), abs=1e-12)


def test_icc_p_value_printed_by_psych():
    # psych::ICC(sf): p = 0.16477 (ICC1) and 0.00013 (ICC2/3).
    assert round(reliability.icc_detail(SF, "ICC1").pvalue, 5) == 0.16477
    assert round(reliability.icc_detail(SF, "ICC3").pvalue, 5) == 0.00013


def test_icc_drops_incomplete_targets():
    with_gap = pd.concat([SF, pd.DataFrame({"J1": [3.0], "J2": [np.nan], "J3": [1], "J4": [2]})],
                         ignore_index=True)
    assert reliability.icc(with_gap, "ICC2") == reliability.icc(SF, "ICC2")


@pytest.mark.parametrize(
    ("ratings", "form", "message"),
    [
        (SF, "ICC4", "unknown ICC form"),
        (SF[["J1"]], "ICC1", "at least 2 raters"),
        (SF.iloc[:1], "ICC1", "at least 2 targets"),
        (pd.DataFrame(), "ICC1", "empty"),
        (SF * np.nan, "ICC1", "all NaN"),
        (np.ones((3, 3)), "ICC1", "no variance"),
        (np.arange(4), "ICC1", "2-D"),
    ],
)
def test_icc_rejects_bad_input(ratings, form, message):
    with pytest.raises(ValueError, match=message):
        reliability.icc(ratings, form)


def test_icc_rejects_bad_ci():
    with pytest.raises(ValueError, match="ci"):
        reliability.icc_detail(SF, "ICC1", ci=1.5)


# pingouin's dataset "cronbach_wide_missing" (12 respondents x 11 binary items, some NaN);
# pingouin's docstring prints (psych::alpha equivalent):
#   pg.cronbach_alpha(data)                         -> (0.732661, [0.435, 0.909])
#   pg.cronbach_alpha(data, nan_policy="listwise")  -> (0.801695, [0.581, 0.933])
WIDE_MISSING = pg.read_dataset("cronbach_wide_missing")


def test_cronbach_alpha_pairwise_published():
    assert round(reliability.cronbach_alpha(WIDE_MISSING, missing="pairwise"), 6) == 0.732661
    low, high = reliability.cronbach_alpha_ci(WIDE_MISSING, missing="pairwise")
    assert (round(low, 3), round(high, 3)) == (0.435, 0.909)


def test_cronbach_alpha_listwise_published():
    assert round(reliability.cronbach_alpha(WIDE_MISSING), 6) == 0.801695
    # pingouin keeps n = 12 (rows before dropping) in the Feldt df; we use the n actually
    # analysed (the complete cases), so the interval is wider than pingouin's [0.581, 0.933].
    n = len(WIDE_MISSING.dropna())
    low, high = reliability.cronbach_alpha_ci(WIDE_MISSING)
    assert n < 12
    assert low < 0.581 and high > 0.933


def test_cronbach_alpha_long_dataset_published():
    # pingouin docstring: pg.cronbach_alpha(data=pg.read_dataset("cronbach_alpha"),
    # items="Items", scores="Scores", subject="Subj") -> (0.5917188485995826, [0.195, 0.84])
    long = pg.read_dataset("cronbach_alpha")
    wide = long.pivot(index="Subj", columns="Items", values="Scores")
    assert round(reliability.cronbach_alpha(wide), 4) == 0.5917
    low, high = reliability.cronbach_alpha_ci(wide)
    assert (round(low, 3), round(high, 2)) == (0.195, 0.84)


def test_cronbach_alpha_textbook_formula():
    # k/(k-1) * (1 - sum of item variances / variance of the total), by hand.
    items = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    k = 3
    by_hand = k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())
    assert reliability.cronbach_alpha(items) == pytest.approx(by_hand, abs=1e-12)
    assert round(by_hand, 3) == 0.954


def test_cronbach_alpha_ci_level():
    narrow = reliability.cronbach_alpha_ci(WIDE_MISSING, ci=0.5, missing="pairwise")
    wide = reliability.cronbach_alpha_ci(WIDE_MISSING, ci=0.99, missing="pairwise")
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


@pytest.mark.parametrize(
    ("items", "kwargs", "message"),
    [
        (WIDE_MISSING[["Q1"]], {}, "at least 2 items"),
        (WIDE_MISSING.iloc[:1], {}, "at least 2 respondents"),
        (pd.DataFrame(), {}, "empty"),
        (WIDE_MISSING * np.nan, {}, "all NaN"),
        (WIDE_MISSING, {"missing": "mean"}, "unknown missing policy"),
        (pd.DataFrame({"a": [1, np.nan], "b": [np.nan, 2], "c": [1, 2]}), {}, "listwise"),
        (pd.DataFrame({"a": ["x", "y"], "b": ["y", "z"]}), {}, "numeric"),
        (np.ones((4, 3)), {}, "zero variance"),
    ],
)
def test_cronbach_alpha_rejects_bad_input(items, kwargs, message):
    with pytest.raises(ValueError, match=message):
        reliability.cronbach_alpha(items, **kwargs)


def test_docstring_examples_run():
    import doctest

    from analysis import reliability as module

    assert doctest.testmod(module).failed == 0


def test_statistics_modules_import_no_dev_or_web_packages():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import analysis.reliability, analysis.agreement, analysis.weights, "
        "analysis.compare, analysis.drivers\n"
        "banned = {'flask', 'sqlalchemy', 'survey_app', 'pingouin', 'krippendorff', "
        "'scikit_posthocs', 'statsmodels'}\n"
        "print(sorted(banned & {m.split('.')[0] for m in sys.modules}))\n"
    )
    from pathlib import Path

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
