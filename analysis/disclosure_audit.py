"""Complementary suppression over all published tables at once, checked by linear programming.

Every figure Pingjia publishes about a population of respondents is a count ``n`` and an
answer sum ``s`` (0-100 scale) or a function of them (a mean ``s / n``, a rate). Whenever
the same respondents are published in more than one way (the unit tree, where a parent
pools its children and its own responses; the rater groups of a target; one group's tree;
items against their dimension; two years pooled), the figures obey additive relations::

    total = part_1 + part_2 + ... + part_m        (for the counts and for the sums)

An attacker who sees the published cells and knows the relations can treat the hidden
cells' counts and sums as unknowns of one system of linear equations. This module audits
that system as a whole and suppresses more cells until no hidden cell, and no residual of
hidden cells in one relation, can be narrowed down.

Representation
--------------
``cells``
    A DataFrame indexed by a unique, hashable cell id, with columns

    * ``n``: respondents behind the cell (integer >= 0);
    * ``sum``: sum of their answers on the 0-100 scale (``0 <= sum <= 100 n``);
    * ``hidden`` (optional, default False): already withheld;
    * ``publishable`` (optional, default True): False for cells that are never published
      on their own, such as a unit's *own* responses (parent minus children); they are
      unknowns from the start and never chosen as complementary cells;
    * ``count_published`` (optional, default False): the count is shown even when the
      cell's other figures are withheld (e.g. a response count on a participation page);
    * ``n_max`` (optional): an upper bound the attacker knows (e.g. eligible members);
    * ``sensitive`` (optional, default True): False for cells whose raters are not
      anonymous (named units rating openly); they are published whatever their size but
      still take part in the relations;
    * ``link`` (optional): cells with the same non-null ``link`` are derived from each
      other and are hidden together.
``relations``
    A sequence of ``(total_id, [part_id, ...])``: ``total = sum(parts)`` for ``n`` and
    ``sum``. The relations must hold on the data (checked, ``ValueError`` otherwise).

The attacker
------------
A strong one: it knows every published figure, every relation, which cells are non-empty
(each has ``n >= 1``; empty cells are known to be empty) and that each answer lies in
``[0, 100]``. For each *target* it solves six linear programmes (HiGHS, through
:func:`scipy.optimize.linprog`)::

    min / max  n_T,   min / max  s_T,   min / max  s_T / n_T

subject to every relation, the published values, ``n_j >= 1`` (non-empty cells),
``n_j <= n_max_j`` and ``0 <= s_j <= 100 n_j``. The ratio is linearised by the
Charnes-Cooper transformation (``y = x t``, ``t = 1 / n_T``). Targets are every hidden
cell with ``0 < n < k`` and, for every relation, the union of its hidden parts when it
holds between 1 and ``k - 1`` respondents and has at least two members (a residual that
a subtraction would reveal as a pooled figure of a small group).

Protection level
----------------
A target with true count ``c``, sum ``s`` and mean ``m = s / c`` is *protected* when the
attacker's intervals contain

* count: an interval at least as wide as ``[c - p, c + p]`` (``n_high - n_low >= 2p``),
  ``p = 1`` respondent, unless the prior range (one respondent per non-empty cell up to
  ``n_max``) is itself narrower;
* mean: ``[max(m - q, 0), min(m + q, 100)]``, ``q = 10`` points;
* sum: ``[max(s - 100 p, 0), min(s + 100 p, 100 n_high)]``: uncertain by ``p`` whole
  answers either way, so that no single respondent's answer can be read off (for an item
  cell, where every answer is 0 or 100, a narrower sum interval names the answer).

(:class:`Protection`; a count published on purpose is not checked.) A target that is not
protected is *recoverable*. The greedy repair hides, for the first recoverable target, the
smallest published part (child, rater group) of its relations that subtraction cannot
recover once hidden, the relation with the fewest unknowns first and then one relation
further out through hidden cells; a total (a parent) only when no part helps (see
:func:`_repair`). Hiding a cell only relaxes the system, so a protected target stays
protected and the loop ends.

The LP relaxation ignores that counts are integers. For the unit tree, own responses,
rater groups and per-group trees the count bounds are nevertheless exact (the cells are sums
over two laminar families of respondent sets, whose incidence matrix is totally
unimodular); elsewhere, and for sums and means, the relaxation can only be wider than the
integer truth, which is why the protection levels are margins rather than bare widths.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, sections 4.2-4.3
(sensitivity rules, protection levels, the audit of a suppression pattern by linear
programming).
Fischetti, M. & Salazar-Gonzalez, J.-J. (2001). Solving the cell suppression problem on
tabular data with linear constraints. *Management Science* 47(7), 1008-1027.
Charnes, A. & Cooper, W. W. (1962). Programming with linear fractional functionals.
*Naval Research Logistics Quarterly* 9, 181-186.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

#: The answer scale: every answer lies in ``[0, SCALE]``.
SCALE = 100.0

_EPS = 1e-6
_DENSE_UP_TO = 400

Relation = tuple[Hashable, Sequence[Hashable]]
_Row = tuple[Hashable, float, float, bool, bool]  # id, n, sum, publishable, sensitive


@dataclass(frozen=True)
class Protection:
    """How wide the attacker's intervals must stay around a small group's true figures.

    Attributes
    ----------
    count : int
        ``p``: the count interval must be at least ``2p`` wide (as wide as ``c +/- p``).
    mean : float
        ``q``: the mean interval must reach ``m - q`` and ``m + q`` (within 0-100). The sum
        interval must reach ``s - 100 p`` and ``s + 100 p`` (``p`` whole answers).
    """

    count: int = 1
    mean: float = 10.0

    def __post_init__(self) -> None:
        if not isinstance(self.count, int | np.integer) or self.count < 1:
            raise ValueError(f"count protection must be an integer >= 1, got {self.count!r}")
        if not (0 < float(self.mean) <= SCALE):
            raise ValueError(f"mean protection must lie in (0, {SCALE}], got {self.mean!r}")


@dataclass
class AuditResult:
    """Outcome of :func:`protect` / :func:`audit`.

    Attributes
    ----------
    hidden : Series
        Boolean, indexed by cell id: the final suppression pattern.
    reason : Series
        Per cell: ``"primary"`` (``0 < n < k``), ``"structural"`` (never publishable),
        ``"linked"`` (derived from a hidden cell), ``"complementary"`` (hidden by the
        repair), ``"given"`` (hidden on input) or ``None`` (published).
    intervals : DataFrame
        One row per target: ``target`` (cell id, or tuple of ids for a residual), ``kind``
        (``"cell"`` / ``"residual"``), ``n, sum, mean`` (true values), ``n_low, n_high,
        sum_low, sum_high, mean_low, mean_high`` (the attacker's bounds) and
        ``recoverable``. From :func:`protect`, a target's bounds are those of the round
        in which it passed; cells hidden later can only widen them (:func:`audit` of the
        final pattern gives the exact final bounds).
    rounds : int
        Cells hidden by the repair.
    lp_solves : int
        Linear programmes solved (the cost of the audit: about six per protected target).
    """

    hidden: pd.Series
    reason: pd.Series
    intervals: pd.DataFrame
    rounds: int = 0
    lp_solves: int = field(default=0)

    @property
    def recoverable(self) -> pd.DataFrame:
        """The targets that are not protected."""
        return self.intervals[self.intervals["recoverable"]]


class _System:
    """The relations as a sparse matrix, and the LPs over one hidden component."""

    def __init__(self, cells: pd.DataFrame, relations: Sequence[Relation], k: int,
                 protection: Protection) -> None:
        self.ids = cells.index
        self.k = k
        self.protection = protection
        self.n = cells["n"].to_numpy(float)
        self.s = cells["sum"].to_numpy(float)
        self.count_published = cells["count_published"].to_numpy(bool)
        self.publishable = cells["publishable"].to_numpy(bool)
        self.n_max = cells["n_max"].to_numpy(float)
        self.link = cells["link"].to_numpy(object)
        self.sensitive = cells["sensitive"].to_numpy(bool)
        rows, cols, vals = [], [], []
        self.totals: list[int] = []
        self.parts: list[np.ndarray] = []
        for r, (total, parts) in enumerate(relations):
            ti = self._pos(total)
            pi = np.array([self._pos(p) for p in parts], dtype=np.int64)
            if ti in set(pi.tolist()) or len(set(pi.tolist())) != len(pi):
                raise ValueError(f"relation {r} repeats a cell: {total!r} = {list(parts)!r}")
            rows += [r] * (1 + len(pi))
            cols += [ti, *pi.tolist()]
            vals += [1.0] + [-1.0] * len(pi)
            self.totals.append(ti)
            self.parts.append(pi)
        self.R = sparse.csr_matrix((vals, (rows, cols)), shape=(len(relations), len(cells)))
        self.Rc = self.R.tocsc()
        self.absR = abs(self.R)
        self.absRT = self.absR.T.tocsr()
        for name, x in (("n", self.n), ("sum", self.s)):
            gap = np.abs(self.R @ x)
            bad = np.flatnonzero(gap > 1e-6 * (1 + np.abs(x).max(initial=0)))
            if len(bad):
                raise ValueError(
                    f"relation {int(bad[0])} does not hold for {name!r}: "
                    f"{relations[int(bad[0])][0]!r} = {list(relations[int(bad[0])][1])!r}")
        self.lp_solves = 0

    def _pos(self, cell: Hashable) -> int:
        try:
            pos = self.ids.get_loc(cell)
        except KeyError:
            raise ValueError(f"relation names an unknown cell {cell!r}") from None
        if not isinstance(pos, int | np.integer):
            raise ValueError(f"cell id {cell!r} is not unique")
        return int(pos)

    def solvable(self, hidden: np.ndarray) -> np.ndarray:
        """Hidden cells that plain subtraction recovers: repeatedly, a relation with one
        unknown left gives that unknown (a fast, exact part of what the LPs find)."""
        unknown = hidden & (self.n > 0)
        out = np.zeros_like(unknown)
        while True:
            left = self.absR @ unknown.astype(float)
            ones = (left == 1).astype(float)
            hit = unknown & (self.absRT @ ones > 0)
            if not hit.any():
                return out
            out |= hit
            unknown = unknown & ~hit

    def relations_of(self, j: int) -> np.ndarray:
        return self.Rc.indices[self.Rc.indptr[j]:self.Rc.indptr[j + 1]]

    def cells_of(self, r: int) -> np.ndarray:
        return self.R.indices[self.R.indptr[r]:self.R.indptr[r + 1]]

    # ------------------------------------------------------------------ the LPs

    def component(self, unknown: np.ndarray, members: np.ndarray) -> np.ndarray:
        """Unknown cells connected to ``members`` through relations."""
        idx = np.flatnonzero(unknown)
        sub = self.R[:, idx]
        adj = (sub.T @ sub).tocsr()
        _, labels = connected_components(adj, directed=False)
        where = np.searchsorted(idx, members)
        return idx[np.isin(labels, labels[where])]

    def _constraints(self, comp: np.ndarray, unknown: np.ndarray):
        """The LP over the hidden component ``comp``: variables ``n_j`` (cells whose count
        is not published) then ``s_j``, all >= 0; ``A_eq x = b_eq`` from the relations,
        ``A_ub x <= b_ub`` for ``s_j <= 100 n_j``, ``n_j >= 1`` and ``n_j <= n_max_j``."""
        nvar = comp[~self.count_published[comp]]  # cells whose count is unknown
        nv, sv = len(nvar), len(comp)
        npos = {j: i for i, j in enumerate(nvar)}
        spos = {j: nv + i for i, j in enumerate(comp)}
        rels = np.unique(np.concatenate([self.relations_of(j) for j in comp]))
        known = ~unknown
        # equations: for each relation, unknown terms = - known terms (counts, then sums)
        eq_rows, eq_cols, eq_vals, b_eq = [], [], [], []
        row = 0
        for r in rels:
            cells = self.cells_of(r)
            coef = np.asarray(self.R[r, cells].todense()).ravel()
            kc = known[cells] | self.count_published[cells]
            terms = [(npos[j], c) for j, c, kk in zip(cells, coef, kc, strict=True) if not kk]
            if terms:
                for v, c in terms:
                    eq_rows.append(row)
                    eq_cols.append(v)
                    eq_vals.append(c)
                b_eq.append(-float(np.dot(coef[kc], self.n[cells[kc]])))
                row += 1
            ks = known[cells]
            terms = [(spos[j], c) for j, c, kk in zip(cells, coef, ks, strict=True) if not kk]
            for v, c in terms:
                eq_rows.append(row)
                eq_cols.append(v)
                eq_vals.append(c)
            b_eq.append(-float(np.dot(coef[ks], self.s[cells[ks]])))
            row += 1
        nx = nv + sv
        A_eq = sparse.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(row, nx))
        b_eq = np.array(b_eq)
        # inequalities: s_j - 100 n_j <= 0 (or <= 100 c_j), 1 - n_j <= 0, n_j - n_max <= 0
        ub_rows, ub_cols, ub_vals, b_ub = [], [], [], []
        r_ub = 0
        for j in comp:
            ub_rows.append(r_ub)
            ub_cols.append(spos[j])
            ub_vals.append(1.0)
            if j in npos:
                ub_rows.append(r_ub)
                ub_cols.append(npos[j])
                ub_vals.append(-SCALE)
                b_ub.append(0.0)
            else:
                b_ub.append(SCALE * self.n[j])
            r_ub += 1
        for j in nvar:
            ub_rows.append(r_ub)
            ub_cols.append(npos[j])
            ub_vals.append(-1.0)
            b_ub.append(-1.0)
            r_ub += 1
            if np.isfinite(self.n_max[j]):
                ub_rows.append(r_ub)
                ub_cols.append(npos[j])
                ub_vals.append(1.0)
                b_ub.append(float(self.n_max[j]))
                r_ub += 1
        A_ub = sparse.csr_matrix((ub_vals, (ub_rows, ub_cols)), shape=(r_ub, nx))
        b_ub = np.array(b_ub)
        if nx <= _DENSE_UP_TO:  # small LPs: dense input skips scipy's sparse conversions
            return A_eq.toarray(), b_eq, A_ub.toarray(), b_ub, npos, spos
        return A_eq, b_eq, A_ub, b_ub, npos, spos


    def intervals(self, hidden: np.ndarray, members: np.ndarray, stop_early: bool
                  ) -> dict[str, float | bool]:
        """The attacker's bounds on the target ``members`` (all hidden and non-empty)."""
        unknown = hidden & (self.n > 0)
        comp = self.component(unknown, members)
        A_eq, b_eq, A_ub, b_ub, npos, spos = self._constraints(comp, unknown)
        nx = len(npos) + len(spos)

        # target vectors: count = dn @ x + dn0, sum = ds @ x
        dn = np.zeros(nx)
        dn0 = 0.0
        ds = np.zeros(nx)
        for j in members:
            if j in npos:
                dn[npos[j]] = 1.0
            else:
                dn0 += self.n[j]
            ds[spos[j]] = 1.0
        c_true = float(self.n[members].sum())
        s_true = float(self.s[members].sum())
        m_true = s_true / c_true
        lo = float(len(members))
        hi = float(self.n_max[members].sum())
        p, q = self.protection.count, self.protection.mean
        out: dict[str, float | bool] = {"n": c_true, "sum": s_true, "mean": m_true}

        def solve(c: np.ndarray, A_u, b_u, A_e, b_e) -> float:
            self.lp_solves += 1
            res = linprog(c, A_ub=A_u, b_ub=b_u, A_eq=A_e, b_eq=b_e, bounds=(0, None),
                          method="highs")
            if res.status == 3:
                return -np.inf
            if res.status != 0:
                raise RuntimeError(f"audit LP failed: {res.message}")
            return float(res.fun)

        def bounds_of(obj: np.ndarray, const: float) -> tuple[float, float]:
            low = solve(obj, A_ub, b_ub, A_eq, b_eq) + const
            high = -solve(-obj, A_ub, b_ub, A_eq, b_eq) + const
            return low, high

        recoverable = False
        if dn.any():
            n_low, n_high = bounds_of(dn, dn0)
            recoverable |= n_high - n_low < min(2 * p, hi - lo) - _EPS
        else:  # count published on purpose: exact, not a disclosure by itself
            n_low = n_high = c_true
        out.update(n_low=n_low, n_high=n_high)
        if recoverable and stop_early:
            return {**out, "recoverable": True}
        s_low, s_high = bounds_of(ds, 0.0)
        recoverable |= (s_low > max(s_true - SCALE * p, 0.0) + _EPS
                        or s_high < min(s_true + SCALE * p, SCALE * n_high) - _EPS)
        out.update(sum_low=s_low, sum_high=s_high)
        if recoverable and stop_early:
            return {**out, "recoverable": True}
        # Charnes-Cooper: z = (y, t); [A_eq, -b_eq] z = 0, [A_ub, -b_ub] z <= 0,
        # dn @ y + dn0 t = 1; objective ds @ y.
        norm = np.append(dn, dn0)[None, :]
        if isinstance(A_eq, np.ndarray):
            A_e = np.vstack([np.hstack([A_eq, -b_eq[:, None]]), norm])
            A_u = np.hstack([A_ub, -b_ub[:, None]])
        else:
            A_e = sparse.vstack([sparse.hstack([A_eq, sparse.csr_matrix(-b_eq[:, None])]),
                                 sparse.csr_matrix(norm)]).tocsr()
            A_u = sparse.hstack([A_ub, sparse.csr_matrix(-b_ub[:, None])]).tocsr()
        b_e = np.append(np.zeros(A_eq.shape[0]), 1.0)
        b_u = np.zeros(A_ub.shape[0])
        obj = np.append(ds, 0.0)
        m_low = solve(obj, A_u, b_u, A_e, b_e)
        m_high = -solve(-obj, A_u, b_u, A_e, b_e)
        recoverable |= (m_low > max(m_true - q, 0.0) + _EPS
                        or m_high < min(m_true + q, SCALE) - _EPS)
        out.update(mean_low=m_low, mean_high=m_high, recoverable=bool(recoverable))
        return out


def _prepare(cells: pd.DataFrame, k: int) -> pd.DataFrame:
    if not isinstance(cells, pd.DataFrame):
        raise ValueError("cells must be a DataFrame indexed by cell id")
    if not isinstance(k, int | np.integer) or k < 3:
        raise ValueError(f"k (minimum group size) must be an integer >= 3, got {k!r}")
    for c in ("n", "sum"):
        if c not in cells.columns:
            raise ValueError(f"cells lack the column {c!r}")
    if cells.index.has_duplicates:
        raise ValueError("cell ids are not unique")
    out = cells.copy()
    n = out["n"].to_numpy(float)
    s = out["sum"].to_numpy(float)
    if np.isnan(n).any() or (n < 0).any() or (n != np.round(n)).any():
        raise ValueError("cell counts must be whole numbers >= 0")
    if np.isnan(s).any() or (s < -_EPS).any() or (s > SCALE * n + 1e-6 * (1 + s)).any():
        raise ValueError(f"cell sums must lie between 0 and {SCALE:g} x n")
    defaults = {"hidden": False, "publishable": True, "n_max": np.inf, "link": None,
                "sensitive": True}
    for c, v in defaults.items():
        if c not in out.columns:
            out[c] = v
    out["hidden"] = out["hidden"].fillna(False).astype(bool)
    out["publishable"] = out["publishable"].fillna(True).astype(bool)
    out["sensitive"] = out["sensitive"].fillna(True).astype(bool)
    out["n_max"] = out["n_max"].astype(float).fillna(np.inf)
    if "count_published" not in out.columns:
        out["count_published"] = False
    out["count_published"] = out["count_published"].fillna(False).astype(bool)
    out.loc[~out["publishable"], "count_published"] = False
    out["link"] = out["link"].astype(object).where(out["link"].notna(), None)
    return out


def _close_links(system: _System, hidden: np.ndarray, reason: np.ndarray) -> None:
    """Hide every cell that shares a ``link`` with a hidden cell (in place)."""
    link = system.link
    has = np.array([x is not None for x in link])
    if not has.any():
        return
    hidden_links = {x for x, h in zip(link, hidden, strict=True) if h and x is not None}
    add = has & ~hidden & np.array([x in hidden_links for x in link])
    hidden[add] = True
    reason[add] = "linked"


def _targets(system: _System, hidden: np.ndarray, rels: np.ndarray | None = None
             ) -> list[tuple[str, np.ndarray]]:
    """Small hidden cells and small residuals (of all relations, or of ``rels`` only).

    A residual is the pool of a relation's hidden parts that subtraction does not recover
    on its own (a recovered part is as good as published to the attacker)."""
    k, n = system.k, system.n
    out = []
    open_ = hidden & (n > 0) & ~system.solvable(hidden)
    if rels is None:
        small = (n > 0) & (n < k) & system.sensitive
        out = [("cell", np.array([j])) for j in np.flatnonzero(hidden & small)]
        rels = np.arange(len(system.parts))
    seen = set()
    for r in rels:
        pi = system.parts[r]
        members = pi[open_[pi]]
        key = tuple(members.tolist())
        if (len(members) >= 2 and 0 < n[members].sum() < k and key not in seen
                and system.sensitive[members].any()):
            seen.add(key)
            out.append(("residual", members))
    return out


def _repair(system: _System, hidden: np.ndarray, members: np.ndarray,
            max_layers: int = 4) -> int | None:
    """The cell to hide next for an unprotected target, or ``None`` if there is none.

    Candidates are the published non-empty cells of the target's relations (layer 0),
    then of the relations of the hidden cells met there (layer 1), and so on, as the
    target may be pinned through them. A candidate is *useful* if, once hidden, it is not
    itself recovered by subtraction and the target (if subtraction recovered it) no longer
    is. The first useful *part* (a child, a rater group) is taken, by layer and then by
    size, the relation with the fewest unknowns first; a total (a parent) only when no
    part is useful, since totals are the figures most worth publishing. Without any
    useful candidate, the smallest candidate of the first layer that has one.
    """
    n = system.n
    unknown = hidden & (n > 0)
    target_solvable = bool(system.solvable(hidden)[members].any())

    def useful(j: int) -> bool:
        trial = hidden.copy()
        trial[j] = True
        solv = system.solvable(trial)
        return not solv[j] and not (target_solvable and solv[members].any())

    frontier, seen_cells, seen_rels = np.asarray(members), set(members.tolist()), set()
    fallback: int | None = None
    best_total: int | None = None
    for _ in range(max_layers):
        if not len(frontier):
            break
        rels = np.unique(np.concatenate([system.relations_of(j) for j in frontier]))
        rels = [r for r in rels.tolist() if r not in seen_rels]
        seen_rels.update(rels)
        order = sorted(rels, key=lambda r: (int(unknown[system.cells_of(r)].sum()), r))
        parts, totals = [], []
        for r in order:
            cells = system.cells_of(r)
            cand = cells[~hidden[cells] & (n[cells] > 0) & system.publishable[cells]]
            for j in cand[np.lexsort((cand, n[cand]))]:
                (totals if j == system.totals[r] else parts).append(int(j))
        if fallback is None and (parts or totals):
            fallback = min(parts + totals, key=lambda j: (n[j], j))
        for j in sorted(dict.fromkeys(parts), key=lambda j: (n[j], j)):
            if useful(j):
                return j
        if best_total is None:
            best_total = next((j for j in sorted(dict.fromkeys(totals), key=lambda j: (n[j], j))
                               if useful(j)), None)
        nxt = {int(j) for r in order for j in system.cells_of(r) if unknown[j]} - seen_cells
        seen_cells |= nxt
        frontier = np.array(sorted(nxt), dtype=np.int64)
    return best_total if best_total is not None else fallback


def _run(cells: pd.DataFrame, relations: Sequence[Relation], k: int,
         protection: Protection | None, repair: bool) -> AuditResult:
    protection = protection or Protection()
    cells = _prepare(cells, k)
    system = _System(cells, relations, k, protection)
    n = system.n
    hidden = cells["hidden"].to_numpy(bool).copy()
    reason = np.where(hidden, "given", None).astype(object)
    struct = ~system.publishable & ~hidden
    hidden[struct], reason[struct] = True, "structural"
    primary = ~hidden & (n > 0) & (n < k) & system.sensitive
    hidden[primary], reason[primary] = True, "primary"
    _close_links(system, hidden, reason)
    rounds = 0
    passed: dict[tuple[int, ...], tuple[int, dict]] = {}  # target -> (round, intervals)
    if repair:
        pending = _targets(system, hidden)
        solvable = system.solvable(hidden)
        while pending:
            # targets that plain subtraction recovers first: they need no LP to fail
            first = next((i for i, t in enumerate(pending)
                          if t[0] == "cell" and solvable[t[1][0]]), 0)
            kind, members = pending.pop(first)
            key = tuple(members.tolist())
            if key in passed:
                continue
            if kind == "cell" and solvable[members[0]]:
                res = {"recoverable": True}
            else:
                res = system.intervals(hidden, members, stop_early=True)
            if not res["recoverable"]:
                passed[key] = (rounds, res)
                continue
            j = _repair(system, hidden, members)
            if j is None:
                raise RuntimeError(f"no cell left to protect {kind} {list(members)}")
            before = hidden.copy()
            hidden[j], reason[j] = True, "complementary"
            _close_links(system, hidden, reason)
            rounds += 1
            solvable = system.solvable(hidden)
            new = np.flatnonzero(hidden & ~before)
            touched = np.unique(np.concatenate([system.relations_of(c) for c in new]))
            pending = [(kind, members), *_targets(system, hidden, touched), *pending]
    rows = []
    for kind, members in _targets(system, hidden):
        cached = passed.get(tuple(members))
        if cached is not None:  # bounds when it passed; hiding more only widens them
            res = cached[1]
        else:
            res = system.intervals(hidden, members, stop_early=False)
        ids = [system.ids[j] for j in members]
        rows.append({"target": ids[0] if kind == "cell" else tuple(ids), "kind": kind, **res})
    cols = ["target", "kind", "n", "sum", "mean", "n_low", "n_high", "sum_low", "sum_high",
            "mean_low", "mean_high", "recoverable"]
    intervals = pd.DataFrame(rows, columns=cols)
    intervals["recoverable"] = intervals["recoverable"].astype(bool)
    return AuditResult(hidden=pd.Series(hidden, index=cells.index, name="hidden"),
                       reason=pd.Series(reason, index=cells.index, name="reason"),
                       intervals=intervals, rounds=rounds, lp_solves=system.lp_solves)


def audit(cells: pd.DataFrame, relations: Sequence[Relation], k: int = 5,
          protection: Protection | None = None) -> AuditResult:
    """Audit a suppression pattern without changing it (primary suppression and links are
    applied first, as :func:`protect` does).

    Parameters
    ----------
    cells, relations
        The published tables as one system (see the module docstring).
    k : int
        Minimum group size (>= 3).
    protection : Protection, optional
        The protection level (default ``p = 1`` respondent, ``q = 10`` points).

    Returns
    -------
    AuditResult
        ``intervals`` holds the attacker's bounds for every target; ``recoverable`` the
        targets that are not protected.
    """
    return _run(cells, relations, k, protection, repair=False)


def protect(cells: pd.DataFrame, relations: Sequence[Relation], k: int = 5,
            protection: Protection | None = None) -> AuditResult:
    """Primary, linked and complementary suppression over all published tables at once.

    Parameters
    ----------
    cells : DataFrame
        One row per cell of every published table (``n``, ``sum`` and the optional columns
        of the module docstring), indexed by a unique cell id.
    relations : sequence of (total, parts)
        The additive relations ``total = sum(parts)`` that hold between the cells.
    k : int
        Minimum group size (the campaign's, >= 3).
    protection : Protection, optional
        Protection level; default :class:`Protection` ``()``.

    Returns
    -------
    AuditResult
        The final suppression pattern (``hidden``, ``reason``) and the audit intervals of
        every target under it (none ``recoverable``).

    Notes
    -----
    Targets are hidden cells with ``0 < n < k`` and each relation's residual of hidden parts
    with ``0 < n < k``. For each, six LPs bound its count, its sum and its mean
    (Charnes-Cooper) subject to every published figure; it is protected when the count
    interval is at least ``2p`` wide and the others contain ``s +/- 100 p`` and ``m +/- q``
    (clipped to the possible range). While a target is not protected, one more cell is
    hidden (the smallest useful part of its relations, a total only as a last resort).
    Each LP runs on the connected component of hidden cells that contains the target, so
    the cost grows with the number of small cells (about six LPs each), not with the size
    of the tables.

    Raises
    ------
    ValueError
        On malformed cells, unknown ids, relations that do not hold, or ``k < 3``.
    RuntimeError
        If a target cannot be protected (every cell of its relations is already hidden and
        its figures are still pinned, e.g. by an ``n_max``).

    Examples
    --------
    A parent of 20 respondents with two children, one of 3 (hidden, below k = 5):

    >>> cells = pd.DataFrame({"n": [20, 3, 17], "sum": [1200.0, 150.0, 1050.0]},
    ...                      index=["P", "A", "B"])
    >>> res = protect(cells, [("P", ["A", "B"])], k=5)
    >>> res.reason.to_dict()
    {'P': None, 'A': 'primary', 'B': 'complementary'}
    """
    return _run(cells, relations, k, protection, repair=True)


# ---------------------------------------------------------------- a campaign as one system


def campaign_system(
    scored: pd.DataFrame,
    organisations: pd.DataFrame,
    *,
    value: str = "overall",
    target_col: str = "target_id",
    group_col: str = "rater_group",
    anonymous: pd.Series | None = None,
    unit_hidden: pd.Series | None = None,
    group_hidden: pd.Series | None = None,
    group_trees: bool = False,
) -> tuple[pd.DataFrame, list[Relation]]:
    """The cells and relations of a campaign's published tables, for :func:`protect`.

    Parameters
    ----------
    scored : DataFrame
        One row per response with ``target_col``, ``group_col`` and ``value`` (0-100,
        ``NaN`` when the respondent has none; such rows do not count).
    organisations : DataFrame
        ``id``, ``parent_id`` and ``path`` (``/1/4/9/``) of every unit.
    anonymous : Series, optional
        Per rater group key, whether the group is anonymous (default: all are). Cells of
        named groups are not sensitive.
    unit_hidden, group_hidden : Series, optional
        Suppression already decided: by unit id, and by ``(target, group)``.
    group_trees : bool
        Also publish one tree per rater group (the report filtered to one group).

    Returns
    -------
    cells : DataFrame
        Ids ``("unit", u)`` (pooled subtree), ``("own", u)`` (the unit's own responses,
        never published), ``("group", t, g)`` (a target's rater group) and, with
        ``group_trees``, ``("unit_group", u, g)``.
    relations : list
        ``unit(P) = sum unit(children) + own(P)``, ``own(T) = sum group(T, g)`` and, with
        ``group_trees``, ``unit_group(P, g) = sum unit_group(children, g) + group(P, g)``
        and ``unit(P) = sum_g unit_group(P, g)``.
    """
    from analysis.rollup import ancestors

    by_tg = _campaign_counts(scored, value, target_col, group_col)
    anon = _anonymity(anonymous)
    # a unit's cells are sensitive when they pool any anonymous respondent
    by_tg["anon"] = [float(anon(g)) * n for g, n in zip(
        by_tg.index.get_level_values("g"), by_tg["n"], strict=True)]
    own = by_tg.groupby(level="t").sum()
    anc = ancestors(organisations)  # id, ancestor_id
    units = _pooled(anc, own)
    rows = _campaign_rows(units, own, by_tg, anon)
    kids = _unit_children(units, organisations.set_index("id")["parent_id"])
    relations = _campaign_relations(units, own, by_tg, kids)
    if group_trees:
        _add_group_trees(rows, relations, by_tg, units, anc, kids, anon)
    return _campaign_cells(rows, unit_hidden, group_hidden), relations


def _campaign_counts(scored: pd.DataFrame, value: str, target_col: str,
                     group_col: str) -> pd.DataFrame:
    """Count and sum of the valued responses by ``(t, g)`` (target, rater group)."""
    for c in (target_col, group_col, value):
        if c not in scored.columns:
            raise ValueError(f"scored lacks the column {c!r}")
    x = scored[value].to_numpy(float)
    if (x[~np.isnan(x)] < 0).any() or (x[~np.isnan(x)] > SCALE).any():
        raise ValueError(f"{value!r} must lie between 0 and {SCALE:g}")
    ok = ~np.isnan(x)
    frame = pd.DataFrame({"t": scored[target_col].to_numpy()[ok],
                          "g": scored[group_col].to_numpy()[ok], "x": x[ok]})
    return frame.groupby(["t", "g"])["x"].agg(n="size", sum="sum")


def _pooled(anc: pd.DataFrame, per_target: pd.DataFrame) -> pd.DataFrame:
    """Per-target figures pooled over every ancestor's subtree (``anc``: id, ancestor_id)."""
    a = anc[anc["id"].isin(per_target.index)]
    vals = per_target.reindex(a["id"].to_numpy())
    vals.index = a["ancestor_id"].to_numpy()
    return vals.groupby(level=0).sum()


def _anonymity(anonymous: pd.Series | None) -> Callable[[Hashable], bool]:
    """Whether a rater group is anonymous (unknown groups and no ``anonymous``: yes)."""
    if anonymous is None:
        return lambda g: True
    return lambda g: bool(anonymous.get(g, True))


def _campaign_rows(units: pd.DataFrame, own: pd.DataFrame, by_tg: pd.DataFrame,
                   anon: Callable[[Hashable], bool]) -> list[_Row]:
    """The ``unit``, ``own`` and ``group`` cells, in that order."""
    rows: list[_Row] = []
    for kind, frame, publishable in (("unit", units, True), ("own", own, False)):
        rows.extend(((kind, u), n, s, publishable, bool(a > 0)) for u, n, s, a in zip(
            frame.index, frame["n"].to_numpy(float), frame["sum"].to_numpy(float),
            frame["anon"].to_numpy(float), strict=True))
    rows.extend((("group", t, g), n, s, True, anon(g)) for (t, g), n, s in zip(
        by_tg.index, by_tg["n"].to_numpy(float), by_tg["sum"].to_numpy(float), strict=True))
    return rows


def _unit_children(units: pd.DataFrame, parent: pd.Series) -> dict[Hashable, list[tuple]]:
    """The ``unit`` cells of each unit's children that have responses in their subtree."""
    children = parent.reindex(units.index).dropna().astype(units.index.dtype)
    kids: dict[Hashable, list[tuple]] = {u: [] for u in units.index}
    for c, p in children.items():
        if p in kids:
            kids[p].append(("unit", c))
    return kids


def _campaign_relations(units: pd.DataFrame, own: pd.DataFrame, by_tg: pd.DataFrame,
                        kids: dict[Hashable, list[tuple]]) -> list[Relation]:
    """``unit(P) = sum unit(children) + own(P)`` and ``own(T) = sum group(T, g)``."""
    relations: list[Relation] = []
    for u in units.index:
        parts = kids[u] + ([("own", u)] if u in own.index else [])
        relations.append((("unit", u), parts))
    groups_of: dict[Hashable, list[tuple]] = {}
    for t, g in by_tg.index:
        groups_of.setdefault(t, []).append(("group", t, g))
    for t in own.index:
        relations.append((("own", t), groups_of[t]))
    return relations


def _add_group_trees(rows: list[_Row], relations: list[Relation], by_tg: pd.DataFrame,
                     units: pd.DataFrame, anc: pd.DataFrame, kids: dict[Hashable, list[tuple]],
                     anon: Callable[[Hashable], bool]) -> None:
    """Append the ``unit_group`` cells of one tree per rater group and their relations."""
    group_keys = by_tg.index.get_level_values("g").unique()
    for g in group_keys:
        per = by_tg.xs(g, level="g")
        ug = _pooled(anc, per)
        named = not anon(g)
        rows.extend((("unit_group", u, g), n, s, True, not named) for u, n, s in zip(
            ug.index, ug["n"].to_numpy(float), ug["sum"].to_numpy(float), strict=True))
        in_tree, own = set(ug.index), set(per.index)
        for u in ug.index:
            parts = [("unit_group", c[1], g) for c in kids[u] if c[1] in in_tree]
            if u in own:
                parts.append(("group", u, g))
            relations.append((("unit_group", u, g), parts))
    present = {r[0] for r in rows}
    for u in units.index:
        gs = [("unit_group", u, g) for g in group_keys]
        relations.append((("unit", u), [c for c in gs if c in present]))


def _campaign_cells(rows: list[_Row], unit_hidden: pd.Series | None,
                    group_hidden: pd.Series | None) -> pd.DataFrame:
    """The cells frame of ``rows`` with the suppression already decided as ``hidden``."""
    ids = [r[0] for r in rows]
    cells = pd.DataFrame({"n": [r[1] for r in rows], "sum": [r[2] for r in rows],
                          "publishable": [r[3] for r in rows],
                          "sensitive": [r[4] for r in rows]},
                         index=pd.Index(ids, tupleize_cols=False, dtype=object))
    hidden = np.zeros(len(cells), dtype=bool)
    if unit_hidden is not None:
        hu = {("unit", u) for u, h in unit_hidden.items() if h}
        hidden |= np.array([i in hu for i in ids])
    if group_hidden is not None:
        hg = {("group", *tg) for tg, h in group_hidden.items() if h}
        hidden |= np.array([i in hg for i in ids])
    cells["hidden"] = hidden
    return cells


def joint_suppression(
    scored: pd.DataFrame,
    organisations: pd.DataFrame,
    k: int = 5,
    *,
    protection: Protection | None = None,
    **system: object,
) -> tuple[pd.Series, pd.Series, AuditResult]:
    """Suppression of a campaign's unit tree and rater-group cells decided together.

    Parameters
    ----------
    scored, organisations, k, protection
        As in :func:`campaign_system` and :func:`protect`.
    **system
        Further keywords of :func:`campaign_system` (``anonymous``, ``unit_hidden``,
        ``group_hidden``, ``group_trees``, column names).

    Returns
    -------
    units : Series
        Hidden, by unit id (units with responses in their subtree).
    groups : Series
        Hidden, indexed by ``(target, group)``.
    result : AuditResult
        The full result (pattern, reasons, intervals; ``unit_group`` cells included when
        ``group_trees``).
    """
    cells, relations = campaign_system(scored, organisations, **system)  # type: ignore[arg-type]
    res = protect(cells, relations, k, protection)
    split = masks(res)
    return split["unit"], split["group"], res


def masks(result: AuditResult) -> dict[str, pd.Series]:
    """The final pattern split by table: ``{"unit": by unit id, "group": by (target,
    group), "unit_group": by (unit, group), "item": by (unit, item), ...}``, one boolean
    Series (True: hidden) per kind of cell id of :func:`campaign_system` and
    :func:`item_system`. Never-published cells (``own``, ``item_own``) are left out."""
    h = result.hidden
    kinds: dict[str, list] = {}
    for cid, hidden in zip(h.index, h.to_numpy(), strict=True):
        if isinstance(cid, tuple) and cid and cid[0] not in ("own", "item_own"):
            kinds.setdefault(cid[0], []).append((cid[1:], bool(hidden)))
    out = {}
    for kind, rows in kinds.items():
        keys = [r[0] for r in rows]
        index = (pd.Index([key[0] for key in keys]) if all(len(key) == 1 for key in keys)
                 else pd.MultiIndex.from_tuples(keys))
        out[kind] = pd.Series([r[1] for r in rows], index=index, name="hidden")
    out.setdefault("unit", pd.Series(dtype=bool, name="hidden"))
    out.setdefault("group", pd.Series(dtype=bool, name="hidden",
                                      index=pd.MultiIndex.from_tuples([], names=["a", "b"])))
    if isinstance(out["group"].index, pd.MultiIndex):
        out["group"].index.names = ["target_id", "rater_group"]
    return out


def item_suppression(
    items: pd.DataFrame,
    parents: pd.Series,
    dimension_of: pd.Series | dict,
    k: int = 5,
    *,
    protection: Protection | None = None,
    hidden_col: str = "suppressed",
) -> tuple[np.ndarray, AuditResult]:
    """Complementary suppression of the item tables (:func:`item_system`, :func:`protect`).

    ``items`` must hold the true ``n_valid`` and ``n_satisfied`` of every row, hidden or
    not, with the cell rule's ``hidden_col``. Returns a boolean mask over ``items``' rows
    (True: withhold the row, its interval and its answer distribution) and the result.
    """
    cells, relations = item_system(items, parents, dimension_of, hidden_col=hidden_col)
    res = protect(cells, relations, k, protection)
    return res.hidden.to_numpy()[: len(items)].copy(), res


def item_system(
    items: pd.DataFrame,
    parents: pd.Series,
    dimension_of: pd.Series | dict,
    *,
    hidden_col: str = "suppressed",
    dim_prefix: str = "dim:",
) -> tuple[pd.DataFrame, list[Relation]]:
    """The cells and relations of the item tables (items against their dimension and along
    the tree), for :func:`protect`.

    Parameters
    ----------
    items : DataFrame
        Long, pooled over each unit's subtree: ``unit_id, item, n_valid, n_satisfied`` and
        optionally ``hidden_col`` (as from :func:`analysis.disclosure.apply_cell_rules`);
        rows ``dim:<d>`` pool the answers of dimension ``d``'s items.
    parents : Series
        Parent unit id by unit id (``NaN`` at a root).
    dimension_of : Series or dict
        Dimension of each item.

    Returns
    -------
    cells, relations
        Cells ``("item", u, i)`` with ``n = n_valid`` and ``sum = 100 n_satisfied`` (so the
        audited mean is the satisfaction rate in percent), and ``("item_own", u, i)`` for
        the unit's own answers (never published). Relations: ``item(P, i) = sum
        item(children, i) + item_own(P, i)`` for every item and dimension row, and
        ``item(u, dim:d) = sum item(u, i in d)``. ``dim:<d>`` rows count answers, not
        respondents, so they are not sensitive themselves: they are hidden with their
        dimension index (the ``hidden_col`` from the cell rule) and protected as totals.
    """
    for c in ("unit_id", "item", "n_valid", "n_satisfied"):
        if c not in items.columns:
            raise ValueError(f"items lack the column {c!r}")
    dim_of = pd.Series(dimension_of)
    u = items["unit_id"].to_numpy()
    it = items["item"].astype(str).to_numpy()
    n = items["n_valid"].to_numpy(float)
    s = SCALE * items["n_satisfied"].to_numpy(float)
    ids = [("item", a, b) for a, b in zip(u, it, strict=True)]
    key = pd.Series(np.arange(len(ids)), index=pd.MultiIndex.from_arrays([u, it]))
    par = pd.Series(parents).reindex(u).to_numpy()
    # children totals per (parent, item)
    has = ~pd.isna(par)
    child = pd.DataFrame({"p": par[has], "i": it[has], "n": n[has], "s": s[has],
                          "c": np.flatnonzero(has)})
    kids = child.groupby(["p", "i"])["c"].apply(list)
    csum = child.groupby(["p", "i"])[["n", "s"]].sum()
    own_n = n - csum["n"].reindex(pd.MultiIndex.from_arrays([u, it])).fillna(0).to_numpy()
    own_s = s - csum["s"].reindex(pd.MultiIndex.from_arrays([u, it])).fillna(0).to_numpy()
    if (own_n < -_EPS).any():
        raise ValueError("children hold more answers than their parent: not a pooled table")
    is_dim = np.char.startswith(it.astype(str), dim_prefix)
    rows = {"n": list(n), "sum": list(s), "publishable": [True] * len(ids),
            "sensitive": list(~is_dim)}
    relations: list[Relation] = []
    own_ids = []
    for r in np.flatnonzero(own_n > _EPS):
        own_ids.append(("item_own", u[r], it[r]))
        rows["n"].append(own_n[r])
        rows["sum"].append(max(own_s[r], 0.0))
        rows["publishable"].append(False)
        rows["sensitive"].append(not is_dim[r])
    own_set = set(own_ids)
    for r, cid in enumerate(ids):
        parts = [ids[c] for c in kids.get((u[r], it[r]), [])]
        if ("item_own", u[r], it[r]) in own_set:
            parts.append(("item_own", u[r], it[r]))
        if parts:
            relations.append((cid, parts))
    by_unit = pd.DataFrame({"u": u, "i": it, "dim": dim_of.reindex(it).to_numpy()})
    for (unit, d), grp in by_unit[~is_dim].groupby(["u", "dim"]):
        total = (unit, dim_prefix + str(d))
        if total in key.index:
            relations.append((("item", *total), [("item", unit, i) for i in grp["i"]]))
    index = pd.Index(ids + own_ids, tupleize_cols=False, dtype=object)
    cells = pd.DataFrame(rows, index=index)
    hidden = np.zeros(len(cells), dtype=bool)
    if hidden_col in items.columns:
        hidden[: len(ids)] = items[hidden_col].fillna(True).to_numpy(bool)
    cells["hidden"] = hidden
    return cells, relations
