"""Results of a committee 述职评议: how members judged each committee member (工会委员).

Each rater gives each person one verdict: 满意 (``satisfied``), 基本满意 (``basic``) or
不满意 (``dissatisfied``); "don't know" and no answer are not verdicts. A person's
result is the share of each verdict among the raters who gave one:

    satisfied_rate = n_satisfied / raters,  basic_rate = n_basic / raters,
    unsatisfied_rate = n_dissatisfied / raters.

Fewer than ``k`` raters (the campaign's minimum reporting group size): the row keeps its
person, role and ``suppressed = True``, and every figure, the number of raters included,
is missing (pages read "评议人数不足"). No committee total is published beside the
people, so no hidden person's verdicts follow from a total minus the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VERDICTS = ("satisfied", "basic", "dissatisfied")
COLUMNS = ("raters", "satisfied_rate", "basic_rate", "unsatisfied_rate", "suppressed")


def person_results(verdicts: pd.DataFrame, people: pd.DataFrame, k: int) -> pd.DataFrame:
    """One row per person of ``people`` (indexed by person id): their verdict shares.

    Parameters
    ----------
    verdicts : DataFrame
        One row per (rater, person) verdict: columns ``person_id`` and ``verdict``; values
        other than :data:`VERDICTS` (don't know, blank) are not counted.
    people : DataFrame
        Indexed by person id; its columns (unit, name, role ...) are kept in front.
    k : int
        The minimum number of raters for a person's figures to be shown (>= 1).

    Returns
    -------
    DataFrame
        ``people``'s columns, then ``raters`` (nullable integer), the three rates (0-1,
        NaN when suppressed) and ``suppressed``.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if not {"person_id", "verdict"} <= set(verdicts.columns):
        raise ValueError("verdicts need the columns person_id and verdict")
    given = verdicts[verdicts["verdict"].isin(VERDICTS)]
    counts = (pd.crosstab(given["person_id"], given["verdict"])
              .reindex(index=people.index, columns=list(VERDICTS), fill_value=0))
    raters = counts.sum(axis=1).to_numpy()
    shown = raters >= k
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts.to_numpy(float) / raters[:, None]
    shares[~shown] = np.nan
    out = people.copy()
    out["raters"] = pd.array(np.where(shown, raters, 0), dtype="Int64")
    out.loc[~shown, "raters"] = pd.NA
    out["satisfied_rate"], out["basic_rate"], out["unsatisfied_rate"] = shares.T
    out["suppressed"] = ~shown
    return out
