"""Weights of criteria (指标权重): the analytic hierarchy process (层次分析法, AHP) of Saaty
and the entropy weight method (熵权法).

AHP turns expert pairwise judgements into weights (subjective); the entropy method derives
weights from how much the indicators vary across the units rated (objective).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._validation import check_choice

__all__ = ["AHPResult", "RANDOM_INDEX", "ahp", "entropy"]

#: Saaty's random consistency index RI by matrix size n (Saaty 1980; reproduced in Saaty 1990):
#: the mean CI of random reciprocal matrices with entries from 1/9..9.
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
                9: 1.45, 10: 1.49}
#: Saaty's rule: judgements are acceptably consistent when CR <= 0.10.
CR_THRESHOLD = 0.10


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of one AHP pairwise comparison matrix."""

    weights: pd.Series
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    random_index: float
    consistent: bool


def ahp(pairwise, strict: bool = False, reciprocal_tol: float = 0.01) -> AHPResult:
    """Weights of criteria from a pairwise comparison matrix (层次分析法判断矩阵).

    Parameters
    ----------
    pairwise : DataFrame or 2-D array
        Square, positive, reciprocal matrix: ``a[i, j]`` is how much more important
        criterion ``i`` is than ``j`` on Saaty's 1-9 scale, ``a[j, i] = 1 / a[i, j]``,
        ones on the diagonal. Labels of a DataFrame's rows name the criteria.
    strict : bool
        If true, raise ``ValueError`` when the consistency ratio exceeds 0.10 instead of
        returning ``consistent=False``.
    reciprocal_tol : float
        Relative tolerance of the reciprocity check ``a[i, j] * a[j, i] == 1`` (judgements
        typed as 0.33 for 1/3 pass).

    Returns
    -------
    AHPResult
        ``weights`` (Series in row order, sums to 1), ``lambda_max``,
        ``consistency_index``, ``consistency_ratio``, ``random_index`` and ``consistent``.

    Notes
    -----
    The weights are the principal right eigenvector :math:`A w = \\lambda_{max} w`
    normalised to sum 1. Consistency index :math:`CI = (\\lambda_{max} - n)/(n - 1)`;
    consistency ratio :math:`CR = CI / RI_n` with Saaty's random index :math:`RI_n`
    (:data:`RANDOM_INDEX`: n = 3..10 -> .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49).
    For n = 1 or 2 every reciprocal matrix is consistent and CR = 0. Matrices larger
    than 10 x 10 are refused: the RI table ends there, and Saaty advises 7 +/- 2 elements.

    References
    ----------
    Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.

    Saaty, T. L. (1990). How to make a decision: the analytic hierarchy process.
    *European Journal of Operational Research*, 48(1), 9-26.

    Examples
    --------
    >>> import numpy as np
    >>> res = ahp(np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]))
    >>> res.weights.round(3).tolist(), round(res.consistency_ratio, 3)
    ([0.637, 0.258, 0.105], 0.033)

    The matching R computation:
    ``e <- eigen(A); w <- Re(e$vectors[, 1]); w / sum(w); (Re(e$values[1]) - 3) / 2 / 0.58``.
    """
    if isinstance(pairwise, pd.DataFrame):
        labels = pairwise.index
        matrix = pairwise.to_numpy()
    else:
        matrix = np.asarray(pairwise)
        labels = pd.RangeIndex(matrix.shape[0]) if matrix.ndim == 2 else None
    try:
        matrix = matrix.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"pairwise must be numeric: {exc}") from exc
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"pairwise must be a square matrix, got shape {matrix.shape}")
    n = matrix.shape[0]
    if n < 1:
        raise ValueError("pairwise is empty")
    if n > max(RANDOM_INDEX):
        raise ValueError(f"pairwise has {n} criteria; at most {max(RANDOM_INDEX)} are supported "
                         "(Saaty's random index table ends at 10)")
    if not np.isfinite(matrix).all() or (matrix <= 0).any():
        raise ValueError("pairwise must contain only positive finite judgements")
    if not np.allclose(matrix * matrix.T, 1.0, rtol=reciprocal_tol, atol=0):
        raise ValueError("pairwise is not reciprocal: a[j, i] must equal 1 / a[i, j] and the "
                         "diagonal must be 1")
    eigenvalues, eigenvectors = np.linalg.eig(matrix)
    top = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[top].real)
    vector = np.abs(eigenvectors[:, top].real)
    weights = pd.Series(vector / vector.sum(), index=labels, name="weight")
    if n <= 2:
        ci_value, cr_value = 0.0, 0.0
    else:
        ci_value = max((lambda_max - n) / (n - 1), 0.0)
        cr_value = ci_value / RANDOM_INDEX[n]
    consistent = cr_value <= CR_THRESHOLD
    if strict and not consistent:
        raise ValueError(f"pairwise judgements are inconsistent: CR = {cr_value:.3f} > "
                         f"{CR_THRESHOLD}")
    return AHPResult(weights=weights, lambda_max=lambda_max, consistency_index=ci_value,
                     consistency_ratio=cr_value, random_index=RANDOM_INDEX[n],
                     consistent=bool(consistent))


_NORMALISATIONS = ("minmax", "proportion")


def entropy(matrix: pd.DataFrame, cost: Iterable[str] = (),
            normalisation: str = "minmax") -> pd.Series:
    """Entropy weights of indicators (熵权法): more dispersion across units, more weight.

    Parameters
    ----------
    matrix : DataFrame or 2-D array
        One row per unit (alternative), one column per indicator; no missing values.
    cost : iterable of column labels
        Cost indicators, where smaller is better (e.g. complaints); the others are benefit
        indicators. Only with ``normalisation="minmax"``.
    normalisation : {"minmax", "proportion"}
        ``"minmax"`` (default): :math:`r_{ij} = (x_{ij} - \\min_j)/(\\max_j - \\min_j)`,
        for cost columns :math:`(\\max_j - x_{ij})/(\\max_j - \\min_j)`.
        ``"proportion"``: :math:`r_{ij} = x_{ij}` (non-negative data, benefit only).

    Returns
    -------
    Series
        One weight per column, summing to 1. A constant column carries no information and
        gets weight 0.

    Notes
    -----
    With :math:`m` units, :math:`p_{ij} = r_{ij} / \\sum_i r_{ij}`,

    .. math:: e_j = -\\frac{1}{\\ln m} \\sum_i p_{ij} \\ln p_{ij}, \\qquad
              w_j = \\frac{1 - e_j}{\\sum_k (1 - e_k)}

    with :math:`0 \\ln 0 = 0`.

    References
    ----------
    Shannon, C. E. (1948). A mathematical theory of communication. *Bell System Technical
    Journal*, 27, 379-423.

    Zeleny, M. (1982). *Multiple Criteria Decision Making*. McGraw-Hill (entropy weights).

    Elsayed, E. A., Dawood, A. S., & Karthikeyan, R. (2017). Evaluating alternatives through
    the application of TOPSIS method with entropy weight. *International Journal of
    Engineering Trends and Technology*, 46(2), 60-66 (the worked example of the tests).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"service": [80, 90, 70], "complaints": [5, 1, 9]})
    >>> entropy(m, cost=["complaints"]).round(3).tolist()
    [0.5, 0.5]

    The matching R computation (no base-R function), with ``r`` the normalised matrix:
    ``p <- sweep(r, 2, colSums(r), "/"); e <- -colSums(p * log(p), na.rm = TRUE) / log(nrow(r))``,
    ``(1 - e) / sum(1 - e)``.
    """
    check_choice(normalisation, "normalisation", _NORMALISATIONS)
    frame = matrix if isinstance(matrix, pd.DataFrame) else pd.DataFrame(np.asarray(matrix))
    if frame.ndim != 2 or frame.size == 0:
        raise ValueError("matrix is empty")
    try:
        frame = frame.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"matrix must be numeric: {exc}") from exc
    if frame.shape[0] < 2:
        raise ValueError(f"matrix needs at least 2 units (rows), got {frame.shape[0]}")
    if frame.shape[1] < 1:
        raise ValueError("matrix has no indicator columns")
    values = frame.to_numpy()
    if not np.isfinite(values).all():
        raise ValueError("matrix must not contain NaN or infinite values")
    cost = list(cost)
    unknown = [c for c in cost if c not in frame.columns]
    if unknown:
        raise ValueError(f"cost columns not in matrix: {unknown}")
    is_cost = frame.columns.isin(cost)
    if normalisation == "proportion":
        if cost:
            raise ValueError("cost columns need normalisation='minmax'")
        if (values < 0).any():
            raise ValueError("proportion normalisation needs non-negative values")
        r = values
    else:
        low, high = values.min(axis=0), values.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        r = np.where(is_cost, high - values, values - low) / span
    totals = r.sum(axis=0)
    informative = totals > 0
    if not informative.any():
        raise ValueError("matrix: every indicator is constant (or all zero); no weights")
    p = r / np.where(informative, totals, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = np.where(informative, -plogp.sum(axis=0) / np.log(frame.shape[0]), 1.0)
    d = 1 - e
    if d.sum() <= 0:
        raise ValueError("matrix: no indicator varies enough to carry information")
    return pd.Series(d / d.sum(), index=frame.columns, name="weight")
