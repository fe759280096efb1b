"""Assignment rules on generated trees (seeded, parametrised)."""

from collections import Counter

import pytest

from survey_app.campaigns.rules import (
    RuleError,
    account_pairs,
    children_map,
    lower_pairs,
    parent_map,
    peer_pairs,
    random_tree,
    subtree_closure,
    third_party_pairs,
    upper_pairs,
)

TREES = [(n, seed) for n in (1, 2, 7, 60, 400) for seed in (0, 1, 2)]


@pytest.fixture(params=TREES, ids=lambda p: f"n{p[0]}-s{p[1]}")
def tree(request):
    n, seed = request.param
    return random_tree(n, seed=seed)


def test_random_tree_is_a_tree():
    edges = random_tree(500, seed=3, max_children=4)
    parents = parent_map(edges)
    assert len(parents) == 500 and parents[1] is None
    assert all(p < n for n, p in edges if p is not None)  # parents come first: no cycles
    assert max(len(c) for c in children_map(edges).values()) <= 4
    assert random_tree(500, seed=3, max_children=4) == edges


def test_upper_is_always_the_parent(tree):
    parents = parent_map(tree)
    targets = list(parents)
    pairs = upper_pairs(tree, targets)
    assert all(rater == parents[target] for rater, target in pairs)
    assert all(rater != target for rater, target in pairs)
    assert len(pairs) == sum(1 for t in targets if parents[t] is not None)


def test_lower_is_every_child(tree):
    parents = parent_map(tree)
    pairs = lower_pairs(tree, list(parents))
    assert all(parents[rater] == target for rater, target in pairs)
    assert len(pairs) == len(parents) - 1  # every non-root unit rates its parent once


def test_peers_share_a_parent_and_rate_all_siblings(tree):
    parents = parent_map(tree)
    pairs = peer_pairs(tree, list(parents))
    assert all(a != b and parents[a] == parents[b] for a, b in pairs)
    sizes = Counter(p for p in parents.values() if p is not None)
    assert len(pairs) == sum(n * (n - 1) for n in sizes.values())
    assert len(set(pairs)) == len(pairs)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", [0, 7])
def test_sampled_peers_are_balanced(k, seed):
    tree = random_tree(2000, seed=seed, max_children=40)
    parents = parent_map(tree)
    targets = list(parents)
    pairs = peer_pairs(tree, targets, k=k, seed=seed)
    assert all(a != b and parents[a] == parents[b] for a, b in pairs)
    assert len(set(pairs)) == len(pairs)
    rates, rated = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    sizes = Counter(p for p in parents.values() if p is not None)
    for unit in targets:
        if parents[unit] is None:
            continue
        expected = min(k, sizes[parents[unit]] - 1)
        assert abs(rates[unit] - expected) <= 1 and abs(rated[unit] - expected) <= 1
        assert rates[unit] == rated[unit] == expected  # the circulant is exact
    assert peer_pairs(tree, targets, k=k, seed=seed) == pairs  # reproducible
    if k < 5:
        assert peer_pairs(tree, targets, k=k, seed=seed + 1) != pairs


def test_peer_k_must_be_positive():
    with pytest.raises(RuleError, match="at least 1"):
        peer_pairs(random_tree(5), [1, 2], k=0)


def test_subtree_closure():
    tree = [(1, None), (2, 1), (3, 2), (4, 1)]
    assert subtree_closure(tree, [2]) == {2, 3}
    assert subtree_closure(tree, [1]) == {1, 2, 3, 4}


@pytest.mark.parametrize("n,assessors,per_target,seed", [
    (50, 3, 1, 0), (200, 7, 1, 1), (200, 7, 2, 2), (400, 13, 3, 3), (31, 31, 1, 4),
    (5, 9, 1, 5),
])
def test_third_party_balanced_and_conflict_free(n, assessors, per_target, seed):
    import random

    tree = random_tree(n, seed=seed)
    rng = random.Random(seed)
    names = [f"assessor{i}" for i in range(assessors)]
    # Each assessor is tied to one or two random units (and so to their subtrees).
    conflicts = {a: rng.sample(range(2, n + 1), min(2, n - 1)) for a in names[: assessors // 2]}
    targets = [node for node, _ in tree]
    pairs = third_party_pairs(tree, targets, names, conflicts, per_target=per_target, seed=seed)
    blocked = {a: subtree_closure(tree, conflicts.get(a, ())) for a in names}
    assert all(t not in blocked[a] for a, t in pairs)
    per = Counter(t for _, t in pairs)
    assert all(per[t] == per_target for t in targets)
    assert len(set(pairs)) == len(pairs)
    load = Counter(a for a, _ in pairs)
    loads = [load.get(a, 0) for a in names]
    assert max(loads) - min(loads) <= 1
    assert third_party_pairs(tree, targets, names, conflicts, per_target, seed) == pairs


def test_third_party_rebalances_around_conflicts():
    # a is tied to unit 2, so to its subtree (2, 3, 4); b and c are free.
    tree = [(1, None), (2, 1), (3, 2), (4, 2), (5, 1), (6, 1)]
    pairs = third_party_pairs(tree, [2, 3, 4, 5, 6, 1], ["a", "b", "c"], {"a": [2]})
    load = Counter(a for a, _ in pairs)
    assert sorted(load.values()) == [2, 2, 2]
    assert not {t for a, t in pairs if a == "a"} & {2, 3, 4}


def test_third_party_impossible_balance_is_a_clear_error():
    tree = [(1, None), (2, 1), (3, 1), (4, 1)]
    # a may rate nothing but the root's subtree is everything: a is blocked everywhere.
    with pytest.raises(RuleError, match="balanced within ±1"):
        third_party_pairs(tree, [2, 3, 4], ["a", "b"], {"a": [1]})


def test_third_party_target_without_free_assessor():
    tree = [(1, None), (2, 1)]
    with pytest.raises(RuleError, match="unit 2: only 0 assessor"):
        third_party_pairs(tree, [2], ["a"], {"a": [2]})
    with pytest.raises(RuleError, match="not in the list"):
        third_party_pairs(tree, [2], ["a"], {"zz": [2]})
    with pytest.raises(RuleError, match="no assessors"):
        third_party_pairs(tree, [2], [])


def test_account_pairs_self_and_parent():
    tree = [(1, None), (2, 1), (3, 1)]
    accounts = {1: ["upper"], 2: ["mgmt2"], 3: ["mgmt3"]}
    assert account_pairs(tree, [2, 3], accounts, "self") == [("mgmt2", 2), ("mgmt3", 3)]
    assert account_pairs(tree, [2, 3], accounts, "parent") == [("upper", 2), ("upper", 3)]
    with pytest.raises(RuleError):
        account_pairs(tree, [2], accounts, "sideways")
