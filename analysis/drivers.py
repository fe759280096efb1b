"""Key-driver analysis (满意度驱动因素分析): which dimensions move overall satisfaction,
and importance-performance analysis (IPA, 重要性-表现分析) to decide where to act (整改).
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

__all__ = ["IPA_QUADRANTS", "MAX_DRIVERS", "driver_analysis", "ipa"]

#: LMG needs the R² of all 2^p driver subsets; beyond this many drivers it gets slow.
MAX_DRIVERS = 15


def _r_squared(corr: np.ndarray, r_xy: np.ndarray, subset: tuple[int, ...]) -> float:
    if not subset:
        return 0.0
    idx = list(subset)
    return float(r_xy[idx] @ np.linalg.solve(corr[np.ix_(idx, idx)], r_xy[idx]))


def _lmg(corr: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    p = r_xy.size
    r2 = {s: _r_squared(corr, r_xy, s) for size in range(p + 1)
          for s in combinations(range(p), size)}
    weight = [factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)]
    out = np.zeros(p)
    for subset, value in r2.items():
        if len(subset) == p:
            continue
        for j in set(range(p)) - set(subset):
            with_j = tuple(sorted((*subset, j)))
            out[j] += weight[len(subset)] * (r2[with_j] - value)
    return out


def _relative_weights(corr: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    eigenvalues, vectors = np.linalg.eigh(corr)
    lam = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    beta = np.linalg.solve(lam, r_xy)
    return (lam**2) @ (beta**2)


def driver_analysis(frame: pd.DataFrame, outcome: str, drivers: list[str]) -> pd.DataFrame:
    """Importance of each driver (e.g. a dimension index) for an outcome (overall index).

    Parameters
    ----------
    frame : DataFrame
        One row per respondent (or unit); rows with a missing value in ``outcome`` or any
        driver are dropped (listwise).
    outcome : str
        Column of the outcome, e.g. the overall satisfaction index.
    drivers : list of str
        Columns of the drivers (at least 2, at most :data:`MAX_DRIVERS`).

    Returns
    -------
    DataFrame
        Index: the drivers in the given order. Columns ``spearman`` (rank correlation with
        the outcome), ``lmg`` (Shapley share of R²), ``lmg_share`` (``lmg / R²``) and
        ``relative_weight`` (Johnson 2000). ``lmg`` and ``relative_weight`` each sum to the
        R² of the linear regression of the outcome on all drivers, stored in
        ``result.attrs["r_squared"]`` with ``result.attrs["n"]`` (rows used).

    Notes
    -----
    LMG (Lindeman, Merenda & Gold 1980) averages the R² gain of driver :math:`j` over all
    orderings of the drivers, i.e. the Shapley value of R²:

    .. math:: LMG_j = \\sum_{S \\subseteq P \\setminus \\{j\\}}
              \\frac{|S|!\\,(p - |S| - 1)!}{p!}\\,[R^2(S \\cup \\{j\\}) - R^2(S)]

    with :math:`R^2(S) = r_{yS}^\\top R_{SS}^{-1} r_{yS}` from the correlation matrix.
    Johnson's relative weights: with :math:`R_{XX} = V \\Lambda V^\\top` and
    :math:`\\Lambda^{1/2}_* = V \\Lambda^{1/2} V^\\top`, :math:`\\beta = (\\Lambda^{1/2}_*)^{-1}
    r_{Xy}` and :math:`\\varepsilon_j = \\sum_k (\\Lambda^{1/2}_*)_{jk}^2 \\beta_k^2`.

    References
    ----------
    Lindeman, R. H., Merenda, P. F., & Gold, R. Z. (1980). *Introduction to Bivariate and
    Multivariate Analysis*. Scott, Foresman, p. 119ff.

    Grömping, U. (2006). Relative importance for linear regression in R: the package
    relaimpo. *Journal of Statistical Software*, 17(1), 1-27.

    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. *Multivariate Behavioral Research*, 35(1),
    1-19.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"overall": [60, 70, 80, 75, 90, 65], "service": [3, 4, 5, 4, 5, 3],
    ...                    "facilities": [2, 4, 4, 3, 5, 3]})
    >>> res = driver_analysis(df, "overall", ["service", "facilities"])
    >>> res["lmg"].round(3).tolist(), round(res.attrs["r_squared"], 3)
    ([0.493, 0.404], 0.896)

    The matching R call:
    ``relaimpo::calc.relimp(overall ~ service + facilities, data = df, type = "lmg")``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("frame must be a pandas DataFrame")
    drivers = list(drivers)
    if len(drivers) < 2:
        raise ValueError(f"driver_analysis needs at least 2 drivers, got {len(drivers)}")
    if len(drivers) > MAX_DRIVERS:
        raise ValueError(f"driver_analysis supports at most {MAX_DRIVERS} drivers")
    if len(set(drivers)) != len(drivers) or outcome in drivers:
        raise ValueError("drivers must be distinct and must not include the outcome")
    missing = [c for c in [outcome, *drivers] if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in frame: {missing}")
    try:
        data = frame[[outcome, *drivers]].astype(float).dropna()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"outcome and drivers must be numeric: {exc}") from exc
    if len(data) < len(drivers) + 2:
        raise ValueError(f"need at least {len(drivers) + 2} complete rows, got {len(data)}")
    constant = data.columns[data.std() == 0].tolist()
    if constant:
        raise ValueError(f"columns without variance: {constant}")
    corr = data.corr().to_numpy()
    r_xx, r_xy = corr[1:, 1:], corr[1:, 0]
    if np.linalg.matrix_rank(r_xx) < len(drivers):
        raise ValueError("drivers are perfectly collinear")
    lmg = _lmg(r_xx, r_xy)
    r2 = _r_squared(r_xx, r_xy, tuple(range(len(drivers))))
    result = pd.DataFrame(
        {
            "spearman": data[drivers].corrwith(data[outcome], method="spearman"),
            "lmg": lmg,
            "lmg_share": lmg / r2 if r2 > 0 else np.nan,
            "relative_weight": _relative_weights(r_xx, r_xy),
        },
        index=pd.Index(drivers, name="driver"),
    )
    result.attrs["r_squared"] = r2
    result.attrs["n"] = len(data)
    return result


#: IPA quadrants (Martilla & James 1977), by (importance high?, performance high?).
IPA_QUADRANTS = {
    (True, True): "keep up the good work",
    (True, False): "concentrate here",
    (False, False): "low priority",
    (False, True): "possible overkill",
}


def ipa(performance: pd.Series, importance: pd.Series, performance_cut: float | None = None,
        importance_cut: float | None = None) -> pd.DataFrame:
    """Importance-performance analysis: the quadrant of each dimension.

    Parameters
    ----------
    performance : Series
        Per dimension, its performance (e.g. the mean satisfaction index).
    importance : Series
        Per dimension, its importance (e.g. the ``lmg`` or ``spearman`` column of
        :func:`driver_analysis`, or a stated importance). Aligned on the index with
        ``performance``; both must have the same dimensions.
    performance_cut, importance_cut : float, optional
        Where the quadrants split. Default: the mean over the dimensions (the data-centred
        approach), documented in ``result.attrs``.

    Returns
    -------
    DataFrame
        Index: the dimensions. Columns ``performance``, ``importance``, ``quadrant``:
        ``"keep up the good work"`` (important, performing well), ``"concentrate here"``
        (important, performing poorly: fix first, 优先整改), ``"low priority"`` (neither),
        ``"possible overkill"`` (unimportant, performing well). ``attrs`` holds the cuts.

    Notes
    -----
    A dimension is high on an axis when its value is at or above the cut:
    :math:`P_d \\ge c_P` and :math:`I_d \\ge c_I`. Martilla & James (1977) placed the
    axes at scale midpoints or medians; the mean (data-centred) cut follows Bacon (2003),
    and a scale-centred cut can be passed explicitly.

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of
    Marketing*, 41(1), 77-79.

    Bacon, D. R. (2003). A comparison of approaches to importance-performance analysis.
    *International Journal of Market Research*, 45(1), 55-71.

    Examples
    --------
    >>> import pandas as pd
    >>> perf = pd.Series({"service": 80.0, "facilities": 60.0})
    >>> imp = pd.Series({"service": 0.3, "facilities": 0.5})
    >>> ipa(perf, imp)["quadrant"].tolist()
    ['possible overkill', 'concentrate here']

    No standard R function; by hand: ``quadrant <- ifelse(imp >= mean(imp), ...)``.
    """
    if not isinstance(performance, pd.Series) or not isinstance(importance, pd.Series):
        raise ValueError("performance and importance must be pandas Series")
    if performance.empty or importance.empty:
        raise ValueError("performance and importance must not be empty")
    if not performance.index.is_unique or not importance.index.is_unique:
        raise ValueError("performance and importance need unique dimension labels")
    if set(performance.index) != set(importance.index):
        raise ValueError("performance and importance must have the same dimensions")
    try:
        table = pd.DataFrame({"performance": performance.astype(float),
                              "importance": importance.reindex(performance.index).astype(float)})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"performance and importance must be numeric: {exc}") from exc
    if table.isna().any().any():
        raise ValueError("performance and importance must not contain NaN")
    if len(table) < 2 and (performance_cut is None or importance_cut is None):
        raise ValueError("need at least 2 dimensions for data-centred cuts, or pass both cuts")
    p_cut = table["performance"].mean() if performance_cut is None else float(performance_cut)
    i_cut = table["importance"].mean() if importance_cut is None else float(importance_cut)
    high_p = table["performance"] >= p_cut
    high_i = table["importance"] >= i_cut
    table["quadrant"] = np.select(
        [high_i & high_p, high_i & ~high_p, ~high_i & ~high_p],
        [IPA_QUADRANTS[True, True], IPA_QUADRANTS[True, False], IPA_QUADRANTS[False, False]],
        default=IPA_QUADRANTS[False, True],
    )
    table.attrs["performance_cut"] = p_cut
    table.attrs["importance_cut"] = i_cut
    return table
