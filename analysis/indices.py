"""Indices of a unit: satisfaction index (满意度), satisfaction rate (满意率), participation
rate (参评率), NPS, top/bottom box, with confidence intervals.

Unit statistics are computed from additive sufficient statistics (count, sum, sum of squares
per metric; valid and satisfied answer counts, and their per-respondent sums of squares), so
the same code serves a unit, a pooled subtree (:mod:`analysis.rollup`) and a disclosure check
(:mod:`analysis.disclosure`).

Intervals respect the bounds and the respondent as the unit: an index interval stays in 0-100
(:func:`bounded_mean_interval`), and a rate that pools several answers per respondent has a
respondent-clustered interval (:func:`cluster_rate_interval`), not one that counts answers
as independent trials.
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


def _t_quantile(confidence: float, n: np.ndarray) -> np.ndarray:
    """The two-sided Student t quantile with ``n - 1`` degrees of freedom (``NaN`` where
    ``n < 2``), computed once per distinct ``n``: the item tables of 5,000 units ask for
    hundreds of thousands of quantiles with a few hundred distinct ``n``, and each
    ``stats.t.ppf`` element costs microseconds."""
    n = np.asarray(n, dtype=float)
    distinct, where = np.unique(n, return_inverse=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(0.5 + confidence / 2, np.where(distinct >= 2, distinct - 1, np.nan))
    return np.asarray(q)[where.reshape(n.shape)]


def t_interval(
    n: np.ndarray, mean: np.ndarray, sd: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Student t confidence interval of a mean, ``mean ± t_{n-1} sd / sqrt(n)`` (vectorised).

    ``NaN`` where ``n < 2``. Unbounded: for an index on 0-100 use
    :func:`bounded_mean_interval`. Reference: Student (1908), *Biometrika* 6(1), 1-25.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    n = np.asarray(n, dtype=float)
    t = _t_quantile(confidence, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t * np.asarray(sd, dtype=float) / np.sqrt(n)
    return np.asarray(mean) - half, np.asarray(mean) + half


def effective_wilson_interval(
    p: np.ndarray | pd.Series | float,
    variance: np.ndarray | pd.Series | float,
    n_units: np.ndarray | pd.Series | int,
    confidence: float = 0.95,
    n_max: np.ndarray | pd.Series | float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a mean in [0, 1] with an estimated variance (vectorised).

    The estimate need not be a binomial proportion: any mean of values in [0, 1] (a
    rescaled 0-100 index) or a ratio of pooled answers, with a variance estimated from the
    ``n_units`` independent units (respondents). The interval always lies in [0, 1].

    Parameters
    ----------
    p : array-like of float
        Estimates in [0, 1].
    variance : array-like of float
        Estimated variance of ``p`` (e.g. :math:`s^2/n`, or a cluster-robust variance).
    n_units : array-like of int
        Number of independent units behind the estimate; the variance has ``n_units - 1``
        degrees of freedom. ``n_units < 2`` gives ``NaN``.
    confidence : float
        Two-sided confidence level, default 0.95.
    n_max : array-like of float, optional
        Upper bound of the effective sample size (the number of answers for a pooled rate:
        a design effect below 1 is not credited).

    Returns
    -------
    (low, high) : tuple of ndarray
        Bounds in [0, 1].

    Notes
    -----
    The effective sample size (Kish) is :math:`n^* = \\hat p(1-\\hat p)/\\hat V`, the number of
    independent Bernoulli trials that would give the estimated variance. The interval is
    Wilson's with :math:`n^*` trials and the quantile :math:`c = t_{n-1, 1-\\alpha/2}` (the
    degrees-of-freedom adjustment of Korn & Graubard 1998):

    .. math::

        \\frac{\\hat p + c^2/2n^* \\pm c\\sqrt{\\hat p(1-\\hat p)/n^* + c^2/4n^{*2}}}
             {1 + c^2/n^*}

    It inverts the score test :math:`|\\hat p - p| \\le c \\sqrt{p(1-p)/n^*}`, so both bounds
    stay in [0, 1]. At :math:`\\hat p \\in \\{0, 1\\}` the estimated variance is 0 and tells
    nothing; there the interval is Wilson's with :math:`n^* = n` units and the normal
    quantile, i.e. under the largest variance a mean of [0, 1]-valued units can have,
    :math:`Var(Y) \\le \\mu(1-\\mu)` (Bhatia & Davis 2000). For :math:`0 < \\hat p < 1` and
    :math:`\\hat V = 0` (all units equal) the interval is the point :math:`\\hat p`.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22(158), 209-212.
    Kish, L. (1965). *Survey Sampling*. Wiley (design effect, effective sample size).
    Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small
    expected number of positive counts estimated from survey data. *Survey Methodology*
    24(2), 193-201.
    Dean, N. & Pagano, M. (2015). Evaluating confidence interval methods for binomial
    proportions in clustered surveys. *J. Survey Statistics and Methodology* 3(4), 484-503.
    Bhatia, R. & Davis, C. (2000). A better bound on the variance. *Amer. Math. Monthly*
    107(4), 353-357.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    p = np.asarray(p, dtype=float)
    v = np.asarray(variance, dtype=float)
    n = np.asarray(n_units, dtype=float)
    try:
        p, v, n = np.broadcast_arrays(p, v, n)
    except ValueError as exc:
        raise ValueError(f"p, variance and n_units differ in shape: {exc}") from None
    if ((p < 0) | (p > 1)).any() or (v < 0).any() or (n < 0).any():
        raise ValueError("need 0 <= p <= 1, variance >= 0 and n_units >= 0")
    z = stats.norm.ppf(0.5 + confidence / 2)
    edge = (p == 0) | (p == 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(edge, z, _t_quantile(confidence, n))
        n_eff = np.where(edge, n, np.where(v > 0, p * (1 - p) / v, np.inf))
        if n_max is not None:
            n_eff = np.minimum(n_eff, np.asarray(n_max, dtype=float))
        a = c * c / n_eff
        denom = 1 + a
        centre = (p + a / 2) / denom
        half = c * np.sqrt(p * (1 - p) / n_eff + a * a / (4 * c * c)) / denom
        ok = (n >= 2) & ~np.isnan(p) & ~np.isnan(v) & (n_eff > 0)
        low = np.where(ok, np.where(p == 0, 0.0, np.clip(centre - half, 0, 1)), np.nan)
        high = np.where(ok, np.where(p == 1, 1.0, np.clip(centre + half, 0, 1)), np.nan)
    return low, high


def bounded_mean_interval(
    n: np.ndarray | pd.Series | int,
    mean: np.ndarray | pd.Series | float,
    sd: np.ndarray | pd.Series | float,
    confidence: float = 0.95,
    lower: float = 0.0,
    upper: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of the mean of values in ``[lower, upper]`` that stays inside them.

    Parameters
    ----------
    n, mean, sd : array-like
        Number of respondents, mean and standard deviation (``n - 1`` denominator) of their
        values. ``n < 2`` gives ``NaN``.
    confidence : float
        Two-sided confidence level.
    lower, upper : float
        Bounds of the values (0 and 100 for a satisfaction index).

    Returns
    -------
    (low, high) : tuple of ndarray
        Bounds in ``[lower, upper]``.

    Notes
    -----
    With :math:`\\hat p = (\\bar x - L)/(U - L)` and :math:`\\hat V = s^2/(n (U-L)^2)`, the
    interval is :func:`effective_wilson_interval` mapped back to ``[L, U]``. Where the t
    interval :math:`\\bar x \\pm t_{n-1} s/\\sqrt n` stays well inside the bounds the two agree
    to first order; near a bound the score interval is asymmetric (shorter towards the
    bound), and when every respondent sits at a bound it is Wilson's interval for ``n``
    trials (e.g. three respondents all at 100 give 43.9 - 100).

    References
    ----------
    Wilson (1927); Korn & Graubard (1998); Bhatia & Davis (2000): see
    :func:`effective_wilson_interval`.
    """
    if not upper > lower:
        raise ValueError(f"need upper > lower, got [{lower}, {upper}]")
    n = np.asarray(n, dtype=float)
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    width = upper - lower
    tol = 1e-9 * width
    if ((mean < lower - tol) | (mean > upper + tol)).any():
        raise ValueError(f"means outside [{lower}, {upper}]")
    p = np.clip((mean - lower) / width, 0, 1)
    # The mean of identical values can miss a bound by a rounding error: snap it.
    p = np.where(p < 1e-12, 0.0, np.where(p > 1 - 1e-12, 1.0, p))
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(n > 0, (sd / width) ** 2 / n, np.nan)
    low, high = effective_wilson_interval(p, np.nan_to_num(v, nan=0.0), n, confidence)
    low = np.where(np.isnan(v), np.nan, low)
    high = np.where(np.isnan(v), np.nan, high)
    return lower + width * low, lower + width * high


def cluster_rate_interval(
    n_units: np.ndarray | pd.Series | int,
    sum_x: np.ndarray | pd.Series | float,
    sum_y: np.ndarray | pd.Series | float,
    sum_xx: np.ndarray | pd.Series | float,
    sum_yy: np.ndarray | pd.Series | float,
    sum_xy: np.ndarray | pd.Series | float,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pooled rate of answers with the respondent as the cluster, and its interval.

    Parameters
    ----------
    n_units : array-like of int
        Respondents with at least one valid answer (the clusters).
    sum_x, sum_y : array-like
        :math:`\\sum_i x_i` (valid answers) and :math:`\\sum_i y_i` (satisfied answers).
    sum_xx, sum_yy, sum_xy : array-like
        :math:`\\sum_i x_i^2`, :math:`\\sum_i y_i^2`, :math:`\\sum_i x_i y_i` over respondents.
        All six are additive over groups, so pooled units need only sums of rows.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    (rate, variance, low, high) : tuple of ndarray
        The rate :math:`r`, its cluster-robust variance and the interval bounds in [0, 1].

    Notes
    -----
    The rate is the ratio estimator :math:`r = \\sum y_i / \\sum x_i`. Its linearisation
    (Taylor) variance with the respondents as independent clusters, with the usual
    :math:`G/(G-1)` small-sample factor, is

    .. math::

        \\hat V(r) = \\frac{G}{G-1} \\frac{\\sum_i (y_i - r x_i)^2}{(\\sum_i x_i)^2},
        \\qquad \\sum_i (y_i - r x_i)^2 = S_{yy} - 2 r S_{xy} + r^2 S_{xx}

    (Lohr 2019, eq. 4.13 with the finite-population correction omitted). It is the CR1
    cluster-robust variance of the intercept of an OLS fit of the 0/1 answers on a constant
    (Cameron & Miller 2015, eq. 11 with :math:`K = 1`), which the tests check against
    statsmodels. The interval is :func:`effective_wilson_interval` with :math:`G` units and
    the effective sample size capped at :math:`\\sum x_i`; at :math:`r \\in \\{0, 1\\}`
    (every answer alike, as if each respondent were one trial) it is Wilson's interval for
    :math:`G` trials. When no respondent gives more than one valid answer
    (:math:`S_{xx} = \\sum x_i`, e.g. a single item) the answers are independent and the
    interval is the plain :func:`wilson_interval`.

    References
    ----------
    Lohr, S. L. (2019). *Sampling: Design and Analysis*, 2nd ed., CRC Press, §4.1-4.2 (ratio
    estimation) and §5.2 (cluster sampling).
    Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. *J. Human Resources* 50(2), 317-372.
    Wilson (1927); Korn & Graubard (1998): see :func:`effective_wilson_interval`.
    """
    g = np.asarray(n_units, dtype=float)
    sx, sy = np.asarray(sum_x, dtype=float), np.asarray(sum_y, dtype=float)
    sxx, syy = np.asarray(sum_xx, dtype=float), np.asarray(sum_yy, dtype=float)
    sxy = np.asarray(sum_xy, dtype=float)
    if (sy < 0).any() or (sy > sx).any() or (g < 0).any():
        raise ValueError("need 0 <= sum_y <= sum_x and n_units >= 0")
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(sx > 0, sy / sx, np.nan)
        sse = np.clip(syy - 2 * r * sxy + r * r * sxx, 0, None)
        var = np.where(g > 1, g / (g - 1) * sse / (sx * sx), np.nan)
    low, high = effective_wilson_interval(
        np.nan_to_num(r), np.nan_to_num(var), g, confidence, n_max=sx
    )
    bad = np.isnan(r) | np.isnan(var)
    low, high = np.where(bad, np.nan, low), np.where(bad, np.nan, high)
    single = sxx == sx
    if single.any():
        wl, wh = wilson_interval(np.where(single, sy, 0), np.where(single, sx, 0), confidence)
        low, high = np.where(single, wl, low), np.where(single, wh, high)
    return r, var, low, high


#: Additive per-respondent statistics of a pooled rate (see :func:`cluster_rate_interval`):
#: respondents with a valid answer, and the sums of squares and cross-products of the
#: per-respondent valid and satisfied answer counts.
CLUSTER_COLUMNS = ("n_clusters", "ss_valid", "ss_satisfied", "sp_valid_satisfied")


def _group_sums(codes: np.ndarray | None, v: np.ndarray, g: int) -> np.ndarray:
    """Sums of ``v`` per group code (float64); one group when ``codes`` is None."""
    if codes is None:
        return np.array([v.sum(dtype=np.float64)])
    return np.bincount(codes, weights=v, minlength=g)


def _cluster_sums(x: np.ndarray, y: np.ndarray, codes: np.ndarray | None = None,
                  g: int = 1) -> dict[str, np.ndarray]:
    """Per-group ``CLUSTER_COLUMNS`` from per-respondent valid (x) and satisfied (y) counts.

    For one item the counts are 0/1 (boolean ``x``, ``y``): then ``x² = x``, ``y² = y`` and
    ``xy = x & y``, and three sums give the four columns."""
    if x.dtype == bool and y.dtype == bool:
        nx = _group_sums(codes, x, g)
        return {"n_clusters": nx, "ss_valid": nx.copy(),
                "ss_satisfied": _group_sums(codes, y, g),
                "sp_valid_satisfied": _group_sums(codes, x & y, g)}
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return {
        "n_clusters": _group_sums(codes, x > 0, g),
        "ss_valid": _group_sums(codes, x * x, g),
        "ss_satisfied": _group_sums(codes, y * y, g),
        "sp_valid_satisfied": _group_sums(codes, x * y, g),
    }


def satisfaction_rate(
    values: pd.DataFrame | pd.Series | np.ndarray,
    satisfied_values: Sequence[int],
    confidence: float = 0.95,
) -> pd.Series:
    """Satisfaction rate (满意率) of a set of answers, pooled, with a respondent-clustered
    interval.

    Parameters
    ----------
    values : array-like of int
        Answer codes (scale values; -1 missing and -2 na are not valid answers). A 2-D input
        has one row per respondent and pools all its cells (e.g. the items of a dimension);
        a 1-D input is one answer per respondent.
    satisfied_values : sequence of int
        Scale values counted as satisfied (e.g. ``(4, 5)`` on a 1-5 scale).

    Returns
    -------
    Series
        ``n_valid``, ``n_satisfied``, ``rate`` (0-1), ``ci_low``, ``ci_high``.

    Notes
    -----
    ``rate = #(valid answers in the satisfied set) / #(valid answers)``, a ratio estimator
    over respondents. The answers of one respondent are correlated, so the interval treats
    the respondent, not the answer, as the independent unit
    (:func:`cluster_rate_interval`); with one answer per respondent it is the Wilson
    interval.
    """
    v = np.asarray(values)
    if v.size == 0:
        raise ValueError("no answers")
    if v.ndim > 2:
        raise ValueError(f"values must be 1-D or 2-D, got {v.ndim} dimensions")
    v = v.reshape(len(v), -1)
    valid = v >= 0
    x = valid.sum(axis=1)
    y = (np.isin(v, list(satisfied_values)) & valid).sum(axis=1)
    n, k = int(x.sum()), int(y.sum())
    cs = _cluster_sums(x, y)
    rate, _, low, high = cluster_rate_interval(
        cs["n_clusters"], np.array([n]), np.array([k]), cs["ss_valid"], cs["ss_satisfied"],
        cs["sp_valid_satisfied"], confidence,
    )
    return pd.Series(
        {"n_valid": n, "n_satisfied": k, "rate": float(rate[0]), "ci_low": float(low[0]),
         "ci_high": float(high[0])}
    )


def item_satisfaction(
    values: pd.DataFrame,
    spec: pd.DataFrame,
    confidence: float = 0.95,
    by: pd.Series | np.ndarray | None = None,
    cluster_stats: bool = False,
) -> pd.DataFrame:
    """Satisfaction rate per item and per dimension (pooled answers of its items).

    Parameters
    ----------
    values : DataFrame
        Answer codes, one row per respondent, one column per item of ``spec``.
    spec : DataFrame
        Item specification (:func:`analysis.scoring.item_spec`).
    by : Series or array, optional
        A unit (or other group) label per row: the rates are then per group and item.
    cluster_stats : bool
        Also return the additive :data:`CLUSTER_COLUMNS`, so that rows of several groups can
        be summed and their rates recomputed with :func:`rate_table` (roll-up).

    Returns
    -------
    DataFrame
        Indexed by item id then one row per dimension labelled ``dim:<d>`` (with ``by``: a
        ``(group, item)`` MultiIndex), columns ``n_valid, n_satisfied, rate, ci_low,
        ci_high``. An item row has one answer per respondent (Wilson interval); a dimension
        row pools its items and has a respondent-clustered interval
        (:func:`cluster_rate_interval`).
    """
    from analysis.scoring import _matrix, _satisfied_mask, validate_spec

    spec = validate_spec(spec)
    m = _matrix(values, spec)
    valid = m >= 0
    sat = _satisfied_mask(m, spec)
    dims = spec["dimension"].to_numpy()
    dim_names = list(dict.fromkeys(dims))
    labels = [str(i) for i in spec.index] + [DIM_PREFIX + d for d in dim_names]
    if by is None:
        codes, uniques = None, None
    else:
        groups = np.asarray(by)
        if groups.shape != (len(m),):
            raise ValueError(f"by must have one label per row ({len(m)}), got {groups.shape}")
        codes, uniques = pd.factorize(groups, sort=True)
        if (codes < 0).any():
            raise ValueError("by contains missing labels")
    g = 1 if uniques is None else len(uniques)
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("n_valid", "n_satisfied", *CLUSTER_COLUMNS)
    }
    # Columns are the items, then the dimensions; the loops run over them, not respondents.
    xs = [valid[:, j] for j in range(m.shape[1])] + [valid[:, dims == d].sum(axis=1)
                                                      for d in dim_names]
    ys = [sat[:, j] for j in range(m.shape[1])] + [sat[:, dims == d].sum(axis=1)
                                                    for d in dim_names]
    for x, y in zip(xs, ys, strict=True):
        cols["n_valid"].append(_group_sums(codes, x, g))
        cols["n_satisfied"].append(_group_sums(codes, y, g))
        for k, a in _cluster_sums(x, y, codes, g).items():
            cols[k].append(a)
    if uniques is None:
        index: pd.Index = pd.Index(labels)
    else:
        index = pd.MultiIndex.from_product([uniques, labels], names=["group", "item"])
    out = pd.DataFrame(
        {k: np.stack(v, axis=1).ravel().astype(np.int64) for k, v in cols.items()}, index=index
    )
    if uniques is None:
        out.index = list(spec.index) + [DIM_PREFIX + d for d in dim_names]
    out = rate_table(out, confidence)
    if not cluster_stats:
        out = out.drop(columns=list(CLUSTER_COLUMNS))
    return out


def rate_table(frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Add ``rate, ci_low, ci_high`` to a frame of answer counts (a copy).

    Parameters
    ----------
    frame : DataFrame
        ``n_valid`` and ``n_satisfied``, and the additive :data:`CLUSTER_COLUMNS` (as
        returned by :func:`item_satisfaction` with ``cluster_stats=True``, possibly summed
        over groups).
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    DataFrame
        ``frame`` with ``rate`` (0-1) and the respondent-clustered interval of
        :func:`cluster_rate_interval` in ``ci_low``, ``ci_high``.
    """
    absent = [c for c in ("n_valid", "n_satisfied", *CLUSTER_COLUMNS) if c not in frame.columns]
    if absent:
        raise ValueError(f"frame lacks columns {absent}")
    out = frame.copy()
    rate, _, low, high = cluster_rate_interval(
        *(out[c].to_numpy(float) for c in ("n_clusters", "n_valid", "n_satisfied", "ss_valid",
                                           "ss_satisfied", "sp_valid_satisfied")),
        confidence=confidence,
    )
    out["rate"], out["ci_low"], out["ci_high"] = rate, low, high
    return out


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
    answer counts, with the :data:`CLUSTER_COLUMNS` of the overall satisfaction rate (for
    its respondent-clustered interval). Counts and sums of groups add up, so pooled
    statistics of any union of groups are sums of rows (used by roll-up and by the
    disclosure check).
    """
    keys = [by] if isinstance(by, str) else list(by)
    absent = [k for k in keys if k not in scored.columns]
    if absent:
        raise ValueError(f"unknown grouping columns {absent}")
    if scored.empty:
        raise ValueError("no scored responses")
    if "overall" not in scored.columns:
        raise ValueError("not a scored frame (no 'overall' column); use scoring.score_responses")
    if len(keys) == 1:
        codes, uniques = pd.factorize(scored[keys[0]], sort=True)
        index = pd.Index(uniques, name=keys[0])
    else:
        codes, index = _factorize_keys(scored, keys)
    if (codes < 0).any():
        raise ValueError(f"grouping columns {keys} contain missing values")
    g = len(index)
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
    if "n_valid" in scored.columns and "n_satisfied" in scored.columns:
        cols.update(_cluster_sums(scored["n_valid"].to_numpy(float),
                                  scored["n_satisfied"].to_numpy(float), codes, g))
    return pd.DataFrame(cols, index=index)


def _factorize_keys(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.MultiIndex]:
    """Group codes of several key columns, in order of first appearance (as the factorized
    tuples of a MultiIndex), and the groups' keys as a MultiIndex.

    Each column is factorized on its own and the codes combined into one integer: a
    MultiIndex of a million rows built a million tuples for its factorization (5 s)."""
    parts = [pd.factorize(frame[k]) for k in keys]
    level_codes = [c for c, _ in parts]
    missing = np.logical_or.reduce([c < 0 for c in level_codes])
    if missing.any():  # refused by the caller
        return np.where(missing, -1, 0), pd.MultiIndex.from_arrays([[]] * len(keys), names=keys)
    shape = tuple(max(len(u), 1) for _, u in parts)
    codes, groups = pd.factorize(np.ravel_multi_index(level_codes, shape))
    per_level = np.unravel_index(groups, shape)
    return codes, pd.MultiIndex.from_arrays(
        [np.asarray(u)[c] for (_, u), c in zip(parts, per_level, strict=True)], names=keys)


def finalise(stats_frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Turn sufficient statistics into published figures.

    For each metric ``m`` (``overall`` and ``dim:<d>``): ``m`` (mean), ``m_n``; for
    ``overall`` also ``overall_sd`` and ``overall_ci_low/high`` (an interval that stays in
    0-100, :func:`bounded_mean_interval`); then ``satisfaction_rate`` with the
    respondent-clustered bounds ``satisfaction_ci_low/high`` (:func:`cluster_rate_interval`)
    and ``n_answers``, and ``sat:<d>`` per dimension; ``n`` stays first. Rates are
    proportions in [0, 1]; indices are on 0-100.
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
        low, high = bounded_mean_interval(n, mean, sd, confidence)
        out[m] = mean
        if m == "overall":
            out["overall_sd"] = sd
            out["overall_ci_low"] = low
            out["overall_ci_high"] = high
        out[m + "_n"] = n.astype(np.int64)
    if "n_valid" in stats_frame.columns:
        absent = [c for c in CLUSTER_COLUMNS if c not in stats_frame.columns]
        if absent:
            raise ValueError(f"statistics lack the respondent-level columns {absent} of the "
                             "satisfaction rate; build them with sufficient_stats")
        n = stats_frame["n_valid"].to_numpy(float)
        rate, _, low, high = cluster_rate_interval(
            *(stats_frame[c].to_numpy(float) for c in (
                "n_clusters", "n_valid", "n_satisfied", "ss_valid", "ss_satisfied",
                "sp_valid_satisfied")),
            confidence=confidence,
        )
        out["satisfaction_rate"] = rate
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
        indices, inside 0-100) and ``overall_n`` (respondents with an overall index);
        ``dim:<d>`` (mean dimension index) and ``dim:<d>_n``; ``satisfaction_rate`` (pooled
        answers of all items, 0-1) with respondent-clustered ``satisfaction_ci_low/high``
        and ``n_answers``; ``sat:<d>`` (pooled satisfaction rate of dimension ``d``).

    Notes
    -----
    Means are over respondents (each respondent's index counts once); the satisfaction rate
    pools answers, but its interval counts respondents, not answers, as independent. See
    :func:`bounded_mean_interval` and :func:`cluster_rate_interval` for the intervals.
    """
    return finalise(sufficient_stats(scored, by), confidence)
