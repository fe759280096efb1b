"""Inputs of the yearly performance assessment (绩效考核) per unit, from one campaign."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.composite import composite_index
from analysis.disclosure import suppress_small
from analysis.indices import participation_rate, unit_indices
from analysis.scoring import DIM_PREFIX, score_campaign


def assessment_inputs(
    data: Any,
    scored: pd.DataFrame | None = None,
    *,
    member_groups: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per target unit: the figures the performance assessment consumes.

    Parameters
    ----------
    data : CampaignData
        The campaign (:func:`analysis.data.campaign_from_columns`).
    scored : DataFrame, optional
        Scored responses; computed with :func:`analysis.scoring.score_campaign` if omitted.
    member_groups : sequence of str, optional
        Rater groups whose responses count for the participation rate (参评率); default the
        anonymous groups (members), or all groups if none is anonymous.

    Returns
    -------
    DataFrame
        One row per target with responses: ``campaign_code, year, target_id, target_code,
        n, overall_index, dim:<d>..., satisfaction_rate, participation_rate,
        composite_index`` (only when the campaign has several rater groups, from
        :func:`analysis.composite.composite_index` with the groups' weights), and the flags
        ``suppressed`` (``n`` below the campaign minimum: every figure withheld),
        ``group_missing`` (a weighted rater group has no response for the unit),
        ``renormalised`` (the composite left out a missing or too small group) and
        ``missing_groups``.

    Notes
    -----
    ``overall_index``, dimension indices and the satisfaction rate pool the responses of all
    rater groups of the unit; the composite weights the groups instead. Suppression here is
    primary only (one row per unit, no pooled parents); roll-up tables need
    :func:`analysis.disclosure.complementary_suppression`.
    """
    if data.responses.empty:
        raise ValueError("campaign has no responses")
    if scored is None:
        scored = score_campaign(data)
    k = data.min_group_size
    ui = unit_indices(scored, "target_id", confidence)
    dims = [c for c in ui.columns if c.startswith(DIM_PREFIX) and not c.endswith("_n")]
    out = pd.DataFrame(index=ui.index)
    out["n"] = ui["n"]
    out["overall_index"] = ui["overall"]
    for d in dims:
        out[d] = ui[d]
    out["satisfaction_rate"] = ui["satisfaction_rate"]

    groups = data.groups
    if member_groups is None:
        anon = groups.loc[groups["anonymous"].astype(bool), "key"].tolist()
        member_groups = anon or groups["key"].tolist()
    unknown = set(member_groups) - set(groups["key"])
    if unknown:
        raise ValueError(f"unknown rater groups {sorted(unknown)}")
    members_resp = (
        scored.loc[scored["rater_group"].isin(list(member_groups)), "target_id"]
        .value_counts()
        .reindex(out.index, fill_value=0)
    )
    members = data.organisations.set_index("id")["members"]
    out["participation_rate"] = participation_rate(members_resp, members)

    out["group_missing"] = False
    out["renormalised"] = False
    out["missing_groups"] = [[] for _ in range(len(out))]
    if len(groups) > 1:
        by_group = unit_indices(scored, ["target_id", "rater_group"], confidence).reset_index()
        weights = groups.set_index("key")["weight"]
        comp = composite_index(by_group, weights, k).reindex(out.index)
        out["composite_index"] = comp["composite"]
        out["renormalised"] = comp["renormalised"].fillna(False).astype(bool)
        out["missing_groups"] = comp["missing_groups"]
        present = pd.crosstab(scored["target_id"], scored["rater_group"]).reindex(
            index=out.index, columns=weights.index[weights > 0], fill_value=0
        )
        out["group_missing"] = (present.to_numpy() == 0).any(axis=1)

    value_cols = [c for c in out.columns if c not in (
        "n", "group_missing", "renormalised", "missing_groups")]
    out = suppress_small(out, "n", k, value_cols=value_cols).drop(columns="suppression")
    orgs = data.organisations.set_index("id")
    out.insert(0, "target_code", orgs["code"].reindex(out.index).to_numpy())
    out.insert(0, "year", data.year)
    out.insert(0, "campaign_code", data.campaign_code)
    out = out.reset_index()
    flags = ["suppressed", "group_missing", "renormalised", "missing_groups"]
    return out[[c for c in out.columns if c not in flags] + flags].astype(
        {"suppressed": bool, "group_missing": bool, "renormalised": bool}
    ).pipe(_tidy)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame["n"] = frame["n"].astype(np.int64)
    return frame
