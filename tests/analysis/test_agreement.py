"""Tests of analysis.agreement against Krippendorff (2011) and the `krippendorff` package."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from analysis import agreement

nan = np.nan
# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability: the example of nominal
# data with any number of observers and missing data, 4 observers x 12 units.
K2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)


@pytest.mark.parametrize(
    ("level", "published"),
    [
        # Krippendorff (2011): nominal .743 for this data, and for the same data ordinal .815,
        # interval .849, ratio .797; each also checked against the krippendorff package.
        ("nominal", 0.743),
        ("ordinal", 0.815),
        ("interval", 0.849),
        ("ratio", 0.797),
    ],
)
def test_krippendorff_2011_example(level, published):
    value = agreement.krippendorff_alpha(K2011, level)
    assert round(value, 3) == published
    ref = krippendorff.alpha(reliability_data=K2011, level_of_measurement=level)
    assert value == pytest.approx(ref, abs=1e-12)


def test_nominal_coincidence_matrix_of_the_paper():
    # Krippendorff (2011), worked computation: the coincidence matrix has diagonal 7, 10, 8, 4, 3, value
    # totals n_c = 9, 13, 10, 5, 3 and n = 40, so
    # alpha = 1 - (n-1)(n - sum o_cc) / (n^2 - sum n_c^2) = 1 - 39*8/(1600-384) = 1 - 312/1216.
    values, coincidence = agreement._coincidences(K2011)
    assert list(values) == [1, 2, 3, 4, 5]
    assert np.diag(coincidence) == pytest.approx([7, 10, 8, 4, 3])
    assert coincidence.sum(axis=0) == pytest.approx([9, 13, 10, 5, 3])
    assert coincidence[0, 1] == pytest.approx(4 / 3)
    assert agreement.krippendorff_alpha(K2011, "nominal") == pytest.approx(1 - 312 / 1216)


@pytest.mark.parametrize("level", agreement.LEVELS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_krippendorff_package_on_random_data(level, seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(1, 6, size=(5, 40)).astype(float)
    # Make raters partly agree so alpha is not near zero, and knock out 20% of cells.
    data[1:3] = np.where(rng.random((2, 40)) < 0.6, data[0], data[1:3])
    data[rng.random(data.shape) < 0.2] = nan
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert agreement.krippendorff_alpha(data, level) == pytest.approx(ref, abs=1e-10)


def test_accepts_dataframe_and_perfect_agreement():
    frame = pd.DataFrame([[1, 2, 3, nan], [1, 2, 3, 4]], index=["r1", "r2"])
    assert agreement.krippendorff_alpha(frame, "interval") == 1.0


@pytest.mark.parametrize(
    ("data", "level", "message"),
    [
        (K2011, "cardinal", "unknown level"),
        (K2011[:1], "nominal", "at least 2 raters"),
        (np.full((3, 4), nan), "nominal", "all NaN"),
        (np.empty((0, 0)), "nominal", "empty"),
        ([[1, nan], [nan, 2]], "nominal", "no unit was rated"),
        ([[1, 1], [1, 1]], "nominal", "undefined"),
        ([[-1, 2], [1, 2]], "ratio", "non-negative"),
        ([1, 2, 3], "nominal", "2-D"),
    ],
)
def test_rejects_bad_input(data, level, message):
    with pytest.raises(ValueError, match=message):
        agreement.krippendorff_alpha(data, level)


def test_docstring_examples_run():
    import doctest

    from analysis import agreement as module

    assert doctest.testmod(module).failed == 0
