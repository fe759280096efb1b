"""Roll-up of unit figures along the organisation tree (汇总).

A parent's figures are computed from all responses in its subtree, pooled (sums of the
additive sufficient statistics of :func:`analysis.indices.sufficient_stats`), not as an
average of its children's averages. The tree comes from the materialised ``path`` of each
organisation (``/1/5/23/``: ids of the ancestors and self), so each target is mapped once to
its ancestors and the per-target statistics are summed per ancestor: the cost after one
pass over the responses is O(targets x depth).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.indices import finalise, sufficient_stats


def ancestors(organisations: pd.DataFrame) -> pd.DataFrame:
    """Long frame ``(id, ancestor_id, distance)``: every unit with itself (distance 0) and
    each ancestor, parsed from the materialised ``path``.

    Raises
    ------
    ValueError
        If ``id``/``path`` columns are missing or a path does not end with the unit's own id.
    """
    for c in ("id", "path"):
        if c not in organisations.columns:
            raise ValueError(f"organisations frame lacks column {c!r}")
    parts = organisations["path"].astype(str).str.strip("/").str.split("/")
    long = pd.DataFrame({"id": organisations["id"].to_numpy(), "ancestor_id": parts}).explode(
        "ancestor_id"
    )
    if long["ancestor_id"].isna().any() or (long["ancestor_id"] == "").any():
        raise ValueError("empty organisation path")
    long["ancestor_id"] = long["ancestor_id"].astype(np.int64)
    depth = parts.str.len().to_numpy()
    last = parts.str[-1].astype(np.int64).to_numpy()
    if (last != organisations["id"].to_numpy()).any():
        bad = organisations["id"].to_numpy()[last != organisations["id"].to_numpy()]
        raise ValueError(f"paths of units {list(bad[:5])} do not end with their own id")
    pos = long.groupby(level=0).cumcount().to_numpy()
    long["distance"] = np.repeat(depth, depth) - 1 - pos
    return long.reset_index(drop=True)


def rollup_stats(
    stats_by_target: pd.DataFrame, organisations: pd.DataFrame
) -> pd.DataFrame:
    """Pool per-target sufficient statistics over each unit's subtree.

    ``stats_by_target`` is indexed by target id (output of
    :func:`analysis.indices.sufficient_stats` with ``by="target_id"``). Returns the same
    columns indexed by unit id, for every unit with at least one response in its subtree.
    """
    if stats_by_target.empty:
        raise ValueError("no per-target statistics to roll up")
    if stats_by_target.index.has_duplicates:
        raise ValueError("stats_by_target must have one row per target id")
    anc = ancestors(organisations)
    unknown = set(stats_by_target.index) - set(organisations["id"])
    if unknown:
        raise ValueError(f"targets not in the organisation tree: {sorted(unknown)[:5]}")
    anc = anc[anc["id"].isin(stats_by_target.index)]
    vals = stats_by_target.reindex(anc["id"].to_numpy())
    vals.index = anc["ancestor_id"].to_numpy()
    out = vals.groupby(level=0, sort=True).sum()
    out.index.name = "unit_id"
    return out


def rollup(
    scored: pd.DataFrame,
    organisations: pd.DataFrame,
    *,
    by_target: str = "target_id",
    weight_by_members: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Figures of every unit over its whole subtree.

    Parameters
    ----------
    scored : DataFrame
        Scored responses (:func:`analysis.scoring.score_responses`), with a target column.
    organisations : DataFrame
        ``id, parent_id, path, depth`` (and ``members`` when ``weight_by_members``).
    weight_by_members : bool
        False (default): pooled, every response counts once, so
        :math:`\\bar x_P = \\sum_{t \\in sub(P)} S_t / \\sum_t n_t`.
        True: each responding target's mean is weighted by its eligible members
        :math:`M_t`, :math:`\\bar x_P = \\sum_t M_t \\bar x_t / \\sum_t M_t` over the targets
        of the subtree with an answer (post-stratification to membership, so a unit with many
        responses does not dominate). Its interval is the normal interval with
        :math:`Var = \\sum_t (M_t/\\sum M)^2 s_t^2 / n_t` (targets with ``n_t < 2``
        contribute no variance). Satisfaction rates are weighted the same way. ``members`` is
        the unit's own eligible members (not its subtree's).

    Returns
    -------
    DataFrame
        Indexed by ``unit_id``, the columns of :func:`analysis.indices.unit_indices` plus
        ``parent_id`` and ``depth``; ``n`` counts all responses of the subtree.
    """
    if by_target not in scored.columns:
        raise ValueError(f"scored frame lacks column {by_target!r}")
    return rollup_from_stats(sufficient_stats(scored, by_target), organisations,
                             weight_by_members=weight_by_members, confidence=confidence)


def rollup_from_stats(
    stats_by_target: pd.DataFrame,
    organisations: pd.DataFrame,
    *,
    weight_by_members: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`rollup` from per-target sufficient statistics
    (:func:`analysis.indices.sufficient_stats` by target id), however they were summed: the
    same figures for the same statistics (used by :mod:`analysis.distributed`)."""
    orgs = organisations.set_index("id")
    if not weight_by_members:
        out = finalise(rollup_stats(stats_by_target, organisations), confidence)
    else:
        out = _weighted(stats_by_target, organisations, orgs, confidence)
    extra = orgs.reindex(out.index)[[c for c in ("parent_id", "depth") if c in orgs.columns]]
    return pd.concat([extra, out], axis=1)


def _weighted(
    st: pd.DataFrame, organisations: pd.DataFrame, orgs: pd.DataFrame, confidence: float
) -> pd.DataFrame:
    from scipy import stats as sps

    if "members" not in orgs.columns:
        raise ValueError("weight_by_members needs a 'members' column in organisations")
    unit = finalise(st, confidence)
    mem = orgs["members"].reindex(st.index).astype(float).to_numpy()
    if np.isnan(mem).any() or (mem <= 0).any():
        bad = list(st.index[np.isnan(mem) | (mem <= 0)][:5])
        raise ValueError(f"targets without positive member numbers: {bad}")
    metrics = [c[:-2] for c in st.columns if c.endswith("|n")]
    rates = ["satisfaction_rate"] + [c for c in unit.columns if c.startswith("sat:")]
    cols: dict[str, np.ndarray] = {"n": st["n"].to_numpy(float)}
    for m in metrics + [r for r in rates if r in unit.columns]:
        x = unit[m].to_numpy(float)
        ok = ~np.isnan(x)
        cols[m + "|w"] = np.where(ok, mem, 0.0)
        cols[m + "|wx"] = np.where(ok, mem * np.nan_to_num(x), 0.0)
    sd = unit["overall_sd"].to_numpy(float)
    n = unit["overall_n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(n > 1, sd * sd / n, 0.0)
    cols["overall|w2v"] = np.where(np.isnan(unit["overall"].to_numpy(float)), 0.0, mem**2 * v)
    per_target = pd.DataFrame(cols, index=st.index)
    pooled = rollup_stats(per_target, organisations)
    out = pd.DataFrame(index=pooled.index)
    out["n"] = pooled["n"].astype(np.int64)
    z = sps.norm.ppf(0.5 + confidence / 2)
    for m in metrics + [r for r in rates if r in unit.columns]:
        w = pooled[m + "|w"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            out[m] = np.where(w > 0, pooled[m + "|wx"].to_numpy() / w, np.nan)
        if m == "overall":
            with np.errstate(invalid="ignore", divide="ignore"):
                se = np.sqrt(pooled["overall|w2v"].to_numpy()) / w
            out["overall_ci_low"] = out["overall"] - z * se
            out["overall_ci_high"] = out["overall"] + z * se
    return out
