"""The scale benchmark's plumbing at a tiny size (no timing assertions)."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from benchmarks import scale  # noqa: E402


def test_generate_streams_chunks_and_is_reused(tmp_path):
    from analysis.parquet import from_parquet

    root = scale.dataset_root(2500, 120, 6, tmp_path, rows_per_file=1000)
    first = scale.generate(root, 2500, 120, 6, chunk=600, quiet=True, rows_per_file=1000)
    assert first["generated"]
    data = from_parquet(root)
    assert len(data.responses) == 2500 and data.responses["response_id"].is_unique
    assert set(data.responses["target_id"]) <= set(data.organisations["id"])
    assert len(list(root.rglob("part-*.parquet"))) == 3
    assert scale.generate(root, 2500, 120, 6, quiet=True) == {"generated": False}
    with pytest.raises(ValueError):
        scale.generate(tmp_path / "x", 0, 120, 6)


def test_report_and_check_in_process(tmp_path):
    root = scale.dataset_root(2000, 100, 6, tmp_path, rows_per_file=700)
    scale.generate(root, 2000, 100, 6, quiet=True, rows_per_file=700)
    got = scale.report(root, workers=1, scheduler=None, processes=False, progress=False)
    assert got["partitions"] == 3 and got["workers"] == 1
    assert got["columns_read"] == 8  # target_id, the version and 6 items: no ids or dates
    assert 0 < got["column_bytes"] < got["dataset_bytes"]
    assert got["worker_peak_rss_mb"][0] > 0
    assert 0 < got["root_satisfaction_rate"] < 1
    check = scale.check_equal(root, rows=1000)
    assert check["check_rows"] == 1400 and check["equal_to_pandas"]
    assert check["max_abs_diff"] < 1e-9
