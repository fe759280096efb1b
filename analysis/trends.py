"""Year-over-year trends per unit: the change and whether it is significant.

Index means are compared with Welch's unequal-variance t-test on respondent-level indices
(Welch 1947), computed from each year's count, mean and standard deviation
(``scipy.stats.ttest_ind_from_stats(equal_var=False)``, vectorised over units).
Satisfaction rates are compared with the two-proportion z-test with pooled variance
(e.g. Agresti 2013, *Categorical Data Analysis*, 3rd ed., sec. 3.1; equal to
``statsmodels.stats.proportion.proportions_ztest`` and to ``prop.test(correct=FALSE)`` in R).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.indices import finalise, sufficient_stats


def welch_from_stats(
    n1: np.ndarray, mean1: np.ndarray, sd1: np.ndarray,
    n2: np.ndarray, mean2: np.ndarray, sd2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Welch t statistic, Welch-Satterthwaite df and two-sided p of ``mean2 - mean1``.

    .. math:: t = \\frac{\\bar x_2 - \\bar x_1}{\\sqrt{s_1^2/n_1 + s_2^2/n_2}}, \\quad
       \\nu = \\frac{(s_1^2/n_1 + s_2^2/n_2)^2}{\\frac{(s_1^2/n_1)^2}{n_1-1}
       + \\frac{(s_2^2/n_2)^2}{n_2-1}}

    ``NaN`` where a year has fewer than 2 values. Reference: Welch, B. L. (1947). The
    generalization of "Student's" problem when several different population variances are
    involved. *Biometrika* 34, 28-35.
    """
    a = [np.asarray(x, dtype=float) for x in (n1, mean1, sd1, n2, mean2, sd2)]
    n1, m1, s1, n2, m2, s2 = a
    if len({x.shape for x in a}) != 1:
        raise ValueError("all inputs must have the same shape")
    with np.errstate(invalid="ignore", divide="ignore"):
        v1, v2 = s1 * s1 / n1, s2 * s2 / n2
        se = np.sqrt(v1 + v2)
        t = (m2 - m1) / se
        df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    bad = (n1 < 2) | (n2 < 2)
    return np.where(bad, np.nan, t), np.where(bad, np.nan, df), np.where(bad, np.nan, p)


def two_proportion_z(
    k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two-proportion z-test (pooled variance) of ``p2 - p1``; returns ``(z, p)``.

    .. math:: z = \\frac{\\hat p_2 - \\hat p_1}{\\sqrt{\\hat p(1-\\hat p)(1/n_1 + 1/n_2)}},
       \\quad \\hat p = \\frac{k_1 + k_2}{n_1 + n_2}
    """
    k1, n1, k2, n2 = (np.asarray(x, dtype=float) for x in (k1, n1, k2, n2))
    if ((k1 > n1) | (k2 > n2) | (k1 < 0) | (k2 < 0)).any():
        raise ValueError("need 0 <= k <= n")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (k1 + k2) / (n1 + n2)
        se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        z = (k2 / n2 - k1 / n1) / se
        pv = 2 * stats.norm.sf(np.abs(z))
    return z, pv


def year_over_year(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    by: str | Sequence[str] = "target_id",
    *,
    alpha: float = 0.05,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Change of each unit's indices from one campaign year to the next.

    Parameters
    ----------
    previous, current : DataFrame
        Scored responses of the two years (:func:`analysis.scoring.score_responses`).
        Units are matched on ``by`` (use the stable organisation ``code``, e.g.
        ``"target_code"``, when ids can change between years).
    alpha : float
        Significance level.
    metrics : sequence of str, optional
        Index columns to compare (default ``overall`` and every ``dim:<d>`` in both years).

    Returns
    -------
    DataFrame
        Long, one row per (unit, metric), where metric is an index (``overall``,
        ``dim:<d>``; Welch t-test) or ``satisfaction_rate`` (two-proportion z-test):
        ``previous``, ``current``, ``change`` (current - previous), ``n_previous``,
        ``n_current``, ``statistic``, ``df`` (t-test only), ``p_value``, ``significant``
        (``p_value < alpha``), ``test`` (``"welch_t"`` or ``"two_proportion_z"``). Units present
        in only one year are left out.
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    return year_over_year_from_stats(sufficient_stats(previous, by),
                                     sufficient_stats(current, by), alpha=alpha, metrics=metrics)


def year_over_year_from_stats(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    alpha: float = 0.05,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """:func:`year_over_year` from each year's sufficient statistics per unit
    (:func:`analysis.indices.sufficient_stats`), however they were summed (used by
    :mod:`analysis.distributed`)."""
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    sa, sb = previous, current
    a, b = finalise(sa), finalise(sb)
    common = a.index.intersection(b.index)
    if len(common) == 0:
        raise ValueError("no unit appears in both years")
    a, b, sa, sb = a.loc[common], b.loc[common], sa.loc[common], sb.loc[common]
    if metrics is None:
        metrics = [c[:-2] for c in sa.columns if c.endswith("|n") and c in sb.columns]
    else:
        absent = [m for m in metrics if m + "|n" not in sa.columns or m + "|n" not in sb.columns]
        if absent:
            raise ValueError(f"unknown metrics {absent}")
    parts = []
    for m in metrics:
        sd_a, sd_b = _sd(sa, m), _sd(sb, m)
        n_a, n_b = sa[m + "|n"].to_numpy(), sb[m + "|n"].to_numpy()
        t, df, p = welch_from_stats(n_a, a[m].to_numpy(), sd_a, n_b, b[m].to_numpy(), sd_b)
        parts.append(
            pd.DataFrame(
                {
                    "metric": m,
                    "previous": a[m].to_numpy(),
                    "current": b[m].to_numpy(),
                    "n_previous": n_a,
                    "n_current": n_b,
                    "statistic": t,
                    "df": df,
                    "p_value": p,
                    "test": "welch_t",
                },
                index=common,
            )
        )
    if "n_valid" in sa.columns and "n_valid" in sb.columns:
        z, p = two_proportion_z(
            sa["n_satisfied"].to_numpy(), sa["n_valid"].to_numpy(),
            sb["n_satisfied"].to_numpy(), sb["n_valid"].to_numpy(),
        )
        parts.append(
            pd.DataFrame(
                {
                    "metric": "satisfaction_rate",
                    "previous": a["satisfaction_rate"].to_numpy(),
                    "current": b["satisfaction_rate"].to_numpy(),
                    "n_previous": sa["n_valid"].to_numpy(),
                    "n_current": sb["n_valid"].to_numpy(),
                    "statistic": z,
                    "df": np.nan,
                    "p_value": p,
                    "test": "two_proportion_z",
                },
                index=common,
            )
        )
    out = pd.concat(parts)
    out["change"] = out["current"] - out["previous"]
    out["significant"] = out["p_value"] < alpha
    out = out.reset_index()
    cols = list(out.columns[: out.columns.get_loc("metric") + 1])
    rest = ["previous", "current", "change", "n_previous", "n_current", "statistic", "df",
            "p_value", "significant", "test"]
    return out[cols + rest]


def _sd(st: pd.DataFrame, m: str) -> np.ndarray:
    n = st[m + "|n"].to_numpy(float)
    s = st[m + "|sum"].to_numpy(float)
    ss = st[m + "|ss"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n
        var = (ss - n * mean * mean) / (n - 1)
    return np.sqrt(np.clip(var, 0, None))
