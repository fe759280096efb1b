"""Verdict shares of committee members, with the minimum number of raters."""

import numpy as np
import pandas as pd
import pytest

from analysis.committee import person_results

PEOPLE = pd.DataFrame({"person": ["甲", "乙", "丙"]}, index=pd.Index([1, 2, 3], name="id"))


def _verdicts(counts: dict[int, list[str]]) -> pd.DataFrame:
    return pd.DataFrame([(pid, v) for pid, vs in counts.items() for v in vs],
                        columns=["person_id", "verdict"])


def test_shares_among_the_raters_who_gave_a_verdict():
    verdicts = _verdicts({
        1: ["satisfied"] * 6 + ["basic"] * 3 + ["dissatisfied"] + ["na", None],
        2: ["satisfied"] * 4 + ["na"] * 8,  # 4 verdicts: fewer than k = 5
        3: ["basic"] * 5,
    })
    out = person_results(verdicts, PEOPLE, k=5)
    assert list(out.columns) == ["person", "raters", "satisfied_rate", "basic_rate",
                                 "unsatisfied_rate", "suppressed"]
    assert out.loc[1, "raters"] == 10
    np.testing.assert_allclose(out.loc[1, ["satisfied_rate", "basic_rate",
                                           "unsatisfied_rate"]].astype(float), [0.6, 0.3, 0.1])
    assert out.loc[2, "suppressed"] and pd.isna(out.loc[2, "raters"])
    assert out.loc[2, ["satisfied_rate", "basic_rate", "unsatisfied_rate"]].isna().all()
    assert not out.loc[3, "suppressed"] and out.loc[3, "basic_rate"] == 1.0


def test_exactly_k_raters_are_shown_and_nobody_rated_is_hidden():
    out = person_results(_verdicts({1: ["satisfied"] * 5}), PEOPLE, k=5)
    assert not out.loc[1, "suppressed"]
    assert out.loc[[2, 3], "suppressed"].all()


def test_bad_input_raises():
    with pytest.raises(ValueError):
        person_results(_verdicts({1: ["satisfied"]}), PEOPLE, k=0)
    with pytest.raises(ValueError):
        person_results(pd.DataFrame({"who": [1]}), PEOPLE, k=5)
