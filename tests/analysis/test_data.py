import numpy as np
import pandas as pd
import pytest

from analysis.data import (
    CampaignData,
    campaign_from_columns,
    comments_from_answers,
    specs_from_definitions,
)
from analysis.parquet import from_parquet, to_parquet
from tests.analysis.conftest import (
    campaign_columns,
    definition,
    groups_frame,
    organisations_frame,
)


def test_campaign_data_checks_columns():
    with pytest.raises(ValueError, match="lacks columns"):
        CampaignData(pd.DataFrame({"x": [1]}), {}, pd.DataFrame(), pd.DataFrame())




def test_campaign_from_columns_builds_the_tidy_frame(campaign):
    r = campaign.responses
    assert list(r.columns) == [
        "response_id", "target_id", "target_code", "rater_group", "questionnaire_version_id",
        "submitted_on", "a1", "a2", "b1", "c1",
    ]
    assert len(r) == 4
    assert (r[["a1", "a2", "b1", "c1"]].dtypes == np.int8).all()
    v1 = r[r["questionnaire_version_id"] == 1]
    assert v1[["a1", "a2", "b1"]].to_numpy().tolist() == [[5, 4, -2], [1, -1, 3], [3, 3, 3]]
    assert (v1["c1"] == -1).all()  # item not in version 1
    v2 = r[r["questionnaire_version_id"] == 2].iloc[0]
    assert (v2["a1"], v2["c1"], v2["a2"], v2["b1"]) == (4, 10, -1, -1)
    assert v2["target_code"] == "D2" and v2["rater_group"] == "upper"
    assert r["submitted_on"].dt.day.tolist() == [1, 2, 3, 4]
    assert str(r["response_id"].dtype) == "string"
    assert campaign.groups["anonymous"].tolist() == [True, False]
    assert campaign.groups["weight"].tolist() == [0.6, 0.4]
    assert "group_id" not in campaign.groups.columns
    assert str(campaign.organisations["parent_id"].dtype) == "Int64"
    assert campaign.item_columns == ["a1", "a2", "b1", "c1"]


@pytest.mark.parametrize("dates", ["iso", "date", "datetime64"])
def test_campaign_from_columns_takes_dates_as_any_driver_returns_them(specs, dates):
    cols = campaign_columns()
    iso = cols[4]
    cols[4] = {"iso": iso, "date": [pd.Timestamp(d).date() for d in iso],
               "datetime64": np.array(iso, dtype="datetime64[D]")}[dates]
    data = campaign_from_columns(cols, organisations=organisations_frame(),
                                 groups=groups_frame(), items=specs)
    assert data.responses["submitted_on"].tolist() == list(pd.to_datetime(iso))


def test_campaign_from_columns_takes_items_already_parsed(specs, campaign):
    cols = campaign_columns()
    blobs, cols[5] = cols[5], None
    blocks = {1: (np.arange(3), np.frombuffer(b"".join(blobs[:3]), np.int8).reshape(3, 3)),
              2: (np.array([3]), np.frombuffer(blobs[3], np.int8).reshape(1, 2))}
    data = campaign_from_columns(cols, organisations=organisations_frame(),
                                 groups=groups_frame(), items=specs, blocks=blocks)
    pd.testing.assert_frame_equal(data.responses, campaign.responses)


def test_campaign_from_columns_refuses_blobs_that_do_not_fit(specs):
    kwargs = {"organisations": organisations_frame(), "groups": groups_frame()}
    with pytest.raises(ValueError, match="item_values length"):
        campaign_from_columns(campaign_columns(), items={1: specs[1].iloc[:2], 2: specs[2]},
                              **kwargs)
    with pytest.raises(ValueError, match="no item spec"):
        campaign_from_columns(campaign_columns(), items={1: specs[1]}, **kwargs)
    with pytest.raises(ValueError, match="six response columns"):
        campaign_from_columns(campaign_columns()[:5], items=specs, **kwargs)


def test_comments_from_answers_strips_metadata():
    answers = pd.DataFrame({
        "target_id": [4, 4, 2, 3], "rater_group": ["member", "member", "member", "upper"],
        "answers": [{"comment": "  很好 "}, {"comment": ""}, {}, {"comment": "needs a room"}],
    })
    c = comments_from_answers(answers, ["comment"])
    assert list(c.columns) == ["target_id", "rater_group", "field_id", "text"]
    assert c.values.tolist() == [[4, "member", "comment", "很好"],
                                 [3, "upper", "comment", "needs a room"]]
    with pytest.raises(ValueError, match="no comment field"):
        comments_from_answers(answers, [])
    with pytest.raises(ValueError, match="lacks columns"):
        comments_from_answers(answers.drop(columns="rater_group"), ["comment"])


def test_specs_from_definitions():
    specs, weights = specs_from_definitions({
        1: definition([("a1", "a", "agree5", False), ("a2", "a", "agree5", True),
                       ("b1", "b", "agree5", False)]),
        2: definition([("a1", "a", "agree5", False), ("c1", "c", "ten", False)]),
    })
    assert list(specs[1].index) == ["a1", "a2", "b1"]
    assert specs[1].loc["a2", "reverse"]
    assert specs[2].loc["c1", ["min", "max"]].tolist() == [0, 10]
    assert specs[2].loc["c1", "satisfied_values"] == (9, 10)
    assert weights[1].to_dict() == {"a": 0.5, "b": 0.5}


def test_parquet_round_trip(campaign, tmp_path):
    data = campaign
    to_parquet(data, tmp_path / "export", rows_per_file=2)
    back = from_parquet(tmp_path / "export")
    pd.testing.assert_frame_equal(back.responses, data.responses)
    assert (back.responses[["a1", "c1"]].dtypes == np.int8).all()
    for v in (1, 2):
        pd.testing.assert_frame_equal(back.items[v], data.items[v], check_dtype=False)
        assert back.dimension_weights[v].to_dict() == data.dimension_weights[v].to_dict()
    assert back.min_group_size == 3 and back.year == 2026
    pd.testing.assert_frame_equal(back.groups, data.groups)
    pd.testing.assert_frame_equal(back.organisations, data.organisations)
    with pytest.raises(ValueError, match="not a campaign export"):
        from_parquet(tmp_path)



def test_end_to_end_from_stored_columns(campaign):
    from dataclasses import replace

    from analysis.disclosure import complementary_suppression
    from analysis.rollup import rollup
    from analysis.scoring import score_campaign

    data = replace(campaign, dimension_weights={})  # equal dimension weights
    scored = score_campaign(data).set_index("response_id", drop=False)
    # hand-computed overall indices (equal dimension weights):
    # target 4: (100 + 25)/2 = 62.5 (b1 is na), and a1 = 0 with b1 = 50 -> 25
    # target 2: 50; target 3 (version 2): (75 + 100)/2 = 87.5
    by_target = scored.groupby("target_id")["overall"].apply(sorted).to_dict()
    assert by_target == {2: [50.0], 3: [87.5], 4: [25.0, 62.5]}
    tree = rollup(scored.reset_index(drop=True), data.organisations)
    assert tree.loc[4, "overall"] == pytest.approx(43.75)
    assert tree.loc[2, "overall"] == pytest.approx((62.5 + 25 + 50) / 3)
    assert tree.loc[1, "overall"] == pytest.approx((62.5 + 25 + 50 + 87.5) / 4)
    published = complementary_suppression(tree, "n", data.min_group_size)
    # min_group_size 3: units 4 (2 responses) and 3 (1) are small; unit 3 would be the
    # root's only hidden child, so its sibling 2 is suppressed too; the root stays published
    assert published["suppression"].to_dict() == {
        1: None, 2: "complementary", 3: "small", 4: "small"
    }
