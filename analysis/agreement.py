"""Agreement between raters: Krippendorff's alpha (评价者间一致性).

Used e.g. when several third-party assessors (第三方评议) rate the same unions.
"""

from __future__ import annotations

import numpy as np

from analysis._validation import as_frame, check_choice

__all__ = ["LEVELS", "krippendorff_alpha"]

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _coincidences(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and the coincidence matrix ``o_ck`` of a raters x units array."""
    values, codes = np.unique(data[~np.isnan(data)], return_inverse=True)
    units = np.broadcast_to(np.arange(data.shape[1]), data.shape)[~np.isnan(data)]
    # counts[u, c]: how many raters gave value c to unit u (np.unique keeps the row-major
    # order of the boolean mask, so `codes` lines up with `units`).
    counts = np.zeros((data.shape[1], values.size))
    np.add.at(counts, (units, codes), 1)
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    scaled = counts / (m - 1)[:, None]
    coincidence = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    return values, coincidence


def _delta(values: np.ndarray, marginals: np.ndarray, level: str) -> np.ndarray:
    c, k = np.meshgrid(values, values, indexing="ij")
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        with np.errstate(invalid="ignore", divide="ignore"):
            out = ((c - k) / total) ** 2
        return np.where(total == 0, 0.0, out)
    # ordinal: (sum of n_g for g from c to k, minus half of n_c and n_k) squared
    cum = np.cumsum(marginals)
    i, j = np.meshgrid(np.arange(values.size), np.arange(values.size), indexing="ij")
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    between = cum[hi] - cum[lo] + marginals[lo]
    return (between - (marginals[i] + marginals[j]) / 2) ** 2


def krippendorff_alpha(data, level: str = "nominal") -> float:
    """Krippendorff's alpha reliability of several raters coding the same units.

    Parameters
    ----------
    data : DataFrame or 2-D array
        One row per rater (coder), one column per unit; ``NaN`` where a rater did not rate
        a unit. Values are numbers (codes for nominal data).
    level : {"nominal", "ordinal", "interval", "ratio"}
        The metric of the values, which chooses the difference function.

    Returns
    -------
    float
        Alpha; 1 is perfect agreement, 0 agreement at chance level.

    Notes
    -----
    Units with fewer than two values are not pairable and are ignored. With the coincidence
    matrix :math:`o_{ck} = \\sum_u \\frac{n_{uc} n_{uk} - [c=k] n_{uc}}{m_u - 1}` (``n_uc``:
    raters giving value ``c`` to unit ``u``; ``m_u``: values in ``u``), its marginals
    :math:`n_c` and :math:`n = \\sum_c n_c`,

    .. math:: \\alpha = 1 - (n - 1)\\frac{\\sum_{c,k} o_{ck}\\,\\delta^2_{ck}}
                                       {\\sum_{c,k} n_c n_k\\,\\delta^2_{ck}}

    with :math:`\\delta^2_{ck}` = ``[c != k]`` (nominal), :math:`(c-k)^2` (interval),
    :math:`((c-k)/(c+k))^2` (ratio), and
    :math:`(\\sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2` (ordinal, over the ranked values).
    The coincidence matrix is built with one matrix product, no loop over units.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School
    for Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43

    Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability
    measure for coding data. *Communication Methods and Measures*, 1(1), 77-89.

    Examples
    --------
    >>> import numpy as np
    >>> nan = np.nan
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(data, "nominal"), 3)
    0.743

    The matching R call: ``irr::kripp.alpha(as.matrix(data), method = "nominal")``.
    """
    check_choice(level, "level", LEVELS)
    frame = as_frame(data, "data", min_rows=2, min_cols=1, row_label="raters",
                     col_label="units")
    arr = frame.to_numpy()
    if level == "ratio" and (arr[~np.isnan(arr)] < 0).any():
        raise ValueError("data: ratio level needs non-negative values")
    values, coincidence = _coincidences(arr)
    marginals = coincidence.sum(axis=0)
    n = marginals.sum()
    if n == 0:
        raise ValueError("data: no unit was rated by at least 2 raters")
    delta = _delta(values, marginals, level)
    expected = np.outer(marginals, marginals)
    disagreement = (expected * delta).sum()
    if disagreement == 0:
        raise ValueError("data: all pairable values are equal; alpha is undefined")
    return float(1 - (n - 1) * (coincidence * delta).sum() / disagreement)
