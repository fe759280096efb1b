"""The benchmark data generator at tiny sizes: deterministic, app-shaped, realistic."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import generate as g
from questionnaires import library, validate_answers
from survey_app.answering import pack_item_values


@pytest.fixture(scope="module")
def member():
    return library()["member_evaluation"]


def test_tree_has_four_levels_valid_paths_and_members():
    tree = g.build_tree(seed=1, first_id=10, level_sizes=(1, 3, 12, 40), total_members=5000)
    assert list(tree.groupby("depth").size()) == [1, 3, 12, 40]
    assert tree["id"].tolist() == list(range(10, 66))
    by_id = tree.set_index("id")
    for row in tree.itertuples():
        parts = [int(p) for p in row.path.strip("/").split("/")]
        assert parts[-1] == row.id and len(parts) == row.depth + 1
        if row.depth:
            assert parts[-2] == row.parent_id
            assert by_id.loc[row.parent_id, "depth"] == row.depth - 1
    low = tree["depth"] >= 2
    assert (tree.loc[low, "members"] >= 3).all()
    assert abs(tree.loc[low, "members"].sum() - 5000) < 100
    assert tree["code"].is_unique
    # kinds the app allows under their parents
    from survey_app.models.organisation import ALLOWED_PARENTS, OrgKind

    kinds = by_id["kind"]
    for row in tree.itertuples():
        if row.depth:
            assert OrgKind(kinds[row.parent_id]) in ALLOWED_PARENTS[OrgKind(row.kind)]


def test_tree_is_deterministic():
    a = g.build_tree(seed=3, level_sizes=(1, 3, 12, 40), total_members=5000)
    b = g.build_tree(seed=3, level_sizes=(1, 3, 12, 40), total_members=5000)
    assert a.equals(b)


def test_allocation_respects_members():
    rng = np.random.default_rng(0)
    members = np.array([3, 5, 8, 100, 1000])
    counts = g.allocate(1000, members, rng)
    assert counts.sum() == 1000 and (counts <= members).all()
    with pytest.raises(ValueError):
        g.allocate(2000, members, rng)


def test_member_rows_are_shaped_like_the_apps(member):
    tree = g.build_tree(seed=5, level_sizes=(1, 3, 12, 40), total_members=5000)
    targets, days, matrix, answers, ids = g.member_responses(member, tree, 500, seed=5)
    assert matrix.dtype == np.int8 and matrix.shape == (500, len(member.scored_items()))
    assert len(set(ids)) == 500 and all(len(i) == 36 and i[14] == "4" for i in ids)
    assert set(targets) <= set(tree.loc[tree["depth"] >= 2, "id"])
    assert ((days >= 0) & (days < g.WINDOW_DAYS)).all()
    complete = 0
    for text, row in zip(answers, matrix, strict=True):
        parsed = json.loads(text)
        assert json.dumps(parsed) == text  # exactly what the app's JSON column writes
        assert pack_item_values(member, parsed) == row.tobytes()
        cleaned, errors = validate_answers(member, parsed)
        assert set(errors.values()) <= {"required"}  # only the deliberately missing answers
        complete += not errors
        if not errors:
            assert cleaned == parsed
    assert complete > 400


def test_member_answers_are_realistic_and_deterministic(member):
    tree = g.build_tree(seed=7, level_sizes=(1, 3, 12, 40), total_members=20000)
    _t, _d, m, _a, ids = g.member_responses(member, tree, 4000, seed=7)
    _t2, _d2, m2, _a2, ids2 = g.member_responses(member, tree, 4000, seed=7)
    assert np.array_equal(m, m2) and ids == ids2
    share = {v: float((m == v).mean()) for v in (-2, -1, 1, 2, 3)}
    assert 0.01 < share[-2] < 0.12 and 0 < share[-1] < 0.02
    assert share[3] > share[2] > share[1] > 0.02  # most members satisfied, some not
    x = np.where(m > 0, m, np.nan).astype(float)
    import pandas as pd

    corr = pd.DataFrame(x).corr().to_numpy()
    dims = [i.dimension for i in member.scored_items()]
    same = np.array([[a == b for b in dims] for a in dims]) & ~np.eye(len(dims), dtype=bool)
    other = ~np.array([[a == b for b in dims] for a in dims])
    assert corr[same].mean() > corr[other].mean() > 0.1  # items correlate, more within


def test_uuids_are_version_4():
    import uuid

    for s in g.uuids(50, np.random.default_rng(1)):
        assert uuid.UUID(s).version == 4
