import numpy as np
import pandas as pd
import pytest

from analysis.indices import unit_indices
from analysis.rollup import ancestors, rollup
from analysis.scoring import score_campaign
from analysis.synthetic import synthetic_campaign

ORGS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4],
        "parent_id": [None, 1, 1, 2],
        "path": ["/1/", "/1/2/", "/1/3/", "/1/2/4/"],
        "depth": [0, 1, 1, 2],
        "members": [1000, 50, 10, 300],
    }
)


def scored_frame():
    # overall indices given directly: target 4: 10, 20; target 2: 30; target 3: 90, 100
    return pd.DataFrame(
        {
            "target_id": [4, 4, 2, 3, 3],
            "overall": [10.0, 20.0, 30.0, 90.0, 100.0],
            "dim:A": [10.0, np.nan, 30.0, 90.0, 100.0],
            "n_valid": [2, 2, 2, 2, 2],
            "n_satisfied": [0, 0, 1, 2, 2],
        }
    )


def test_ancestors_from_paths():
    a = ancestors(ORGS)
    got = a[a["id"] == 4].sort_values("distance")
    assert got["ancestor_id"].tolist() == [4, 2, 1] and got["distance"].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="do not end"):
        ancestors(ORGS.assign(path=["/1/", "/1/2/", "/1/3/", "/1/2/"]))


def test_pooled_not_average_of_averages():
    r = rollup(scored_frame(), ORGS)
    assert r.loc[4, "overall"] == 15 and r.loc[4, "n"] == 2
    assert r.loc[2, "overall"] == pytest.approx(20)  # (10+20+30)/3, not (15+30)/2
    assert r.loc[1, "overall"] == pytest.approx(50)  # 250/5, not (20+95)/2
    assert r.loc[1, "n"] == 5 and r.loc[3, "n"] == 2
    assert r.loc[2, "dim:A"] == pytest.approx(20) and r.loc[2, "dim:A_n"] == 2
    assert r.loc[1, "satisfaction_rate"] == pytest.approx(5 / 10)
    assert r.loc[2, "parent_id"] == 1 and r.loc[4, "depth"] == 2


def test_weight_by_members():
    r = rollup(scored_frame(), ORGS, weight_by_members=True)
    # unit 2: (300*15 + 50*30) / 350 ; root adds target 3 (members 10, mean 95)
    assert r.loc[2, "overall"] == pytest.approx((300 * 15 + 50 * 30) / 350)
    assert r.loc[1, "overall"] == pytest.approx((300 * 15 + 50 * 30 + 10 * 95) / 360)
    assert r.loc[1, "satisfaction_rate"] == pytest.approx((300 * 0 + 50 * 0.5 + 10 * 1) / 360)
    # a single target: the weighted interval is the normal interval of its mean
    sd4 = np.std([10, 20], ddof=1)
    assert r.loc[4, "overall_ci_high"] - 15 == pytest.approx(1.959964 * sd4 / np.sqrt(2), 1e-5)
    with pytest.raises(ValueError, match="members"):
        rollup(scored_frame(), ORGS.drop(columns="members"), weight_by_members=True)


def test_rollup_equals_brute_force_on_synthetic_tree():
    data = synthetic_campaign(3000, 60, 10, seed=3)
    scored = score_campaign(data)
    r = rollup(scored, data.organisations)
    paths = data.organisations.set_index("id")["path"]
    tpath = scored["target_id"].map(paths)
    for unit in r.index[:: max(1, len(r) // 25)]:
        sub = scored[tpath.str.startswith(paths[unit])]
        assert r.loc[unit, "n"] == len(sub)
        assert r.loc[unit, "overall"] == pytest.approx(sub["overall"].mean())
        assert r.loc[unit, "satisfaction_rate"] == pytest.approx(
            sub["n_satisfied"].sum() / sub["n_valid"].sum()
        )
    leaves = unit_indices(scored)
    only_self = [u for u in leaves.index if not (data.organisations["parent_id"] == u).any()]
    np.testing.assert_allclose(r.loc[only_self, "overall"], leaves.loc[only_self, "overall"])


def test_rollup_rejects_unknown_targets():
    with pytest.raises(ValueError, match="not in the organisation tree"):
        rollup(scored_frame().assign(target_id=99), ORGS)
    with pytest.raises(ValueError, match="lacks column"):
        rollup(scored_frame().drop(columns="target_id"), ORGS)
