import numpy as np
import pandas as pd
import pytest

from analysis.disclosure import complementary_suppression, release_comments, suppress_small
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
