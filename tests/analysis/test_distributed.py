"""The Dask analysis equals the pandas functions on the same campaign (to 1e-9)."""

from __future__ import annotations

import pandas as pd
import pytest

dask = pytest.importorskip("dask")

from analysis import distributed as D  # noqa: E402
from analysis import indices, rollup, scoring, trends  # noqa: E402
from analysis.parquet import to_parquet  # noqa: E402
from analysis.synthetic import synthetic_campaign  # noqa: E402

TOL = {"rtol": 1e-9, "atol": 1e-9}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds")
    old = synthetic_campaign(6000, 120, 10, seed=2, year=2025)
    new = synthetic_campaign(8000, 120, 10, seed=3, year=2026)
    to_parquet(old, root, rows_per_file=1500)
    to_parquet(new, root, rows_per_file=1500)
    return root, old, new


@pytest.fixture(scope="module")
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def test_unit_indices_rollup_and_items_equal_pandas(exported, synchronous):
    root, _, data = exported
    camp = D.open_campaign(root, "SYN-2026")
    assert camp.responses.npartitions == 6
    assert "response_id" not in camp.responses.columns  # ids are not even read
    summary = D.summarise(camp, item_by="target_id")
    scored = scoring.score_campaign(data)
    pd.testing.assert_frame_equal(D.unit_indices(summary), indices.unit_indices(scored), **TOL)
    for weighted in (False, True):
        pd.testing.assert_frame_equal(
            D.rollup(summary, data.organisations, weight_by_members=weighted),
            rollup.rollup(scored, data.organisations, weight_by_members=weighted), **TOL)
    spec = data.items[1]
    pd.testing.assert_frame_equal(
        D.item_satisfaction(summary, camp.facts)[1],
        indices.item_satisfaction(data.responses[list(spec.index)], spec,
                                  by=data.responses["target_id"]), **TOL)


def test_campaign_report_in_one_pass(exported, synchronous):
    root, _, data = exported
    report = D.campaign_report(D.open_campaign(root, "SYN-2026"))
    spec = data.items[1]
    pd.testing.assert_frame_equal(
        report["items"][1], indices.item_satisfaction(data.responses[list(spec.index)], spec),
        **TOL)
    assert report["units"]["participation_rate"].between(0, 10).all()
    assert report["rollup"].loc[1, "n"] == len(data.responses)


def test_year_over_year_equals_pandas(exported, synchronous):
    root, old, new = exported
    prev = D.summarise(D.open_campaign(root, "SYN-2025"), "target_code")
    cur = D.summarise(D.open_campaign(root, "SYN-2026"), "target_code")
    expected = trends.year_over_year(scoring.score_campaign(old), scoring.score_campaign(new),
                                     "target_code")
    got = D.year_over_year(prev, cur)
    assert len(got) == len(expected) > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, **TOL)


def test_on_a_local_cluster(exported):
    root, _, data = exported
    with D.cluster(n_workers=1, processes=False):
        summary = D.summarise(D.open_campaign(root, "SYN-2026"))
    pd.testing.assert_frame_equal(
        D.unit_indices(summary), indices.unit_indices(scoring.score_campaign(data)), **TOL)


def test_bad_input(exported, synchronous):
    root, _, _ = exported
    camp = D.open_campaign(root, "SYN-2026")
    with pytest.raises(ValueError, match="lack columns"):
        D.summarise(camp, "rater_group")
    with pytest.raises(ValueError, match="tcp://"):
        with D.cluster("localhost"):
            pass
