"""Tests of analysis.weights: Saaty's published AHP example and a published entropy example."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from analysis import weights


def _matrix(text: str) -> np.ndarray:
    return np.array([[float(Fraction(x)) for x in row.split()] for row in text.splitlines()])


# Saaty (1990), "How to make a decision: the analytic hierarchy process", EJOR 48, 9-26,
# the house-buying example: pairwise comparison of the criteria (size, transportation,
# neighbourhood, age, yard, modern facilities, general condition, financing).
HOUSE = _matrix(
    """1 5 3 7 6 6 1/3 1/4
1/5 1 1/3 5 3 3 1/5 1/7
1/3 3 1 6 3 4 6 1/5
1/7 1/5 1/6 1 1/3 1/4 1/7 1/8
1/6 1/3 1/3 3 1 1/2 1/5 1/6
1/6 1/3 1/4 4 2 1 1/5 1/6
3 5 1/6 7 5 5 1 1/2
4 7 5 8 6 6 2 1"""
)


def test_ahp_saaty_1990_house_example():
    res = weights.ahp(HOUSE)
    # Saaty (1990), house example: priority vector .173 .054 .188 .018 .031 .036 .167 .333,
    # lambda_max = 9.669, C.I. = 0.238, C.R. = 0.169.
    assert res.weights.round(3).tolist() == [0.173, 0.054, 0.188, 0.018, 0.031, 0.036,
                                             0.167, 0.333]
    assert round(res.lambda_max, 3) == 9.669
    assert round(res.consistency_index, 3) == 0.238
    assert round(res.consistency_ratio, 3) == 0.169
    assert res.random_index == 1.41
    assert res.consistent is False
    assert res.weights.sum() == pytest.approx(1.0)


def test_ahp_strict_refuses_inconsistent_matrix():
    with pytest.raises(ValueError, match="CR = 0.169"):
        weights.ahp(HOUSE, strict=True)


def test_ahp_consistent_matrix_recovers_ratios():
    # A perfectly consistent matrix a_ij = w_i / w_j gives back w, lambda_max = n, CR = 0.
    true = np.array([0.5, 0.3, 0.2])
    frame = pd.DataFrame(true[:, None] / true[None, :], index=["服务", "组织", "阵地"],
                         columns=["服务", "组织", "阵地"])
    res = weights.ahp(frame, strict=True)
    assert res.weights.to_numpy() == pytest.approx(true)
    assert list(res.weights.index) == ["服务", "组织", "阵地"]
    assert res.lambda_max == pytest.approx(3.0)
    assert res.consistency_ratio == pytest.approx(0.0, abs=1e-12)
    assert res.consistent is True


def test_ahp_three_by_three_independent_check():
    # Independent of the eigen-solver: lambda_max is the largest root of the characteristic
    # polynomial, and the weights solve (A - lambda_max I) w = 0 with sum(w) = 1.
    a = np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    lam = max(np.roots(np.poly(a)).real)
    system = np.vstack([a - lam * np.eye(3), np.ones(3)])
    w, *_ = np.linalg.lstsq(system, np.r_[0, 0, 0, 1.0], rcond=None)
    res = weights.ahp(a)
    assert res.lambda_max == pytest.approx(lam, abs=1e-9)
    assert res.weights.to_numpy() == pytest.approx(w, abs=1e-9)
    assert res.weights.round(3).tolist() == [0.637, 0.258, 0.105]
    assert round(res.consistency_ratio, 3) == 0.033


@pytest.mark.parametrize("n", [1, 2])
def test_ahp_small_matrices_are_always_consistent(n):
    matrix = np.array([[1.0]]) if n == 1 else np.array([[1, 4], [0.25, 1]])
    res = weights.ahp(matrix)
    assert res.consistency_ratio == 0.0 and res.consistent
    assert res.weights.sum() == pytest.approx(1.0)
    if n == 2:
        assert res.weights.tolist() == pytest.approx([0.8, 0.2])


def test_ahp_accepts_rounded_reciprocals():
    res = weights.ahp(np.array([[1, 3], [0.333, 1]]))
    assert res.weights[0] == pytest.approx(0.75, abs=1e-3)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.ones((2, 3)), "square"),
        (np.ones(3), "square"),
        (np.array([[1, 2], [2, 1]]), "not reciprocal"),
        (np.array([[2, 1], [1, 2]]), "not reciprocal"),
        (np.array([[1, -2], [-0.5, 1]]), "positive"),
        (np.array([[1, np.nan], [np.nan, 1]]), "positive"),
        (np.ones((11, 11)), "at most 10"),
        (np.empty((0, 0)), "empty"),
        (np.array([["a", "b"], ["c", "d"]]), "numeric"),
    ],
)
def test_ahp_rejects_bad_matrices(matrix, message):
    with pytest.raises(ValueError, match=message):
        weights.ahp(matrix)


# Elsayed, Dawood & Karthikeyan (2017), IJETT 46(2), 60-66: decision matrix of 12 alternatives
# x 5 criteria; entropy weights (proportion normalisation) 0.104991, 0.069124, 0.071373,
# 0.449937, 0.304575 — the values asserted by pymcdm's test of `entropy_weights`, which cites
# this paper (pymcdm tests/test_weights.py, TestEntropyWeights).
ELSAYED = np.array(
    [
        [7, 312, 1891, 6613, 163],
        [72, 88, 728, 941804, 1078],
        [10, 252, 2594, 3466, 117471],
        [10, 145, 980, 2371, 86329],
        [65, 54, 350, 501, 29897],
        [29, 48, 380, 912, 34051],
        [7, 476, 3300, 78470, 2212],
        [70, 87, 650, 733, 819000],
        [4, 86, 591, 3015, 103],
        [12, 79, 579, 3240, 96098],
        [21, 45, 261, 1253, 453],
        [1, 72, 530, 4333, 0.104800],
    ]
)


def test_entropy_published_example():
    w = weights.entropy(pd.DataFrame(ELSAYED), normalisation="proportion")
    assert w.round(6).tolist() == [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]
    assert w.sum() == pytest.approx(1.0)


def test_entropy_minmax_by_hand_with_cost_column():
    m = pd.DataFrame({"service": [80.0, 90.0, 70.0, 85.0], "complaints": [5.0, 1.0, 9.0, 3.0]})
    w = weights.entropy(m, cost=["complaints"])
    # By hand: service r = (x-70)/20 = .5, 1, 0, .75; complaints r = (9-x)/8 = .5, 1, 0, .75:
    # identical columns, identical entropy, equal weights.
    assert w.tolist() == pytest.approx([0.5, 0.5])
    m["complaints"] = [1.0, 1.0, 9.0, 1.0]  # r = 1, 1, 0, 1: p = 1/3 thrice, e = ln3/ln4
    m["service"] = [70.0, 70.0, 70.0, 90.0]  # r = 0, 0, 0, 1: p = 1 once, e = 0
    e_c = np.log(3) / np.log(4)
    expected = np.array([1.0, 1 - e_c]) / (2 - e_c)
    assert weights.entropy(m, cost=["complaints"]).to_numpy() == pytest.approx(expected)


def test_entropy_constant_column_gets_zero_weight():
    m = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 4.0, 4.0]})
    assert weights.entropy(m).tolist() == [1.0, 0.0]


@pytest.mark.parametrize(
    ("matrix", "kwargs", "message"),
    [
        (pd.DataFrame(), {}, "empty"),
        (pd.DataFrame({"a": [1.0]}), {}, "at least 2 units"),
        (pd.DataFrame({"a": [1.0, np.nan]}), {}, "NaN"),
        (pd.DataFrame({"a": [1.0, 1.0], "b": [2.0, 2.0]}), {}, "constant"),
        (pd.DataFrame({"a": [1.0, -1.0]}), {"normalisation": "proportion"}, "non-negative"),
        (pd.DataFrame({"a": [1.0, 2.0]}), {"normalisation": "zscore"}, "unknown normalisation"),
        (pd.DataFrame({"a": [1.0, 2.0]}), {"cost": ["b"]}, "not in matrix"),
        (pd.DataFrame({"a": [1.0, 2.0]}), {"cost": ["a"], "normalisation": "proportion"},
         "minmax"),
    ],
)
def test_entropy_rejects_bad_input(matrix, kwargs, message):
    with pytest.raises(ValueError, match=message):
        weights.entropy(matrix, **kwargs)


def test_docstring_examples_run():
    import doctest

    from analysis import weights as module

    assert doctest.testmod(module).failed == 0
