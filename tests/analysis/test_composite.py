import numpy as np
import pandas as pd
import pytest

from analysis.composite import composite_index

W = {"member": 0.4, "management": 0.2, "party": 0.2, "upper": 0.2}


def table():
    return pd.DataFrame(
        {
            "target_id": [1, 1, 1, 1, 2, 2, 2, 3],
            "rater_group": ["member", "management", "party", "upper",
                            "member", "management", "upper", "member"],
            "overall": [80.0, 70.0, 90.0, 60.0, 50.0, 100.0, 10.0, 66.0],
            "n": [40, 5, 6, 5, 30, 5, 3, 4],
        }
    )


def test_full_and_renormalised():
    c = composite_index(table(), W, min_group_size=5)
    assert c.loc[1, "composite"] == pytest.approx(0.4 * 80 + 0.2 * 70 + 0.2 * 90 + 0.2 * 60)
    assert not c.loc[1, "renormalised"] and c.loc[1, "missing_groups"] == []
    # target 2: party absent, upper below 5 -> weights renormalised over member + management
    assert c.loc[2, "composite"] == pytest.approx((0.4 * 50 + 0.2 * 100) / 0.6)
    assert c.loc[2, "renormalised"]
    assert c.loc[2, "missing_groups"] == ["party", "upper"]
    assert c.loc[2, "weight_used"] == pytest.approx(0.6)
    assert np.isnan(c.loc[2, "value:upper"])
    # target 3: its only group is too small -> no composite
    assert np.isnan(c.loc[3, "composite"]) and c.loc[3, "renormalised"]


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"member": 0.5, "management": 0.2, "party": 0.2, "upper": 0.2}, "sum to 1"),
        ({"member": 1.0}, "without a weight"),
        ({"member": -0.2, "management": 0.6, "party": 0.4, "upper": 0.2}, ">= 0"),
    ],
)
def test_bad_weights(weights, message):
    with pytest.raises(ValueError, match=message):
        composite_index(table(), weights)


def test_bad_table():
    with pytest.raises(ValueError, match="lacks column"):
        composite_index(table().drop(columns="n"), W)
    with pytest.raises(ValueError, match="duplicate"):
        composite_index(pd.concat([table(), table().iloc[:1]]), W)


# ---------------------------------------------------------------- assessment inputs

def test_assessment_inputs_four_party():
    from analysis.assessment_input import assessment_inputs
    from analysis.indices import unit_indices
    from analysis.scoring import score_campaign
    from analysis.synthetic import synthetic_campaign

    data = synthetic_campaign(
        4000, 40, 10, seed=5, rater_groups=("member", "management", "party", "upper")
    )
    out = assessment_inputs(data).set_index("target_id")
    scored = score_campaign(data)
    ui = unit_indices(scored)
    assert set(out.index) == set(ui.index)
    assert {"campaign_code", "year", "target_code", "overall_index", "dim:d1",
            "satisfaction_rate", "participation_rate", "composite_index", "suppressed",
            "group_missing", "renormalised", "missing_groups"} <= set(out.columns)
    assert (out["year"] == 2026).all() and (out["campaign_code"] == "SYN-2026").all()
    big = out.index[~out["suppressed"]]
    np.testing.assert_allclose(out.loc[big, "overall_index"], ui.loc[big, "overall"])
    members = data.organisations.set_index("id")["members"]
    n_member = scored[scored.rater_group == "member"].target_id.value_counts()
    np.testing.assert_allclose(
        out.loc[big, "participation_rate"], n_member.reindex(big) / members.reindex(big)
    )
    small = out.index[out["n"] < data.min_group_size]
    assert out.loc[small, "suppressed"].all()
    assert out.loc[small, ["overall_index", "satisfaction_rate", "composite_index"]].isna().all(
        axis=None)
    # composite agrees with composite_index on the group table, flags included
    table = unit_indices(scored, ["target_id", "rater_group"]).reset_index()
    comp = composite_index(table, data.groups.set_index("key")["weight"], 5)
    np.testing.assert_allclose(out.loc[big, "composite_index"], comp.loc[big, "composite"])
    assert (out.loc[big, "renormalised"] == comp.loc[big, "renormalised"]).all()
    assert out["renormalised"].any()  # small groups in a synthetic campaign of 40 units
    assert (out.loc[out["group_missing"], "renormalised"]).all()


def test_assessment_inputs_single_group_has_no_composite():
    from analysis.assessment_input import assessment_inputs
    from analysis.synthetic import synthetic_campaign

    out = assessment_inputs(synthetic_campaign(500, 20, 5, seed=1))
    assert "composite_index" not in out.columns
    assert not out["renormalised"].any() and not out["group_missing"].any()
    with pytest.raises(ValueError, match="unknown rater groups"):
        assessment_inputs(synthetic_campaign(500, 20, 5, seed=1), member_groups=["x"])
