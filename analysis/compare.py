"""Comparing units or rater groups (组间比较): Kruskal-Wallis with Dunn's post-hoc test,
Mann-Whitney U, and the chi-square test of equal satisfaction rates (满意率).

Rank tests suit ordinal survey scores (1-5 scale points, 0-100 indices that are not normal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis._validation import as_vector, check_choice

__all__ = [
    "Chi2RatesResult",
    "KruskalResult",
    "MannWhitneyResult",
    "P_ADJUST",
    "chi2_rates",
    "dunn",
    "kruskal",
    "mann_whitney",
]

P_ADJUST = ("holm", "bonferroni", "fdr_bh", "none")


def _groups(groups: Mapping[str, Sequence]) -> dict[str, np.ndarray]:
    if not isinstance(groups, Mapping):
        raise ValueError("groups must be a mapping of group name to values")
    out = {str(name): as_vector(values, f"group {name!r}", min_size=1)
           for name, values in groups.items()}
    if len(out) < 2:
        raise ValueError(f"groups needs at least 2 groups, got {len(out)}")
    if np.ptp(np.concatenate(list(out.values()))) == 0:
        raise ValueError("groups: all values are identical; ranks carry no information")
    return out


@dataclass(frozen=True)
class KruskalResult:
    """Kruskal-Wallis H test with its effect sizes."""

    statistic: float
    pvalue: float
    df: int
    n: int
    k: int
    epsilon_squared: float
    eta_squared: float


def kruskal(groups: Mapping[str, Sequence]) -> KruskalResult:
    """Kruskal-Wallis H test of k independent groups, with epsilon² and eta².

    Parameters
    ----------
    groups : mapping of str to sequence
        Group name (e.g. a district union) to its values; ``NaN`` values are dropped.

    Returns
    -------
    KruskalResult
        ``statistic`` (H, tie-corrected), ``pvalue`` (chi-square approximation), ``df``
        (k - 1), ``n``, ``k``, ``epsilon_squared`` and ``eta_squared``.

    Notes
    -----
    H is :func:`scipy.stats.kruskal`. Effect sizes:

    .. math:: \\varepsilon^2_H = \\frac{H}{(n^2 - 1)/(n + 1)} = \\frac{H}{n - 1},
              \\qquad \\eta^2_H = \\frac{H - k + 1}{n - k}

    (Tomczak & Tomczak 2014). :math:`\\eta^2_H` needs :math:`n > k`; it is ``NaN``
    otherwise.

    References
    ----------
    Kruskal, W. H., & Wallis, W. A. (1952). Use of ranks in one-criterion variance analysis.
    *Journal of the American Statistical Association*, 47(260), 583-621.

    Tomczak, M., & Tomczak, E. (2014). The need to report effect size estimates revisited.
    *Trends in Sport Sciences*, 1(21), 19-25.

    Examples
    --------
    >>> res = kruskal({"a": [2.9, 3.0, 2.5, 2.6, 3.2], "b": [3.8, 2.7, 4.0, 2.4],
    ...                "c": [2.8, 3.4, 3.7, 2.2, 2.0]})
    >>> round(res.statistic, 4), round(res.pvalue, 4)
    (0.7714, 0.68)

    The matching R call: ``kruskal.test(list(a = ..., b = ..., c = ...))``.
    """
    data = _groups(groups)
    h, p = stats.kruskal(*data.values())
    n = sum(v.size for v in data.values())
    k = len(data)
    eta = (h - k + 1) / (n - k) if n > k else float("nan")
    return KruskalResult(statistic=float(h), pvalue=float(p), df=k - 1, n=n, k=k,
                         epsilon_squared=float(h / ((n**2 - 1) / (n + 1))),
                         eta_squared=float(eta))


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    m = p.size
    if method == "none" or m == 0:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p)
    ranked = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:  # fdr_bh
        adj = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def dunn(groups: Mapping[str, Sequence], p_adjust: str = "holm") -> pd.DataFrame:
    """Dunn's (1964) post-hoc test of every pair of groups after Kruskal-Wallis.

    Parameters
    ----------
    groups : mapping of str to sequence
        Group name to its values; ``NaN`` values are dropped.
    p_adjust : {"holm", "bonferroni", "fdr_bh", "none"}
        Multiple-comparison adjustment over the k(k-1)/2 pairs (Holm 1979 by default).

    Returns
    -------
    DataFrame
        One row per pair, in the order of ``groups``: ``group1, group2, mean_rank1,
        mean_rank2, z, pvalue`` (unadjusted, two-sided) and ``pvalue_adj``.

    Notes
    -----
    Ranks are taken over all groups pooled (average ranks for ties). For groups i, j

    .. math:: z_{ij} = \\frac{\\bar R_i - \\bar R_j}
              {\\sqrt{\\left(\\frac{N(N+1)}{12} - \\frac{\\sum (t^3 - t)}{12(N-1)}\\right)
              \\left(\\frac{1}{n_i} + \\frac{1}{n_j}\\right)}}

    with :math:`t` the sizes of the tie groups, and :math:`p = 2(1 - \\Phi(|z|))`.

    References
    ----------
    Dunn, O. J. (1964). Multiple comparisons using rank sums. *Technometrics*, 6(3),
    241-252.

    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics*, 6(2), 65-70.

    Examples
    --------
    >>> table = dunn({"a": [2.9, 3.0, 2.5, 2.6, 3.2], "b": [3.8, 2.7, 4.0, 2.4],
    ...               "c": [2.8, 3.4, 3.7, 2.2, 2.0]})
    >>> table[["group1", "group2"]].values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]

    The matching R call: ``FSA::dunnTest(value ~ group, data, method = "holm")`` or
    ``dunn.test::dunn.test(x, g, method = "holm")``.
    """
    check_choice(p_adjust, "p_adjust", P_ADJUST)
    data = _groups(groups)
    names = list(data)
    sizes = np.array([v.size for v in data.values()])
    pooled = np.concatenate(list(data.values()))
    ranks = stats.rankdata(pooled)
    labels = np.repeat(np.arange(len(names)), sizes)
    mean_ranks = np.bincount(labels, weights=ranks) / sizes
    n = pooled.size
    _, ties = np.unique(pooled, return_counts=True)
    variance = n * (n + 1) / 12 - (ties**3 - ties).sum() / (12 * (n - 1))
    i, j = np.triu_indices(len(names), k=1)
    z = (mean_ranks[i] - mean_ranks[j]) / np.sqrt(variance * (1 / sizes[i] + 1 / sizes[j]))
    p = 2 * stats.norm.sf(np.abs(z))
    return pd.DataFrame(
        {
            "group1": [names[a] for a in i],
            "group2": [names[b] for b in j],
            "mean_rank1": mean_ranks[i],
            "mean_rank2": mean_ranks[j],
            "z": z,
            "pvalue": p,
            "pvalue_adj": _adjust(p, p_adjust),
        }
    )


@dataclass(frozen=True)
class MannWhitneyResult:
    """Mann-Whitney U test with its effect sizes."""

    statistic: float
    pvalue: float
    n_x: int
    n_y: int
    rank_biserial: float
    cles: float
    alternative: str
    method: str


_ALTERNATIVES = ("two-sided", "less", "greater")
_METHODS = ("auto", "asymptotic", "exact")


def mann_whitney(x: Sequence, y: Sequence, alternative: str = "two-sided",
                 method: str = "auto") -> MannWhitneyResult:
    """Mann-Whitney U (Wilcoxon rank-sum) test of two independent samples.

    Parameters
    ----------
    x, y : sequence of float
        The two samples; ``NaN`` values are dropped.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"``: x tends to be larger than y.
    method : {"auto", "asymptotic", "exact"}
        As in :func:`scipy.stats.mannwhitneyu` (``"auto"``: exact for small samples
        without ties, normal approximation with tie and continuity correction otherwise).

    Returns
    -------
    MannWhitneyResult
        ``statistic`` (U of x, equal to R's ``W``), ``pvalue``, ``n_x``, ``n_y``,
        ``rank_biserial`` and ``cles``.

    Notes
    -----
    :math:`U_x = R_x - n_x(n_x + 1)/2` with :math:`R_x` the rank sum of x in the pooled
    sample. Common-language effect size :math:`CL = U_x/(n_x n_y)
    = P(X > Y) + \\tfrac12 P(X = Y)` (McGraw & Wong 1992); rank-biserial correlation
    :math:`r = 2\\,CL - 1` (Kerby 2014: favourable minus unfavourable pairs), positive
    when x tends to be larger.

    References
    ----------
    Mann, H. B., & Whitney, D. R. (1947). On a test of whether one of two random variables
    is stochastically larger than the other. *Annals of Mathematical Statistics*, 18(1),
    50-60.

    Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. *Comprehensive Psychology*, 3, 11.IT.3.1.

    Examples
    --------
    >>> x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    >>> y = [1.15, 0.88, 0.90, 0.74, 1.21]
    >>> res = mann_whitney(x, y, alternative="greater")
    >>> res.statistic, round(res.pvalue, 4)
    (35.0, 0.1272)

    The matching R call: ``wilcox.test(x, y, alternative = "greater")``
    (``W = 35, p-value = 0.1272``).
    """
    check_choice(alternative, "alternative", _ALTERNATIVES)
    check_choice(method, "method", _METHODS)
    xs = as_vector(x, "x", min_size=1)
    ys = as_vector(y, "y", min_size=1)
    if np.ptp(np.concatenate([xs, ys])) == 0:
        raise ValueError("x and y: all values are identical; ranks carry no information")
    res = stats.mannwhitneyu(xs, ys, alternative=alternative, method=method)
    u = float(res.statistic)
    cles = u / (xs.size * ys.size)
    return MannWhitneyResult(statistic=u, pvalue=float(res.pvalue), n_x=xs.size, n_y=ys.size,
                             rank_biserial=2 * cles - 1, cles=cles, alternative=alternative,
                             method=method)


@dataclass(frozen=True)
class Chi2RatesResult:
    """Chi-square test of equal proportions across units."""

    statistic: float
    pvalue: float
    df: int
    cramers_v: float
    rates: pd.Series
    min_expected: float


def chi2_rates(successes: Sequence[int], totals: Sequence[int]) -> Chi2RatesResult:
    """Chi-square test that several units have the same rate (e.g. 满意率), with Cramér's V.

    Parameters
    ----------
    successes : sequence of int
        Per unit, the number of "successes" (e.g. satisfied answers). A Series keeps its
        index as the unit labels.
    totals : sequence of int
        Per unit, the number of trials (valid answers); same length, ``totals > 0``.

    Returns
    -------
    Chi2RatesResult
        ``statistic`` (Pearson's X²), ``pvalue``, ``df`` (k - 1), ``cramers_v``,
        ``rates`` (successes / totals per unit) and ``min_expected`` (the smallest
        expected count; the chi-square approximation wants it to be at least 5).

    Notes
    -----
    Pearson's test on the 2 x k table of successes and failures, without continuity
    correction (like R's ``prop.test`` for k > 2 groups):

    .. math:: X^2 = \\sum_{cells} \\frac{(O - E)^2}{E}, \\qquad
              V = \\sqrt{\\frac{X^2}{N \\,(\\min(2, k) - 1)}} = \\sqrt{X^2 / N}

    with :math:`N` the sum of the totals.

    References
    ----------
    Pearson, K. (1900). On the criterion that a given system of deviations from the probable
    ... *Philosophical Magazine*, 50(302), 157-175.

    Cramér, H. (1946). *Mathematical Methods of Statistics*. Princeton University Press.

    Examples
    --------
    >>> res = chi2_rates([83, 90, 129, 70], [86, 93, 136, 82])
    >>> round(res.statistic, 3), res.df, round(res.pvalue, 6)
    (12.6, 3, 0.005585)

    The matching R call: ``prop.test(c(83, 90, 129, 70), c(86, 93, 136, 82))``
    (``X-squared = 12.6, df = 3, p-value = 0.005585``).
    """
    index = successes.index if isinstance(successes, pd.Series) else None
    s = np.asarray(successes, dtype=float)
    t = np.asarray(totals, dtype=float)
    if s.ndim != 1 or t.ndim != 1 or s.shape != t.shape:
        raise ValueError("successes and totals must be 1-D sequences of the same length")
    if s.size < 2:
        raise ValueError(f"chi2_rates needs at least 2 units, got {s.size}")
    if not (np.isfinite(s).all() and np.isfinite(t).all()):
        raise ValueError("successes and totals must not contain NaN")
    if (s != np.round(s)).any() or (t != np.round(t)).any():
        raise ValueError("successes and totals must be whole counts")
    if (t <= 0).any() or (s < 0).any() or (s > t).any():
        raise ValueError("need 0 <= successes <= totals and totals > 0 for every unit")
    if s.sum() == 0 or s.sum() == t.sum():
        raise ValueError("all units have rate 0 or all have rate 1; the test is undefined")
    table = np.vstack([s, t - s])
    chi2, p, dof, expected = stats.chi2_contingency(table, correction=False)
    return Chi2RatesResult(statistic=float(chi2), pvalue=float(p), df=int(dof),
                           cramers_v=float(np.sqrt(chi2 / t.sum())),
                           rates=pd.Series(s / t, index=index, name="rate"),
                           min_expected=float(expected.min()))
