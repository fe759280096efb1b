"""Who rates whom: assignment rules as pure functions over plain data.

The tree is given as ``(id, parent_id)`` pairs (``parent_id`` is ``None`` for a root), so the
rules know nothing of the ORM and run on generated trees in tests and benchmarks. Each rule
returns a list of ``(rater, target)`` pairs: ``rater`` is a unit id for the organisation rules
(upper, lower, peer) and an account key (the username) for the account rules (third party,
named). No rule ever pairs a unit with itself.

Rules (the Chinese practice names in brackets):

- ``upper_pairs`` (上级评下级): each target is rated by its parent.
- ``lower_pairs`` (下级评上级): each target is rated by each of its children.
- ``peer_pairs`` (同级互评): targets under one parent rate each other; optionally a seeded
  subset of ``k`` peers per target in which every unit rates exactly ``k`` and is rated by
  exactly ``k`` (a circulant construction over a shuffled sibling list).
- ``third_party_pairs`` (第三方评议): outside assessors, balanced by load (within ±1), never
  rating a unit they are tied to. A tie to a unit covers that unit and its whole subtree.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence

Edge = tuple[int, int | None]
Pair = tuple[Hashable, int]


class RuleError(ValueError):
    """Raised when a rule cannot be satisfied (the message names the problem)."""


def parent_map(tree: Iterable[Edge]) -> dict[int, int | None]:
    return {node: parent for node, parent in tree}


def children_map(tree: Iterable[Edge]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for node, parent in tree:
        if parent is not None:
            children[parent].append(node)
    return children


def upper_pairs(tree: Iterable[Edge], targets: Iterable[int]) -> list[Pair]:
    """Each target is rated by its parent (a root target has no upper rater)."""
    parent = parent_map(tree)
    return [(parent[t], t) for t in targets if parent.get(t) is not None]


def lower_pairs(tree: Iterable[Edge], targets: Iterable[int]) -> list[Pair]:
    """Each target is rated by each of its children (a leaf target has no lower rater)."""
    children = children_map(tree)
    return [(child, t) for t in targets for child in sorted(children.get(t, ()))]


def peer_pairs(
    tree: Iterable[Edge], targets: Iterable[int], k: int | None = None, seed: int = 0
) -> list[Pair]:
    """Targets that share a parent rate each other, never themselves.

    With ``k`` set, each sibling group of ``n`` units larger than ``k + 1`` is shuffled with
    a generator seeded by ``seed`` and the parent's id, and the unit at position ``i`` rates
    the units at positions ``i + 1 .. i + k`` (mod ``n``): every unit rates exactly ``k``
    peers and is rated by exactly ``k``, and the same seed gives the same pairs. Groups of at
    most ``k + 1`` units rate each other fully.
    """
    if k is not None and k < 1:
        raise RuleError("peers per target must be at least 1")
    parent = parent_map(tree)
    groups: dict[int, list[int]] = defaultdict(list)
    for t in targets:
        p = parent.get(t)
        if p is not None:
            groups[p].append(t)
    pairs: list[Pair] = []
    for p in sorted(groups):
        siblings = sorted(groups[p])
        n = len(siblings)
        if k is None or n <= k + 1:
            pairs.extend((a, b) for a in siblings for b in siblings if a != b)
            continue
        random.Random(f"{seed}:{p}").shuffle(siblings)  # noqa: S311  (reproducible, not secret)
        for i, rater in enumerate(siblings):
            pairs.extend((rater, siblings[(i + offset) % n]) for offset in range(1, k + 1))
    return pairs


def subtree_closure(tree: Iterable[Edge], roots: Iterable[int]) -> set[int]:
    """``roots`` and every unit below them."""
    children = children_map(tree)
    seen: set[int] = set()
    queue = deque(roots)
    while queue:
        node = queue.popleft()
        if node in seen:
            continue
        seen.add(node)
        queue.extend(children.get(node, ()))
    return seen


def third_party_pairs(
    tree: Iterable[Edge],
    targets: Sequence[int],
    assessors: Sequence[Hashable],
    conflicts: Mapping[Hashable, Iterable[int]] | None = None,
    per_target: int = 1,
    seed: int = 0,
) -> list[Pair]:
    """Assign ``per_target`` distinct assessors to each target, balanced by load.

    An assessor is never assigned a unit it is tied to; a tie to a unit covers the unit and
    its subtree (an assessor tied to a district federation rates no union in that district).
    Loads (targets per assessor) end within ±1 of each other. Raises ``RuleError`` naming the
    target or the assessors when the conflicts make that impossible.
    """
    tree = list(tree)
    if per_target < 1:
        raise RuleError("assessors per target must be at least 1")
    if not assessors:
        raise RuleError("no assessors given")
    if len(set(assessors)) != len(assessors):
        raise RuleError("an assessor is listed twice")
    conflicts = conflicts or {}
    unknown = set(conflicts) - set(assessors)
    if unknown:
        raise RuleError(f"conflicts name assessors not in the list: {sorted(map(str, unknown))}")
    blocked = {a: subtree_closure(tree, conflicts.get(a, ())) for a in assessors}
    rng = random.Random(seed)  # noqa: S311  (reproducible, not secret)
    order = list(assessors)
    rng.shuffle(order)  # seeded tie-breaking among equally loaded assessors
    rank = {a: i for i, a in enumerate(order)}
    eligible = {t: [a for a in order if t not in blocked[a]] for t in targets}
    for t in targets:
        if len(eligible[t]) < per_target:
            raise RuleError(
                f"unit {t}: only {len(eligible[t])} assessor(s) without a conflict of interest, "
                f"{per_target} needed"
            )
    load = {a: 0 for a in assessors}
    assigned: dict[int, set[Hashable]] = {}
    # Most constrained targets first, then greedy least-loaded.
    for t in sorted(targets, key=lambda t: (len(eligible[t]), t)):
        chosen = sorted(eligible[t], key=lambda a: (load[a], rank[a]))[:per_target]
        assigned[t] = set(chosen)
        for a in chosen:
            load[a] += 1
    _rebalance(assigned, eligible, load)
    return [(a, t) for t in targets for a in sorted(assigned[t], key=rank.__getitem__)]


def _rebalance(assigned: dict[int, set], eligible: dict[int, list], load: dict) -> None:
    """Move targets along alternating paths until all loads are within ±1.

    A path ``a0 -t1-> a1 -t2-> ... ak`` moves target ``t1`` from ``a0`` to ``a1`` and so on:
    only the two ends change load (by one each), so each move shrinks the spread.
    """
    holders: dict[Hashable, set[int]] = defaultdict(set)
    for t, raters in assigned.items():
        for a in raters:
            holders[a].add(t)
    while True:
        high, low = max(load.values()), min(load.values())
        if high - low <= 1:
            return
        path = _shift_path(holders, assigned, eligible, load,
                           starts=[a for a in load if load[a] == high],
                           is_end=lambda a, high=high: load[a] <= high - 2)
        if path is None:
            path = _shift_path(holders, assigned, eligible, load,
                               starts=[a for a in load if load[a] >= low + 2],
                               is_end=lambda a, low=low: load[a] == low)
        if path is None:
            heavy = sorted(str(a) for a in load if load[a] == high)
            light = sorted(str(a) for a in load if load[a] == low)
            raise RuleError(
                "the conflicts of interest leave no assignment balanced within ±1: "
                f"{', '.join(heavy)} would rate {high} units, {', '.join(light)} only {low}"
            )
        for giver, target, taker in path:
            assigned[target].discard(giver)
            assigned[target].add(taker)
            holders[giver].discard(target)
            holders[taker].add(target)
        load[path[0][0]] -= 1
        load[path[-1][2]] += 1


def _shift_path(holders, assigned, eligible, load, starts, is_end):
    """Breadth-first search for a chain of moves from a start assessor to an end one."""
    previous: dict[Hashable, tuple[Hashable, int] | None] = {a: None for a in starts}
    queue = deque(starts)
    while queue:
        giver = queue.popleft()
        for target in sorted(holders[giver]):
            for taker in eligible[target]:
                if taker in previous or taker in assigned[target]:
                    continue
                previous[taker] = (giver, target)
                if is_end(taker):
                    path = []
                    node = taker
                    while previous[node] is not None:
                        g, t = previous[node]
                        path.append((g, t, node))
                        node = g
                    return list(reversed(path))
                queue.append(taker)
    return None


def account_pairs(
    tree: Iterable[Edge],
    targets: Iterable[int],
    accounts_by_unit: Mapping[int, Sequence[Hashable]],
    relation: str = "self",
) -> list[Pair]:
    """Named accounts acting for the target (``relation="self"``: e.g. its enterprise's
    management or Party organisation) or for its parent (``"parent"``: the upper union)."""
    if relation not in {"self", "parent"}:
        raise RuleError(f"unknown relation {relation!r}: use self or parent")
    parent = parent_map(tree)
    pairs: list[Pair] = []
    for t in targets:
        unit = t if relation == "self" else parent.get(t)
        pairs.extend((a, t) for a in accounts_by_unit.get(unit, ()) if unit is not None)
    return pairs


def random_tree(n: int, seed: int = 0, max_children: int | None = None) -> list[Edge]:
    """A random tree of ``n`` units (ids 1..n, root 1), reproducible from ``seed``.

    Each new unit picks a parent among the earlier ones; with ``max_children`` it only picks
    parents that still have room. Used by tests and the benchmark.
    """
    rng = random.Random(seed)  # noqa: S311  (reproducible, not secret)
    edges: list[Edge] = [(1, None)]
    counts: dict[int, int] = defaultdict(int)
    open_parents = [1]
    for node in range(2, n + 1):
        p = rng.choice(open_parents)
        edges.append((node, p))
        counts[p] += 1
        if max_children is not None and counts[p] >= max_children:
            open_parents.remove(p)
        open_parents.append(node)
    return edges
