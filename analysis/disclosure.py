"""Disclosure control: no published figure may describe fewer respondents than the
campaign's minimum group size ``k`` (``campaigns.min_group_size``, default 5), neither
directly nor by subtracting published figures from each other.

Rules
-----
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
   Run the rule again on any second hierarchy published over the same responses (e.g.
   unit x rater group margins).
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


def _check(table: pd.DataFrame, count_col: str, k: int) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ValueError("table must be a DataFrame")
    if count_col not in table.columns:
        raise ValueError(f"table lacks the count column {count_col!r}")
    if not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k (minimum group size) must be a positive integer, got {k!r}")
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
    if not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
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
