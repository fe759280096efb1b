from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.scoring import (
    dimension_columns,
    dimension_weights,
    item_scores,
    item_spec,
    score_responses,
    validate_spec,
)

SPEC = pd.DataFrame(
    {
        "dimension": ["A", "A", "A", "B", "B"],
        "min": [1, 1, 1, 0, 1],
        "max": [5, 5, 5, 10, 5],
        "reverse": [False, True, False, False, False],
        "weight": [1.0, 1.0, 2.0, 1.0, 1.0],
        "satisfied_values": [(4, 5), (1, 2), (4, 5), (9, 10), (4, 5)],
    },
    index=pd.Index(["i1", "i2", "i3", "j1", "j2"], name="item"),
)


def frame(rows):
    v = pd.DataFrame(np.asarray(rows, dtype=np.int8), columns=SPEC.index)
    return pd.concat([pd.DataFrame({"target_id": range(len(rows))}), v], axis=1)


def test_item_scores_linear_reverse_and_missing():
    s = item_scores(np.array([[5, 2, 4, 7, -2], [1, 5, -1, 0, 3]], dtype=np.int8), SPEC)
    np.testing.assert_allclose(s.iloc[0, :4], [100, 75, 75, 70])
    assert np.isnan(s.iloc[0, 4])
    np.testing.assert_allclose(s.iloc[1, [0, 1, 3, 4]], [0, 0, 0, 50])
    assert np.isnan(s.iloc[1, 2])


def test_score_responses_hand_computed():
    rows = [
        [5, 2, 4, 7, -2],    # A = (100 + 75 + 2*75)/4 = 81.25; B = 70 (1 of 2 answered)
        [-1, -2, 3, -1, -1],  # A: 1 of 3 answered < ceil(1.5)=2 -> NaN; B none -> NaN
        [1, -1, -1, 10, 5],  # A: 1 of 3 -> NaN; B = 100
        [1, 1, 1, 0, 1],     # A = (0 + 100 + 0)/4 = 25; B = 0
    ]
    out = score_responses(frame(rows), SPEC, {"A": 2.0, "B": 1.0})
    assert dimension_columns(out) == ["A", "B"]
    np.testing.assert_allclose(out["dim:A"], [81.25, np.nan, np.nan, 25.0])
    np.testing.assert_allclose(out["dim:B"], [70, np.nan, 100, 0])
    # overall: (2*81.25 + 70)/3 = 77.5; row 2 renormalised over B alone
    np.testing.assert_allclose(out["overall"], [77.5, np.nan, 100, 50 / 3])
    assert out["n_dimensions"].tolist() == [2, 0, 1, 2]
    # satisfaction counts: row 0: i1 5 yes, i2 2 yes (reverse), i3 4 yes, j1 7 no, j2 na
    assert out["n_valid"].tolist() == [4, 1, 3, 5]
    assert out["n_satisfied"].tolist() == [3, 0, 2, 1]
    assert out["n_valid:A"].tolist() == [3, 1, 1, 3]
    assert out["n_satisfied:B"].tolist() == [0, 0, 2, 0]
    assert out["target_id"].tolist() == [0, 1, 2, 3]
    assert "i1" not in out.columns

    strict = score_responses(frame(rows), SPEC, {"A": 2.0, "B": 1.0}, require_all=True)
    np.testing.assert_allclose(strict["overall"], [77.5, np.nan, np.nan, 50 / 3])


def test_min_share_rounds_up():
    # 3 items in A: half is 1.5 -> 2 needed; with min_share=1/3 one item is enough
    rows = [[5, -1, -1, 10, 5]]
    assert np.isnan(score_responses(frame(rows), SPEC)["dim:A"][0])
    assert score_responses(frame(rows), SPEC, min_share=1 / 3)["dim:A"][0] == 100


def test_default_weights_are_equal():
    out = score_responses(frame([[1, 1, 1, 0, 1]]), SPEC)
    assert out["overall"][0] == pytest.approx((25 + 0) / 2)


@pytest.mark.parametrize(
    "rows, message",
    [
        ([[6, 1, 1, 0, 1]], "outside its scale"),
        ([[1, 1, 1, 0, -3]], "outside its scale"),
    ],
)
def test_bad_values_raise(rows, message):
    with pytest.raises(ValueError, match=message):
        score_responses(frame(rows), SPEC)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="lacks item columns"):
        score_responses(frame([[1, 1, 1, 0, 1]]).drop(columns="j2"), SPEC)
    with pytest.raises(ValueError, match="no responses"):
        score_responses(frame([[1, 1, 1, 0, 1]]).iloc[:0], SPEC)
    with pytest.raises(ValueError, match="lack dimensions"):
        score_responses(frame([[1, 1, 1, 0, 1]]), SPEC, {"A": 1.0})
    with pytest.raises(ValueError, match="shape"):
        item_scores(np.zeros((2, 3), dtype=np.int8), SPEC)
    with pytest.raises(ValueError, match="max <= min"):
        validate_spec(SPEC.assign(max=1))
    with pytest.raises(ValueError, match="lacks columns"):
        validate_spec(SPEC.drop(columns="weight"))
    with pytest.raises(ValueError, match="satisfied values"):
        validate_spec(SPEC.assign(satisfied_values=[(6,)] * 5))


def _fake_questionnaire():
    def scale(lo, hi, sat):
        points = tuple(SimpleNamespace(code=f"p{v}", value=v) for v in range(lo, hi + 1))
        return SimpleNamespace(
            min_value=lo, max_value=hi, points=points, satisfied=frozenset(f"p{v}" for v in sat)
        )

    five = scale(1, 5, (4, 5))
    items = [
        SimpleNamespace(id="x1", dimension="S1", scale=five, reverse=False, weight=1.0),
        SimpleNamespace(id="x2", dimension="S2", scale=five, reverse=True, weight=0.5),
    ]
    return SimpleNamespace(scored_items=lambda: items, dimension_weights=lambda: {"S1": 0.7,
                                                                                  "S2": 0.3})


def test_item_spec_adapter():
    spec = item_spec(_fake_questionnaire())
    assert list(spec.index) == ["x1", "x2"]
    assert spec.loc["x2", "reverse"] and spec.loc["x2", "weight"] == 0.5
    assert spec.loc["x1", "satisfied_values"] == (4, 5)
    assert (spec["min"].tolist(), spec["max"].tolist()) == ([1, 1], [5, 5])
    assert dimension_weights(_fake_questionnaire()).to_dict() == {"S1": 0.7, "S2": 0.3}


def test_item_spec_from_real_questionnaires_package():
    model = pytest.importorskip("questionnaires.model")
    q = model.Questionnaire.from_dict(
        {
            "key": "t",
            "version": "1",
            "title": {"zh": "测试", "en": "Test"},
            "scales": {
                "agree5": {
                    "label": {"zh": "同意", "en": "Agree"},
                    "points": [
                        {"code": c, "value": v, "label": {"zh": c, "en": c}}
                        for c, v in zip("abcde", range(1, 6), strict=True)
                    ],
                    "satisfied": ["d", "e"],
                }
            },
            "sections": [
                {
                    "id": "s1",
                    "title": {"zh": "一", "en": "One"},
                    "weight": 1,
                    "questions": [
                        {"id": "x1", "type": "likert", "scale": "agree5",
                         "label": {"zh": "题", "en": "Q"}},
                    ],
                }
            ],
        }
    )
    spec = item_spec(q)
    assert spec.loc["x1", "satisfied_values"] == (4, 5)
    assert dimension_weights(q)["s1"] == 1


def test_score_campaign_scores_each_version_with_its_own_spec():
    from analysis.data import CampaignData
    from analysis.scoring import score_campaign

    spec2 = pd.DataFrame(
        {"dimension": ["A", "C"], "min": [1, 0], "max": [5, 10], "reverse": False,
         "weight": 1.0, "satisfied_values": [(4, 5), (9, 10)]},
        index=pd.Index(["i1", "k1"], name="item"),
    )
    meta = pd.DataFrame({
        "response_id": ["r1", "r2"], "target_id": [1, 1], "target_code": ["U", "U"],
        "rater_group": ["member", "upper"], "questionnaire_version_id": [1, 2],
        "submitted_on": pd.to_datetime(["2026-10-01", "2026-10-02"]),
    })
    items = pd.DataFrame({"i1": [5, 2], "i2": [2, -1], "i3": [4, -1], "j1": [7, -1],
                          "j2": [-2, -1], "k1": [-1, 10]}, dtype=np.int8)
    data = CampaignData(
        responses=pd.concat([meta, items], axis=1), items={1: SPEC, 2: spec2},
        organisations=pd.DataFrame(), groups=pd.DataFrame(),
        dimension_weights={1: pd.Series({"A": 2.0, "B": 1.0}), 2: pd.Series({"A": 1, "C": 3})},
    )
    out = score_campaign(data).set_index("response_id")
    assert out.loc["r1", "overall"] == pytest.approx(77.5)
    # r2: A = i1 only (1 of 1 item) = 25; C = 100; overall = (25 + 3*100)/4
    assert out.loc["r2", "dim:A"] == pytest.approx(25)
    assert np.isnan(out.loc["r2", "dim:B"]) and np.isnan(out.loc["r1", "dim:C"])
    assert out.loc["r2", "overall"] == pytest.approx((25 + 300) / 4)
    assert out.loc["r1", "n_valid:C"] == 0


def test_scoring_in_row_blocks_gives_the_same_result(monkeypatch):
    """Blocks are a speed device only: any block size gives identical output."""
    import analysis.scoring as scoring
    from analysis.synthetic import synthetic_campaign

    data = synthetic_campaign(5000, 40, 12, seed=3)
    whole = scoring.score_campaign(data)
    monkeypatch.setattr(scoring, "BLOCK_ROWS", 777)
    blocked = scoring.score_campaign(data)
    pd.testing.assert_frame_equal(whole, blocked)
    assert whole["overall"].notna().sum() > 4000
