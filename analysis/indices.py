"""Indices of a unit: satisfaction index (满意度), satisfaction rate (满意率), participation
rate (参评率), NPS, top/bottom box, with confidence intervals.

Unit statistics are computed from additive sufficient statistics (count, sum, sum of squares
per metric; valid and satisfied answer counts), so the same code serves a unit, a pooled
subtree (:mod:`analysis.rollup`) and a disclosure check (:mod:`analysis.disclosure`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.scoring import DIM_PREFIX, SATISFIED_PREFIX, VALID_PREFIX, dimension_columns

# ---------------------------------------------------------------- proportions


def wilson_interval(
    successes: np.ndarray | pd.Series | int,
    n: np.ndarray | pd.Series | int,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (vectorised).

    Parameters
    ----------
    successes, n : array-like of int
        Number of successes and of trials; ``0 <= successes <= n``. ``n == 0`` gives ``NaN``.
    confidence : float
        Two-sided confidence level, default 0.95.

    Returns
    -------
    (low, high) : tuple of ndarray
        Bounds as proportions in [0, 1].

    Notes
    -----
    With :math:`\\hat p = x/n` and :math:`z = \\Phi^{-1}(1 - \\alpha/2)`:

    .. math::

        \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22(158), 209-212.
    Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
    comparison of seven methods. *Statistics in Medicine* 17, 857-872 (method 3, worked
    examples: 81/263 -> 0.2553 to 0.3662; 0/20 -> 0 to 0.1611).

    Examples
    --------
    R: ``binom::binom.wilson(81, 263)`` or ``prop.test(81, 263, correct = FALSE)$conf.int``.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    x = np.asarray(successes, dtype=float)
    nn = np.asarray(n, dtype=float)
    if x.shape != nn.shape:
        raise ValueError(f"successes and n differ in shape: {x.shape} vs {nn.shape}")
    if (x < 0).any() or (x > nn).any() or (nn < 0).any():
        raise ValueError("need 0 <= successes <= n")
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / nn
        denom = 1 + z * z / nn
        centre = (p + z * z / (2 * nn)) / denom
        half = z * np.sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom
        low = np.where(nn > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(nn > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def t_interval(
    n: np.ndarray, mean: np.ndarray, sd: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Student t confidence interval of a mean, ``mean ± t_{n-1} sd / sqrt(n)`` (vectorised).

    ``NaN`` where ``n < 2``. Reference: Student (1908), *Biometrika* 6(1), 1-25.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + confidence / 2, np.where(n >= 2, n - 1, np.nan))
        half = t * np.asarray(sd, dtype=float) / np.sqrt(n)
    return np.asarray(mean) - half, np.asarray(mean) + half


def satisfaction_rate(
    values: pd.DataFrame | pd.Series | np.ndarray,
    satisfied_values: Sequence[int],
    confidence: float = 0.95,
) -> pd.Series:
    """Satisfaction rate (满意率) of a set of answers, pooled, with a Wilson interval.

    Parameters
    ----------
    values : array-like of int
        Answer codes (scale values; -1 missing and -2 na are not valid answers). A 2-D input
        pools all its cells (e.g. the items of a dimension).
    satisfied_values : sequence of int
        Scale values counted as satisfied (e.g. ``(4, 5)`` on a 1-5 scale).

    Returns
    -------
    Series
        ``n_valid``, ``n_satisfied``, ``rate`` (0-1), ``ci_low``, ``ci_high``.

    Notes
    -----
    ``rate = #(valid answers in the satisfied set) / #(valid answers)``. The interval treats
    answers as independent trials (pooled answers of one respondent are correlated, so for
    several items per respondent it is somewhat too narrow).
    """
    v = np.asarray(values)
    if v.size == 0:
        raise ValueError("no answers")
    valid = v >= 0
    n = int(valid.sum())
    k = int((np.isin(v, list(satisfied_values)) & valid).sum())
    low, high = wilson_interval(np.array(k), np.array(n), confidence)
    rate = k / n if n else np.nan
    return pd.Series(
        {"n_valid": n, "n_satisfied": k, "rate": rate, "ci_low": float(low), "ci_high": float(high)}
    )


def item_satisfaction(
    values: pd.DataFrame,
    spec: pd.DataFrame,
    confidence: float = 0.95,
    by: pd.Series | np.ndarray | None = None,
) -> pd.DataFrame:
    """Satisfaction rate per item and per dimension (pooled answers of its items).

    Parameters
    ----------
    values : DataFrame
        Answer codes, one column per item of ``spec``.
    spec : DataFrame
        Item specification (:func:`analysis.scoring.item_spec`).
    by : Series or array, optional
        A unit (or other group) label per row: the rates are then per group and item.

    Returns
    -------
    DataFrame
        Indexed by item id then one row per dimension labelled ``dim:<d>`` (with ``by``: a
        ``(group, item)`` MultiIndex), columns ``n_valid, n_satisfied, rate, ci_low,
        ci_high`` (Wilson interval, :func:`wilson_interval`).
    """
    from analysis.scoring import _matrix, _satisfied_mask, validate_spec

    spec = validate_spec(spec)
    m = _matrix(values, spec)
    valid = m >= 0
    sat = _satisfied_mask(m, spec)
    labels = [str(i) for i in spec.index] + [DIM_PREFIX + d for d in
                                             dict.fromkeys(spec["dimension"])]
    dims = spec["dimension"].to_numpy()
    if by is None:
        per_item = pd.DataFrame(
            {"n_valid": valid.sum(axis=0), "n_satisfied": sat.sum(axis=0)}, index=spec.index
        )
        per_dim = per_item.groupby(dims, sort=False).sum()
        per_dim.index = [DIM_PREFIX + d for d in per_dim.index]
        return _add_rate(pd.concat([per_item, per_dim]), confidence)
    groups = np.asarray(by)
    if groups.shape != (len(m),):
        raise ValueError(f"by must have one label per row ({len(m)}), got {groups.shape}")
    codes, uniques = pd.factorize(groups, sort=True)
    if (codes < 0).any():
        raise ValueError("by contains missing labels")
    g = len(uniques)
    nv = np.stack([np.bincount(codes, weights=valid[:, j], minlength=g)
                   for j in range(m.shape[1])], axis=1)
    ns = np.stack([np.bincount(codes, weights=sat[:, j], minlength=g)
                   for j in range(m.shape[1])], axis=1)
    for d in dict.fromkeys(dims):
        nv = np.column_stack([nv, nv[:, : len(dims)][:, dims == d].sum(axis=1)])
        ns = np.column_stack([ns, ns[:, : len(dims)][:, dims == d].sum(axis=1)])
    index = pd.MultiIndex.from_product([uniques, labels], names=["group", "item"])
    out = pd.DataFrame(
        {"n_valid": nv.ravel().astype(np.int64), "n_satisfied": ns.ravel().astype(np.int64)},
        index=index,
    )
    return _add_rate(out, confidence)


def satisfaction_from_counts(counts: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Rates and Wilson intervals from ``n_valid`` / ``n_satisfied`` counts (a copy with
    ``rate, ci_low, ci_high`` added): the last step of :func:`item_satisfaction`, for
    counts summed elsewhere (e.g. over the partitions of :mod:`analysis.distributed`)."""
    absent = [c for c in ("n_valid", "n_satisfied") if c not in counts.columns]
    if absent:
        raise ValueError(f"counts lack columns {absent}")
    return _add_rate(counts[["n_valid", "n_satisfied"]].copy(), confidence)


def _add_rate(
    frame: pd.DataFrame,
    confidence: float,
    n_col: str = "n_valid",
    k_col: str = "n_satisfied",
    prefix: str = "",
) -> pd.DataFrame:
    n = frame[n_col].to_numpy(float)
    k = frame[k_col].to_numpy(float)
    low, high = wilson_interval(k, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame[prefix + "rate"] = np.where(n > 0, k / n, np.nan)
    frame[prefix + "ci_low"] = low
    frame[prefix + "ci_high"] = high
    return frame


def participation_rate(responses: pd.Series, members: pd.Series) -> pd.Series:
    """Participation rate (参评率) = responses / eligible members, per unit.

    Parameters
    ----------
    responses, members : Series
        Indexed by unit. Units without members information give ``NaN``; ``members <= 0``
        gives ``NaN``. A rate above 1 is returned as is (it signals bad member numbers).
    """
    if not isinstance(responses, pd.Series) or not isinstance(members, pd.Series):
        raise ValueError("responses and members must be Series indexed by unit")
    mem = members.reindex(responses.index).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = responses.astype(float) / mem.where(mem > 0)
    return rate.rename("participation_rate")


def nps(scores_0_10: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Net Promoter Score, -100..100.

    ``NPS = 100 * (#promoters - #detractors) / n`` with promoters scoring 9-10 and detractors
    0-6 on the 0-10 "would you recommend" question; ``NaN`` answers are dropped.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*
    81(12), 46-54.
    """
    s = np.asarray(scores_0_10, dtype=float)
    s = s[~np.isnan(s)]
    if s.size == 0:
        raise ValueError("nps needs at least one answer")
    if ((s < 0) | (s > 10) | (s != np.round(s))).any():
        raise ValueError("nps scores must be integers 0..10")
    return float(100.0 * ((s >= 9).sum() - (s <= 6).sum()) / s.size)


def _box(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v) & (v >= 0)]
    if v.size == 0:
        raise ValueError("no valid answers")
    return v


def top_box(values: Sequence[float] | np.ndarray | pd.Series, scale_max: int, k: int = 2) -> float:
    """Top-k box: percentage of valid answers in the top ``k`` points (``v > scale_max - k``).

    Negative codes (-1 missing, -2 na) and ``NaN`` are not valid answers.
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    v = _box(values)
    if (v > scale_max).any():
        raise ValueError(f"values above scale_max={scale_max}")
    return float(100.0 * (v > scale_max - k).mean())


def bottom_box(
    values: Sequence[float] | np.ndarray | pd.Series, scale_min: int, k: int = 2
) -> float:
    """Bottom-k box: percentage of valid answers in the lowest ``k`` points
    (``v < scale_min + k``)."""
    if k < 1:
        raise ValueError("k must be >= 1")
    v = _box(values)
    if (v < scale_min).any():
        raise ValueError(f"values below scale_min={scale_min}")
    return float(100.0 * (v < scale_min + k).mean())


# ---------------------------------------------------------------- sufficient statistics


def metric_columns(scored: pd.DataFrame) -> list[str]:
    """Respondent-level metrics of a scored frame: ``overall`` then ``dim:<d>``."""
    return ["overall"] + [DIM_PREFIX + d for d in dimension_columns(scored)]


def count_columns(scored: pd.DataFrame) -> list[str]:
    """Additive answer counts of a scored frame (``n_valid``, ``n_satisfied`` ...)."""
    return [
        c
        for c in scored.columns
        if c in ("n_valid", "n_satisfied") or str(c).startswith((VALID_PREFIX, SATISFIED_PREFIX))
    ]


def sufficient_stats(scored: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Additive statistics per group: ``n`` responses; per metric ``m`` the columns
    ``m|n``, ``m|sum``, ``m|ss`` (count, sum, sum of squares of non-NaN values); and the
    answer counts. Counts and sums of groups add up, so pooled statistics of any union of
    groups are sums of rows (used by roll-up and by the disclosure check).
    """
    keys = [by] if isinstance(by, str) else list(by)
    absent = [k for k in keys if k not in scored.columns]
    if absent:
        raise ValueError(f"unknown grouping columns {absent}")
    if scored.empty:
        raise ValueError("no scored responses")
    if "overall" not in scored.columns:
        raise ValueError("not a scored frame (no 'overall' column); use scoring.score_responses")
    codes, uniques = pd.MultiIndex.from_frame(scored[keys]).factorize() if len(keys) > 1 else (
        pd.factorize(scored[keys[0]], sort=True)
    )
    if (codes < 0).any():
        raise ValueError(f"grouping columns {keys} contain missing values")
    g = len(uniques)
    cols: dict[str, np.ndarray] = {"n": np.bincount(codes, minlength=g)}
    for m in metric_columns(scored):
        x = scored[m].to_numpy(float)
        ok = ~np.isnan(x)
        x0 = np.where(ok, x, 0.0)
        cols[m + "|n"] = np.bincount(codes, weights=ok, minlength=g)
        cols[m + "|sum"] = np.bincount(codes, weights=x0, minlength=g)
        cols[m + "|ss"] = np.bincount(codes, weights=x0 * x0, minlength=g)
    for c in count_columns(scored):
        cols[c] = np.bincount(codes, weights=scored[c].to_numpy(float), minlength=g)
    if len(keys) == 1:
        index = pd.Index(uniques, name=keys[0])
    else:
        index = pd.MultiIndex.from_tuples(list(uniques), names=keys)
    return pd.DataFrame(cols, index=index)


def finalise(stats_frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Turn sufficient statistics into published figures.

    For each metric ``m`` (``overall`` and ``dim:<d>``): ``m`` (mean), ``m_sd``, ``m_ci_low``,
    ``m_ci_high`` (t-interval), ``m_n``; then ``satisfaction_rate`` with Wilson bounds
    ``satisfaction_ci_low/high`` and ``n_answers``, and ``sat:<d>`` per dimension; ``n``
    stays first. Rates are proportions in [0, 1]; indices are on 0-100.
    """
    out = pd.DataFrame(index=stats_frame.index)
    out["n"] = stats_frame["n"].astype(np.int64)
    metrics = [c[:-2] for c in stats_frame.columns if c.endswith("|n")]
    for m in metrics:
        n = stats_frame[m + "|n"].to_numpy(float)
        s = stats_frame[m + "|sum"].to_numpy(float)
        ss = stats_frame[m + "|ss"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, s / n, np.nan)
            var = np.where(n > 1, (ss - n * mean * mean) / (n - 1), np.nan)
        sd = np.sqrt(np.clip(var, 0, None))
        low, high = t_interval(n, mean, sd, confidence)
        out[m] = mean
        if m == "overall":
            out["overall_sd"] = sd
            out["overall_ci_low"] = low
            out["overall_ci_high"] = high
        out[m + "_n"] = n.astype(np.int64)
    if "n_valid" in stats_frame.columns:
        k = stats_frame["n_satisfied"].to_numpy(float)
        n = stats_frame["n_valid"].to_numpy(float)
        low, high = wilson_interval(k, n, confidence)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["satisfaction_rate"] = np.where(n > 0, k / n, np.nan)
        out["satisfaction_ci_low"] = low
        out["satisfaction_ci_high"] = high
        out["n_answers"] = n.astype(np.int64)
    for c in stats_frame.columns:
        if str(c).startswith(VALID_PREFIX):
            d = c[len(VALID_PREFIX) :]
            n = stats_frame[c].to_numpy(float)
            k = stats_frame[SATISFIED_PREFIX + d].to_numpy(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                out["sat:" + d] = np.where(n > 0, k / n, np.nan)
    return out


def unit_indices(
    scored: pd.DataFrame, by: str | Sequence[str] = "target_id", confidence: float = 0.95
) -> pd.DataFrame:
    """Indices per unit (or any grouping, e.g. ``["target_id", "rater_group"]``).

    Parameters
    ----------
    scored : DataFrame
        Output of :func:`analysis.scoring.score_responses` / ``score_campaign``.
    by : str or list of str
        Grouping column(s).
    confidence : float
        Level of the intervals.

    Returns
    -------
    DataFrame
        Indexed by ``by``: ``n`` (responses); ``overall`` (mean overall index, 0-100) with
        ``overall_sd``, ``overall_ci_low``, ``overall_ci_high`` (t-interval on respondent
        indices) and ``overall_n`` (respondents with an overall index); ``dim:<d>`` (mean
        dimension index) and ``dim:<d>_n``; ``satisfaction_rate`` (pooled answers of all
        items, 0-1) with Wilson ``satisfaction_ci_low/high`` and ``n_answers``; ``sat:<d>``
        (pooled satisfaction rate of dimension ``d``).

    Notes
    -----
    Means are over respondents (each respondent's index counts once); the satisfaction rate
    pools answers. See :func:`wilson_interval` and :func:`t_interval` for the intervals.
    """
    return finalise(sufficient_stats(scored, by), confidence)
