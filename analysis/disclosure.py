"""Disclosure control: no published figure may describe fewer respondents than the
campaign's minimum group size ``k`` (``campaigns.min_group_size``, default 5), neither
directly nor by subtracting published figures from each other.

The minimum ``k`` is configured per campaign, 5 by default and never below
:data:`MIN_GROUP_SIZE_FLOOR` (3); :func:`min_group_size` resolves a configured value and
every function here refuses ``k < 3``.

Rules
-----
0. **Cell rule** (:func:`apply_cell_rules`): inside a published unit, every figure computed
   from fewer than ``k`` valid answers is withheld (an item with ``n_valid < k``, a
   dimension index with ``dim:<d>_n < k``, the overall index with ``overall_n < k``), and
   every figure *derived* from a withheld one goes with it: a dimension's satisfaction
   rate (``sat:<d>``, item row ``dim:<d>``) with the dimension's index, the overall
   satisfaction rate with the overall index, an item's answer distribution with the item,
   a weighted multi-party total with any hidden group (:func:`composite_hidden`), a
   comment count below ``k`` (:func:`suppress_counts`).
1. **Primary suppression** (:func:`suppress_small`): every cell (unit, rater group, cross-tab
   cell) with ``n < k`` responses has all its figures withheld, its count included.
2. **Complementary suppression** (:func:`complementary_suppression`), for tables where a
   parent's figure pools its children's responses (the roll-up tables). Counts and sums are
   additive, so every unit ``P`` gives one public equation
   ``S_P = sum(S_c for children c) + D_P`` where ``D_P`` is its *direct* component (the
   responses that target ``P`` itself, ``n_P - sum(n_c)``; never published on its own, and
   assumed known to be empty when it is empty). The *unknowns* of the equation are ``P`` if
   suppressed, its suppressed children, and ``D_P`` if non-empty. The rule:

   (a) no equation has exactly one unknown, except a published unit whose only unknown is
       a direct component of at least ``k`` responses (publishing that is harmless);
   (b) for a published unit, its hidden components (suppressed children plus ``D_P``)
       together hold either 0 or at least ``k`` responses (else their pooled figure is a
       small group's figure).

   A unit breaking the rule gets its smallest published child (by ``n``) suppressed; if it
   has none, the unit itself is suppressed. This repeats until no unit breaks the rule
   (suppressing a unit adds an unknown one level up, so the loop climbs the tree).
   Why (a) suffices: each hidden cell appears in two equations (its own and its parent's)
   and each direct component in one, so the equations form a tree; when every equation has
   zero or at least two unknowns, no linear combination of the published figures isolates
   a single hidden cell (a leaf equation of any subtree would need a single unknown).
   Residual sums of several hidden cells are guarded only within one equation, by (b).
   The rule protects one hierarchy at a time; whenever the same responses are published
   in more than one way (rater groups of a target, one group's tree, items against their
   dimension, two years pooled), the tables must be checked and repaired *together* with
   :func:`analysis.disclosure_audit.protect`, which audits all of them as one system of
   linear constraints.
3. **Comments** (:func:`release_comments`): free text only for groups with at least ``k``
   responses, shuffled, as bare text (no ids, dates or order).

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4 (primary and
secondary cell suppression in hierarchical tables).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The least minimum group size a campaign may be configured with.
MIN_GROUP_SIZE_FLOOR = 3
#: The minimum group size of a campaign that does not set one.
DEFAULT_MIN_GROUP_SIZE = 5

#: Columns that describe a cell rather than its figures; never blanked.
STRUCTURE_COLUMNS = frozenset(
    {"id", "unit_id", "target_id", "parent_id", "depth", "code", "name", "kind", "path",
     "target_code", "rater_group", "year", "members", "suppressed", "suppression"}
)


def _value_columns(table: pd.DataFrame, value_cols: Sequence[str] | None) -> list[str]:
    if value_cols is None:
        return [
            c
            for c in table.columns
            if c not in STRUCTURE_COLUMNS and pd.api.types.is_numeric_dtype(table[c])
        ]
    absent = [c for c in value_cols if c not in table.columns]
    if absent:
        raise ValueError(f"unknown value columns {absent}")
    return list(value_cols)


def min_group_size(configured: int | None = None) -> int:
    """The minimum group size ``k`` to apply for a campaign's configured value.

    ``None`` gives :data:`DEFAULT_MIN_GROUP_SIZE` (5); a value below
    :data:`MIN_GROUP_SIZE_FLOOR` (3) is raised to the floor, so an old or mistyped setting
    can never publish groups of one or two. Raises ``ValueError`` for a value that is not
    a whole number >= 1.
    """
    if configured is None:
        return DEFAULT_MIN_GROUP_SIZE
    if isinstance(configured, bool) or not isinstance(configured, int | np.integer) or (
            configured < 1):
        raise ValueError(f"minimum group size must be a whole number >= 1, got {configured!r}")
    return max(int(configured), MIN_GROUP_SIZE_FLOOR)


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < MIN_GROUP_SIZE_FLOOR:
        raise ValueError(
            f"k (minimum group size) must be an integer >= {MIN_GROUP_SIZE_FLOOR}, got {k!r}")


def _check(table: pd.DataFrame, count_col: str, k: int) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ValueError("table must be a DataFrame")
    if count_col not in table.columns:
        raise ValueError(f"table lacks the count column {count_col!r}")
    _check_k(k)
    if table[count_col].isna().any() or (table[count_col] < 0).any():
        raise ValueError(f"count column {count_col!r} has missing or negative values")


def _blank(
    table: pd.DataFrame, mask: np.ndarray, reasons: np.ndarray, value_cols: list[str]
) -> pd.DataFrame:
    out = table.copy()
    for c in value_cols:
        if pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype("Int64")
        out.loc[mask, c] = pd.NA if str(out[c].dtype) == "Int64" else np.nan
    out["suppressed"] = mask
    out["suppression"] = pd.Series(reasons, index=out.index, dtype="object").where(mask, None)
    return out


def suppress_small(
    table: pd.DataFrame,
    count_col: str = "n",
    k: int = 5,
    value_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Primary suppression: withhold every figure of cells with fewer than ``k`` responses.

    Parameters
    ----------
    table : DataFrame
        One row per published cell (unit, rater group, cross-tab cell).
    count_col : str
        Column with the number of responses behind the cell.
    k : int
        Minimum group size (the campaign's ``min_group_size``).
    value_cols : sequence of str, optional
        Columns to blank; default every numeric column that is not structural (ids, parent,
        depth, members), the count column included.

    Returns
    -------
    DataFrame
        A copy with blanked values (``NaN`` / ``<NA>``), a boolean ``suppressed`` column and
        ``suppression`` (``"small"`` or ``None``).
    """
    _check(table, count_col, k)
    cols = _value_columns(table, value_cols)
    mask = (table[count_col].to_numpy(float) < k)
    return _blank(table, mask, np.full(len(table), "small", dtype=object), cols)


def complementary_suppression(
    table: pd.DataFrame,
    count_col: str = "n",
    k: int = 5,
    parent_col: str = "parent_id",
    value_cols: Sequence[str] | None = None,
    max_rounds: int = 10_000,
    hidden: np.ndarray | None = None,
) -> pd.DataFrame:
    """Primary plus complementary suppression of a hierarchical (roll-up) table.

    Parameters
    ----------
    table : DataFrame
        Indexed by unit id, with ``parent_col`` (parent unit id or ``NaN`` at a root) and
        ``count_col`` (responses of the unit's whole subtree, as from
        :func:`analysis.rollup.rollup`).
    count_col, k, value_cols
        As in :func:`suppress_small`.
    parent_col : str
        Parent id column; parents absent from the table are treated as unpublished.
    hidden : array of bool, optional
        Cells already withheld for another reason (``suppression`` ``"given"``).

    Returns
    -------
    DataFrame
        As :func:`suppress_small`, ``suppression`` is ``"small"`` or ``"complementary"``.

    Notes
    -----
    See the module docstring for the rule. Raises ``ValueError`` if a child's count exceeds
    its parent's (the table is not a pooled roll-up).
    """
    _check(table, count_col, k)
    if parent_col not in table.columns:
        raise ValueError(f"table lacks the parent column {parent_col!r}")
    if table.index.has_duplicates:
        raise ValueError("table index (unit id) has duplicates")
    cols = _value_columns(table, value_cols)
    n = table[count_col].to_numpy(float)
    ids = table.index.to_numpy()
    pos = pd.Index(ids)
    par = pos.get_indexer(table[parent_col].to_numpy())  # -1: root / parent not in table
    has_par = par >= 0
    child_n = np.bincount(par[has_par], weights=n[has_par], minlength=len(n))
    direct = n - child_n
    if (direct < -1e-9).any():
        bad = list(ids[direct < -1e-9][:5])
        raise ValueError(f"children count more responses than their parent at units {bad}")
    suppressed = n < k
    reason = np.where(suppressed, "small", "").astype(object)
    if hidden is not None:
        given = np.asarray(hidden, dtype=bool) & ~suppressed
        suppressed = suppressed | given
        reason[given] = "given"
    idx = np.arange(len(n))
    for _ in range(max_rounds):
        hid_child = suppressed & has_par
        c_hidden = np.bincount(par[hid_child], minlength=len(n))
        n_hidden = np.bincount(par[hid_child], weights=n[hid_child], minlength=len(n))
        n_hidden = n_hidden + np.where(direct > 0, direct, 0.0)
        unknowns = suppressed.astype(int) + c_hidden + (direct > 0)
        harmless = ~suppressed & (c_hidden == 0) & (direct >= k)
        violating = (n > 0) & (
            ((unknowns == 1) & ~harmless) | (~suppressed & (n_hidden > 0) & (n_hidden < k))
        )
        if not violating.any():
            break
        # For each violating unit: its smallest published child with responses ...
        cand = has_par & ~suppressed & (n > 0)
        cand &= np.isin(par, idx[violating])
        chosen = pd.Series(n[cand], index=idx[cand]).groupby(par[cand]).idxmin()
        suppressed[chosen.to_numpy()] = True
        reason[chosen.to_numpy()] = "complementary"
        # ... or, without one, the unit itself.
        lonely = np.setdiff1d(idx[violating], chosen.index.to_numpy())
        if suppressed[lonely].any():
            raise RuntimeError("complementary suppression found no cell to suppress")
        suppressed[lonely] = True
        reason[lonely] = "complementary"
    else:
        raise RuntimeError("complementary suppression did not converge")
    return _blank(table, suppressed, reason, cols)


def release_comments(
    comments: pd.DataFrame | pd.Series,
    group_sizes: pd.Series,
    k: int = 5,
    seed: int | None = None,
    *,
    group_col: str = "group",
    text_col: str = "text",
) -> dict[object, list[str]]:
    """Free-text comments per group, released only for groups with at least ``k`` responses.

    Parameters
    ----------
    comments : DataFrame or Series
        A frame with ``group_col`` and ``text_col``, or a Series of texts indexed by group.
    group_sizes : Series
        Responses per group (not comments: a group of 3 respondents with 10 comments is still
        too small). Groups missing here are withheld.
    k : int
        Minimum group size.
    seed : int, optional
        Seed of the shuffle (for reproducible ledgers); ``None`` for a fresh random order.

    Returns
    -------
    dict
        ``{group: [text, ...]}`` for released groups, in random order, blank texts dropped,
        without ids, dates or the original order.
    """
    _check_k(k)
    if isinstance(comments, pd.Series):
        frame = pd.DataFrame({group_col: comments.index, text_col: comments.to_numpy()})
    elif isinstance(comments, pd.DataFrame):
        absent = [c for c in (group_col, text_col) if c not in comments.columns]
        if absent:
            raise ValueError(f"comments frame lacks columns {absent}")
        frame = comments[[group_col, text_col]]
    else:
        raise ValueError("comments must be a DataFrame or a Series")
    if not isinstance(group_sizes, pd.Series):
        raise ValueError("group_sizes must be a Series indexed by group")
    text = frame[text_col].astype("string").str.strip()
    frame = pd.DataFrame({"g": frame[group_col].to_numpy(), "t": text.to_numpy()})
    frame = frame[frame["t"].notna() & (frame["t"] != "")]
    allowed = set(group_sizes.index[group_sizes.to_numpy() >= k])
    frame = frame[frame["g"].isin(allowed)]
    rng = np.random.default_rng(seed)
    frame = frame.iloc[rng.permutation(len(frame))]
    return {g: [str(t) for t in grp["t"]] for g, grp in frame.groupby("g", sort=True)}


# ---------------------------------------------------------------- the cell rule

#: Item-table rows that pool a dimension's items (its satisfaction rate).
DIM_PREFIX = "dim:"
#: Unit-table columns of a dimension's pooled satisfaction rate.
SAT_PREFIX = "sat:"

_OVERALL_FIGURES = ("overall", "overall_sd", "overall_ci_low", "overall_ci_high", "overall_n")
_RATE_FIGURES = ("satisfaction_rate", "satisfaction_ci_low", "satisfaction_ci_high",
                 "n_answers")
_ITEM_FIGURES = ("n_valid", "n_satisfied", "rate", "ci_low", "ci_high")


def dimension_rows(names: pd.Series) -> np.ndarray:
    """Which rows of an item table are a dimension's pooled row (``dim:<d>``), decided once
    per distinct name (an item table of 5,000 units has a quarter of a million rows and a
    few dozen names)."""
    distinct = pd.unique(names)
    pooled = [n for n in distinct if str(n).startswith(DIM_PREFIX)]
    return names.isin(pooled).to_numpy()


def _blank_cols(frame: pd.DataFrame, mask: np.ndarray, cols: Sequence[str]) -> None:
    for c in cols:
        if c in frame.columns and mask.any():
            if pd.api.types.is_integer_dtype(frame[c]):
                frame[c] = frame[c].astype("Int64")
            if not pd.api.types.is_float_dtype(frame[c]) and str(frame[c].dtype) != "Int64":
                frame[c] = frame[c].astype(float)
            frame.loc[mask, c] = pd.NA if str(frame[c].dtype) == "Int64" else np.nan


def apply_cell_rules(
    units: pd.DataFrame,
    items: pd.DataFrame | None = None,
    values: pd.DataFrame | None = None,
    k: int = 5,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """The cell rule inside published units: no figure from fewer than ``k`` valid answers,
    and no figure derived from a withheld one.

    Parameters
    ----------
    units : DataFrame
        Indexed by unit id, as from :func:`complementary_suppression` over the roll-up
        (columns of :func:`analysis.indices.unit_indices`: ``overall, overall_n,
        satisfaction_rate, ..., dim:<d>, dim:<d>_n, sat:<d>``; ``suppressed`` optional).
    items : DataFrame, optional
        Long item table ``unit_id, item, n_valid, n_satisfied, rate, ci_low, ci_high``;
        rows ``dim:<d>`` pool a dimension's items.
    values : DataFrame, optional
        Long answer counts ``unit_id, item, value, count``.
    k : int
        Minimum group size (>= 3).

    Returns
    -------
    units, items, values
        Copies. In ``units``: the overall index and its interval and count, and the overall
        satisfaction rate with its interval and answer count, blanked where
        ``overall_n < k``; ``dim:<d>``, ``dim:<d>_n`` and ``sat:<d>`` blanked where
        ``dim:<d>_n < k``. In ``items``: a boolean ``suppressed`` column; figures blanked
        for items with ``n_valid < k``, for ``dim:<d>`` rows whose unit has the dimension
        index withheld, and for every row of a suppressed or absent unit. In ``values``:
        only the rows of published item cells.

    Notes
    -----
    ``n_valid`` of an item counts respondents (one answer each), so ``n_valid < k`` is the
    small-cell test. A ``dim:<d>`` row pools answers to several items, so its ``n_valid``
    counts answers, not respondents: two respondents answering five items give ten. Its
    respondent base is at least the dimension index's (``dim:<d>_n``; the index needs half
    the items answered, the rate only one), so hiding the rate with the index is both the
    derived-figure rule and a sufficient small-cell test.
    """
    _check_k(k)
    if not isinstance(units, pd.DataFrame):
        raise ValueError("units must be a DataFrame indexed by unit id")
    u = units.copy()
    hidden_unit = (u["suppressed"].fillna(True).to_numpy(bool) if "suppressed" in u.columns
                   else np.zeros(len(u), dtype=bool))
    if "overall_n" in u.columns:
        small = ~hidden_unit & (u["overall_n"].astype(float).fillna(0).to_numpy() < k)
        _blank_cols(u, small, _OVERALL_FIGURES + _RATE_FIGURES)
    dims = [c[len(DIM_PREFIX):] for c in u.columns
            if str(c).startswith(DIM_PREFIX) and not str(c).endswith("_n")]
    dim_hidden: dict[str, np.ndarray] = {}
    for d in dims:
        col = DIM_PREFIX + d
        if col + "_n" in u.columns:
            small = u[col + "_n"].astype(float).fillna(0).to_numpy() < k
        else:  # no respondent count: the index cannot be shown to rest on k answers
            small = np.ones(len(u), dtype=bool)
        dim_hidden[d] = small | hidden_unit
        _blank_cols(u, small & ~hidden_unit, [col, col + "_n", SAT_PREFIX + d])
    if items is None:
        return u, None, values
    for c in ("unit_id", "item", "n_valid"):
        if c not in items.columns:
            raise ValueError(f"items lack the column {c!r}")
    it = items.copy()
    pos = u.index.get_indexer(it["unit_id"].to_numpy())
    unit_gone = (pos < 0) | hidden_unit[np.maximum(pos, 0)]
    name = it["item"].astype(str)
    is_dim = dimension_rows(name)
    mask = unit_gone | (~is_dim & (it["n_valid"].astype(float).fillna(0).to_numpy() < k))
    for d, h in dim_hidden.items():
        rows = is_dim & (name == DIM_PREFIX + d).to_numpy() & (pos >= 0)
        mask[rows] |= h[pos[rows]]
    known_dims = {DIM_PREFIX + d for d in dims}
    mask |= is_dim & ~name.isin(known_dims).to_numpy()  # a rate without its index
    _blank_cols(it, mask, _ITEM_FIGURES)
    it["suppressed"] = mask
    if values is None:
        return u, it, None
    for c in ("unit_id", "item"):
        if c not in values.columns:
            raise ValueError(f"values lack the column {c!r}")
    ok = pd.MultiIndex.from_frame(it.loc[~mask, ["unit_id", "item"]])
    keep = pd.MultiIndex.from_frame(values[["unit_id", "item"]]).isin(ok)
    return u, it, values[keep].reset_index(drop=True)


def composite_hidden(
    group_cells: pd.DataFrame,
    target_col: str = "target_id",
    count_col: str = "n",
    suppressed_col: str = "suppressed",
) -> pd.Series:
    """Targets whose weighted multi-party total (四方评议 composite) must be withheld.

    A weighted total over rater groups is a derived figure: if it included a hidden group,
    the total minus the weighted published groups would give that group's figure; if it
    left the group out and renormalised the weights, it would be published under the name
    of a total it is not. So the total is withheld whenever any group with responses is
    withheld.

    Parameters
    ----------
    group_cells : DataFrame
        One row per (target, rater group) with responses: ``target_col``, ``count_col``
        and ``suppressed_col``.

    Returns
    -------
    Series
        Boolean, indexed by target: True where the composite is withheld.
    """
    for c in (target_col, count_col, suppressed_col):
        if c not in group_cells.columns:
            raise ValueError(f"group cells lack the column {c!r}")
    answered = group_cells[count_col].fillna(1).astype(float) > 0
    hidden = group_cells[suppressed_col].astype(bool) & answered
    return hidden.groupby(group_cells[target_col]).any().rename("composite_hidden")


def suppress_counts(counts: pd.Series, k: int = 5) -> pd.Series:
    """Counts that describe people (comments, answers to one option) below ``k`` withheld.

    Returns a nullable integer Series: ``<NA>`` where ``0 < count < k``. Zero stays zero
    (an empty cell discloses nobody, and hiding it would mark its neighbours as small).
    """
    _check_k(k)
    if not isinstance(counts, pd.Series):
        raise ValueError("counts must be a Series")
    c = counts.astype("Int64")
    if (c.dropna() < 0).any():
        raise ValueError("counts must be >= 0")
    return c.mask((c > 0) & (c < k))
