"""The synthetic generator: real unit kinds, deterministic, realistic answers."""

import numpy as np
import pandas as pd
import pytest

from analysis import synthetic
from questionnaires.vocabulary import ALLOWED_PARENTS, OrgKind


@pytest.mark.parametrize("levels", [(1, 3, 12, 40), (1, 4, 9, 20, 30)])
def test_federation_tree_has_real_kinds_under_allowed_parents(levels):
    tree = synthetic.federation_tree(levels, np.random.default_rng(1), first_id=10)
    assert list(tree.groupby("depth").size()) == list(levels)
    assert tree["id"].tolist() == list(range(10, 10 + sum(levels)))
    kinds = tree.set_index("id")["kind"]
    assert set(kinds) <= {k.value for k in OrgKind}
    for row in tree.itertuples():
        parts = [int(p) for p in row.path.strip("/").split("/")]
        assert parts[-1] == row.id and len(parts) == row.depth + 1
        if row.depth:
            assert OrgKind(kinds[row.parent_id]) in ALLOWED_PARENTS[OrgKind(row.kind)]
    assert tree["code"].is_unique and (tree["members"] >= 3).all()


def test_federation_tree_refuses_a_tree_without_one_root():
    with pytest.raises(ValueError, match="root"):
        synthetic.federation_tree((2, 3), np.random.default_rng(1))
    with pytest.raises(ValueError, match="prefix"):
        synthetic.federation_tree((1, 3), np.random.default_rng(1), code_prefixes=("R",))
    with pytest.raises(ValueError, match="units"):
        synthetic.synthetic_tree(3, np.random.default_rng(1))


def test_synthetic_campaign_is_deterministic_and_of_real_kinds():
    a = synthetic.synthetic_campaign(2000, 60, 10, seed=4)
    b = synthetic.synthetic_campaign(2000, 60, 10, seed=4)
    pd.testing.assert_frame_equal(a.responses, b.responses)
    assert set(a.organisations["kind"]) == {
        "federation", "district_federation", "industry_union", "grassroots_union",
        "branch_union"}
    # responses target the two lowest levels only
    depth = a.organisations.set_index("id")["depth"]
    assert (a.responses["target_id"].map(depth) >= 2).all()


def test_synthetic_answers_are_realistic_not_uniform():
    data = synthetic.synthetic_campaign(20_000, 100, 15, seed=2)  # 3 items per dimension
    values = data.responses[list(data.items[1].index)].to_numpy()
    assert 0.02 < (values == -2).mean() < 0.05  # about 3 % don't know
    assert 0.01 < (values == -1).mean() < 0.03  # about 2 % missing
    answered = values[values > 0]
    assert set(np.unique(answered)) == {1, 2, 3, 4, 5}
    # items of one dimension correlate more than items of different dimensions
    frame = pd.DataFrame(np.where(values > 0, values, np.nan), columns=data.items[1].index)
    corr = frame.corr()
    spec = data.items[1]
    plain = spec.index[~spec["reverse"]]
    same = [corr.loc[i, j] for i in plain for j in plain
            if i < j and spec.loc[i, "dimension"] == spec.loc[j, "dimension"]]
    other = [corr.loc[i, j] for i in plain for j in plain
             if i < j and spec.loc[i, "dimension"] != spec.loc[j, "dimension"]]
    assert np.mean(same) > np.mean(other) > 0.1


def test_answer_matrix_refuses_rates_that_are_not_shares():
    table = synthetic.ItemTable(ids=["a"], dimensions=["d"], values=[[1, 2, 3]],
                                codes=[{1: "1", 2: "2", 3: "3"}], na=[True])
    with pytest.raises(ValueError, match="shares"):
        synthetic.answer_matrix(table, np.zeros(3), np.random.default_rng(1), na_rate=2)
