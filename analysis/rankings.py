"""Rankings that respect uncertainty (排名): rank intervals and shrunk indices.

A league table of units ranked by their satisfaction index overstates what the data say:
a unit with 6 respondents can sit at the top or the bottom by chance. Two remedies, after
Goldstein & Spiegelhalter (1996):

* :func:`rank_intervals`: the rank of every unit with an interval, from a bootstrap over
  respondents within units; a unit whose interval covers most of the list is flagged as not
  distinguishable from the rest.
* :func:`shrunk_index`: an empirical-Bayes (normal-normal) index that pulls each unit
  toward its peer-group mean in proportion to its sampling variance, so small units no
  longer dominate the top and bottom of the list.

:func:`unit_rankings` returns both per unit; :func:`ranks_table` returns exactly the columns
of the ranks export, ``unit_code, n, index, index_shrunk, rank, rank_low, rank_high``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats


def distinct_names(names: pd.Series, parent_names: pd.Series,
                   codes: pd.Series | None = None) -> pd.Series:
    """Unit names that tell the rows of one list apart.

    Large unions repeat names below them (five 生产车间分工会 under five companies). A name
    that occurs more than once in ``names`` gets its parent's name in brackets,
    ``生产车间分工会（江滨机械厂工会）``; if that still repeats (two units of one name under one
    parent), the unit's code is added as well. Unique names are left as they are.

    Parameters
    ----------
    names, parent_names : Series
        Aligned on the same index; a missing parent name leaves the name without brackets.
    codes : Series, optional
        The units' codes, for names that repeat under one parent.

    Returns
    -------
    Series of str, on ``names``' index.
    """
    names = names.astype(str)
    parents = parent_names.reindex(names.index)
    repeated = names.duplicated(keep=False) & parents.notna()
    out = names.where(~repeated, names + "（" + parents.astype(str) + "）")
    if codes is not None:
        still = out.duplicated(keep=False)
        out = out.where(~still, out + " " + codes.reindex(names.index).astype(str))
    return out


#: Columns of the ranks export, in order.
EXPORT_COLUMNS = ("unit_code", "n", "index", "index_shrunk", "rank", "rank_low", "rank_high")

#: A unit whose rank interval covers more than this share of the list is not
#: distinguishable (``distinguishable=False``).
DEFAULT_SPAN_SHARE = 0.5


# ---------------------------------------------------------------- input


def _unit_values(
    scored: pd.DataFrame, by: str, metric: str
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Respondent values sorted by unit: ``(codes, values, units)`` without ``NaN`` values."""
    if not isinstance(scored, pd.DataFrame):
        raise ValueError("scored must be a DataFrame of respondent-level scores")
    for c in (by, metric):
        if c not in scored.columns:
            raise ValueError(f"scored frame lacks column {c!r}")
    values = scored[metric].to_numpy(float)
    ok = ~np.isnan(values)
    if scored[by].isna().any():
        raise ValueError(f"column {by!r} contains missing unit labels")
    codes, units = pd.factorize(scored[by].to_numpy()[ok], sort=True)
    if len(units) < 2:
        raise ValueError("a ranking needs at least two units with a value")
    order = np.argsort(codes, kind="stable")
    return codes[order], values[ok][order], pd.Index(units, name=by)


def _unit_stats(codes: np.ndarray, values: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    n = np.bincount(codes, minlength=k).astype(float)
    mean = np.bincount(codes, weights=values, minlength=k) / n
    ssw = np.bincount(codes, weights=(values - mean[codes]) ** 2, minlength=k)
    return n, mean, ssw


# ---------------------------------------------------------------- empirical Bayes


def eb_shrinkage(
    n: np.ndarray | pd.Series,
    mean: np.ndarray | pd.Series,
    ss_within: np.ndarray | pd.Series,
    peer: np.ndarray | pd.Series | None = None,
) -> dict[str, np.ndarray | float]:
    """Empirical-Bayes (normal-normal) shrinkage of unit means, REML variance components.

    Parameters
    ----------
    n, mean, ss_within : array-like
        Per unit: respondents, mean and within-unit sum of squares
        :math:`\\sum_i (y_{ij} - \\bar y_j)^2`.
    peer : array-like, optional
        Peer group of each unit (e.g. its kind); each unit is shrunk toward its own peer
        group's mean. Default: one group.

    Returns
    -------
    dict
        ``shrunk`` (per unit), ``factor`` (:math:`B_j`, the weight of the unit's own mean),
        ``peer_mean`` (per unit), ``tau2`` (between-unit variance), ``sigma2`` (within-unit
        variance).

    Notes
    -----
    One-way random-effects model :math:`y_{ij} = \\mu_{g(j)} + u_j + e_{ij}`,
    :math:`u_j \\sim N(0, \\tau^2)`, :math:`e_{ij} \\sim N(0, \\sigma^2)`. So
    :math:`\\bar y_j \\sim N(\\theta_j, \\sigma^2/n_j)` and :math:`\\theta_j \\sim
    N(\\mu_g, \\tau^2)`, and the posterior mean of :math:`\\theta_j` is

    .. math::

        \\hat\\theta_j = \\hat\\mu_g + B_j (\\bar y_j - \\hat\\mu_g), \\qquad
        B_j = \\frac{\\tau^2}{\\tau^2 + \\sigma^2/n_j}

    (Efron & Morris 1975): the smaller the unit, the stronger the pull toward the peer mean
    :math:`\\hat\\mu_g = \\sum_{j \\in g} w_j \\bar y_j / \\sum_{j \\in g} w_j`,
    :math:`w_j = 1/(\\tau^2 + \\sigma^2/n_j)`. With :math:`\\gamma = \\tau^2/\\sigma^2`,
    :math:`a_j = \\gamma + 1/n_j`, :math:`Q(\\gamma) = \\sum_j (\\bar y_j - \\hat\\mu_g)^2/a_j`
    and :math:`S_W = \\sum_j` ``ss_within``, :math:`\\sigma^2` is profiled out,
    :math:`\\hat\\sigma^2(\\gamma) = (S_W + Q)/(N - K)`, and :math:`\\gamma \\ge 0` minimises
    the REML criterion (Patterson & Thompson 1971)

    .. math::

        -2\\ell_R(\\gamma) = (N-K)\\log\\hat\\sigma^2(\\gamma) + \\sum_j \\log a_j
        + \\sum_g \\log \\sum_{j \\in g} 1/a_j

    (:math:`N` respondents, :math:`K` peer groups). The shrunk value is the BLUP that
    ``statsmodels`` ``MixedLM(reml=True)`` predicts for the model ``y ~ C(peer)`` with a
    random intercept per unit; the tests check it. A shrunk index is a convex combination
    of means of 0-100 values, so it stays in 0-100.

    References
    ----------
    Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its
    generalizations. *JASA* 70(350), 311-319.
    Patterson, H. D. & Thompson, R. (1971). Recovery of inter-block information when block
    sizes are unequal. *Biometrika* 58(3), 545-554.
    Goldstein, H. & Spiegelhalter, D. J. (1996). League tables and their limitations:
    statistical issues in comparisons of institutional performance. *JRSS A* 159(3),
    385-443.
    """
    n = np.asarray(n, dtype=float)
    ybar = np.asarray(mean, dtype=float)
    ssw = np.asarray(ss_within, dtype=float)
    if not (n.shape == ybar.shape == ssw.shape) or n.ndim != 1:
        raise ValueError("n, mean and ss_within must be 1-D of one length")
    if (n < 1).any() or np.isnan(ybar).any() or (ssw < 0).any():
        raise ValueError("need n >= 1, finite means and ss_within >= 0 for every unit")
    if peer is None:
        g_codes, n_groups = np.zeros(len(n), dtype=np.intp), 1
    else:
        g_codes, uniques = pd.factorize(np.asarray(peer), sort=True)
        if len(g_codes) != len(n) or (g_codes < 0).any():
            raise ValueError("peer must give a group for every unit")
        n_groups = len(uniques)
    if len(n) <= n_groups:
        raise ValueError("shrinkage needs more units than peer groups")
    big_n = n.sum()
    if big_n - len(n) < 1:
        raise ValueError("shrinkage needs a unit with two or more respondents")

    def parts(gamma: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        a = gamma + 1 / n
        w = 1 / a
        sw = np.bincount(g_codes, weights=w, minlength=n_groups)
        mu = np.bincount(g_codes, weights=w * ybar, minlength=n_groups) / sw
        q = float(np.sum(w * (ybar - mu[g_codes]) ** 2))
        sigma2 = (ssw.sum() + q) / (big_n - n_groups)
        crit = (big_n - n_groups) * np.log(sigma2) + np.log(a).sum() + np.log(sw).sum()
        return a, mu, sigma2, float(crit)

    def slope(gamma: float) -> float:
        # d(-2 l_R)/d gamma; by the envelope theorem dQ/d gamma = -sum w^2 (ybar - mu)^2.
        a, mu, sigma2, _ = parts(gamma)
        w = 1 / a
        sw = np.bincount(g_codes, weights=w, minlength=n_groups)
        sw2 = np.bincount(g_codes, weights=w * w, minlength=n_groups)
        dq = -np.sum(w * w * (ybar - mu[g_codes]) ** 2)
        return float(dq / sigma2 + w.sum() - np.sum(sw2 / sw))

    # The criterion is smooth in log(gamma): a bounded search finds the minimum to about
    # sqrt(machine epsilon), then the root of the slope polishes it. gamma = 0 (no
    # between-unit variance) is the boundary and is compared separately.
    res = optimize.minimize_scalar(lambda t: parts(np.exp(t))[3], bounds=(-25.0, 12.0),
                                   method="bounded", options={"xatol": 1e-10})
    gamma = float(np.exp(res.x))
    lo, hi = gamma * 0.9, gamma * 1.1
    if slope(lo) < 0 < slope(hi):
        gamma = optimize.brentq(slope, lo, hi, xtol=1e-15 * gamma, rtol=1e-15)
    if parts(0.0)[3] <= parts(gamma)[3]:
        gamma = 0.0
    _, mu, sigma2, _ = parts(gamma)
    factor = gamma / (gamma + 1 / n)
    peer_mean = mu[g_codes]
    return {"shrunk": peer_mean + factor * (ybar - peer_mean), "factor": factor,
            "peer_mean": peer_mean, "tau2": gamma * sigma2, "sigma2": sigma2}


def shrunk_index(
    scored: pd.DataFrame,
    by: str = "target_code",
    metric: str = "overall",
    peer: str | None = None,
) -> pd.DataFrame:
    """Empirical-Bayes shrunk index per unit (see :func:`eb_shrinkage`).

    Parameters
    ----------
    scored : DataFrame
        Respondent-level scores (:func:`analysis.scoring.score_responses`), one row per
        response, with the unit column ``by`` and the index column ``metric``.
    by : str
        Unit column (``target_code`` is stable across years; ``target_id`` works too).
    metric : str
        Index to shrink: ``overall`` or ``dim:<d>``. Respondents without it are left out.
    peer : str, optional
        Column giving each unit's peer group (constant within a unit); default one group.

    Returns
    -------
    DataFrame
        Indexed by unit: ``n``, ``index`` (mean), ``index_shrunk``, ``shrinkage``
        (:math:`1 - B_j`, the share of the distance to the peer mean removed), ``peer_mean``.
    """
    codes, values, units = _unit_values(scored, by, metric)
    n, mean, ssw = _unit_stats(codes, values, len(units))
    groups = None
    if peer is not None:
        if peer not in scored.columns:
            raise ValueError(f"scored frame lacks column {peer!r}")
        per_unit = scored.loc[scored[metric].notna(), [by, peer]].drop_duplicates()
        if per_unit[by].duplicated().any():
            raise ValueError(f"peer column {peer!r} varies within a unit")
        groups = per_unit.set_index(by)[peer].reindex(units).to_numpy()
    eb = eb_shrinkage(n, mean, ssw, groups)
    return pd.DataFrame({"n": n.astype(np.int64), "index": mean, "index_shrunk": eb["shrunk"],
                         "shrinkage": 1 - eb["factor"], "peer_mean": eb["peer_mean"]},
                        index=units)


# ---------------------------------------------------------------- rank intervals


def _ranks(values: np.ndarray) -> np.ndarray:
    """Competition ranks along the last axis, 1 = highest (ties share the best rank)."""
    return stats.rankdata(-values, method="min", axis=-1).astype(np.int64)


def bootstrap_unit_means(
    codes: np.ndarray,
    values: np.ndarray,
    n_units: int,
    n_boot: int,
    rng: np.random.Generator,
    max_resample: int = 200,
    chunk_cells: int = 2_000_000,
) -> np.ndarray:
    """``(n_boot, n_units)`` bootstrap means, respondents resampled within their unit.

    ``codes`` must be sorted (respondents grouped by unit). In each replicate every
    respondent slot of unit ``j`` draws one of the unit's ``n_j`` respondents; replicates
    are drawn in chunks of about ``chunk_cells`` draws, each chunk one array operation. A
    unit with more than ``max_resample`` respondents draws its replicate means from the
    normal distribution :math:`N(\bar y_j, s_j^2/n_j)` instead (the bootstrap distribution
    of a mean of that many bounded values is normal to within its resampling noise; the
    variance is the plug-in :math:`\\sum_i (y_{ij} - \\bar y_j)^2 / n_j^2`), so the
    cost does not grow with the size of large units: about ``n_boot x K x max_resample``
    draws for ``K`` units.
    """
    n = np.bincount(codes, minlength=n_units)
    if (n == 0).any():
        raise ValueError("every unit needs at least one respondent")
    out = np.empty((n_boot, n_units))
    large = n > max_resample
    if large.any():
        nl, mean, ssw = _unit_stats(codes, values, n_units)
        se = np.sqrt(ssw)[large] / nl[large]  # the bootstrap (plug-in) standard error
        out[:, large] = mean[large] + se * rng.standard_normal((n_boot, int(large.sum())))
    small = ~large
    if small.any():
        keep = small[codes]
        sub_codes, _ = pd.factorize(codes[keep], sort=True)
        sub_values = values[keep]
        ns = n[small]
        start = np.concatenate([[0], np.cumsum(ns)[:-1]])
        slots = len(sub_values)
        base, size = start[sub_codes], ns[sub_codes]
        per_chunk = max(1, chunk_cells // slots)
        cols = np.flatnonzero(small)
        for b0 in range(0, n_boot, per_chunk):
            b1 = min(n_boot, b0 + per_chunk)
            draw = base + np.floor(rng.random((b1 - b0, slots)) * size).astype(np.int64)
            out[b0:b1, cols] = np.add.reduceat(sub_values[draw], start, axis=1) / ns
    return out


def rank_intervals(
    scored: pd.DataFrame,
    by: str = "target_code",
    metric: str = "overall",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | np.random.Generator | None = None,
    span_share: float = DEFAULT_SPAN_SHARE,
) -> pd.DataFrame:
    """Rank of every unit with a bootstrap interval (名次区间).

    Parameters
    ----------
    scored : DataFrame
        Respondent-level scores with the unit column ``by`` and the index ``metric``.
    by, metric : str
        Unit column and index column (respondents without the index are left out).
    n_boot : int
        Bootstrap replicates (1000 is plenty for 95 % intervals of ranks).
    confidence : float
        Level of the rank intervals.
    seed : int or Generator, optional
        Seed of the resampling, for reproducible published intervals.
    span_share : float
        A unit is ``distinguishable`` when its interval covers at most this share of the
        list: ``rank_high - rank_low + 1 <= span_share * K``.

    Returns
    -------
    DataFrame
        Indexed by unit: ``n``, ``index``, ``rank`` (1 = highest index; ties share the
        best rank), ``rank_low``, ``rank_high`` (best and worst plausible rank), and
        ``distinguishable``.

    Notes
    -----
    In each replicate the respondents of every unit are resampled with replacement
    within the unit (units are fixed, respondents are the sampled units), the unit means
    recomputed and ranked. ``rank_low`` and ``rank_high`` are the :math:`\\alpha/2` and
    :math:`1-\\alpha/2` quantiles of a unit's bootstrap ranks (rounded outward to whole
    ranks). These are marginal intervals, one unit at a time, as in Goldstein &
    Spiegelhalter (1996); they are not a joint statement about the whole table. The
    bootstrap distribution of a rank is not exact when several units have nearly equal true
    means (Hall & Miller 2009), which mainly makes the intervals of tied units wider.

    References
    ----------
    Goldstein, H. & Spiegelhalter, D. J. (1996). League tables and their limitations:
    statistical issues in comparisons of institutional performance. *JRSS A* 159(3),
    385-443.
    Hall, P. & Miller, H. (2009). Using the bootstrap to quantify the authority of an
    empirical ranking. *Annals of Statistics* 37(6B), 3929-3959.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if int(n_boot) < 100:
        raise ValueError("n_boot must be at least 100")
    if not 0 < span_share <= 1:
        raise ValueError("span_share must be in (0, 1]")
    codes, values, units = _unit_values(scored, by, metric)
    k = len(units)
    n, mean, _ = _unit_stats(codes, values, k)
    rng = np.random.default_rng(seed)
    boot = bootstrap_unit_means(codes, values, k, int(n_boot), rng)
    ranks = _ranks(boot)
    alpha = 1 - confidence
    low = np.quantile(ranks, alpha / 2, axis=0, method="lower").astype(np.int64)
    high = np.quantile(ranks, 1 - alpha / 2, axis=0, method="higher").astype(np.int64)
    rank = _ranks(mean)
    # The observed rank always lies in its interval.
    low, high = np.minimum(low, rank), np.maximum(high, rank)
    return pd.DataFrame({"n": n.astype(np.int64), "index": mean, "rank": rank,
                         "rank_low": low, "rank_high": high,
                         "distinguishable": (high - low + 1) <= span_share * k},
                        index=units)


# ---------------------------------------------------------------- the ranked list


def unit_rankings(
    scored: pd.DataFrame,
    by: str = "target_code",
    metric: str = "overall",
    peer: str | None = None,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    span_share: float = DEFAULT_SPAN_SHARE,
) -> pd.DataFrame:
    """Ranked list of units: index, shrunk index, rank and rank interval.

    Parameters are those of :func:`rank_intervals` and :func:`shrunk_index`. ``seed``
    defaults to 0 so that a published list does not change between two renderings.

    Returns
    -------
    DataFrame
        One row per unit sorted by ``rank``: ``unit_code``, ``n``, ``index``,
        ``index_shrunk``, ``rank``, ``rank_low``, ``rank_high``, ``distinguishable``,
        ``shrinkage``, ``peer_mean``. The rank is that of the raw ``index``; the shrunk
        index is shown beside it, not used for the order.
    """
    ranks = rank_intervals(scored, by, metric, n_boot, confidence, seed, span_share)
    shrunk = shrunk_index(scored, by, metric, peer)
    out = ranks.join(shrunk[["index_shrunk", "shrinkage", "peer_mean"]])
    out.index.name = "unit_code"
    out = out.reset_index().sort_values(["rank", "unit_code"], kind="stable")
    cols = [*EXPORT_COLUMNS, "distinguishable", "shrinkage", "peer_mean"]
    return out[cols].reset_index(drop=True)


def ranks_table(
    scored: pd.DataFrame,
    by: str = "target_code",
    metric: str = "overall",
    peer: str | None = None,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """The ranks export: exactly ``unit_code, n, index, index_shrunk, rank, rank_low,
    rank_high``, one row per unit sorted by rank (see :func:`unit_rankings`)."""
    return unit_rankings(scored, by, metric, peer, n_boot, confidence, seed)[
        list(EXPORT_COLUMNS)
    ]
