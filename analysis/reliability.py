"""Reliability of scales and of raters: Cronbach's alpha (内部一致性信度) and the intraclass
correlation (组内相关系数, ICC) of Shrout & Fleiss (1979).

Plain DataFrames in, numbers out, with an explicit missing-data policy (the pingouin model).
McDonald's omega is deliberately not offered: it needs a factor model, and no published
reference value was at hand to test an implementation against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis._validation import as_frame, check_choice, check_ci

__all__ = ["ICCResult", "ICC_FORMS", "cronbach_alpha", "cronbach_alpha_ci", "icc", "icc_detail"]

ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
_MISSING = ("listwise", "pairwise")


def _items(items: pd.DataFrame, missing: str) -> tuple[pd.DataFrame, int]:
    check_choice(missing, "missing policy", _MISSING)
    frame = as_frame(items, "items", min_rows=2, min_cols=2, row_label="respondents",
                     col_label="items")
    if missing == "listwise":
        frame = frame.dropna()
        if len(frame) < 2:
            raise ValueError("items: fewer than 2 respondents answered every item (listwise)")
    return frame, len(frame)


def cronbach_alpha(items: pd.DataFrame, missing: str = "listwise") -> float:
    """Cronbach's alpha of a scale (内部一致性系数).

    Parameters
    ----------
    items : DataFrame or 2-D array
        One row per respondent, one column per item; ``NaN`` for a missing answer.
    missing : {"listwise", "pairwise"}
        ``"listwise"`` drops every respondent with a missing item; ``"pairwise"`` computes
        each item covariance on the respondents who answered both items.

    Returns
    -------
    float
        Cronbach's alpha.

    Notes
    -----
    With :math:`k` items and item covariance matrix :math:`C` (``ddof=1``)

    .. math:: \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\operatorname{tr} C}{\\sum C_{ij}}\\right)

    which equals the familiar :math:`\\frac{k}{k-1}(1 - \\sum s_i^2 / s_X^2)` on complete data.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(items), 3)
    0.954

    The matching R call: ``psych::alpha(items)$total$raw_alpha``.
    """
    frame, _ = _items(items, missing)
    k = frame.shape[1]
    cov = frame.cov().to_numpy()
    if np.isnan(cov).any():
        raise ValueError("items: some pair of items has fewer than 2 common respondents")
    total = cov.sum()
    if total <= 0:
        raise ValueError("items: the total score has zero variance")
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


def cronbach_alpha_ci(items: pd.DataFrame, ci: float = 0.95,
                      missing: str = "listwise") -> tuple[float, float]:
    """Feldt confidence interval of Cronbach's alpha.

    Parameters
    ----------
    items : DataFrame or 2-D array
        As in :func:`cronbach_alpha`.
    ci : float
        Confidence level, default 0.95.
    missing : {"listwise", "pairwise"}
        As in :func:`cronbach_alpha`. With ``"pairwise"`` :math:`n` is the number of
        respondents with at least one answer.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Notes
    -----
    :math:`(1-\\hat\\alpha)/(1-\\alpha)` follows an F distribution with
    :math:`df_1 = n-1` and :math:`df_2 = (n-1)(k-1)` (Feldt 1965), so

    .. math:: [1 - (1-\\hat\\alpha) F_{1-\\gamma/2}(df_1, df_2),\\;
              1 - (1-\\hat\\alpha) F_{\\gamma/2}(df_1, df_2)]

    with :math:`\\gamma = 1 - ci`. This is the interval of pingouin's ``cronbach_alpha``.

    References
    ----------
    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. *Psychometrika*, 30(3), 357-370.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    >>> [round(v, 3) for v in cronbach_alpha_ci(items)]
    [0.766, 0.995]

    The matching R call: ``psych::alpha.ci(alpha, n.obs = 5, n.var = 3)``.
    """
    check_ci(ci)
    alpha = cronbach_alpha(items, missing=missing)
    frame, _ = _items(items, missing)
    n = int(frame.notna().any(axis=1).sum())
    k = frame.shape[1]
    df1, df2 = n - 1, (n - 1) * (k - 1)
    gamma = 1 - ci
    low = 1 - (1 - alpha) * stats.f.ppf(1 - gamma / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(gamma / 2, df1, df2)
    return float(low), float(high)


@dataclass(frozen=True)
class ICCResult:
    """An intraclass correlation with its F test and confidence interval."""

    form: str
    icc: float
    F: float
    df1: float
    df2: float
    pvalue: float
    ci_low: float
    ci_high: float
    ci: float
    n_targets: int
    n_raters: int


def _ratings(ratings: pd.DataFrame) -> np.ndarray:
    frame = as_frame(ratings, "ratings", min_rows=2, min_cols=2, row_label="targets",
                     col_label="raters")
    frame = frame.dropna()
    if len(frame) < 2:
        raise ValueError("ratings: fewer than 2 targets were rated by every rater")
    return frame.to_numpy()


def icc_detail(ratings: pd.DataFrame, form: str, ci: float = 0.95) -> ICCResult:
    """Intraclass correlation (组内相关系数) of one Shrout-Fleiss form, with F test and CI.

    Parameters
    ----------
    ratings : DataFrame or 2-D array
        Wide: one row per target (e.g. a union), one column per rater (judge). Targets
        with any missing rating are dropped (complete cases, as ``pingouin``'s
        ``nan_policy="omit"``).
    form : {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}
        ``ICC1``: one-way random, each target rated by different raters; ``ICC2``: two-way
        random, absolute agreement; ``ICC3``: two-way mixed, consistency; the ``k`` forms
        are the reliability of the mean of the ``k`` raters.
    ci : float
        Confidence level, default 0.95.

    Returns
    -------
    ICCResult
        ``icc, F, df1, df2, pvalue, ci_low, ci_high`` plus the form and the sizes.

    Notes
    -----
    With :math:`n` targets, :math:`k` raters and the mean squares of the two-way ANOVA —
    between targets :math:`MS_R`, between raters :math:`MS_C`, residual :math:`MS_E`,
    within targets :math:`MS_W` —

    .. math::
        ICC1 = \\frac{MS_R - MS_W}{MS_R + (k-1) MS_W},\\quad
        ICC2 = \\frac{MS_R - MS_E}{MS_R + (k-1) MS_E + k (MS_C - MS_E)/n},\\quad
        ICC3 = \\frac{MS_R - MS_E}{MS_R + (k-1) MS_E}

    .. math::
        ICC1k = \\frac{MS_R - MS_W}{MS_R},\\quad
        ICC2k = \\frac{MS_R - MS_E}{MS_R + (MS_C - MS_E)/n},\\quad
        ICC3k = \\frac{MS_R - MS_E}{MS_R}

    The F test is :math:`MS_R/MS_W` on :math:`(n-1, n(k-1))` df for ICC1/ICC1k and
    :math:`MS_R/MS_E` on :math:`(n-1, (n-1)(k-1))` df otherwise. Intervals follow
    Shrout & Fleiss (1979) and McGraw & Wong (1996), ICC2 with Satterthwaite's df — the
    formulas of R ``psych::ICC`` and ``pingouin.intraclass_corr``.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. *Psychological Bulletin*, 86(2), 420-428.

    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. *Psychological Methods*, 1(1), 30-46.

    Examples
    --------
    >>> import pandas as pd
    >>> sf = pd.DataFrame({"J1": [9, 6, 8, 7, 10, 6], "J2": [2, 1, 4, 1, 5, 2],
    ...                    "J3": [5, 3, 6, 2, 6, 4], "J4": [8, 2, 8, 6, 9, 7]})
    >>> res = icc_detail(sf, "ICC2")
    >>> round(res.icc, 2), round(res.F, 1)
    (0.29, 11.0)

    The matching R call: ``psych::ICC(sf)``.
    """
    check_choice(form, "ICC form", ICC_FORMS)
    check_ci(ci)
    x = _ratings(ratings)
    n, k = x.shape
    grand = x.mean()
    ss_total = ((x - grand) ** 2).sum()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ss_total - ss_rows - ss_cols
    df_rows, df_cols, df_err = n - 1, k - 1, (n - 1) * (k - 1)
    msr = ss_rows / df_rows
    msc = ss_cols / df_cols
    mse = ss_err / df_err
    msw = (ss_cols + ss_err) / (n * (k - 1))
    if msr <= 0 or mse <= 0:
        raise ValueError("ratings: no variance between targets or no residual variance")

    alpha = 1 - ci
    if form in ("ICC1", "ICC1k"):
        f_value, df1, df2 = msr / msw, df_rows, n * (k - 1)
        f_low = f_value / stats.f.ppf(1 - alpha / 2, df1, df2)
        f_high = f_value * stats.f.ppf(1 - alpha / 2, df2, df1)
        if form == "ICC1":
            value = (msr - msw) / (msr + (k - 1) * msw)
            low, high = (f_low - 1) / (f_low + k - 1), (f_high - 1) / (f_high + k - 1)
        else:
            value = (msr - msw) / msr
            low, high = 1 - 1 / f_low, 1 - 1 / f_high
    elif form in ("ICC3", "ICC3k"):
        f_value, df1, df2 = msr / mse, df_rows, df_err
        f_low = f_value / stats.f.ppf(1 - alpha / 2, df1, df2)
        f_high = f_value * stats.f.ppf(1 - alpha / 2, df2, df1)
        if form == "ICC3":
            value = (msr - mse) / (msr + (k - 1) * mse)
            low, high = (f_low - 1) / (f_low + k - 1), (f_high - 1) / (f_high + k - 1)
        else:
            value = (msr - mse) / msr
            low, high = 1 - 1 / f_low, 1 - 1 / f_high
    else:
        f_value, df1, df2 = msr / mse, df_rows, df_err
        icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
        fj = msc / mse
        # Satterthwaite's approximate df of the ICC2 interval (McGraw & Wong 1996, case 2A).
        vn = df_err * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        vd = df_rows * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        v = vn / vd
        f_u = stats.f.ppf(1 - alpha / 2, n - 1, v)
        f_l = stats.f.ppf(1 - alpha / 2, v, n - 1)
        low = n * (msr - f_u * mse) / (f_u * (k * msc + (k * n - k - n) * mse) + n * msr)
        high = n * (f_l * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f_l * msr)
        if form == "ICC2":
            value = icc2
        else:
            value = (msr - mse) / (msr + (msc - mse) / n)
            low, high = low * k / (1 + low * (k - 1)), high * k / (1 + high * (k - 1))
    pvalue = stats.f.sf(f_value, df1, df2)
    return ICCResult(form=form, icc=float(value), F=float(f_value), df1=float(df1),
                     df2=float(df2), pvalue=float(pvalue), ci_low=float(low),
                     ci_high=float(high), ci=ci, n_targets=n, n_raters=k)


def icc(ratings: pd.DataFrame, form: str) -> float:
    """Intraclass correlation of one Shrout-Fleiss form; see :func:`icc_detail`.

    Parameters
    ----------
    ratings : DataFrame or 2-D array
        One row per target, one column per rater.
    form : {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}
        The Shrout & Fleiss (1979) form.

    Returns
    -------
    float
        The ICC.

    Notes
    -----
    The formulas are in :func:`icc_detail`.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. *Psychological Bulletin*, 86(2), 420-428.

    Examples
    --------
    >>> import pandas as pd
    >>> sf = pd.DataFrame({"J1": [9, 6, 8, 7, 10, 6], "J2": [2, 1, 4, 1, 5, 2],
    ...                    "J3": [5, 3, 6, 2, 6, 4], "J4": [8, 2, 8, 6, 9, 7]})
    >>> round(icc(sf, "ICC3"), 2)
    0.71

    The matching R call: ``psych::ICC(sf)$results["Single_fixed_raters", "ICC"]``.
    """
    return icc_detail(ratings, form).icc
