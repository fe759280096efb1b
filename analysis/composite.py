"""Multi-party composite (四方评议 / 多方评议): a weighted combination over rater groups.

Rule
----
For target ``t`` with rater groups ``g`` of weights ``w_g`` (summing to 1), a group is
*usable* when it has a value and at least ``min_group_size`` responses for ``t``. Then

.. math:: C_t = \\frac{\\sum_{g\\ usable} w_g x_{tg}}{\\sum_{g\\ usable} w_g}

When any group is not usable the weights are renormalised over the usable groups and the row
is flagged: ``renormalised=True`` and ``missing_groups`` lists the groups left out; the
composite is never silently changed. With no usable group the composite is ``NaN``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def _weights(group_weights: pd.Series | Mapping[str, float]) -> pd.Series:
    w = pd.Series(group_weights, dtype=float)
    if w.empty:
        raise ValueError("no rater group weights")
    if w.index.has_duplicates:
        raise ValueError("duplicate rater groups in weights")
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("rater group weights must be finite and >= 0")
    if not np.isclose(w.sum(), 1.0, atol=1e-6):
        raise ValueError(f"rater group weights must sum to 1, they sum to {w.sum():.6g}")
    return w


def composite_index(
    table: pd.DataFrame,
    group_weights: pd.Series | Mapping[str, float],
    min_group_size: int = 5,
    *,
    target_col: str = "target_id",
    group_col: str = "rater_group",
    value_col: str = "overall",
    count_col: str = "n",
) -> pd.DataFrame:
    """Weighted composite per target over rater groups.

    Parameters
    ----------
    table : DataFrame
        Long: one row per (target, rater group) with a value and a response count, e.g.
        ``unit_indices(scored, by=["target_id", "rater_group"]).reset_index()``.
    group_weights : Series or mapping
        Weight per rater group key; must sum to 1.
    min_group_size : int
        A group with fewer responses is not used for that target.

    Returns
    -------
    DataFrame
        Indexed by target: ``composite``, ``weight_used`` (sum of the usable groups' original
        weights), ``renormalised`` (bool), ``missing_groups`` (sorted list of group keys),
        and one ``value:<group>`` column per group (``NaN`` where unusable).

    Raises
    ------
    ValueError
        Unknown columns, groups in the table without a weight, weights not summing to 1,
        duplicate (target, group) rows, empty table.
    """
    w = _weights(group_weights)
    for c in (target_col, group_col, value_col, count_col):
        if c not in table.columns:
            raise ValueError(f"table lacks column {c!r}")
    if table.empty:
        raise ValueError("empty table")
    if min_group_size < 1:
        raise ValueError("min_group_size must be >= 1")
    unknown = set(table[group_col]) - set(w.index)
    if unknown:
        raise ValueError(f"rater groups without a weight: {sorted(map(str, unknown))}")
    if table.duplicated([target_col, group_col]).any():
        raise ValueError("duplicate (target, rater group) rows")
    ok = (table[count_col].to_numpy(float) >= min_group_size) & table[value_col].notna()
    usable = table.loc[ok]
    vals = usable.pivot(index=target_col, columns=group_col, values=value_col)
    targets = pd.Index(pd.unique(table[target_col]), name=target_col).sort_values()
    vals = vals.reindex(index=targets, columns=w.index)
    present = vals.notna().to_numpy()
    wv = w.to_numpy()
    wsum = present @ wv
    with np.errstate(invalid="ignore", divide="ignore"):
        comp = np.where(wsum > 0, np.nan_to_num(vals.to_numpy()) @ wv / wsum, np.nan)
    groups = np.array(w.index, dtype=object)
    relevant = wv > 0
    missing = [list(groups[relevant & ~row]) for row in present]
    out = pd.DataFrame(
        {
            "composite": comp,
            "weight_used": wsum,
            "renormalised": [bool(m) for m in missing],
            "missing_groups": missing,
        },
        index=targets,
    )
    for g in w.index:
        out[f"value:{g}"] = vals[g].to_numpy()
    return out
