"""The joint disclosure audit: subtraction across tables, the LP bounds, the greedy repair."""

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.disclosure import complementary_suppression, min_group_size
from analysis.disclosure_audit import (
    Protection,
    audit,
    campaign_system,
    item_suppression,
    item_system,
    joint_suppression,
    masks,
    protect,
)
from analysis.rollup import rollup

K = 5


def subtract(cells: pd.DataFrame, relations, hidden: pd.Series, tables=None):
    """The subtraction attack: wherever a relation has one unknown left, solve it; repeat.

    ``cells`` holds the true ``n`` and ``sum``; the attacker reads them only for cells that
    are not ``hidden`` and knows that empty cells are empty. With ``tables`` (a set of
    table names: the first element of a cell id), only relations whose published cells
    all belong to those tables are used. Returns ``{cell: (n, sum)}`` learned for hidden
    cells, and the residuals: hidden parts of one relation whose pooled count and sum
    were learned.
    """
    known = {c: (r["n"], r["sum"]) for c, r in cells.iterrows() if not hidden[c] or r["n"] == 0}
    rels = [(t, list(p)) for t, p in relations]
    if tables is not None:
        rels = [(t, p) for t, p in rels
                if all(c[0] in tables or hidden[c] for c in [t, *p])]
    learned, residuals = {}, []
    progress = True
    while progress:
        progress = False
        for t, parts in rels:
            terms = [(t, 1.0), *((p, -1.0) for p in parts)]
            unknown = [(c, s) for c, s in terms if c not in known]
            if len(unknown) == 1:
                c, sign = unknown[0]
                n = -sign * sum(s * known[x][0] for x, s in terms if x in known)
                v = -sign * sum(s * known[x][1] for x, s in terms if x in known)
                known[c] = learned[c] = (n, v)
                progress = True
            elif t in known and len(unknown) >= 2:
                n = known[t][0] - sum(known[p][0] for p in parts if p in known)
                v = known[t][1] - sum(known[p][1] for p in parts if p in known)
                residuals.append(([c for c, _ in unknown], n, v))
    return learned, residuals


def leaks(cells, learned, residuals, k=K):
    small = [c for c, (n, _) in learned.items() if 0 < n < k and cells.at[c, "sensitive"]]
    pooled = [r for r in residuals if 0 < r[1] < k]
    return small + pooled


def random_campaign(seed: int, groups: str = "AB"):
    rng = np.random.default_rng(seed)
    n_units = int(rng.integers(2, 6))
    paths, parent = {1: "/1/"}, {1: None}
    for u in range(2, n_units + 1):
        p = int(rng.integers(1, u))
        paths[u], parent[u] = f"{paths[p]}{u}/", p
    orgs = pd.DataFrame({"id": list(paths), "parent_id": [parent[u] for u in paths],
                         "path": list(paths.values())})
    rows = []
    for u in paths:
        for g in groups:
            n = int(rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 14]))
            rows += [(u, g, x) for x in rng.uniform(0, 100, n)]
    if not rows:
        rows = [(1, groups[0], 50.0)]
    scored = pd.DataFrame(rows, columns=["target_id", "rater_group", "overall"])
    return orgs, scored


def current_rules(orgs: pd.DataFrame, scored: pd.DataFrame, k: int = K):
    """The pattern of the table-by-table rules: tree complementary suppression, and per
    target a two-level table of its rater groups (as ``analysis.reports`` builds it)."""
    o = orgs.assign(depth=orgs["path"].str.count("/") - 2)
    units = complementary_suppression(rollup(scored, o), "n", k)
    cells = scored.groupby(["target_id", "rater_group"]).size().rename("n").reset_index()
    totals = cells.groupby("target_id")["n"].sum()
    keys = [f"g:{t}:{g}" for t, g in zip(cells["target_id"], cells["rater_group"])]
    table = pd.concat([
        pd.DataFrame({"n": totals.to_numpy(), "parent": np.nan},
                     index=[f"u:{t}" for t in totals.index]),
        pd.DataFrame({"n": cells["n"].to_numpy(),
                      "parent": [f"u:{t}" for t in cells["target_id"]]}, index=keys),
    ])
    sup = complementary_suppression(table, "n", k, parent_col="parent")
    mask = (sup.loc[keys, "suppressed"].to_numpy()
            | sup.loc[[f"u:{t}" for t in cells["target_id"]], "suppressed"].to_numpy()
            | ~cells["target_id"].isin(units.index[~units["suppressed"]]).to_numpy())
    groups = pd.Series(mask, index=pd.MultiIndex.from_frame(cells[["target_id", "rater_group"]]))
    return units["suppressed"], groups


# ---------------------------------------------------------------- (a) the review's attack


def review_example():
    # federation 1 rated by its own members in two groups of 6; district 2 (10 responses)
    # published; district 3 has 3 responses, hidden as too small
    orgs = pd.DataFrame({"id": [1, 2, 3], "parent_id": [None, 1, 1],
                         "path": ["/1/", "/1/2/", "/1/3/"]})
    rng = np.random.default_rng(7)
    rows = ([(1, "A", x) for x in rng.uniform(0, 100, 6)]
            + [(1, "B", x) for x in rng.uniform(0, 100, 6)]
            + [(2, "A", x) for x in rng.uniform(0, 100, 10)]
            + [(3, "A", x) for x in (12.0, 31.0, 95.0)])
    return orgs, pd.DataFrame(rows, columns=["target_id", "rater_group", "overall"])


def test_subtraction_across_rater_groups_beats_the_table_by_table_rules():
    orgs, scored = review_example()
    unit_hidden, group_hidden = current_rules(orgs, scored)
    assert unit_hidden[3] and not unit_hidden[[1, 2]].any()  # the tree rule is satisfied
    assert not group_hidden[1].any() and group_hidden[(3, "A")]  # so is the groups rule
    cells, rel = campaign_system(scored, orgs, unit_hidden=unit_hidden,
                                 group_hidden=group_hidden)
    learned, _ = subtract(cells, rel, cells["hidden"])
    # own(1) = group A + group B; unit 3 = unit 1 - unit 2 - own(1): weighted by n
    n, s = learned[("unit", 3)]
    assert n == 3 and s / n == pytest.approx(np.mean([12.0, 31.0, 95.0]))
    res = audit(cells, rel, K)
    assert ("unit", 3) in set(res.recoverable["target"])
    row = res.intervals.set_index("target").loc[[("unit", 3)]].iloc[0]
    assert row["mean_low"] == pytest.approx(row["mean_high"])  # pinned exactly


def test_joint_suppression_defeats_the_attack():
    orgs, scored = review_example()
    units, groups, res = joint_suppression(scored, orgs, K)
    assert units[3] and res.reason[("unit", 3)] == "primary"
    # one of the federation's own groups goes, not the federation or the other district
    assert res.reason[("group", 1, "A")] == "complementary" and not groups[(1, "B")]
    assert not units[1] and not units[2]
    assert res.recoverable.empty
    cells, rel = campaign_system(scored, orgs)
    learned, residuals = subtract(cells, rel, res.hidden)
    assert leaks(cells, learned, residuals) == []
    again = audit(cells.assign(hidden=res.hidden), rel, K)
    assert again.recoverable.empty
    unit3 = again.intervals.set_index("target").loc[[("unit", 3)]].iloc[0]
    assert unit3["n_high"] - unit3["n_low"] >= 2
    assert unit3["mean_low"] <= 10 and unit3["mean_high"] >= 100 - 1e-6


def test_protect_docstring_example_and_intervals():
    cells = pd.DataFrame({"n": [20, 3, 17], "sum": [1200.0, 150.0, 1050.0]},
                         index=["P", "A", "B"])
    naive = audit(cells, [("P", ["A", "B"])], K)
    row = naive.intervals.iloc[0]
    assert row["recoverable"] and row["n_low"] == row["n_high"] == 3
    assert row["mean_low"] == pytest.approx(50.0) == row["mean_high"]
    res = protect(cells, [("P", ["A", "B"])], K)
    assert res.reason.to_dict() == {"P": None, "A": "primary", "B": "complementary"}
    row = res.intervals.iloc[0]
    assert (row["n_low"], row["n_high"]) == pytest.approx((1, 19))
    assert (row["mean_low"], row["mean_high"]) == pytest.approx((0, 100))
    assert (row["sum_low"], row["sum_high"]) == pytest.approx((0, 1200))
    assert res.rounds == 1


def test_residual_of_two_small_cells_is_protected():
    # A (2) and B (2) hidden; their pooled 4 answers = P - C would be published
    cells = pd.DataFrame({"n": [30, 2, 2, 26], "sum": [1500.0, 60.0, 140.0, 1300.0]},
                         index=["P", "A", "B", "C"])
    res = protect(cells, [("P", ["A", "B", "C"])], K)
    assert res.hidden.to_dict() == {"P": False, "A": True, "B": True, "C": True}
    assert set(res.intervals["kind"]) == {"cell"}  # the residual now holds 30 answers


def test_count_published_and_homogeneity_are_seen_by_the_lp():
    # the counts are on a participation page: A's count is known, its mean is bounded
    cells = pd.DataFrame({"n": [10, 3, 7], "sum": [950.0, 250.0, 700.0],
                          "count_published": [True, True, True]}, index=["P", "A", "B"])
    res = audit(cells.assign(hidden=[False, True, True]), [("P", ["A", "B"])], K)
    row = res.intervals.iloc[0]
    assert row["n_low"] == row["n_high"] == 3  # published on purpose: not a failure
    # sum_A >= 950 - 700 = 250 = 3 x 83.3: the mean is pinned to [83.3, 100]
    assert row["mean_low"] == pytest.approx(250 / 3) and row["recoverable"]
    res = protect(cells.assign(hidden=[False, True, True]), [("P", ["A", "B"])], K)
    assert res.reason["P"] == "complementary" and res.recoverable.empty  # P's mean goes



def test_linked_cells_are_hidden_together():
    # a dimension's index and its satisfaction rate: separate cells, one link
    cells = pd.DataFrame({"n": [3, 12, 15], "sum": [150.0, 600.0, 750.0],
                          "link": ["d", "d", None]}, index=["idx", "rate", "other"])
    res = protect(cells, [], K)
    assert res.reason.to_dict() == {"idx": "primary", "rate": "linked", "other": None}


def test_bad_input():
    cells = pd.DataFrame({"n": [5, 2], "sum": [100.0, 50.0]}, index=["P", "A"])
    with pytest.raises(ValueError, match="does not hold"):
        audit(cells, [("P", ["A"])], K)
    with pytest.raises(ValueError, match="unknown cell"):
        audit(cells, [("P", ["Z"])], K)
    with pytest.raises(ValueError, match="integer >= 3"):
        audit(cells, [], 2)
    with pytest.raises(ValueError, match="between 0 and 100"):
        audit(pd.DataFrame({"n": [1], "sum": [150.0]}), [], K)
    with pytest.raises(ValueError, match="whole numbers"):
        audit(pd.DataFrame({"n": [1.5], "sum": [1.0]}), [], K)
    with pytest.raises(ValueError, match="repeats a cell"):
        audit(cells, [("P", ["P"])], K)
    with pytest.raises(ValueError, match="count protection"):
        Protection(count=0)


# ---------------------------------------------------------------- (c) edge cases


def test_floor_of_three():
    assert min_group_size(None) == 5 and min_group_size(8) == 8
    assert min_group_size(1) == 3 and min_group_size(2) == 3
    with pytest.raises(ValueError, match="whole number"):
        min_group_size(0)
    cells = pd.DataFrame({"n": [9, 3, 6], "sum": [450.0, 150.0, 300.0]},
                         index=["P", "A", "B"])
    res = protect(cells, [("P", ["A", "B"])], 3)  # a cell of exactly k is published
    assert not res.hidden.any() and res.intervals.empty
    res = protect(cells, [("P", ["A", "B"])], 4)
    assert res.hidden.to_dict() == {"P": False, "A": True, "B": True}


def test_empty_groups_and_units():
    orgs = pd.DataFrame({"id": [1, 2, 3], "parent_id": [None, 1, 1],
                         "path": ["/1/", "/1/2/", "/1/3/"]})
    # unit 3 has no responses at all; group B of unit 2 is empty; unit 1 has none of its own
    scored = pd.DataFrame({"target_id": [2] * 12, "rater_group": ["A"] * 12,
                           "overall": np.linspace(0, 100, 12)})
    units, groups, res = joint_suppression(scored, orgs, K)
    assert units.to_dict() == {1: False, 2: False}
    assert groups.to_dict() == {(2, "A"): False}
    assert res.intervals.empty
    # a respondent without an overall index does not count
    units, groups, _ = joint_suppression(
        scored.assign(overall=[np.nan] * 8 + [50.0] * 4), orgs, K)
    assert units.all() and groups.all()


def test_unit_with_only_own_responses():
    orgs = pd.DataFrame({"id": [1], "parent_id": [None], "path": ["/1/"]})
    scored = pd.DataFrame({"target_id": [1] * 13, "rater_group": ["A"] * 3 + ["B"] * 10,
                           "overall": np.linspace(0, 100, 13)})
    units, groups, res = joint_suppression(scored, orgs, K)
    # the unit (13) publishes its own responses: B alone would give A by subtraction
    assert not units[1] and groups[(1, "A")] and groups[(1, "B")]
    assert res.reason[("group", 1, "B")] == "complementary" and res.recoverable.empty
    # with only the small group, the unit itself goes
    units, groups, _ = joint_suppression(scored[scored["rater_group"] == "A"], orgs, K)
    assert units[1] and groups[(1, "A")]


def test_named_groups_are_published_but_count_in_the_relations():
    orgs = pd.DataFrame({"id": [1], "parent_id": [None], "path": ["/1/"]})
    scored = pd.DataFrame({"target_id": [1] * 12, "rater_group": ["U"] * 2 + ["M"] * 10,
                           "overall": np.linspace(0, 100, 12)})
    anonymous = pd.Series({"U": False, "M": True})
    units, groups, res = joint_suppression(scored, orgs, K, anonymous=anonymous)
    assert not groups[(1, "U")] and not groups[(1, "M")] and not units[1]
    # the members' 3 answers would be the unit minus the named units' 2
    scored = scored.iloc[2:9]
    units, groups, res = joint_suppression(scored.assign(
        rater_group=["U"] * 2 + ["M"] * 3 + ["U"] * 2), orgs, K, anonymous=anonymous)
    assert groups[(1, "M")] and (units[1] or groups[(1, "U")]) and res.recoverable.empty


# ---------------------------------------------------------------- (b) the property test


def _tables(cells):
    return sorted({c[0] for c in cells.index} - {"own"})


@pytest.mark.slow
def test_random_campaigns_resist_every_pair_of_tables_and_the_lp_audit():
    leaky_before = 0
    for seed in range(100):
        orgs, scored = random_campaign(seed, "AB" if seed % 2 else "ABC")
        trees = seed % 4 == 0  # one tree per rater group as well
        cells, rel = campaign_system(scored, orgs, group_trees=trees)
        uh, gh = current_rules(orgs, scored)
        before = campaign_system(scored, orgs, unit_hidden=uh, group_hidden=gh,
                                 group_trees=trees)[0]["hidden"]
        before = pd.Series(before.to_numpy() | ~cells["publishable"].to_numpy()
                           | (cells["n"].between(1, K - 1) & cells["sensitive"]).to_numpy(),
                           index=cells.index)
        learned, residuals = subtract(cells, rel, before)
        leaky_before += bool(leaks(cells, learned, residuals))

        res = protect(cells, rel, K)
        assert res.recoverable.empty, seed
        small = cells["n"].between(1, K - 1)
        assert res.hidden[small].all(), seed
        for pair in itertools.combinations(_tables(cells), 2):
            learned, residuals = subtract(cells, rel, res.hidden, set(pair))
            assert leaks(cells, learned, residuals) == [], (seed, pair)
        learned, residuals = subtract(cells, rel, res.hidden)
        assert leaks(cells, learned, residuals) == [], seed
        if seed % 5 == 0:  # the exact bounds of the final pattern, from scratch
            again = audit(cells.assign(hidden=res.hidden), rel, K)
            assert again.recoverable.empty, seed
    assert leaky_before >= 5, leaky_before  # the table-by-table rules do leak on these layouts


# ---------------------------------------------------------------- items against totals


def test_items_against_their_dimension_and_the_tree():
    # unit 1 (root, 20 respondents of its own) above unit 2 (12); dimension d has items
    # q1, q2; at unit 2 only 2 respondents answered q2 (the rest: "don't know")
    items = pd.DataFrame({
        "unit_id": [1, 1, 1, 2, 2, 2],
        "item": ["q1", "q2", "dim:d", "q1", "q2", "dim:d"],
        "n_valid": [32, 22, 54, 12, 2, 14],
        "n_satisfied": [20, 11, 31, 7, 2, 9],
    })
    parents = pd.Series({1: np.nan, 2: 1})
    dims = {"q1": "d", "q2": "d"}
    rule = items.assign(suppressed=items["n_valid"] < K)  # the cell rule hides (2, q2)
    cells, rel = item_system(rule, parents, dims)
    learned, _ = subtract(cells, rel, cells["hidden"])
    assert learned[("item", 2, "q2")] == (2, 200.0)  # dim:d - q1: both were satisfied
    res = protect(cells, rel, K)
    assert res.recoverable.empty
    assert res.hidden[("item", 2, "q1")] or res.hidden[("item", 2, "dim:d")]
    learned, residuals = subtract(cells, rel, res.hidden)
    assert leaks(cells, learned, residuals) == []
    mask, res2 = item_suppression(rule, parents, dims, K)
    assert mask.tolist() == res.hidden.iloc[:6].tolist() and mask[4]
    with pytest.raises(ValueError, match="lack the column"):
        item_system(items.drop(columns="n_satisfied"), parents, dims)


def test_masks_per_table_with_one_tree_per_group():
    orgs, scored = review_example()
    units, groups, res = joint_suppression(scored, orgs, K, group_trees=True)
    split = masks(res)
    assert set(split) == {"unit", "group", "unit_group"}
    assert split["unit"].equals(units) and split["group"].equals(groups)
    assert list(groups.index.names) == ["target_id", "rater_group"]
    ug = split["unit_group"]
    assert ug[(3, "A")]  # district 3's group-A tree cell is its 3 responses
    assert res.reason[("unit_group", 3, "A")] == "primary" and res.recoverable.empty
    cells, rel = campaign_system(scored, orgs, group_trees=True)
    learned, residuals = subtract(cells, rel, res.hidden)
    assert leaks(cells, learned, residuals) == []
