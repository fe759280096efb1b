import numpy as np
import pandas as pd
import pytest

from analysis.disclosure import (
    apply_cell_rules,
    complementary_suppression,
    composite_hidden,
    release_comments,
    suppress_counts,
    suppress_small,
)
from analysis.rollup import rollup

K = 5


def attack(published: pd.DataFrame, k: int = K):
    """The subtraction attack, repeated until nothing new is learnt.

    The attacker sees the published table (structure, and ``n`` and ``overall`` of published
    cells) and knows that counts and sums add up: a parent is the sum of its children plus
    its own direct responses. It also knows which units have no direct responses (e.g.
    units that are never targets): a strong attacker. Returns the cells it learned (a
    suppressed unit, or ``("direct", P)``) with their ``(n, sum)``, and the leaks: learned
    cells, or residuals of several hidden cells, describing between 1 and k-1 responses.
    """
    parent = published["parent_id"]
    children = {u: list(published.index[parent == u]) for u in published.index}
    known = {
        u: (row["n"], row["n"] * row["overall"])
        for u, row in published.iterrows()
        if not row["suppressed"]
    }
    for u in published.index:
        if published.attrs["direct_n"][u] == 0:
            known[("direct", u)] = (0, 0.0)
    learned, leaks = {}, []
    progress = True
    while progress:
        progress = False
        for p in published.index:
            comps = children[p] + [("direct", p)]
            unknown = [c for c in comps if c not in known]
            if p in known and unknown:
                n = known[p][0] - sum(known[c][0] for c in comps if c in known)
                s = known[p][1] - sum(known[c][1] for c in comps if c in known)
                if 0 < n < k:
                    leaks.append((tuple(unknown), n))
                if len(unknown) == 1:
                    known[unknown[0]] = learned[unknown[0]] = (n, s)
                    progress = True
            elif p not in known and not unknown:
                known[p] = learned[p] = (
                    sum(known[c][0] for c in comps), sum(known[c][1] for c in comps)
                )
                progress = True
    return learned, leaks


def table_from(targets_n: dict[int, int], paths: dict[int, str], seed: int = 0):
    rng = np.random.default_rng(seed)
    tid = np.repeat(list(targets_n), list(targets_n.values()))
    scored = pd.DataFrame({"target_id": tid, "overall": rng.uniform(0, 100, len(tid))})
    orgs = pd.DataFrame({"id": list(paths), "path": list(paths.values())})
    orgs["parent_id"] = [
        int(p.strip("/").split("/")[-2]) if p.count("/") > 2 else None for p in orgs["path"]
    ]
    orgs["depth"] = orgs["path"].str.count("/") - 2
    table = rollup(scored, orgs)
    direct = pd.Series(targets_n).reindex(table.index, fill_value=0)
    table.attrs["direct_n"] = direct.to_dict()
    return table, scored


PATHS = {1: "/1/", 2: "/1/2/", 3: "/1/3/", 4: "/1/4/"}


def test_suppress_small_blanks_every_figure():
    t = pd.DataFrame({"n": [3, 5, 12], "overall": [50.0, 60.0, 70.0], "parent_id": [1, 1, 1]})
    out = suppress_small(t, "n", K)
    assert out["suppressed"].tolist() == [True, False, False]
    assert pd.isna(out.loc[0, "overall"]) and pd.isna(out.loc[0, "n"])
    assert out.loc[1, "overall"] == 60.0 and out.loc[0, "parent_id"] == 1
    assert out["suppression"].tolist() == ["small", None, None]
    with pytest.raises(ValueError, match="count column"):
        suppress_small(t, "count", K)
    with pytest.raises(ValueError, match="integer >= 3"):
        suppress_small(t, "n", 0)


def test_subtraction_attack_beats_primary_suppression_only():
    table, scored = table_from({2: 3, 3: 12, 4: 15}, PATHS)
    naive = suppress_small(table, "n", K)
    naive.attrs = table.attrs
    learned, leaks = attack(naive)
    assert 2 in learned and learned[2][0] == 3
    true_mean = scored.loc[scored["target_id"] == 2, "overall"].mean()
    assert learned[2][1] / learned[2][0] == pytest.approx(true_mean)  # the attack works
    assert leaks


def test_complementary_suppression_defeats_the_attack():
    table, _ = table_from({2: 3, 3: 12, 4: 15}, PATHS)
    out = complementary_suppression(table, "n", K)
    assert out.loc[2, "suppression"] == "small"
    assert out.loc[3, "suppression"] == "complementary"  # the smallest published sibling
    assert not out.loc[4, "suppressed"] and not out.loc[1, "suppressed"]
    learned, leaks = attack(out)
    assert leaks == [] and not set(learned) & set(out.index[out["suppressed"]])


def test_small_direct_component_is_protected():
    # the parent's own 2 responses would be its n minus its published children's
    table, _ = table_from({1: 2, 2: 10, 3: 8}, {1: "/1/", 2: "/1/2/", 3: "/1/3/"})
    naive = suppress_small(table, "n", K)
    naive.attrs = table.attrs
    assert attack(naive)[1]
    out = complementary_suppression(table, "n", K)
    assert out.loc[3, "suppressed"] and not out.loc[2, "suppressed"]
    learned, leaks = attack(out)
    assert leaks == [] and not set(learned) & set(out.index[out["suppressed"]])


def test_lonely_suppressed_child_suppresses_the_parent():
    paths = {1: "/1/", 2: "/1/2/", 3: "/1/3/", 5: "/1/2/5/"}
    table, _ = table_from({5: 3, 2: 0, 3: 20, 1: 0}, paths)
    table = table.drop(index=[], errors="ignore")
    out = complementary_suppression(table, "n", K)
    # unit 2 (n=3) and its only child 5 are small; the root then hides unit 3 as well
    assert out.loc[5, "suppressed"] and out.loc[2, "suppressed"]
    learned, leaks = attack(out)
    assert leaks == [] and not set(learned) & set(out.index[out["suppressed"]])


def test_parent_with_only_one_child_and_no_sibling():
    paths = {1: "/1/", 2: "/1/2/", 5: "/1/2/5/", 6: "/1/2/6/"}
    table, _ = table_from({5: 2, 6: 30, 2: 0}, paths)
    out = complementary_suppression(table, "n", K)
    # 6 is suppressed to protect 5 under 2; 2 must then not be the root's lone hidden child
    assert out.loc[5, "suppressed"] and out.loc[6, "suppressed"]
    assert out.loc[2, "suppressed"] == out.loc[1, "suppressed"] or not out.loc[2, "suppressed"]
    learned, leaks = attack(out)
    assert leaks == [] and not set(learned) & set(out.index[out["suppressed"]])


@pytest.mark.parametrize("seed", range(60))
def test_random_trees_resist_the_attack(seed):
    rng = np.random.default_rng(seed)
    n_units = int(rng.integers(5, 40))
    paths = {1: "/1/"}
    for u in range(2, n_units + 1):
        p = int(rng.integers(1, u))
        paths[u] = f"{paths[p]}{u}/"
    counts = {u: int(c) for u, c in zip(paths, rng.choice(
        [0, 0, 1, 2, 3, 4, 6, 9, 20], size=n_units), strict=True) if c > 0}
    if not counts:
        counts = {1: 1}
    table, _ = table_from(counts, paths, seed)
    out = complementary_suppression(table, "n", K)
    assert (out.loc[table["n"] < K, "suppressed"]).all()
    learned, leaks = attack(out)
    assert leaks == []
    assert all(n >= K or n == 0 for n, _ in learned.values())
    assert not set(learned) & set(out.index[out["suppressed"]])


def test_complementary_rejects_non_additive_tables():
    t = pd.DataFrame({"n": [5, 9], "parent_id": [None, 1], "overall": [1.0, 2.0]}, index=[1, 2])
    with pytest.raises(ValueError, match="more responses than their parent"):
        complementary_suppression(t, "n", K)
    with pytest.raises(ValueError, match="parent column"):
        complementary_suppression(t.drop(columns="parent_id"), "n", K)


def test_release_comments():
    comments = pd.DataFrame(
        {"group": ["A"] * 6 + ["B"] * 3 + ["C"], "text": [f"a{i}" for i in range(5)] + [" "]
         + ["b1", "b2", "b3"] + ["c"]}
    )
    sizes = pd.Series({"A": 5, "B": 4})  # B has 4 respondents; C is unknown -> withheld
    out = release_comments(comments, sizes, k=5, seed=1)
    assert list(out) == ["A"]
    assert sorted(out["A"]) == [f"a{i}" for i in range(5)]
    assert out == release_comments(comments, sizes, k=5, seed=1)
    orders = {tuple(release_comments(comments, sizes, k=5, seed=s)["A"]) for s in range(10)}
    assert len(orders) > 1  # shuffled
    assert release_comments(pd.Series(["x"] * 2, index=["A", "A"]), sizes, 5, 0) == {
        "A": ["x", "x"]
    }
    with pytest.raises(ValueError, match="lacks columns"):
        release_comments(comments.rename(columns={"text": "t"}), sizes)


# ---------------------------------------------------------------- the cell rule


def cell_rule_tables():
    units = pd.DataFrame({
        "n": [40, 12, 3], "suppressed": [False, False, True],
        "overall": [70.0, 65.0, np.nan], "overall_n": [40, 4, 0],
        "satisfaction_rate": [0.8, 0.7, np.nan], "n_answers": [400, 48, 0],
        "dim:a": [71.0, 60.0, np.nan], "dim:a_n": [40, 12, 0], "sat:a": [0.8, 0.6, np.nan],
        "dim:b": [69.0, 55.0, np.nan], "dim:b_n": [38, 2, 0], "sat:b": [0.7, 0.5, np.nan],
    }, index=pd.Index([1, 2, 3], name="unit_id"))
    items = pd.DataFrame({
        "unit_id": [1, 1, 1, 2, 2, 2, 2, 3],
        "item": ["q1", "dim:a", "dim:b", "q1", "q2", "dim:a", "dim:b", "q1"],
        "n_valid": [40, 80, 70, 12, 1, 24, 6, 3],
        "n_satisfied": [30, 60, 50, 8, 1, 16, 3, 2],
        "rate": [0.75, 0.75, 0.71, 0.67, 1.0, 0.67, 0.5, 0.67],
        "ci_low": 0.1, "ci_high": 0.9,
    })
    values = pd.DataFrame({"unit_id": [1, 2, 2, 3], "item": ["q1", "q1", "q2", "q1"],
                           "value": [5, 5, 5, 5], "count": [30, 8, 1, 2]})
    return units, items, values


def test_cell_rule_hides_thin_cells_and_their_derived_figures():
    units, items, values = cell_rule_tables()
    u, it, v = apply_cell_rules(units, items, values, K)
    # unit 2 is published (12 responses) but only 4 have an overall index
    assert pd.isna(u.at[2, "overall"]) and pd.isna(u.at[2, "satisfaction_rate"])
    assert u.at[1, "overall"] == 70.0 and u.at[2, "dim:a"] == 60.0
    # dimension b rests on 2 respondents: its index, count and satisfaction rate go
    assert pd.isna(u.at[2, "dim:b"]) and pd.isna(u.at[2, "sat:b"]) and pd.isna(u.at[2, "dim:b_n"])
    assert u.at[1, "sat:b"] == 0.7
    hidden = dict(zip(zip(it["unit_id"], it["item"]), it["suppressed"]))
    assert hidden[(2, "q2")]  # a single valid answer inside a published unit
    assert hidden[(2, "dim:b")]  # 6 answers, but the index it goes with rests on 2 people
    assert hidden[(3, "q1")]  # the unit is suppressed
    assert not hidden[(2, "q1")] and not hidden[(2, "dim:a")] and not hidden[(1, "dim:b")]
    assert it.loc[it["suppressed"], ["n_valid", "n_satisfied", "rate"]].isna().all().all()
    assert list(zip(v["unit_id"], v["item"])) == [(1, "q1"), (2, "q1")]
    assert units.at[2, "overall"] == 65.0  # the input is not changed
    with pytest.raises(ValueError, match="integer >= 3"):
        apply_cell_rules(units, items, values, 2)
    with pytest.raises(ValueError, match="lack the column"):
        apply_cell_rules(units, items.drop(columns="n_valid"), values, K)


def test_cell_rule_at_the_floor():
    units, items, values = cell_rule_tables()
    u, it, _ = apply_cell_rules(units, items, values, 3)
    assert pd.isna(u.at[2, "dim:b"]) and u.at[2, "overall"] == 65.0
    assert it["suppressed"].tolist() == [False, False, False, False, True, False, True, True]


def test_composite_hidden_with_any_hidden_group():
    cells = pd.DataFrame({"target_id": [1, 1, 2, 2, 3], "n": [10, 3, 10, 12, 0],
                          "suppressed": [False, True, False, False, True]})
    assert composite_hidden(cells).to_dict() == {1: True, 2: False, 3: False}
    with pytest.raises(ValueError, match="lack the column"):
        composite_hidden(cells.drop(columns="suppressed"))


def test_suppress_counts():
    out = suppress_counts(pd.Series([0, 1, 4, 5, 9], index=list("abcde")), K)
    assert out.isna().tolist() == [False, True, True, False, False]
    assert out.dropna().tolist() == [0, 5, 9] and str(out.dtype) == "Int64"
    with pytest.raises(ValueError, match=">= 0"):
        suppress_counts(pd.Series([-1]), K)
