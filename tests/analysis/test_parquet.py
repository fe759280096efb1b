"""The campaign export is one hive-partitioned Parquet dataset that standard readers open."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from analysis.parquet import (
    CAMPAIGN_FILE,
    METADATA_KEY,
    CampaignDatasetWriter,
    from_parquet,
    partition_path,
    to_parquet,
)
from analysis.synthetic import synthetic_campaign


@pytest.fixture(scope="module")
def campaign():
    data = synthetic_campaign(600, 40, 8, seed=5, rater_groups=("member", "peer"))
    # ids as released (row numbers), as the app's export writes them
    data.responses["response_id"] = [f"r{i:07d}" for i in range(len(data.responses))]
    return data


@pytest.fixture()
def export(campaign, tmp_path):
    return to_parquet(campaign, tmp_path / "report.parquet", rows_per_file=250)


def test_layout_is_hive_with_an_underscored_description(export):
    leaf = export / "year=2026" / "campaign=SYN-2026"
    names = sorted(p.name for p in leaf.iterdir())
    assert names == [CAMPAIGN_FILE, "part-00000.parquet", "part-00001.parquet",
                     "part-00002.parquet"]
    assert [p.name for p in export.iterdir()] == ["year=2026"]


def test_pandas_and_pyarrow_open_the_dataset(export, campaign):
    frame = pd.read_parquet(export)
    assert len(frame) == len(campaign.responses)
    assert set(frame["year"].astype(int)) == {2026}
    assert set(frame["campaign"].astype(str)) == {"SYN-2026"}
    assert (frame["q01"].to_numpy() == campaign.responses["q01"].to_numpy()).all()
    table = ds.dataset(export, partitioning="hive").to_table()
    assert table.num_rows == 600 and "campaign" in table.column_names


def test_duckdb_opens_the_dataset(export, campaign):
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(
        f"SELECT year, campaign, count(*) AS n, sum(q03) AS s FROM read_parquet("
        f"'{export}/**/*.parquet', hive_partitioning=true) GROUP BY ALL").fetchall()
    assert rows == [(2026, "SYN-2026", 600, int(campaign.responses["q03"].sum()))]


def test_dask_opens_the_dataset(export):
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.read_parquet(export)
    assert frame.npartitions == 3
    assert int(frame["q02"].count().compute()) == 600


def test_round_trip_equals(export, campaign):
    back = from_parquet(export)
    pd.testing.assert_frame_equal(back.responses, campaign.responses)
    pd.testing.assert_frame_equal(back.organisations, campaign.organisations)
    pd.testing.assert_frame_equal(back.groups, campaign.groups)
    assert back.items.keys() == campaign.items.keys()
    pd.testing.assert_frame_equal(back.items[1], campaign.items[1])
    pd.testing.assert_series_equal(back.dimension_weights[1], campaign.dimension_weights[1])
    assert (back.campaign_code, back.year, back.min_group_size) == ("SYN-2026", 2026, 5)


def test_each_file_describes_the_campaign_without_the_tree(export):
    leaf = export / partition_path("SYN-2026", 2026)
    meta = pq.read_schema(leaf / "part-00001.parquet").metadata
    facts = json.loads(meta[METADATA_KEY])
    assert facts["campaign_code"] == "SYN-2026" and facts["min_group_size"] == 5
    assert facts["items"]["1"]["data"]["satisfied_values"][0] == [4, 5]
    assert [g for g in facts["groups"]["data"]["key"]] == ["member", "peer"]
    assert "organisations" not in facts
    described = json.loads((leaf / CAMPAIGN_FILE).read_text(encoding="utf-8"))
    assert described["rows"] == 600 and len(described["organisations"]["data"]["id"]) == 40
    # the description holds no response rows, hence no response ids
    assert "r0000001" not in (leaf / CAMPAIGN_FILE).read_text(encoding="utf-8")


def test_several_campaigns_in_one_dataset(tmp_path):
    root = tmp_path / "all"
    old = synthetic_campaign(100, 20, 5, seed=1, year=2025)
    new = synthetic_campaign(120, 20, 5, seed=2, year=2026)
    to_parquet(old, root)
    to_parquet(new, root)
    assert len(pd.read_parquet(root)) == 220
    assert len(from_parquet(root, "SYN-2025").responses) == 100
    with pytest.raises(ValueError, match="name one"):
        from_parquet(root)
    with pytest.raises(ValueError, match="not in"):
        from_parquet(root, "NOPE")
    to_parquet(new.__class__(**{**new.__dict__, "responses": new.responses.head(7)}), root)
    assert len(from_parquet(root, "SYN-2026").responses) == 7  # replaced, not appended


def test_streamed_chunks_and_an_empty_campaign(campaign, tmp_path):
    with CampaignDatasetWriter(tmp_path / "s", campaign, rows_per_file=400) as w:
        for start in range(0, 600, 130):
            w.write(campaign.responses.iloc[start : start + 130])
    assert [f.name for f in w.files] == ["part-00000.parquet", "part-00001.parquet"]
    pd.testing.assert_frame_equal(from_parquet(tmp_path / "s").responses, campaign.responses)
    empty = campaign.__class__(**{**campaign.__dict__, "responses": campaign.responses.head(0)})
    back = from_parquet(to_parquet(empty, tmp_path / "e"))
    assert back.responses.empty and list(back.responses.columns) == list(
        campaign.responses.columns)
    with pytest.raises(ValueError, match="lack columns"):
        CampaignDatasetWriter(tmp_path / "x", campaign).write(campaign.responses[["q01"]])
