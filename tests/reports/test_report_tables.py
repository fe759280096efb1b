"""analysis.reports on synthetic campaigns (no database): disclosure holds on every table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import reports as R
from analysis.synthetic import synthetic_campaign


@pytest.fixture(scope="module")
def report():
    data = synthetic_campaign(900, 120, 10, seed=11, rater_groups=("members", "upper"))
    data.min_group_size = 5
    return R.build_report(data)


def test_no_published_figure_rests_on_fewer_than_k_or_a_subtraction(report):
    u, k = report.units, report.k
    assert u["suppressed"].any() and (~u["suppressed"]).any()
    assert u.loc[u["suppressed"], ["n", "overall", "satisfaction_rate"]].isna().all().all()
    assert (u.loc[~u["suppressed"], "n"] >= k).all()
    n_all = R.rollup(report.scored, report.data.organisations)["n"]
    for parent, row in u[~u["suppressed"]].iterrows():
        children = u[u["parent_id"] == parent]
        published_sum = children.loc[~children["suppressed"], "n"].sum()
        hidden = n_all[parent] - published_sum
        assert hidden == 0 or hidden >= k, parent


def test_item_and_value_tables_only_for_published_units(report):
    published = set(report.units.index[~report.units["suppressed"]])
    assert set(report.items["unit_id"]) <= published
    assert set(report.values["unit_id"]) <= published
    some = next(iter(published))
    table = R.item_table(report, some)
    assert table["rate"].between(0, 1).all()
    assert (table["ci_low"] <= table["rate"]).all() and (table["rate"] <= table["ci_high"]).all()


def test_released_rows_only_from_published_leaf_targets(report):
    mask = R.released_rows(report)
    rows = report.data.responses[mask]
    assert 0 < mask.sum() < len(mask)
    assert not report.units.loc[rows["target_id"].unique(), "suppressed"].any()
    counts = rows.groupby(["target_id", "rater_group"]).size()
    cells = report.group_cells.set_index(["target_id", "rater_group"])
    assert not cells.loc[counts.index, "suppressed"].any()
    tidy = R.tidy_responses(report, seed=1)
    assert "response_id" not in tidy.columns and len(tidy) == mask.sum()
    released = R.released_data(report, seed=1)
    assert not set(released.responses["response_id"]) & set(report.data.responses["response_id"])


def test_group_cells_hide_a_lone_small_group(report):
    cells = report.group_cells
    for _t, g in cells[cells["anonymous"]].groupby("target_id"):
        hidden = g[g["suppressed"]]
        if len(hidden) == 1 and len(g) > 1:
            pytest.fail("a single hidden anonymous group next to published ones")
        shown = g[~g["suppressed"]]
        assert (shown["n"] >= report.k).all()


def test_pages_tables_have_the_expected_shape(report):
    root = int(report.units.index[report.units["parent_id"].isna()][0])
    table = R.unit_table(report, root)
    assert table["rank"].dropna().is_monotonic_increasing
    assert table.loc[table["suppressed"], "rank"].isna().all()
    m = R.heatmap_matrix(report, root)
    assert m.shape[1] == len(report.dimensions)
    leaf = int(table.index[~table["suppressed"]][0])
    radar = R.radar_frame(report, leaf)
    assert list(radar.columns) == ["本单位", "上级单位", "同级中位数"]
    assert R.participation(report, leaf).sum() == report.units.at[leaf, "n"]
    hidden = table.index[table["suppressed"]]
    if len(hidden):
        assert R.participation(report, int(hidden[0])).empty
        assert R.importance_performance(report, int(hidden[0])) is None
        assert R.comments_for(report, pd.DataFrame({"target_id": [int(hidden[0])],
                                                    "rater_group": ["members"],
                                                    "text": ["x"]}), int(hidden[0])) == []


def test_rater_group_filter_builds_a_smaller_report(report):
    members = R.build_report(report.data, rater_group="members")
    assert members.rater_group == "members"
    assert set(members.scored["rater_group"]) == {"members"}
    with pytest.raises(ValueError):
        R.build_report(report.data, rater_group="nobody")


def test_ledger_and_pdf_documents_build(report):
    ledger = R.build_ledger(report, {"name": "合成活动", "code": "SYN"}, charts=False)
    names = [s.name for s in ledger.sheets]
    assert names[:3] == ["汇总", "单位一览", "题目统计"]
    doc = R.build_pdf(report, {"name": "合成活动"})
    assert any(b.kind == "image" for b in doc.blocks)
    assert np.isfinite(R.overview_figures(report, None)["n"])


def test_report_modules_never_import_the_web_app():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import analysis.plots, analysis.reports, analysis.exports, sys\n"
            "print('\\n'.join(sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout.split()
    assert not {m for m in out if m.split(".")[0] in ("flask", "survey_app", "werkzeug")}


def test_units_of_one_name_are_told_apart_in_every_ranked_list():
    """Five branch unions all named 生产车间分工会 under five companies: the ranking, the
    heatmap and the exports (all read ``unit_table``) show each with its parent's name."""
    data = synthetic_campaign(900, 120, 10, seed=11)
    data.min_group_size = 5
    orgs = data.organisations
    targets = orgs[orgs["id"].isin(data.responses["target_id"].unique())]
    counts = data.responses["target_id"].value_counts()
    leaves = ~targets["id"].isin(orgs["parent_id"].dropna())
    busy = targets[leaves & targets["id"].isin(counts[counts >= 10].index)]
    # the same name for units under different parents
    chosen = busy.drop_duplicates("parent_id").head(5)["id"]
    assert len(chosen) == 5
    orgs.loc[orgs["id"].isin(chosen), "name"] = "生产车间分工会"
    report = R.build_report(data)
    root = int(report.units.index[report.units["parent_id"].isna()][0])
    table = R.unit_table(report, root)
    shown = table.loc[table.index.isin(chosen), "name"]
    assert len(shown) == 5 and shown.is_unique
    parent_names = orgs.set_index("id")["name"]
    for uid, name in shown.items():
        parent = parent_names[orgs.set_index("id").at[uid, "parent_id"]]
        assert name == f"生产车间分工会（{parent}）"
    assert R.heatmap_matrix(report, root).index.is_unique
