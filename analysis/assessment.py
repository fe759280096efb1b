"""The performance-assessment engine (绩效考核): points, grades, ranks and honours per unit.

Pure pandas: a :class:`questionnaires.assessment.Scheme`, a frame of campaign figures per
unit and a frame of objective indicators in; a results frame out. No Flask, no database.

Contract of the inputs
----------------------
``inputs``: one row per assessed unit with ``unit_code`` (unique), ``unit_name``,
``parent_code`` and ``kind`` (peers share parent and kind), and one float column per
campaign figure the scheme reads (``Scheme.figure_columns``: ``member.satisfaction_rate``,
``four.composite_index``, ...). A figure that is NaN or a column that is absent is *missing*.
:func:`campaign_figures` builds these columns from :class:`analysis.data.CampaignData`.

``objective``: one row per unit (``unit_code`` column or index) and one column per objective
indicator key; NaN (or no row) means "not entered", which is missing too.

``vetoes``: failed veto findings, rows ``unit_code, item, reason``.

Missing inputs
--------------
A missing input is never zero. The indicator's points are NaN and the unit is flagged
``missing:<indicator>``. The base score is rescaled to the available maximum::

    base = sum(points of available base indicators) / sum(their maximum) * max_score

when the available maximum is at least ``missing.min_available_share`` of ``max_score``
(status ``rescaled``); otherwise the unit is ``incomplete``: no score, no grade, no rank.
A unit with any missing input is not eligible for honours when ``missing.blocks_honours``.
A missing mandatory item fails it; a missing participation minimum fails honours that need it.

Scores
------
Each indicator's points are rounded to ``decimals`` before adding, and the score is rounded
again, so grade boundaries are exact (90.0 is 优秀 when the grade's ``min`` is 90). Bonus
points add ``min(sum of bonus points, bonus_max)`` on top of the base score. An ``optional``
bonus indicator whose figure is missing (it does not apply) adds nothing and is not missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

UNIT_COLUMNS = ("unit_code", "unit_name", "parent_code", "kind")
POINTS = "points:"
VALUE = "value:"
SEP = ";"
_VALUE_DECIMALS = 9  # inputs are rounded so that 0.9 computed as 0.8999999999 still is 0.9


def piecewise_share(values: Any, breakpoints: Any, below: float | None = None,
                    above: float | None = None) -> np.ndarray:
    """Share of the points (0-1) for each value under a piecewise-linear rule.

    Linear interpolation between breakpoints ``(x, share)``; ``below`` left of the first
    ``x`` (default its share), ``above`` right of the last (default its share). NaN stays NaN.
    """
    v = np.asarray(values, dtype=float)
    bp = np.asarray(breakpoints, dtype=float)
    if bp.ndim != 2 or bp.shape[1] != 2 or len(bp) == 0:
        raise ValueError("breakpoints must be a non-empty list of (x, share) pairs")
    if np.any(np.diff(bp[:, 0]) <= 0):
        raise ValueError("breakpoint x values must be strictly increasing")
    lo = bp[0, 1] if below is None else below
    hi = bp[-1, 1] if above is None else above
    out = np.interp(v, bp[:, 0], bp[:, 1])
    out = np.where(v < bp[0, 0], lo, out)
    out = np.where(v > bp[-1, 0], hi, out)
    return np.where(np.isnan(v), np.nan, out)


def tier_points(values: Any, tiers: Any, otherwise: float = 0.0) -> np.ndarray:
    """Points of the highest threshold each value reaches (``value >= threshold``)."""
    v = np.asarray(values, dtype=float)
    t = np.asarray(tiers, dtype=float)
    if t.ndim != 2 or t.shape[1] != 2 or len(t) == 0:
        raise ValueError("tiers must be a non-empty list of (threshold, points) pairs")
    if np.any(np.diff(t[:, 0]) >= 0):
        raise ValueError("tier thresholds must be strictly decreasing")
    out = np.full(v.shape, float(otherwise))
    for threshold, pts in t[::-1]:  # lowest first, so higher thresholds overwrite
        out = np.where(v >= threshold, pts, out)
    return np.where(np.isnan(v), np.nan, out)


def rule_points(values: Any, indicator: Any) -> np.ndarray:
    """Points (unrounded) of an indicator for each value; NaN where the value is missing."""
    r = indicator.rule
    if r.kind == "piecewise":
        return piecewise_share(values, r.breakpoints, r.below_share, r.above_share) * (
            indicator.points)
    if r.kind == "tiers":
        return tier_points(values, r.tiers, r.otherwise)
    raise ValueError(f"unknown rule kind {r.kind!r}")


def _objective_frame(objective: pd.DataFrame | None, codes: pd.Index) -> pd.DataFrame:
    if objective is None:
        return pd.DataFrame(index=codes)
    obj = objective
    if "unit_code" in obj.columns:
        if obj["unit_code"].duplicated().any():
            raise ValueError("objective indicators: duplicate unit_code")
        obj = obj.set_index("unit_code")
    return obj.reindex(codes).apply(pd.to_numeric, errors="coerce")


def _joined(parts: list[np.ndarray], labels: list[str], n: int) -> np.ndarray:
    """Per row, the labels whose mask is true, joined with ';' (in the given order)."""
    out = np.full(n, "", dtype=object)
    for mask, label in zip(parts, labels, strict=True):
        add = np.asarray(mask, dtype=bool)
        out = np.where(add, np.where(out == "", label, out + SEP + label), out)
    return out.astype(object)


@dataclass
class _Units:
    """The units being assessed (sorted by code) and how to read a figure of each."""

    units: pd.DataFrame
    codes: pd.Index
    objective: pd.DataFrame

    @property
    def n(self) -> int:
        return len(self.units)

    def figure(self, column: str) -> np.ndarray:
        """A campaign figure (``slot.measure``) or an objective one (``objective.key``), NaN
        where missing, rounded so that 0.9 computed as 0.8999999999 still is 0.9."""
        if column.startswith("objective."):
            key = column.split(".", 1)[1]
            obj = self.objective
            vals = obj[key] if key in obj.columns else pd.Series(np.nan, index=self.codes)
        else:
            vals = (self.units[column] if column in self.units.columns
                    else pd.Series(np.nan, index=self.codes))
        return np.round(pd.to_numeric(vals, errors="coerce").to_numpy(dtype=float),
                        _VALUE_DECIMALS)


@dataclass
class _Flags:
    """Flag masks and their labels, in the order they are reported."""

    masks: list[np.ndarray] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, mask: np.ndarray, label: str) -> None:
        self.masks.append(mask)
        self.labels.append(label)


def _units(inputs: pd.DataFrame, objective: pd.DataFrame | None) -> _Units:
    absent = [c for c in UNIT_COLUMNS if c not in inputs.columns]
    if absent:
        raise ValueError(f"inputs lack columns {absent}")
    if inputs["unit_code"].duplicated().any():
        raise ValueError("inputs: duplicate unit_code")
    units = inputs.sort_values("unit_code", kind="stable").reset_index(drop=True)
    codes = pd.Index(units["unit_code"].astype(str), name="unit_code")
    return _Units(units, codes, _objective_frame(objective, codes))


def _participation(scheme: Any, u: _Units, flags: _Flags) -> tuple[np.ndarray, np.ndarray]:
    """Participation minimums (configurable practice: 30 % of members, 60 % front-line).

    Returns ``(part_ok, below_min)``: the minimums are met; a minimum is not met."""
    part = scheme.participation
    part_ok = np.ones(u.n, dtype=bool)
    if not part.campaign:
        return part_ok, np.zeros(u.n, dtype=bool)
    rate = u.figure(f"{part.campaign}.participation_rate")
    low = rate < part.min_rate
    part_ok &= ~np.isnan(rate) & ~low
    flags.add(low, "participation_below_minimum")
    flow = np.zeros(u.n, dtype=bool)
    if part.frontline_objective:
        front = u.figure(f"objective.{part.frontline_objective}")
        flow = front < part.min_frontline_share
        part_ok &= ~np.isnan(front) & ~flow
        flags.add(flow, "frontline_below_minimum")
        flags.add(np.isnan(front), "frontline_missing")
    return part_ok, low | flow


def _checklist_flags(scheme: Any, u: _Units, flags: _Flags) -> None:
    for slot in scheme.campaign_slots:
        col = f"{slot}.checklist_veto_failed"
        if col in u.units.columns:
            failed = pd.to_numeric(u.units[col], errors="coerce").fillna(0).to_numpy() > 0
            flags.add(failed, f"checklist_veto:{slot}")


def _indicator_points(scheme: Any, u: _Units, below_min: np.ndarray
                      ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per indicator: its figures and its points (rounded to the scheme's decimals)."""
    points: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    for ind in scheme.indicators:
        v = u.figure(ind.source.column)
        p = rule_points(v, ind)
        if ind.source.type == "participation" and scheme.participation.below_minimum == "zero":
            p = np.where(below_min & ~np.isnan(p), 0.0, p)
        values[ind.key] = v
        points[ind.key] = np.round(p, scheme.decimals)
    return values, points


def _scores(scheme: Any, points: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Base score rescaled to the available maximum, bonus, score, status, missing masks."""
    dec = scheme.decimals
    base = [i for i in scheme.indicators if not i.bonus]
    earned = np.zeros(n)
    available = np.zeros(n)
    for ind in base:
        ok = ~np.isnan(points[ind.key])
        earned += np.where(ok, points[ind.key], 0.0)
        available += np.where(ok, ind.points, 0.0)
    bonus = np.zeros(n)
    for ind in scheme.indicators:
        if ind.bonus:
            bonus += np.nan_to_num(points[ind.key], nan=0.0)
    bonus = np.minimum(bonus, scheme.bonus_max)
    # an optional (bonus) indicator that does not apply is not missing: it adds nothing
    missing_masks = [np.isnan(points[i.key]) & (not getattr(i, "optional", False))
                     for i in scheme.indicators]
    any_missing = np.any(missing_masks, axis=0) if missing_masks else np.zeros(n, dtype=bool)
    base_missing = (np.any([np.isnan(points[i.key]) for i in base], axis=0) if base
                    else np.zeros(n, dtype=bool))
    needed = scheme.missing.min_available_share * scheme.max_score
    incomplete = available < needed - 1e-9
    with np.errstate(invalid="ignore", divide="ignore"):
        base_score = np.where(available > 0, earned / available * scheme.max_score, np.nan)
    base_score = np.where(incomplete, np.nan, np.round(base_score, dec))
    return {
        "base_score": base_score,
        "score": np.round(base_score + bonus, dec),
        "bonus": np.where(incomplete, np.nan, np.round(bonus, dec)),
        "available": available,
        "incomplete": incomplete,
        "status": np.where(incomplete, "incomplete",
                           np.where(base_missing, "rescaled", "complete")),
        "missing_masks": missing_masks,
        "any_missing": any_missing,
    }


def _grades(scheme: Any, score: np.ndarray) -> np.ndarray:
    """The best grade whose min the score reaches ('' for no score)."""
    grade = np.full(len(score), "", dtype=object)
    for g in reversed(scheme.grades):
        grade = np.where(score >= g.min, g.key, grade)
    return grade


def _mandatory(scheme: Any, u: _Units, grade: np.ndarray
               ) -> tuple[list[np.ndarray], np.ndarray]:
    """Mandatory items (必备): missing counts as failed; a failed ``cap_grade`` item caps the
    grade. Returns the failed masks per item and the capped grades."""
    order = {g.key: i for i, g in enumerate(scheme.grades)}  # 0 = best
    mand_failed = []
    for m in scheme.mandatory:
        v = u.figure(f"objective.{m.objective}")
        failed = np.isnan(v) | (v < m.min)
        mand_failed.append(failed)
        if m.effect == "cap_grade" and m.cap_grade:
            cap = order[m.cap_grade]
            rank_of = pd.Series(grade).map(order).fillna(-1).to_numpy()
            worse = (rank_of < cap) & failed & (grade != "")
            grade = np.where(worse, m.cap_grade, grade)
    return mand_failed, grade


def _vetoes(scheme: Any, vetoes: pd.DataFrame | None, codes: pd.Index, grade: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Veto items (一票否决): the grade becomes ``veto_grade``, no honours; the reason is kept.

    Returns ``(veto, veto_reason, grade)``."""
    n = len(codes)
    if vetoes is None or not len(vetoes):
        return np.zeros(n, dtype=bool), np.full(n, "", dtype=object), grade
    known = {v.key for v in scheme.veto}
    bad = set(vetoes["item"]) - known
    if bad:
        raise ValueError(f"unknown veto items {sorted(bad)}")
    rank_item = {v.key: i for i, v in enumerate(scheme.veto)}
    vf = vetoes[vetoes["unit_code"].isin(codes)].copy()
    vf["_o"] = vf["item"].map(rank_item)
    vf = vf.sort_values(["unit_code", "_o", "reason"], kind="stable")
    reason = vf["reason"].fillna("").astype(str).str.strip()
    text = (vf["item"] + ": " + reason).str.rstrip(": ")
    reasons = text.groupby(vf["unit_code"]).agg(SEP.join)
    veto = codes.isin(reasons.index)
    veto_reason = np.asarray(reasons.reindex(codes).fillna("").to_numpy(), dtype=object)
    return veto, veto_reason, np.where(veto & (grade != ""), scheme.veto_grade, grade)


def _ranks(scheme: Any, units: pd.DataFrame, score: np.ndarray, veto: np.ndarray,
           partial: np.ndarray | None = None) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Ranks among peers (same parent, same kind). Units scored from partial inputs
    (``rescaled``) come after every unit with complete inputs, whatever their score: a score
    rescaled from part of the indicators is not comparable with a complete one. Vetoed units
    come after all the others.

    Returns ``(rank, peers, bottom)``."""
    rankable = ~np.isnan(score)
    offset = scheme.max_score + scheme.bonus_max + 1
    partial = np.zeros(len(score), dtype=bool) if partial is None else np.asarray(partial)
    rank_value = pd.Series(score - offset * partial - 2 * offset * np.asarray(veto),
                           dtype=float)
    peer_key = [units["parent_code"].fillna("").astype(str), units["kind"].astype(str)]
    grouped = rank_value.groupby(peer_key)
    rank = grouped.rank(ascending=False, method="min")
    asc = grouped.rank(ascending=True, method="min")
    peers = rank_value.notna().groupby(peer_key).transform("sum").astype(int)
    bottom = (rankable & (asc.to_numpy() <= scheme.bottom_count)
              & (peers.to_numpy() > scheme.bottom_count))
    return rank, peers, bottom


def _honours(scheme: Any, u: _Units, eligible: np.ndarray, grade: np.ndarray,
             score: np.ndarray, part_ok: np.ndarray) -> dict[str, np.ndarray]:
    """Honours, in scheme order (a higher level may require a lower one)."""
    honour_masks: dict[str, np.ndarray] = {}
    for h in scheme.honours:
        ok = eligible & np.isin(grade, list(h.grades))
        if h.min_score is not None:
            ok &= score >= h.min_score
        for col, lo in h.minimums:
            ok &= u.figure(col) >= lo
        if h.participation_minimum:
            ok &= part_ok
        for r in h.requires:
            ok &= honour_masks[r]
        honour_masks[h.key] = ok
    return honour_masks


def assess(scheme: Any, inputs: pd.DataFrame, objective: pd.DataFrame | None = None,
           vetoes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Assess every unit of ``inputs`` under ``scheme``.

    Returns
    -------
    DataFrame
        One row per unit, sorted by ``unit_code``: ``unit_code, unit_name, parent_code,
        kind, score, base_score, bonus, available_max, status`` (``complete``, ``rescaled``
        or ``incomplete``), ``grade, rank, peers, bottom, veto, veto_reason,
        mandatory_failed, honours_eligible, missing, flags``, then per indicator
        ``value:<key>`` (the figure) and ``points:<key>`` (its points, NaN when missing).
        List-valued cells are ';'-joined keys in scheme order.
    """
    u = _units(inputs, objective)
    n, dec = u.n, scheme.decimals
    flags = _Flags()
    part_ok, below_min = _participation(scheme, u, flags)
    _checklist_flags(scheme, u, flags)
    values, points = _indicator_points(scheme, u, below_min)
    sc = _scores(scheme, points, n)
    score = sc["score"]
    mand_failed, grade = _mandatory(scheme, u, _grades(scheme, score))
    any_mand = (np.any(mand_failed, axis=0) if mand_failed else np.zeros(n, dtype=bool))
    veto, veto_reason, grade = _vetoes(scheme, vetoes, u.codes, grade)
    rank, peers, bottom = _ranks(scheme, u.units, score, veto, sc["status"] == "rescaled")
    eligible = ~np.isnan(score) & ~veto & ~any_mand
    if scheme.missing.blocks_honours:
        eligible &= ~sc["any_missing"]
    honour_masks = _honours(scheme, u, eligible, grade, score, part_ok)

    out = u.units[list(UNIT_COLUMNS)].copy()
    out["score"] = score
    out["base_score"] = sc["base_score"]
    out["bonus"] = sc["bonus"]
    out["available_max"] = np.round(sc["available"], dec)
    out["status"] = sc["status"]
    out["grade"] = grade
    out["rank"] = pd.array(rank.to_numpy(), dtype="Int64") if n else pd.array([], dtype="Int64")
    out["peers"] = peers.to_numpy()
    out["bottom"] = bottom
    out["veto"] = np.asarray(veto, dtype=bool)
    out["veto_reason"] = veto_reason
    out["mandatory_failed"] = _joined(mand_failed, [m.key for m in scheme.mandatory], n)
    out["honours_eligible"] = _joined(list(honour_masks.values()), list(honour_masks), n)
    missing_masks = sc["missing_masks"]
    out["missing"] = _joined(missing_masks, [i.key for i in scheme.indicators], n)
    all_flags = (flags.masks + [sc["incomplete"], veto, any_mand]
                 + [np.asarray(m) for m in missing_masks])
    labels = (flags.labels + ["incomplete", "veto", "mandatory_failed"]
              + [f"missing:{i.key}" for i in scheme.indicators])
    out["flags"] = _joined(all_flags, labels, n)
    for ind in scheme.indicators:
        out[VALUE + ind.key] = values[ind.key]
        out[POINTS + ind.key] = points[ind.key]
    return out


def shortfalls(result_row: Mapping[str, Any], scheme: Any, top: int | None = None
               ) -> list[dict[str, Any]]:
    """The indicators that cost the most points (the starting list for 整改).

    Each item: ``key, name, max, points, lost`` (``lost = max - points``); missing
    indicators come last with ``lost`` None. Sorted by ``lost`` descending, then scheme order.
    """
    items = []
    for pos, ind in enumerate(scheme.indicators):
        p = result_row.get(POINTS + ind.key)
        missing = p is None or (isinstance(p, float) and np.isnan(p))
        lost = None if missing else round(ind.points - float(p), scheme.decimals)
        items.append({"key": ind.key, "name": ind.name, "max": ind.points,
                      "points": None if missing else float(p), "lost": lost,
                      "bonus": ind.bonus, "_pos": pos})
    items.sort(key=lambda i: (i["lost"] is None, -(i["lost"] or 0), i["_pos"]))
    out = [{k: v for k, v in i.items() if k != "_pos"} for i in items
           if i["lost"] is None or i["lost"] > 0]
    return out[:top] if top else out


def compare_years(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``previous_score, score_change, previous_rank, previous_grade`` by ``unit_code``."""
    out = current.copy()
    if previous is None or previous.empty:
        out["previous_score"] = np.nan
        out["score_change"] = np.nan
        out["previous_rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["previous_grade"] = ""
        return out
    prev = previous.set_index("unit_code")
    out["previous_score"] = out["unit_code"].map(prev["score"]).astype(float)
    out["score_change"] = (out["score"] - out["previous_score"]).round(6)
    out["previous_rank"] = out["unit_code"].map(prev["rank"]).astype("Int64")
    out["previous_grade"] = out["unit_code"].map(prev["grade"]).fillna("")
    return out


def result_digest(results: pd.DataFrame) -> str:
    """SHA-256 of a results frame's CSV (a fingerprint for recomputation checks)."""
    body = results.to_csv(index=False, float_format="%.6f", lineterminator="\n")
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# --- from campaigns to figures -------------------------------------------------------------

def campaign_figures(scheme: Any, campaigns: Mapping[str, Any]) -> pd.DataFrame:
    """The campaign figures the scheme reads, one row per target unit code.

    Parameters
    ----------
    scheme : Scheme
    campaigns : mapping
        Campaign slot key → :class:`analysis.data.CampaignData` (or, for an assessors'
        checklist campaign, the frame of :func:`checklist_totals`), or None when the
        scheme's campaign did not run that year (its figures are then missing, not zero).

    Returns
    -------
    DataFrame
        Indexed by ``unit_code``; one float column per figure in ``scheme.figure_columns``
        that a campaign provides. Each campaign is scored once (one columnar pass);
        figures withheld for a small group (suppressed) are NaN.
    """
    from analysis.assessment_input import assessment_inputs
    from analysis.scoring import score_campaign

    wanted: dict[tuple[str, str | None], list[tuple[str, str]]] = {}
    for col in scheme.figure_columns:
        parts = col.split(".")
        slot, group, measure = (parts[0], None, parts[1]) if len(parts) == 2 else (
            parts[0], parts[1], ".".join(parts[2:]))
        wanted.setdefault((slot, group), []).append((col, measure))
    frames = []
    for slot in sorted({s for s, _ in wanted}):
        data = campaigns.get(slot)
        if isinstance(data, pd.DataFrame):  # checklist totals (see checklist_totals)
            frame = pd.DataFrame(index=data.index)
            for (s, _group), cols in wanted.items():
                if s == slot:
                    for col, measure in cols:
                        frame[col] = (data[measure].astype(float) if measure in data.columns
                                      else np.nan)
            frame[f"{slot}.checklist_veto_failed"] = data.get("veto_failed", 0)
            frames.append(frame)
            continue
        if data is None or data.responses.empty:
            continue
        scored = score_campaign(data)
        for (s, group), cols in sorted(wanted.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            if s != slot:
                continue
            d, sc = data, scored
            if group is not None:
                if group not in set(data.groups["key"]):
                    continue
                d = _only_group(data, group)
                sc = scored[scored["rater_group"] == group]
                if sc.empty:
                    continue
            inp = assessment_inputs(d, sc).set_index("target_code")
            frame = pd.DataFrame(index=inp.index)
            for col, measure in cols:
                frame[col] = inp[measure].astype(float) if measure in inp.columns else np.nan
            frames.append(frame)
    if not frames:
        return pd.DataFrame(index=pd.Index([], name="unit_code"))
    out = pd.concat(frames, axis=1)
    out = out.T.groupby(level=0).first().T if out.columns.duplicated().any() else out
    out.index.name = "unit_code"
    return out.sort_index()


def checklist_totals(answers: pd.DataFrame, definitions: Mapping[int, Mapping[str, Any]], *,
                     campaign_code: str = "") -> pd.DataFrame:
    """Assessors' checklist totals (第三方评议) per target unit, 0-100.

    A checklist response answers each indicator met (true) or not; its total is the points of
    the met indicators over the sheet's total points × 100 (an unanswered indicator counts as
    not met). Per unit: the mean total over its responses, ``n``, and ``veto_failed`` (the
    number of responses where an indicator marked ``veto`` in the sheet is not met).
    Assessors are named, not anonymous, so no minimum group size applies.

    Parameters
    ----------
    answers : DataFrame
        One row per response: ``unit_code`` (the target), ``questionnaire_version_id`` and
        ``answers`` (a dict of answers by question or indicator id).
    definitions : mapping
        Questionnaire version id → its definition (parsed JSON), for every version in
        ``answers``.
    campaign_code : str, optional
        Named in error messages.

    Returns
    -------
    DataFrame indexed by ``unit_code``: ``checklist_total, n, veto_failed``.

    Raises
    ------
    ValueError
        ``answers`` without the columns above, a version without a definition, or a version
        without checklist points.
    """
    empty = pd.DataFrame({"checklist_total": pd.Series(dtype=float),
                          "n": pd.Series(dtype=np.int64), "veto_failed": pd.Series(dtype=np.int64)},
                         index=pd.Index([], name="unit_code"))
    _check_answers(answers)
    if answers.empty:
        return empty
    frames = []
    for mine, items, met in _checklist_sheets(answers, definitions, campaign_code):
        pts = np.array([it.points for it in items], dtype=float)
        veto = np.array([it.veto for it in items], dtype=bool)
        frames.append(pd.DataFrame({
            "unit_code": answers["unit_code"][mine].to_numpy(),
            "total": met @ pts / pts.sum() * 100.0,
            "veto_failed": (~met[:, veto]).any(axis=1) if veto.any() else False,
        }))
    allr = pd.concat(frames, ignore_index=True)
    g = allr.groupby("unit_code")
    out = pd.DataFrame({"checklist_total": g["total"].mean(), "n": g.size(),
                        "veto_failed": g["veto_failed"].sum().astype(np.int64)})
    return out.sort_index()


def _check_answers(answers: pd.DataFrame) -> None:
    absent = [c for c in ("unit_code", "questionnaire_version_id", "answers")
              if c not in answers.columns]
    if absent:
        raise ValueError(f"answers frame lacks columns {absent}")


def _checklist_sheets(answers: pd.DataFrame, definitions: Mapping[int, Mapping[str, Any]],
                      campaign_code: str) -> list[tuple[np.ndarray, list[Any], np.ndarray]]:
    """Per questionnaire version in ``answers``: (row mask, checklist items, met matrix of
    rows × items; an unanswered indicator is not met)."""
    from questionnaires import ChecklistItem, Questionnaire

    version = answers["questionnaire_version_id"].astype(np.int64).to_numpy()
    vids = sorted(set(version.tolist()))
    undefined = [v for v in vids if v not in {int(k) for k in definitions}]
    if undefined:
        raise ValueError(f"campaign {campaign_code}: no definition of versions {undefined}")
    out = []
    for vid, definition in definitions.items():
        if int(vid) not in vids:
            continue
        q = Questionnaire.from_dict(dict(definition))
        items = [it for qq in q.questions() if qq.type == "checklist" for it in qq.items
                 if isinstance(it, ChecklistItem)]
        if not items or sum(it.points for it in items) <= 0:
            raise ValueError(f"campaign {campaign_code}: version {vid} has no checklist points")
        mine = version == int(vid)
        sheet = pd.DataFrame(answers["answers"][mine].tolist())
        met = sheet.reindex(columns=[it.id for it in items]).eq(True).to_numpy()
        out.append((mine, items, met))
    return out


def checklist_findings(answers: pd.DataFrame, definitions: Mapping[int, Mapping[str, Any]],
                       *, campaign_code: str = "") -> pd.DataFrame:
    """Assessors' findings per indicator and target unit (第三方评议逐项结果).

    Same input as :func:`checklist_totals`. Per (unit, indicator): ``points``, ``veto``,
    ``n`` (responses that carry the indicator) and ``met`` (those that found it met).
    Assessors are named, so no minimum group size applies.

    Returns
    -------
    DataFrame with columns ``unit_code, item, points, veto, n, met``, in sheet order.
    """
    _check_answers(answers)
    columns = ["unit_code", "item", "points", "veto", "n", "met"]
    if answers.empty:
        return pd.DataFrame(columns=columns)
    frames = []
    for mine, items, met in _checklist_sheets(answers, definitions, campaign_code):
        units = answers["unit_code"][mine].to_numpy()
        long = pd.DataFrame({
            "unit_code": np.repeat(units, len(items)),
            "item": np.tile([it.id for it in items], len(units)),
            "order": np.tile(np.arange(len(items)), len(units)),
            "points": np.tile([float(it.points) for it in items], len(units)),
            "veto": np.tile([bool(it.veto) for it in items], len(units)),
            "met": met.reshape(-1).astype(np.int64),
        })
        frames.append(long)
    allr = pd.concat(frames, ignore_index=True)
    out = (allr.groupby(["unit_code", "item"], sort=False)
           .agg(order=("order", "min"), points=("points", "first"), veto=("veto", "first"),
                n=("met", "size"), met=("met", "sum")).reset_index())
    out = out.sort_values(["unit_code", "order"], kind="stable").drop(columns="order")
    out[["n", "met"]] = out[["n", "met"]].astype(np.int64)
    return out[columns].reset_index(drop=True)


def _only_group(data: Any, group: str) -> Any:
    from analysis.data import CampaignData

    groups = data.groups[data.groups["key"] == group].reset_index(drop=True)
    responses = data.responses[data.responses["rater_group"] == group]
    return CampaignData(responses=responses, items=data.items, organisations=data.organisations,
                        groups=groups, min_group_size=data.min_group_size,
                        campaign_code=data.campaign_code, year=data.year,
                        dimension_weights=data.dimension_weights)
