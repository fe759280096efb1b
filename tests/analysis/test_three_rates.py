import pytest

from analysis.three_rates import three_rates


def test_the_three_rates():
    rates = three_rates(30, 120, 0.85, {"proposals_adopted": 0.6, "hardship_closed": 0.9,
                                         "activity_participation": 0.7, "other": 5.0})
    assert rates.participation == pytest.approx(0.25)
    assert rates.satisfaction == 0.85 and rates.activity_participation == 0.7
    assert rates.contribution == pytest.approx(0.75)
    assert rates.contribution_missing == ("contest_participation",)


def test_missing_figures_are_none_not_zero():
    rates = three_rates(None, 120, None, {"proposals_adopted": float("nan")})
    assert rates.participation is None and rates.satisfaction is None
    assert rates.contribution is None and len(rates.contribution_missing) == 3
    assert three_rates(5, 0, 0.5, {}).participation is None


def test_a_figure_out_of_range_raises():
    with pytest.raises(ValueError, match="proportion"):
        three_rates(5, 10, 0.5, {"hardship_closed": 1.5})
    with pytest.raises(ValueError):
        three_rates(-1, 10, 0.5, {})
