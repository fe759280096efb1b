"""The three rates judged together (参与率 · 满意率 · 贡献率) for one unit.

* **参与率 (participation rate)**: members who took part in the evaluation over the unit's
  eligible members, ``n / members``; and, where the union recorded it, the share of members
  who took part in union activities (objective indicator ``activity_participation``).
* **满意率 (satisfaction rate)**: the published satisfaction rate of the campaign, as on the
  report pages (the share of satisfied answers).
* **贡献率 (contribution rate)**: the mean of the union's recorded contribution indicators,
  each a proportion in [0, 1] entered with evidence like the assessment's objective
  indicators (by default: rationalisation proposals adopted / proposals made, members in
  劳动竞赛 / members, 困难帮扶 cases closed / cases opened). Indicators not recorded are
  left out of the mean and listed as missing; none recorded gives no rate.

A rate that cannot be computed is ``None``, never 0: a missing figure is not a bad one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: The default contribution indicators (keys of objective indicators, all proportions).
CONTRIBUTION_INDICATORS = ("proposals_adopted", "contest_participation", "hardship_closed")
#: The objective indicator of participation in union activities.
ACTIVITY_PARTICIPATION = "activity_participation"


@dataclass(frozen=True)
class ThreeRates:
    participation: float | None
    activity_participation: float | None
    satisfaction: float | None
    contribution: float | None
    contribution_parts: dict[str, float] = field(default_factory=dict)
    contribution_missing: tuple[str, ...] = ()


def _proportion(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if value != value:  # NaN: not recorded
        return None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a proportion in [0, 1], got {value}")
    return value


def three_rates(n: int | None, members: int | None, satisfaction_rate: float | None,
                objectives: Mapping[str, float | None],
                indicators: Sequence[str] = CONTRIBUTION_INDICATORS) -> ThreeRates:
    """The three rates of one unit (see the module for the formulas).

    Parameters
    ----------
    n : int or None
        Published respondents of the unit (None when its figures are suppressed).
    members : int or None
        Eligible members (会员数); None or 0 gives no participation rate.
    satisfaction_rate : float or None
        The published satisfaction rate (0-1).
    objectives : mapping
        The unit's recorded objective indicators of the year, by key (proportions).
    indicators : sequence of str
        The contribution indicators to average.
    """
    if n is not None and n < 0:
        raise ValueError("n must be >= 0")
    participation = None
    if n is not None and members:
        participation = min(1.0, n / members)
    parts = {k: v for k in indicators
             if (v := _proportion(k, objectives.get(k))) is not None}
    missing = tuple(k for k in indicators if k not in parts)
    contribution = sum(parts.values()) / len(parts) if parts else None
    return ThreeRates(
        participation=participation,
        activity_participation=_proportion(ACTIVITY_PARTICIPATION,
                                           objectives.get(ACTIVITY_PARTICIPATION)),
        satisfaction=_proportion("satisfaction_rate", satisfaction_rate),
        contribution=contribution, contribution_parts=parts, contribution_missing=missing)
