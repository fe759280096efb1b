import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.partnering import HONOUR_RANK, partnering_effect, propose_pairs, score_pairs

LEVELS = list(HONOUR_RANK)
DIMS = ["service", "rights", "org"]


def small():
    leads = pd.DataFrame({
        "unit_code": ["L1", "L2"], "region": ["A", "B"], "sector": ["mfg", "edu"],
        "honour_level": ["national", "city"], "capacity": [2, 1],
        "dim_service": [90, 80], "dim_rights": [85, np.nan], "dim_org": [70, 95],
    })
    cands = pd.DataFrame({
        "unit_code": ["P1", "P2", "P3"], "region": ["A", "B", "C"],
        "sector": ["mfg", "mfg", "edu"], "honour_level": [None, None, "district"],
        "satisfaction_index": [60, 75, 80],
        "dim_service": [55, 70, 80], "dim_rights": [60, 65, np.nan], "dim_org": [70, 60, 75],
    })
    return leads, cands


# ------------------------------------------------------------------ score_pairs


def test_score_pairs_by_hand():
    leads, cands = small()
    s = score_pairs(leads, cands, adjacent_regions=[("C", "B")]).set_index(
        ["lead_code", "partner_code"])
    # L1-P1: same region 1 + same sector 1 + 0.05 * ((90-55) + (85-60)) + 0.02 * 40 + 0.5
    assert s.loc[("L1", "P1"), "strength"] == 60
    assert s.loc[("L1", "P1"), "score"] == pytest.approx(6.3)
    # L1-P3: P3's weakest known dims are org 75 and service 80 (rights unknown):
    # 0.05 * ((70-75) + (90-80)) + 0.02 * 20, no honour bonus (P3 holds district)
    assert s.loc[("L1", "P3"), "score"] == pytest.approx(0.65)
    # L2-P1: L2's rights score is unknown and adds 0: 0.05 * (80-55) + 0.02 * 40 + 0.5
    assert s.loc[("L2", "P1"), "score"] == pytest.approx(2.55)
    # L2-P3: adjacent region 0.5 + same sector 1 + 0.05 * (25 + 0) + 0.4
    assert s.loc[("L2", "P3"), "score"] == pytest.approx(2.9)
    assert s.loc[("L2", "P3"), "region"] == 0.5


def test_score_pairs_weights_are_configurable():
    leads, cands = small()
    s = score_pairs(leads, cands, weights={"strength": 0.0, "need": 0.0, "no_honour": 0.0},
                    n_weakest=1)
    assert s["score"].tolist() == [2.0, 1.0, 0.0, 0.0, 1.0, 1.0]


# ------------------------------------------------------------------ propose_pairs


def test_propose_pairs_small_example():
    leads, cands = small()
    existing = pd.DataFrame({"lead_code": ["L1"], "partner_code": ["P2"]})
    out = propose_pairs(leads, cands, existing, adjacent_regions=[("C", "B")])
    # L1 (capacity 2) takes P1 (6.30) and P3 (0.65); L2 (capacity 1) takes P2 (3.75):
    # total 10.70 beats L1-P1 + L2-P3 (9.20) since L1-P2 is an existing pair
    assert list(zip(out.lead_code, out.partner_code)) == [("L1", "P1"), ("L1", "P3"),
                                                           ("L2", "P2")]
    assert out.attrs["total_score"] == pytest.approx(10.7)
    assert out.reasons[0] == [("same_region", None), ("same_sector", None),
                              ("lead_strong_on:service", 35.0),
                              ("lead_strong_on:rights", 25.0),
                              ("partner_satisfaction", 60.0), ("partner_no_honour", None)]
    assert out.reasons[2][:2] == [("same_region", None), ("lead_strong_on:org", 35.0)]


def test_min_score_declined_and_honour_rule():
    leads, cands = small()
    out = propose_pairs(leads, cands, min_score=1.0)
    assert ("L1", "P3") not in set(zip(out.lead_code, out.partner_code))
    declined = pd.DataFrame({"lead_code": ["L1"], "partner_code": ["P1"]})
    out = propose_pairs(leads, cands, declined_pairs=declined)
    assert ("L1", "P1") not in set(zip(out.lead_code, out.partner_code))
    # a district-honoured candidate may not partner a district lead
    leads2 = leads.assign(honour_level=["district", "district"])
    out = propose_pairs(leads2, cands)
    assert "P3" not in set(out.partner_code)
    out = propose_pairs(leads2, cands, require_lower_honour=False)
    assert "P3" in set(out.partner_code)


def random_instance(rng, n_leads, n_cands, *, max_cap=2):
    leads = pd.DataFrame({
        "unit_code": [f"L{i}" for i in range(n_leads)],
        "region": rng.choice(list("ABC"), n_leads), "sector": rng.choice(list("xy"), n_leads),
        "honour_level": rng.choice(LEVELS, n_leads),
        "capacity": rng.integers(0, max_cap + 1, n_leads),
    })
    cands = pd.DataFrame({
        "unit_code": [f"P{i}" for i in range(n_cands)],
        "region": rng.choice(list("ABC"), n_cands), "sector": rng.choice(list("xy"), n_cands),
        "honour_level": rng.choice([None, None, None, "district", "city"], n_cands),
        "satisfaction_index": rng.uniform(50, 95, n_cands),
        "max_leads": rng.integers(1, 3, n_cands),
    })
    if n_cands > 1:  # a lead that also stands as a candidate: never paired with itself
        cands.loc[0, "unit_code"] = "L0"
    for d in DIMS:
        leads[f"dim_{d}"] = rng.uniform(60, 98, n_leads)
        cands[f"dim_{d}"] = np.where(rng.random(n_cands) < 0.15, np.nan,
                                     rng.uniform(45, 92, n_cands))
    pairs = [(lc, cc) for lc in leads.unit_code for cc in cands.unit_code
             if rng.random() < 0.15]
    existing = pd.DataFrame(pairs, columns=["lead_code", "partner_code"])
    return leads, cands, existing


def brute_force_best(leads, cands, existing, *, min_score, require_lower_honour):
    """Largest total score over every feasible set of pairs: each lead picks a subset of at
    most `capacity` eligible candidates; candidate limits are checked after each lead."""
    s = score_pairs(leads, cands)["score"].to_numpy().reshape(len(leads), len(cands))
    eligible = (s > min_score) & (leads.unit_code.to_numpy()[:, None]
                                  != cands.unit_code.to_numpy()[None, :])
    if require_lower_honour:
        lr = leads.honour_level.map(HONOUR_RANK).to_numpy()
        cr = cands.honour_level.map(HONOUR_RANK).fillna(0).to_numpy()
        eligible &= cr[None, :] < lr[:, None]
    taken = set(zip(existing.lead_code, existing.partner_code))
    for i, lc in enumerate(leads.unit_code):
        for j, cc in enumerate(cands.unit_code):
            eligible[i, j] &= (lc, cc) not in taken
    n_c = len(cands)
    counts, totals = np.zeros((1, n_c), dtype=int), np.zeros(1)
    every = (np.arange(2 ** n_c)[:, None] >> np.arange(n_c)) & 1  # all subsets of candidates
    for i, cap in enumerate(leads.capacity):
        ok = (every.sum(axis=1) <= cap) & ~(every & ~eligible[i]).any(axis=1)
        sub = every[ok]
        counts = (counts[:, None, :] + sub[None, :, :]).reshape(-1, n_c)
        totals = (totals[:, None] + sub @ s[i]).ravel()
        feasible = (counts <= cands.max_leads.to_numpy()).all(axis=1)
        counts, totals = counts[feasible], totals[feasible]
    return totals.max()


def test_propose_pairs_is_optimal_against_brute_force():
    rng = np.random.default_rng(7)
    gaps, n_pairs = [], 0
    for n in range(40):
        leads, cands, existing = random_instance(rng, rng.integers(1, 5), rng.integers(2, 7))
        min_score = [0.0, 2.0, -1e9][n % 3]  # -1e9: every allowed pair is worth proposing
        lower = bool(n // 3 % 2)
        out = propose_pairs(leads, cands, existing, min_score=min_score,
                            require_lower_honour=lower)
        best = brute_force_best(leads, cands, existing, min_score=min_score,
                                require_lower_honour=lower)
        gaps.append(out["score"].sum() - best)
        n_pairs += len(out)
    # 40 instances (<= 4 leads x 6 candidates), 74 pairs proposed in all: every total equals
    # the brute-force maximum
    np.testing.assert_allclose(gaps, 0.0, atol=1e-9)
    assert n_pairs == 74


def check_feasible(out, leads, cands, existing):
    assert not out.duplicated(["lead_code", "partner_code"]).any()
    assert (out.lead_code != out.partner_code).all()
    assert not set(zip(out.lead_code, out.partner_code)) & set(
        zip(existing.lead_code, existing.partner_code))
    per_lead = out.lead_code.value_counts().reindex(leads.unit_code, fill_value=0)
    assert (per_lead.to_numpy() <= leads.capacity.to_numpy()).all()
    max_leads = cands.set_index("unit_code").max_leads
    per_cand = out.partner_code.value_counts()
    assert (per_cand <= max_leads.reindex(per_cand.index)).all()
    return per_lead


def test_capacities_respected_on_a_larger_instance():
    rng = np.random.default_rng(11)
    leads, cands, existing = random_instance(rng, 30, 120, max_cap=5)
    out = propose_pairs(leads, cands, existing, min_score=-1e9)
    per_lead = check_feasible(out, leads, cands, existing)
    # with every pair worth proposing, a lead is short of its capacity only if too few
    # candidates are eligible for it: here all 30 leads fill their capacity (63 pairs)
    assert (per_lead == leads.capacity.to_numpy()).all()
    assert len(out) == leads.capacity.sum() == 63
    assert (out.groupby("lead_code").score.is_monotonic_decreasing).all()


def test_nothing_to_propose():
    leads, cands = small()
    out = propose_pairs(leads.assign(capacity=0), cands)
    assert out.empty and list(out.columns) == ["lead_code", "partner_code", "score", "reasons"]
    assert out.attrs["total_score"] == 0.0


@pytest.mark.parametrize("change, message", [
    (lambda ld, c: (ld.drop(columns="capacity"), c), "missing column"),
    (lambda ld, c: (ld, c.drop(columns="region")), "missing column"),
    (lambda ld, c: (ld.assign(capacity=[-1, 1]), c), "negative"),
    (lambda ld, c: (ld.assign(capacity=[1.5, 1]), c), "whole"),
    (lambda ld, c: (ld.assign(capacity=[np.nan, 1]), c), "missing"),
    (lambda ld, c: (ld, c.assign(max_leads=[1, -2, 1])), "negative"),
    (lambda ld, c: (ld.assign(honour_level=["national", None]), c), "honour"),
    (lambda ld, c: (ld, c.assign(honour_level=["gold", None, None])), "honour"),
    (lambda ld, c: (ld.assign(unit_code=["L1", "L1"]), c), "duplicate"),
    (lambda ld, c: (ld, c.assign(satisfaction_index=["high", 1, 2])), "numeric"),
    (lambda ld, c: ("not a frame", c), "DataFrame"),
])
def test_propose_pairs_rejects_bad_input(change, message):
    leads, cands = change(*small())
    with pytest.raises(ValueError, match=message):
        propose_pairs(leads, cands)


def test_bad_options():
    leads, cands = small()
    with pytest.raises(ValueError, match="unknown weight"):
        propose_pairs(leads, cands, weights={"region": 1})
    with pytest.raises(ValueError, match="non-negative"):
        propose_pairs(leads, cands, weights={"same_region": -1})
    with pytest.raises(ValueError, match="n_weakest"):
        propose_pairs(leads, cands, n_weakest=0)
    with pytest.raises(ValueError, match="existing_pairs"):
        propose_pairs(leads, cands, pd.DataFrame({"lead": ["L1"]}))


# ------------------------------------------------------------------ partnering_effect


def synthetic_panel(rng, *, n_units=240, n_treated=20, effect=3.0):
    """Three annual campaigns (2022-2024) of a satisfaction index with unit levels, sector- and
    size-dependent trends and noise (sd 4); weaker units (low 2022 index) are likelier to be
    paired in 2023, so a naive difference-in-differences suffers regression to the mean. The
    true effect on paired units is `effect` index points. Participation has effect 0."""
    sector = rng.choice(["mfg", "edu", "svc", "gov"], n_units)
    size = np.round(np.exp(rng.normal(5, 0.8, n_units))) + 5
    level = rng.normal(72, 8, n_units)
    trend = pd.Series(sector).map({"mfg": 0.0, "edu": 1.0, "svc": 2.0, "gov": 3.0}).to_numpy()
    trend = trend + 0.8 * (np.log(size) - 5)
    y_pre = level + rng.normal(0, 4, n_units)
    p = np.exp(-(y_pre - 72) / 5)
    paired = np.zeros(n_units, dtype=bool)
    paired[rng.choice(n_units, n_treated, replace=False, p=p / p.sum())] = True
    ys = {2022: y_pre, 2023: level + 0.5 * trend + rng.normal(0, 4, n_units),
          2024: level + trend + effect * paired + rng.normal(0, 4, n_units)}
    codes = np.array([f"U{i:03d}" for i in range(n_units)])
    panel = pd.concat([pd.DataFrame({
        "unit_code": codes, "year": year, "sector": sector, "size": size,
        "satisfaction_index": y, "participation_rate": rng.uniform(0.6, 0.9, n_units),
    }) for year, y in ys.items()], ignore_index=True)
    return panel, codes[paired]


def test_effect_by_hand_without_bias_adjustment():
    # 2 treated, 4 controls, one sector, equal sizes: k=2 optimal matching pairs T1 with the
    # two controls nearest 60 (C1 at 61, C2 at 58) and T2 with C3 (70) and C4 (73)
    panel = pd.DataFrame({
        "unit_code": ["T1", "T2", "C1", "C2", "C3", "C4"] * 2,
        "year": [2022] * 6 + [2024] * 6, "sector": "mfg", "size": 100,
        "satisfaction_index": [60, 71, 61, 58, 70, 73,
                               66, 75, 62, 60, 71, 75],
    })
    out = partnering_effect(panel, treated_units=["T1", "T2"], pair_year=2023, k=2,
                            bias_adjust=False).loc["satisfaction_index"]
    # d_T1 = 6 - (1 + 2) / 2 = 4.5; d_T2 = 4 - (1 + 2) / 2 = 2.5
    d = np.array([4.5, 2.5])
    assert out.estimate == pytest.approx(3.5)
    ref = stats.ttest_1samp(d, 0).confidence_interval(0.95)
    assert out.ci_low == pytest.approx(ref.low) and out.ci_high == pytest.approx(ref.high)
    assert round(out.ci_low, 3) == -9.206 and round(out.ci_high, 3) == 16.206
    assert (out.n_treated, out.n_control, out.df, out.n_dropped) == (2, 4, 1, 0)
    assert out.pre_difference == pytest.approx((60 + 71) / 2 - (61 + 58 + 70 + 73) / 4)
    assert not out.flagged


def simulate(n_panels, *, effect, n_treated, bias_adjust=True, seed=20240601):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_panels):
        panel, treated = synthetic_panel(rng, n_treated=n_treated, effect=effect)
        rows.append(partnering_effect(panel, treated_units=treated, pair_year=2023,
                                      bias_adjust=bias_adjust).iloc[0])
    out = pd.DataFrame(rows)
    out["covers"] = (out.ci_low <= effect) & (effect <= out.ci_high)
    return out


def test_interval_covers_the_true_effect_at_its_nominal_rate():
    # 200 panels, 20 paired units of 240, true effect 3 points: the 95% interval covers 3 in
    # 194 of 200 (0.970, Monte Carlo s.e. 0.015; 0.951 over 1,500 panels of seed 99); the
    # mean estimate is 2.83; the interval excludes 0 in 87 (power 0.44); median width 6.0
    out = simulate(200, effect=3.0, n_treated=20)
    assert out.covers.sum() == 194
    assert round(out.estimate.mean(), 2) == 2.83
    assert out.flagged.sum() == 87
    assert round((out.ci_high - out.ci_low).median(), 1) == 6.0
    assert 0.92 <= out.covers.mean() <= 0.98


def test_no_effect_is_flagged_at_about_five_percent():
    # same 200 panels with no effect: flagged in 6 of 200 (0.030)
    out = simulate(200, effect=0.0, n_treated=20)
    assert out.flagged.sum() == 6
    assert out.flagged.mean() <= 0.06


def test_matching_alone_leaves_regression_to_the_mean_bias():
    # without the bias correction the matched estimate drifts (mean 3.85 for a true 3,
    # coverage 185 of 200), since the weakest paired units find no equally weak controls;
    # a naive comparison with all unpaired units is far worse (5.77)
    out = simulate(200, effect=3.0, n_treated=20, bias_adjust=False)
    assert round(out.estimate.mean(), 2) == 3.85
    assert out.covers.sum() == 185
    rng = np.random.default_rng(20240601)
    naive = []
    for _ in range(50):
        panel, treated = synthetic_panel(rng, effect=3.0)
        wide = panel.pivot(index="unit_code", columns="year", values="satisfaction_index")
        change = wide[2024] - wide[2022]
        paired = change.index.isin(treated)
        naive.append(change[paired].mean() - change[~paired].mean())
    assert round(np.mean(naive), 2) == 5.77


def test_three_treated_units_give_a_wide_interval():
    # 3 paired units, true effect 2 points: t with 2 df (multiplier 4.30); median width 25.5
    # points; covers 2 in 200 of 200; flagged in 3 of 200 (0.015): a small programme cannot
    # show a small effect
    out = simulate(200, effect=2.0, n_treated=3)
    assert (out.df == 2).all()
    assert round((out.ci_high - out.ci_low).median(), 1) == 25.5
    assert out.covers.sum() == 200
    assert out.flagged.sum() == 3
    panel, treated = synthetic_panel(np.random.default_rng(3), n_treated=3, effect=2.0)
    one = partnering_effect(panel, treated_units=treated, pair_year=2023).iloc[0]
    # estimate 5.87, interval (-9.96, 21.70)
    assert round(one.estimate, 2) == 5.87
    assert not one.flagged and one.ci_high - one.ci_low > 30


def test_several_outcomes_and_dropped_units():
    panel, treated = synthetic_panel(np.random.default_rng(5))
    panel = panel[~((panel.unit_code == treated[0]) & (panel.year == 2024))]
    out = partnering_effect(panel, treated_units=list(treated) + ["NOT_THERE"],
                            pair_year=2023,
                            outcomes=["satisfaction_index", "participation_rate"])
    assert list(out.index) == ["satisfaction_index", "participation_rate"]
    assert (out.n_treated == 19).all() and (out.n_dropped == 2).all()
    assert (out.n_control == 57).all()
    assert abs(out.loc["participation_rate", "estimate"]) < 0.05


def test_exact_sector_matching():
    panel, treated = synthetic_panel(np.random.default_rng(6), n_treated=5)
    out = partnering_effect(panel, treated_units=treated, pair_year=2023,
                            sector_penalty=np.inf).iloc[0]
    assert out.n_control == 15
    with pytest.raises(ValueError, match="same-sector"):
        partnering_effect(panel, treated_units=treated, pair_year=2023, k=40,
                          sector_penalty=np.inf)


@pytest.mark.parametrize("kwargs, message", [
    ({"treated_units": ["U000"]}, "at least 2 treated"),
    ({"k": 20}, "lower k"),
    ({"k": 0}, "positive integer"),
    ({"ci": 1.5}, "ci"),
    ({"outcomes": "missing_column"}, "missing column"),
    ({"pre_year": 2024}, "before"),
    ({"treated_units": "U000"}, "one string"),
    ({"sector_penalty": -1}, "sector_penalty"),
])
def test_partnering_effect_rejects_bad_input(kwargs, message):
    panel, treated = synthetic_panel(np.random.default_rng(1))
    args = {"treated_units": treated, "pair_year": 2023, **kwargs}
    with pytest.raises(ValueError, match=message):
        partnering_effect(panel, **args)


def test_partnering_effect_rejects_bad_panel():
    panel, treated = synthetic_panel(np.random.default_rng(1))
    with pytest.raises(ValueError, match="more than one row"):
        partnering_effect(pd.concat([panel, panel.head(1)]), treated_units=treated,
                          pair_year=2023)
    with pytest.raises(ValueError, match="positive"):
        partnering_effect(panel.assign(size=0), treated_units=treated, pair_year=2023)
