import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.rankings import (
    EXPORT_COLUMNS,
    _ranks,
    _unit_stats,
    bootstrap_unit_means,
    eb_shrinkage,
    rank_intervals,
    ranks_table,
    shrunk_index,
    unit_rankings,
)


def _frame(unit: np.ndarray, y: np.ndarray, **extra) -> pd.DataFrame:
    return pd.DataFrame({"target_code": unit, "overall": y, **extra})


def test_eb_balanced_case_by_hand():
    # Balanced one-way layout: REML = ANOVA, tau2 = (MSB - MSW) / m when positive.
    # u1: 60 70 80 (mean 70, SS 200); u2: 80 85 90 (85, 50); u3: 40 55 70 (55, 450).
    # MSW = 700 / 6, MSB = 3 (0 + 225 + 225) / 2 = 675, tau2 = (675 - 700/6) / 3 = 186.11,
    # B = tau2 / (tau2 + MSW / 3) = 0.82716, u2 -> 70 + 0.82716 x 15 = 82.407.
    y = [60, 70, 80, 80, 85, 90, 40, 55, 70]
    df = _frame(np.repeat(["u1", "u2", "u3"], 3), np.array(y, float))
    out = shrunk_index(df)
    msw, msb = 700 / 6, 675.0
    tau2 = (msb - msw) / 3
    b = tau2 / (tau2 + msw / 3)
    np.testing.assert_allclose(out["index_shrunk"], 70 + b * np.array([0, 15, -15]), rtol=1e-8)
    eb = eb_shrinkage(*_unit_stats(np.repeat([0, 1, 2], 3), np.array(y, float), 3))
    assert eb["tau2"] == pytest.approx(tau2, rel=1e-8)
    assert eb["sigma2"] == pytest.approx(msw, rel=1e-8)
    assert out.loc["u2", "shrinkage"] == pytest.approx(1 - b, rel=1e-8)
    # MSB < MSW: no between-unit variance, every unit goes to the grand mean
    flat = _frame(np.repeat(["a", "b"], 3), np.array([60, 80, 70, 62, 81, 71], float))
    out = shrunk_index(flat)
    np.testing.assert_allclose(out["index_shrunk"], 424 / 6)


@pytest.mark.parametrize("peer", [None, "kind"])
def test_eb_matches_statsmodels_mixedlm_reml(peer):
    sm = pytest.importorskip("statsmodels.formula.api")
    rng = np.random.default_rng(5)
    n = rng.integers(3, 15, size=8)
    theta = rng.normal(70, 10, size=8)
    unit = np.repeat(np.arange(8), n)
    kinds = np.where(np.arange(8) < 4, "a", "b")
    df = _frame(unit, theta[unit] + rng.normal(0, 9, size=n.sum()), kind=kinds[unit])
    model = sm.mixedlm("overall ~ 1" if peer is None else "overall ~ C(kind)", df,
                       groups=df["target_code"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(reml=True, method=["bfgs"], gtol=1e-12)
    out = shrunk_index(df, peer=peer)
    st = _unit_stats(unit, df["overall"].to_numpy(), 8)
    eb = eb_shrinkage(*st, peer=None if peer is None else kinds)
    # statsmodels' optimiser stops within ~1e-7 of the REML optimum that eb_shrinkage
    # finds; the REML log-likelihood at our estimate is statsmodels' own maximum.
    assert eb["tau2"] == pytest.approx(float(fit.cov_re.iloc[0, 0]), rel=1e-5)
    assert eb["sigma2"] == pytest.approx(fit.scale, rel=1e-5)
    blup = fit.fittedvalues.groupby(df["target_code"]).mean()
    np.testing.assert_allclose(out["index_shrunk"], blup.to_numpy(), rtol=1e-6)
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    ours = MixedLMParams.from_components(fe_params=np.zeros(1 if peer is None else 2),
                                         cov_re=np.array([[eb["tau2"] / eb["sigma2"]]]))
    assert model.loglike(ours, profile_fe=True) >= fit.llf - 1e-9


def test_shrinkage_lowers_mean_squared_error():
    # 40 units, true index ~ N(75, 5^2), 5-60 respondents each, respondent sd 20; 200
    # replicates, seed fixed. Mean squared error against the truth: raw 18.6, shrunk 9.9
    # (46 % lower).
    rng = np.random.default_rng(2024)
    raw, shrunk = [], []
    for _ in range(200):
        n = rng.integers(5, 61, size=40)
        theta = rng.normal(75, 5, size=40)
        codes = np.repeat(np.arange(40), n)
        nn, mean, ssw = _unit_stats(codes, theta[codes] + rng.normal(0, 20, n.sum()), 40)
        raw.append(np.mean((mean - theta) ** 2))
        shrunk.append(np.mean((eb_shrinkage(nn, mean, ssw)["shrunk"] - theta) ** 2))
    assert np.mean(raw) == pytest.approx(18.6, abs=0.5)
    assert np.mean(shrunk) < 0.65 * np.mean(raw)


def test_rank_intervals_cover_the_true_rank():
    # 20 units, true index ~ N(75, 8^2), 10-80 respondents, respondent sd 20; 200 data sets
    # x 400 bootstrap replicates, seed fixed. The 95 % rank intervals cover the true rank
    # 96.0 % of the time (4000 unit intervals); the observed rank alone equals it 24 %.
    rng = np.random.default_rng(2024)
    covered, exact = [], []
    for _ in range(200):
        n = rng.integers(10, 81, size=20)
        theta = rng.normal(75, 8, size=20)
        codes = np.repeat(np.arange(20), n)
        df = _frame(codes, theta[codes] + rng.normal(0, 20, size=n.sum()))
        ri = rank_intervals(df, n_boot=400, seed=rng)
        true_rank = _ranks(theta)
        covered.append((ri["rank_low"].to_numpy() <= true_rank)
                       & (true_rank <= ri["rank_high"].to_numpy()))
        exact.append(ri["rank"].to_numpy() == true_rank)
    assert 0.93 <= np.mean(covered) <= 0.98
    assert np.mean(exact) < 0.35


def test_bootstrap_means_are_unbiased_and_large_units_use_the_normal_shortcut():
    rng = np.random.default_rng(1)
    codes = np.repeat(np.arange(3), [5, 300, 20])
    vals = rng.random(325) * 100
    b = bootstrap_unit_means(codes, vals, 3, 20000, rng)
    exact = bootstrap_unit_means(codes, vals, 3, 20000, rng, max_resample=10**9)
    nn, mean, ssw = _unit_stats(codes, vals, 3)
    # plug-in bootstrap standard error sqrt(SS) / n
    np.testing.assert_allclose(b.std(0), np.sqrt(ssw) / nn, rtol=0.03)
    np.testing.assert_allclose(exact.std(0), np.sqrt(ssw) / nn, rtol=0.03)
    assert (np.abs(b.mean(0) - mean) <= 4 * np.sqrt(ssw) / nn / np.sqrt(20000)).all()


def test_ranks_table_columns_and_distinguishable_flag():
    rng = np.random.default_rng(9)
    sizes = {"A": 200, "B": 200, "C": 200, "D": 3, "E": 3, "F": 200}
    means = {"A": 90, "B": 80, "C": 70, "D": 75, "E": 78, "F": 60}
    unit = np.repeat(list(sizes), list(sizes.values()))
    y = np.clip(np.array([means[u] for u in unit]) + rng.normal(0, 15, len(unit)), 0, 100)
    df = _frame(unit, y, kind=np.where(np.isin(unit, ["A", "B", "C"]), "x", "y"))
    table = ranks_table(df, peer="kind")
    assert tuple(table.columns) == EXPORT_COLUMNS
    assert list(table["rank"]) == sorted(table["rank"])
    assert table[["n", "rank", "rank_low", "rank_high"]].dtypes.eq(np.int64).all()
    assert ((table["rank_low"] <= table["rank"]) & (table["rank"] <= table["rank_high"])).all()
    assert table["index_shrunk"].between(0, 100).all()
    full = unit_rankings(df, peer="kind").set_index("unit_code")
    # three respondents: D's interval (ranks 1-5) spans more than half the list of six
    assert not full.loc["D", "distinguishable"]
    assert full.loc[["A", "B", "F"], "distinguishable"].all()
    assert full.loc["A", "rank"] == 1
    width = full["rank_high"] - full["rank_low"]
    assert width[["D", "E"]].min() >= width[["A", "B", "C", "F"]].max()
    assert full.loc["D", "shrinkage"] > 0.45 > 0.05 > full.loc["A", "shrinkage"]
    # a seeded list is reproducible
    pd.testing.assert_frame_equal(table, ranks_table(df, peer="kind"))


def test_rankings_bad_input():
    df = _frame(np.repeat(["a", "b"], 3), np.arange(6, dtype=float))
    with pytest.raises(ValueError, match="lacks column"):
        rank_intervals(df, metric="nope")
    with pytest.raises(ValueError, match="two units"):
        rank_intervals(df.iloc[:3])
    with pytest.raises(ValueError, match="n_boot"):
        rank_intervals(df, n_boot=10)
    with pytest.raises(ValueError, match="varies within a unit"):
        shrunk_index(df.assign(kind=list("xyxyxy")), peer="kind")
    with pytest.raises(ValueError, match="two or more respondents"):
        eb_shrinkage([1, 1, 1], [50, 60, 70], [0, 0, 0])
