"""Ranked lists with uncertainty (rank intervals, shrunk indices) and the three rates of a
unit: the figures beside the report pages, computed once here for pages and command line.

Both read only a report's published figures: suppressed units are neither ranked nor
given rates, and the respondents bootstrapped for rank intervals are those of published
units (see :mod:`analysis.rankings`).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from analysis.rankings import EXPORT_COLUMNS, distinct_names, unit_rankings
from analysis.reports import CampaignReport
from analysis.three_rates import (
    ACTIVITY_PARTICIPATION,
    CONTRIBUTION_INDICATORS,
    ThreeRates,
    three_rates,
)
from survey_app.extensions import db
from survey_app.models import Campaign, Organisation
from survey_app.models.assessment import ObjectiveValue

#: Bootstrap replicates and seed of every ranked list: a fixed seed, so the page, its
#: export and the command line give the same intervals.
N_BOOT, SEED = 1000, 0


def ranked_units(report: CampaignReport, root: Organisation | None = None,
                 kind: str | None = None) -> pd.DataFrame | None:
    """The published targets of ``report`` in ``root``'s subtree (of ``kind``, if given),
    ranked by their index with rank intervals and the shrunk index; None with fewer than
    two such units. Columns: those of the ranks export, then ``distinguishable``,
    ``shrinkage``, ``peer_mean`` and ``name``."""
    units = report.units
    keep = units["is_target"].astype(bool) & ~units["suppressed"].astype(bool)
    if root is not None:
        keep &= units["path"].str.startswith(root.path)
    if kind:
        keep &= units["kind"] == kind
    ids = units.index[keep.to_numpy()]
    scored = report.scored.loc[report.scored["target_id"].isin(ids), ["target_id", "overall"]]
    scored = scored.assign(target_code=scored["target_id"].map(units["code"]))
    if scored["target_code"].nunique() < 2:
        return None
    ranked = unit_rankings(scored, "target_code", "overall", n_boot=N_BOOT, seed=SEED)
    all_orgs = report.data.organisations
    orgs = all_orgs.set_index("code").loc[ranked["unit_code"]]
    parent_names = orgs["parent_id"].map(all_orgs.set_index("id")["name"])
    names = distinct_names(orgs["name"], parent_names, pd.Series(orgs.index, orgs.index))
    ranked["name"] = ranked["unit_code"].map(names)
    return ranked


def ranks_export(ranked: pd.DataFrame) -> pd.DataFrame:
    """Exactly the ranks export's columns (``unit_code, n, index, index_shrunk, rank,
    rank_low, rank_high``), the figures rounded as the page shows them."""
    out = ranked[list(EXPORT_COLUMNS)].copy()
    out[["index", "index_shrunk"]] = out[["index", "index_shrunk"]].astype(float).round(1)
    return out


def unit_three_rates(campaign: Campaign, report: CampaignReport | None,
                     unit: Organisation) -> ThreeRates:
    """参与率 · 满意率 · 贡献率 of ``unit`` for ``campaign``'s year (see
    :mod:`analysis.three_rates`): the report's published n and satisfaction rate, and the
    objective indicators the union recorded for that year (the latest entry of each)."""
    n = satisfaction = None
    if report is not None and unit.id in report.units.index:
        row = report.units.loc[unit.id]
        if not bool(row["suppressed"]):
            n, satisfaction = int(row["n"]), float(row["satisfaction_rate"])
    keys = (*CONTRIBUTION_INDICATORS, ACTIVITY_PARTICIPATION)
    objectives: dict[str, float | None] = {}
    if campaign.year is not None:
        for value in db.session.scalars(select(ObjectiveValue).where(
                ObjectiveValue.organisation_id == unit.id, ObjectiveValue.year == campaign.year,
                ObjectiveValue.indicator.in_(keys)).order_by(ObjectiveValue.entered_at)):
            objectives[value.indicator] = value.value
    return three_rates(n, unit.members, satisfaction, objectives)
