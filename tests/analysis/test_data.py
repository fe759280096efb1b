import numpy as np
import pandas as pd
import pytest

from analysis.data import CampaignData, from_parquet, load_campaign, load_comments, to_parquet


def test_load_campaign_builds_the_tidy_frame(campaign_engine, specs):
    data = load_campaign(campaign_engine, "C2026", item_specs=specs)
    r = data.responses
    assert list(r.columns) == [
        "response_id", "target_id", "target_code", "rater_group", "questionnaire_version_id",
        "submitted_on", "a1", "a2", "b1", "c1",
    ]
    assert len(r) == 4
    assert (r[["a1", "a2", "b1", "c1"]].dtypes == np.int8).all()
    # rows are ordered by version, then id (uuid of int i+1)
    v1 = r[r["questionnaire_version_id"] == 1]
    assert v1[["a1", "a2", "b1"]].to_numpy().tolist() == [[5, 4, -2], [1, -1, 3], [3, 3, 3]]
    assert (v1["c1"] == -1).all()  # item not in version 1
    v2 = r[r["questionnaire_version_id"] == 2].iloc[0]
    assert (v2["a1"], v2["c1"], v2["a2"], v2["b1"]) == (4, 10, -1, -1)
    assert v2["target_code"] == "D2" and v2["rater_group"] == "upper"
    assert pd.api.types.is_datetime64_any_dtype(r["submitted_on"])
    assert data.min_group_size == 3 and data.year == 2026 and data.campaign_code == "C2026"
    assert list(data.groups["key"]) == ["member", "upper"]
    assert data.groups["anonymous"].tolist() == [True, False]
    assert data.groups["weight"].tolist() == [0.6, 0.4]
    assert data.organisations.set_index("id").loc[4, "path"] == "/1/2/4/"
    assert data.item_columns == ["a1", "a2", "b1", "c1"]


def test_load_campaign_accepts_a_url(tmp_path, specs, populate):
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'x.db'}"
    populate(create_engine(url))
    assert len(load_campaign(url, "C2026", item_specs=specs).responses) == 4


def test_unknown_campaign_and_bad_blob(campaign_engine, specs):
    with pytest.raises(ValueError, match="unknown campaign"):
        load_campaign(campaign_engine, "NOPE", item_specs=specs)
    short = {1: specs[1].iloc[:2], 2: specs[2]}
    with pytest.raises(ValueError, match="item_values length"):
        load_campaign(campaign_engine, "C2026", item_specs=short)
    with pytest.raises(ValueError, match="no item spec"):
        load_campaign(campaign_engine, "C2026", item_specs={1: specs[1]})


def test_load_comments_strips_metadata(campaign_engine):
    c = load_comments(campaign_engine, "C2026", ["comment"])
    assert list(c.columns) == ["target_id", "rater_group", "field_id", "text"]
    assert sorted(c["text"]) == ["needs a bigger room", "很好"]
    with pytest.raises(ValueError):
        load_comments(campaign_engine, "C2026", [])


def test_parquet_round_trip(campaign_engine, specs, tmp_path):
    data = load_campaign(
        campaign_engine, "C2026", item_specs=specs,
        dimension_weights={1: pd.Series({"A": 2.0, "B": 1.0}), 2: pd.Series({"A": 1, "C": 1})},
    )
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


def test_campaign_data_checks_columns():
    with pytest.raises(ValueError, match="lacks columns"):
        CampaignData(pd.DataFrame({"x": [1]}), {}, pd.DataFrame(), pd.DataFrame())


def _definition(items):
    """A questionnaire definition (the stored JSON) with likert items ``(id, section, scale)``."""
    scales = {
        "agree5": {
            "label": {"zh": "同意", "en": "Agree"},
            "points": [{"code": f"p{v}", "value": v, "label": {"zh": str(v), "en": str(v)}}
                       for v in range(1, 6)],
            "satisfied": ["p4", "p5"],
        },
        "ten": {
            "label": {"zh": "十分", "en": "Ten"},
            "points": [{"code": f"t{v}", "value": v, "label": {"zh": str(v), "en": str(v)}}
                       for v in range(0, 11)],
            "satisfied": ["t9", "t10"],
        },
    }
    sections = {}
    for item_id, section, scale, reverse in items:
        sections.setdefault(section, []).append(
            {"id": item_id, "type": "likert", "scale": scale, "reverse": reverse,
             "label": {"zh": item_id, "en": item_id}}
        )
    return {
        "key": "q", "version": "1", "title": {"zh": "问卷", "en": "Q"}, "scales": scales,
        "sections": [
            {"id": s, "title": {"zh": s, "en": s}, "weight": 1 / len(sections), "questions": qs}
            for s, qs in sections.items()
        ],
    }


def test_load_campaign_reads_specs_from_stored_definitions(campaign_engine, specs):
    import json

    from sqlalchemy import text

    pytest.importorskip("questionnaires")
    defs = {
        1: _definition([("a1", "a", "agree5", False), ("a2", "a", "agree5", True),
                        ("b1", "b", "agree5", False)]),
        2: _definition([("a1", "a", "agree5", False), ("c1", "c", "ten", False)]),
    }
    with campaign_engine.begin() as conn:
        for vid, d in defs.items():
            conn.execute(text("UPDATE questionnaire_versions SET definition = :d WHERE id = :id"),
                         {"d": json.dumps(d), "id": vid})
    data = load_campaign(campaign_engine, "C2026")
    assert list(data.items[1].index) == ["a1", "a2", "b1"]
    assert data.items[1].loc["a2", "reverse"]
    assert data.items[2].loc["c1", ["min", "max"]].tolist() == [0, 10]
    assert data.items[2].loc["c1", "satisfied_values"] == (9, 10)
    assert data.dimension_weights[1].to_dict() == {"a": 0.5, "b": 0.5}
    assert data.responses["c1"].tolist() == [-1, -1, -1, 10]


def test_end_to_end_from_database(campaign_engine, specs):
    from analysis.disclosure import complementary_suppression
    from analysis.rollup import rollup
    from analysis.scoring import score_campaign

    data = load_campaign(campaign_engine, "C2026", item_specs=specs)
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
