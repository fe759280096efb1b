"""Reads of 联手兴家: the honours register, the pairs a user may see, each pair's figures
(targets, plan completion, months without confirmed activity), the supervision dashboard, the
export rows, and the frames the matching helper takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import or_, select

from questionnaires.vocabulary import MODEL_HOME_LEVELS, NAMES
from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, Organisation, Role
from survey_app.models.honour_review import HonourReviewThresholds
from survey_app.models.partnering import (
    Activity,
    Highlight,
    Honour,
    HonourLevel,
    HonourStatus,
    NetworkTarget,
    Pair,
    PairStatus,
    WorkArea,
)
from survey_app.models.partnering import ActivityForm as ActivityFormKind

#: Export columns of ``flask partnering export``, in order.
EXPORT_COLUMNS = [
    "lead_code", "partner_code", "status", "since", "lead_honour_level", "target", "linked",
    "planned_activities", "confirmed_activities", "last_confirmed_on",
    "months_without_activity", "lapsed",
]

_RANK = {level.value: len(MODEL_HOME_LEVELS) - n for n, level in enumerate(MODEL_HOME_LEVELS)}


def display_name(enum_type: type, value: str | None) -> str:
    """The name of a vocabulary value in the page language (Chinese first)."""
    from flask_babel import get_locale

    if value is None:
        return ""
    try:
        names = NAMES[enum_type(value)]
    except (KeyError, ValueError):
        return str(value)
    return names.zh if str(get_locale()) == "zh" else _(names.en)


def org_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code.strip()))


# --------------------------------------------------------------------------- honours


def honours_in(scope: Organisation | None, year: int | None = None) -> list[Honour]:
    query = select(Honour).join(Honour.organisation).order_by(Honour.year.desc(),
                                                              Organisation.code)
    if scope is not None:
        query = query.where(Organisation.path.startswith(scope.path))
    if year is not None:
        query = query.where(Honour.year == year)
    return list(db.session.scalars(query))


def model_honour_level(unit: Organisation, year: int | None = None) -> str | None:
    """The unit's highest valid model-home level (awarded in or before ``year``)."""
    query = select(Honour.level).where(Honour.organisation_id == unit.id,
                                       Honour.status == HonourStatus.VALID.value)
    if year is not None:
        query = query.where(Honour.year <= year)
    levels = [lv for lv in db.session.scalars(query) if lv in _RANK]
    return max(levels, key=_RANK.__getitem__) if levels else None


def target_for(unit: Organisation, level: str | None, year: int) -> int | None:
    """The network target of the nearest union above ``unit`` that set one for ``level``."""
    if level is None:
        return None
    ancestors = unit.ancestor_ids
    if not ancestors:
        return None
    rows = db.session.scalars(select(NetworkTarget).where(
        NetworkTarget.upper_id.in_(ancestors), NetworkTarget.year == year,
        NetworkTarget.level == level)).all()
    if not rows:
        return None
    depth = {uid: n for n, uid in enumerate(ancestors)}
    return max(rows, key=lambda t: depth[t.upper_id]).min_links


def targets_of(upper: Organisation, year: int) -> dict[str, int]:
    return {t.level: t.min_links for t in db.session.scalars(select(NetworkTarget).where(
        NetworkTarget.upper_id == upper.id, NetworkTarget.year == year))}


# --------------------------------------------------------------------------- pairs


def pairs_for(user: Any) -> list[Pair]:
    """Pairs the user may read: its own unit's pairs and every pair in its subtree."""
    query = select(Pair).order_by(Pair.id)
    if user.role != Role.PLATFORM_ADMIN:
        own = user.organisation
        if own is None:
            return []
        if user.role == Role.EVALUATOR:
            query = query.where(or_(Pair.lead_id == own.id, Pair.partner_id == own.id))
        else:
            lead = db.aliased(Organisation)
            partner = db.aliased(Organisation)
            upper = db.aliased(Organisation)
            query = (query.join(lead, Pair.lead).join(partner, Pair.partner)
                     .join(upper, Pair.upper)
                     .where(or_(lead.path.startswith(own.path),
                                partner.path.startswith(own.path),
                                upper.path.startswith(own.path))))
    return list(db.session.scalars(query))


def linked_count(lead: Organisation) -> int:
    """The lead's running pairs (its links in the network)."""
    return len(db.session.scalars(select(Pair.id).where(
        Pair.lead_id == lead.id, Pair.state == "confirmed")).all())


@dataclass
class PairFigures:
    pair: Pair
    status: PairStatus
    lead_honour_level: str | None
    target: int | None
    linked: int
    planned: int
    confirmed: int
    completion: float | None
    last_confirmed_on: date | None
    months_without_activity: int | None
    with_photo: int

    @property
    def lapsed(self) -> bool:
        return self.status == PairStatus.LAPSED

    @property
    def below_target(self) -> bool:
        return self.target is not None and self.linked < self.target


def pair_figures(pair: Pair, year: int | None = None, on: date | None = None) -> PairFigures:
    """The pair's figures for ``year`` (every year if None) as of ``on`` (today)."""
    on = on or today()
    plan = [p for p in pair.plan if year is None or p.year == year]
    confirmed = [a for a in pair.activities if a.confirmed_at is not None
                 and (year is None or a.held_on.year == year)]
    months_done = {(a.held_on.year, a.held_on.month) for a in confirmed}
    done = sum(1 for p in plan if (p.year, p.month) in months_done)
    level = model_honour_level(pair.lead)
    return PairFigures(
        pair=pair, status=pair.status(on), lead_honour_level=level,
        target=target_for(pair.lead, level, year or on.year), linked=linked_count(pair.lead),
        planned=len(plan), confirmed=len(confirmed),
        completion=done / len(plan) if plan else None,
        last_confirmed_on=pair.last_confirmed_on(),
        months_without_activity=pair.months_without_activity(on),
        with_photo=sum(1 for a in confirmed if a.photo_name),
    )


def supervision_rows(upper: Organisation | None, year: int) -> list[PairFigures]:
    """Every pair supervised in ``upper``'s subtree (all pairs for None), lapsed first."""
    query = select(Pair).join(Pair.upper).order_by(Pair.id)
    if upper is not None:
        query = query.where(Organisation.path.startswith(upper.path))
    rows = [pair_figures(p, year) for p in db.session.scalars(query)]
    order = {PairStatus.LAPSED: 0, PairStatus.NEW: 1, PairStatus.PROPOSED: 2,
             PairStatus.ACTIVE: 3, PairStatus.FINISHED: 4, PairStatus.DECLINED: 5}
    return sorted(rows, key=lambda r: (order[r.status], -(r.months_without_activity or 0)))


def leads_below_target(upper: Organisation | None, year: int) -> list[dict[str, Any]]:
    """Units in the subtree holding a model-home honour whose links fall short of their
    target."""
    out = []
    for unit in _model_home_units(upper, year):
        level = model_honour_level(unit, year)
        target = target_for(unit, level, year)
        linked = linked_count(unit)
        if target is not None and linked < target:
            out.append({"unit": unit, "level": level, "target": target, "linked": linked})
    return out


def _model_home_units(upper: Organisation | None, year: int) -> list[Organisation]:
    query = (select(Organisation).join(Honour, Honour.organisation_id == Organisation.id)
             .where(Honour.level.in_(list(_RANK)), Honour.status == HonourStatus.VALID.value,
                    Honour.year <= year).distinct().order_by(Organisation.code))
    if upper is not None:
        query = query.where(Organisation.path.startswith(upper.path))
    return list(db.session.scalars(query))


def export_frame(year: int | None = None, org: Organisation | None = None,
                 on: date | None = None) -> pd.DataFrame:
    """One row per pair (supervised in ``org``'s subtree), the columns of the CLI export."""
    rows = []
    for f in supervision_rows(org, year or (on or today()).year):
        if year is None:
            f = pair_figures(f.pair, None, on)
        rows.append({
            "lead_code": f.pair.lead.code, "partner_code": f.pair.partner.code,
            "status": f.status.value,
            "since": f.pair.since.isoformat() if f.pair.since else "",
            "lead_honour_level": f.lead_honour_level or "",
            "target": f.target, "linked": f.linked, "planned_activities": f.planned,
            "confirmed_activities": f.confirmed,
            "last_confirmed_on": f.last_confirmed_on.isoformat() if f.last_confirmed_on else "",
            "months_without_activity": f.months_without_activity,
            "lapsed": f.lapsed,
        })
    frame = pd.DataFrame(rows, columns=EXPORT_COLUMNS)
    for column in ("target", "linked", "planned_activities", "confirmed_activities",
                   "months_without_activity"):
        frame[column] = frame[column].astype("Int64")  # whole numbers, empty when unknown
    return frame.sort_values(["lead_code", "partner_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------- matching


def last_member_campaign(upper: Organisation) -> Campaign | None:
    """The latest published member campaign run by ``upper`` or a union above it."""
    owners = [*upper.ancestor_ids, upper.id]
    return db.session.scalar(
        select(Campaign).where(Campaign.kind == "member",
                               Campaign.status == CampaignStatus.PUBLISHED.value,
                               Campaign.owner_id.in_(owners))
        .order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1))


def _region_and_sector(unit: Organisation, by_id: dict[int, Organisation]) -> tuple[str, str]:
    """Region: the district federation above the unit; sector: the industry union above it
    (enterprises under a district share the sector ``enterprise``)."""
    region = sector = ""
    for uid in unit.ancestor_ids:
        node = by_id.get(uid)
        if node is None:
            continue
        if node.kind == "district_federation":
            region = node.code
        elif node.kind == "industry_union":
            sector = node.code
    return region or (unit.parent.code if unit.parent else ""), sector or "enterprise"


def matching_frames(upper: Organisation, year: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                             pd.DataFrame, Campaign | None]:
    """``leads``, ``candidates`` and ``existing_pairs`` for
    :func:`analysis.partnering.propose_pairs`, and the campaign the indices come from.

    Leads are the model homes of the subtree with capacity (target minus links) above 0;
    candidates are its grassroots unions that lead no pair. Dimension indices come from the
    last published member campaign, NaN where suppressed or missing.
    """
    from analysis.scoring import DIM_PREFIX
    from survey_app.reports.queries import campaign_report

    units = list(db.session.scalars(upper.subtree_query()))
    by_id = {u.id: u for u in units}
    campaign = last_member_campaign(upper)
    scores = pd.DataFrame()
    if campaign is not None:
        report = campaign_report(campaign)
        if report is not None:
            dims = [DIM_PREFIX + d for d in report.dimensions]
            scores = report.units[["code", "overall", *dims]].copy()
            scores = scores.set_index("code").astype(float)
            # propose_pairs reads dimensions from dim_<key> columns
            scores.columns = ["overall", *[f"dim_{d}" for d in report.dimensions]]
    dim_columns = [c for c in scores.columns if c.startswith("dim_")]

    def figures(unit: Organisation) -> dict[str, float]:
        if unit.code in scores.index:
            row = scores.loc[unit.code]
            return {"satisfaction_index": row["overall"], **{c: row[c] for c in dim_columns}}
        return {"satisfaction_index": np.nan, **{c: np.nan for c in dim_columns}}

    existing = list(db.session.scalars(select(Pair).where(
        Pair.upper_id.in_(list(by_id)), Pair.state.in_(("proposed", "confirmed")))))
    leads, candidates = [], []
    lead_ids = set()
    for unit in _model_home_units(upper, year):
        level = model_honour_level(unit, year)
        target = target_for(unit, level, year)
        taken = sum(1 for p in existing if p.lead_id == unit.id)
        capacity = max((target or 0) - taken, 0)
        lead_ids.add(unit.id)
        if capacity > 0:
            region, sector = _region_and_sector(unit, by_id)
            leads.append({"unit_code": unit.code, "region": region, "sector": sector,
                          "honour_level": level, "capacity": capacity, **figures(unit)})
    paired = {p.partner_id for p in existing}
    for unit in units:
        if unit.kind != "grassroots_union" or unit.id in lead_ids or unit.id in paired:
            continue
        region, sector = _region_and_sector(unit, by_id)
        level = model_honour_level(unit, year)
        candidates.append({"unit_code": unit.code, "region": region, "sector": sector,
                           "honour_level": level, **figures(unit)})
    lead_cols = ["unit_code", "region", "sector", "honour_level", "capacity", *dim_columns]
    cand_cols = ["unit_code", "region", "sector", "honour_level", "satisfaction_index",
                 *dim_columns]
    pairs = pd.DataFrame({"lead_code": [p.lead.code for p in existing],
                          "partner_code": [p.partner.code for p in existing]})
    return (pd.DataFrame(leads, columns=lead_cols), pd.DataFrame(candidates, columns=cand_cols),
            pairs, campaign)


def proposals(upper: Organisation, year: int) -> tuple[pd.DataFrame, Campaign | None]:
    from analysis.partnering import propose_pairs

    leads, candidates, existing, campaign = matching_frames(upper, year)
    if leads.empty or candidates.empty:
        return pd.DataFrame(columns=["lead_code", "partner_code", "score", "reasons"]), campaign
    declined = [p for p in db.session.scalars(select(Pair).where(Pair.state == "declined"))
                if p.upper.is_within(upper) or upper.is_within(p.upper)]
    declined_pairs = pd.DataFrame({"lead_code": [p.lead.code for p in declined],
                                   "partner_code": [p.partner.code for p in declined]})
    return propose_pairs(leads, candidates, existing, declined_pairs=declined_pairs), campaign


def reason_text(code: str, value: object, dimension_label=None) -> str:
    """A proposal reason in the page language."""
    if code.startswith("lead_strong_on:"):
        dim = code.split(":", 1)[1]
        label = dimension_label(dim) if dimension_label else dim
        return _("The lead is %(points)s points stronger on %(dimension)s, where the partner "
                 "is weakest", points=value, dimension=label)
    texts = {
        "same_region": _("Same region"),
        "adjacent_region": _("Neighbouring region"),
        "same_sector": _("Same sector"),
        "related_sector": _("Related sector"),
        "partner_no_honour": _("The partner holds no honour yet"),
    }
    if code == "partner_satisfaction":
        return _("Partner's member satisfaction index: %(value)s", value=value)
    return texts.get(code, code)


def honours_frame(scope: Organisation | None = None) -> pd.DataFrame:
    """The register as the honours import's columns, plus ``recheck_due`` and ``status``."""
    rows = [{"unit_code": h.organisation.code, "level": h.level, "year": h.year,
             "awarding_code": h.awarding.code, "document_number": h.document_number,
             "evidence_note": h.evidence_note, "recheck_due": h.recheck_due,
             "status": h.status} for h in honours_in(scope)]
    return pd.DataFrame(rows, columns=["unit_code", "level", "year", "awarding_code",
                                       "document_number", "evidence_note", "recheck_due",
                                       "status"])


# --------------------------------------------------------------------------- 动态管理

#: Honour levels from the highest down: a unit is recommended for the highest it earned.
LEVEL_ORDER = [HonourLevel.NATIONAL.value, HonourLevel.PROVINCIAL.value,
               HonourLevel.CITY.value, HonourLevel.DISTRICT.value,
               HonourLevel.QUALIFIED.value]


def review_thresholds(upper: Organisation, year: int) -> HonourReviewThresholds | None:
    return db.session.scalar(select(HonourReviewThresholds).where(
        HonourReviewThresholds.upper_id == upper.id, HonourReviewThresholds.year == year))


def _figure_keys(scheme: Any) -> tuple[str | None, str | None]:
    """The scheme's indicators holding the member satisfaction rate and participation."""
    sat = next((i.key for i in scheme.indicators if i.source.type == "satisfaction"
                and i.source.measure == "satisfaction_rate" and not i.source.group), None)
    part = next((i.key for i in scheme.indicators if i.source.type == "participation"), None)
    return sat, part


@dataclass
class ReviewRow:
    """An honour on the re-check / warning list, with the figures and the reasons."""

    honour: Honour
    satisfaction: float | None
    participation: float | None
    score: float | None
    reasons: list[str]


def _below(value: float | None, minimum: float | None) -> bool:
    return minimum is not None and value is not None and value < minimum - 1e-9


def review_list(upper: Organisation, year: int) -> list[ReviewRow]:
    """Honours held by units below ``upper`` that need a re-check in ``year``: their re-check
    falls due that year, or (with thresholds set) the year's assessment shows member
    satisfaction, participation or score below the thresholds, or gives no score."""
    from survey_app.assessment.queries import get_run, load_scheme

    th = review_thresholds(upper, year)
    honours = [h for h in honours_in(upper) if h.organisation_id != upper.id
               and h.year <= year and h.status != HonourStatus.WITHDRAWN.value]
    results: dict[int, Any] = {}
    sat_key = part_key = None
    if th is not None:
        try:
            sat_key, part_key = _figure_keys(load_scheme(th.scheme_key))
        except LookupError:
            sat_key = part_key = None
        run = get_run(th.scheme_key, year)
        results = {r.organisation_id: r for r in run.results} if run is not None else {}
    rows = []
    for h in honours:
        reasons = []
        if h.recheck_due == year:
            reasons.append(_("Re-check due (awarded %(year)s, every %(n)s years).",
                             year=h.year, n=h.recheck_years))
        sat = part = score = None
        if th is not None:
            r = results.get(h.organisation_id)
            values = (r.details or {}).get("values", {}) if r is not None else {}
            sat, part = values.get(sat_key or ""), values.get(part_key or "")
            score = None if r is None else r.score
            if r is None or score is None:
                reasons.append(_("No assessment score this year."))
            if _below(sat, th.min_satisfaction):
                reasons.append(_("Member satisfaction %(value)s below %(min)s.",
                                 value=f"{sat:.1%}", min=f"{th.min_satisfaction:.1%}"))
            if _below(part, th.min_participation):
                reasons.append(_("Participation %(value)s below %(min)s.",
                                 value=f"{part:.1%}", min=f"{th.min_participation:.1%}"))
            if _below(score, th.min_score):
                reasons.append(_("Assessment score %(value)s below %(min)s.",
                                 value=f"{score:g}", min=f"{th.min_score:g}"))
        if reasons:
            rows.append(ReviewRow(h, sat, part, score, reasons))
    return rows


@dataclass
class Recommendation:
    """An honour the assessment engine found a unit eligible for, not yet in the register."""

    unit: Organisation
    level: str
    name: Any
    score: float | None
    run: Any


def recommendations(upper: Organisation, year: int, scheme_key: str) -> list[Recommendation]:
    """For the published assessment ``scheme_key`` of ``year``: each unit below ``upper`` with
    the highest register level it is eligible for, unless the register already holds that
    level for the year, or the unit holds a valid honour at that level or above."""
    from survey_app.assessment.queries import get_run, load_scheme

    run = get_run(scheme_key, year)
    if run is None or not run.published:
        return []
    try:
        scheme = load_scheme(scheme_key)
    except LookupError:
        return []
    by_key = {h.key: h for h in scheme.honours if h.level}
    held = {(h.organisation_id, h.level) for h in db.session.scalars(
        select(Honour).where(Honour.year == year))}
    # the highest valid honour each unit holds (awarded by this year): never recommend it
    # again, nor a lower level
    current: dict[int, int] = {}
    for h in db.session.scalars(select(Honour).where(
            Honour.status == HonourStatus.VALID.value, Honour.year <= year)):
        if h.level in LEVEL_ORDER:
            rank = LEVEL_ORDER.index(h.level)
            current[h.organisation_id] = min(rank, current.get(h.organisation_id, rank))
    out = []
    for r in run.results:
        org = r.organisation
        if org.id == upper.id or not org.is_within(upper):
            continue
        earned = [by_key[k] for k in (r.honours or "").split(";") if k in by_key]
        if not earned:
            continue
        best = min(earned, key=lambda h: LEVEL_ORDER.index(h.level))
        if (org.id, best.level) in held:
            continue
        if LEVEL_ORDER.index(best.level) >= current.get(org.id, len(LEVEL_ORDER)):
            continue
        out.append(Recommendation(org, best.level, best.name, r.score, run))
    return sorted(out, key=lambda rec: (LEVEL_ORDER.index(rec.level), rec.unit.code))


# --------------------------------------------------------------------------- 成效 (outcomes)

#: The outcomes compared between two member campaigns: the satisfaction index (0-100) and
#: the participation rate (参评率, in percentage points).
OUTCOMES = ("satisfaction_index", "participation_rate")

#: Controls matched to each partner unit when the comparison group allows it.
OUTCOME_K = 3

#: Fewer partner units than this: the page says the sample is small.
SMALL_SAMPLE = 10


def started_pairs(upper: Organisation) -> list[Pair]:
    """Pairs supervised in ``upper``'s subtree that have started (confirmed or finished,
    with a start date), oldest first."""
    query = (select(Pair).join(Pair.upper)
             .where(Pair.state.in_(("confirmed", "finished")), Pair.since.is_not(None),
                    Organisation.path.startswith(upper.path))
             .order_by(Pair.since, Pair.id))
    return list(db.session.scalars(query))


@dataclass
class HonoursGained:
    """The honours a partner unit received from its pairing's start year on."""

    pair: Pair
    honours: list[Honour]


@dataclass
class HonourCounts:
    """成效 as the speech counts it: how many model homes linked how many units, and the
    honours the linked units gained afterwards, by level (each honour counted once, even
    when its unit has two leads)."""

    rows: list[HonoursGained]
    leads: int
    partners: int
    by_level: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


def honours_after_pairing(upper: Organisation) -> HonourCounts:
    """Honours in the register awarded to the partner units of ``upper``'s started pairs in
    or after the year their pairing started; withdrawn honours do not count."""
    pairs = started_pairs(upper)
    partner_ids = {p.partner_id for p in pairs}
    held: dict[int, list[Honour]] = {}
    for h in db.session.scalars(select(Honour).where(
            Honour.organisation_id.in_(partner_ids),
            Honour.status != HonourStatus.WITHDRAWN.value).order_by(Honour.year, Honour.id)):
        held.setdefault(h.organisation_id, []).append(h)
    rows = [HonoursGained(p, [h for h in held.get(p.partner_id, [])
                              if h.year >= p.since.year]) for p in pairs]
    counted = {h.id: h for r in rows for h in r.honours}
    by_level = {level: sum(1 for h in counted.values() if h.level == level)
                for level in LEVEL_ORDER}
    return HonourCounts(rows=rows, leads=len({p.lead_id for p in pairs}),
                        partners=len(partner_ids), by_level=by_level)


def outcome_campaigns(upper: Organisation) -> list[Campaign]:
    """Published annual member campaigns of ``upper``'s tree (run by ``upper``, a union above
    it or one below it), newest first; committee ratings (述职评议) are not unit figures."""
    from survey_app.committee.queries import committee_groups

    owner = db.aliased(Organisation)
    query = (select(Campaign).join(owner, Campaign.owner)
             .where(Campaign.kind == "member", Campaign.cycle == "annual",
                    Campaign.status == CampaignStatus.PUBLISHED.value,
                    or_(owner.id.in_([*upper.ancestor_ids, upper.id]),
                        owner.path.startswith(upper.path)))
             .order_by(Campaign.year.desc(), Campaign.closes_on.desc(), Campaign.id.desc()))
    return [c for c in db.session.scalars(query) if not committee_groups(c)]


def released_unit_figures(campaign: Campaign, upper: Organisation) -> pd.DataFrame:
    """The published targets of the campaign's report in ``upper``'s subtree, as
    ``unit_code, size, satisfaction_index, participation_rate``: the report's unit table
    after disclosure control, so a suppressed unit is left out, never used. Participation
    is the published n over the unit's eligible members, capped at 100 (as
    :func:`analysis.three_rates.three_rates`); units without a member count are left out."""
    from analysis.indices import participation_rate
    from survey_app.reports.queries import campaign_report

    columns = ["unit_code", "size", *OUTCOMES]
    report = campaign_report(campaign)
    if report is None:
        return pd.DataFrame(columns=columns)
    units = report.units
    keep = (units["is_target"].astype(bool) & ~units["suppressed"].astype(bool)
            & units["path"].str.startswith(upper.path))
    units = units[keep.to_numpy()]
    members = report.data.organisations.set_index("id")["members"].reindex(units.index)
    members = pd.to_numeric(members, errors="coerce")
    rate = participation_rate(units["n"].astype(float), members).clip(upper=1.0) * 100
    frame = pd.DataFrame({"unit_code": units["code"].astype(str), "size": members,
                          "satisfaction_index": units["overall"].astype(float),
                          "participation_rate": rate})
    return frame[frame["size"] > 0].reset_index(drop=True)[columns]


def campaign_window(campaign: Campaign) -> tuple[date, date]:
    """The days a campaign took answers (its year, when the dates are not set)."""
    year = campaign.year or (campaign.opens_on or today()).year
    return (campaign.opens_on or date(year, 1, 1), campaign.closes_on or date(year, 12, 31))


@dataclass
class OutcomePanel:
    """The frame :func:`analysis.partnering.partnering_effect` takes (``year`` 0 for the
    campaign before, 1 for the one after), the partner units paired between the two
    campaigns (treated), and the units that may not serve as comparison."""

    panel: pd.DataFrame
    treated: list[str]
    excluded: list[str]


def outcome_panel(upper: Organisation, before: Campaign, after: Campaign) -> OutcomePanel:
    """Treated: partner units of pairs that started after ``before`` closed and no later than
    ``after`` opened. Excluded from the comparison: every other unit of a started pair (leads,
    and partners paired before ``before`` closed or after ``after`` opened)."""
    by_id = {o.id: o for o in db.session.scalars(upper.subtree_query())}
    for uid in upper.ancestor_ids:
        by_id.setdefault(uid, db.session.get(Organisation, uid))
    by_code = {o.code: o for o in by_id.values() if o is not None}
    frames = []
    for year, campaign in ((0, before), (1, after)):
        figures = released_unit_figures(campaign, upper)
        figures.insert(1, "year", year)
        figures.insert(2, "sector", [_region_and_sector(by_code[c], by_id)[1]
                                     if c in by_code else "" for c in figures["unit_code"]])
        frames.append(figures)
    panel = pd.concat(frames, ignore_index=True)
    _, before_end = campaign_window(before)
    after_start, _ = campaign_window(after)
    treated, involved = set(), set()
    for pair in started_pairs(upper):
        involved.update((pair.lead.code, pair.partner.code))
        if before_end < pair.since <= after_start:
            treated.add(pair.partner.code)
    return OutcomePanel(panel=panel, treated=sorted(treated),
                        excluded=sorted(involved - treated))


@dataclass
class OutcomeEstimate:
    """One outcome's effect of pairing, or why there is none (``problem``)."""

    outcome: str
    n_treated: int
    n_control_pool: int
    k: int | None = None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n_control: int | None = None
    n_dropped: int | None = None
    pre_difference: float | None = None
    problem: str | None = None

    @property
    def shown(self) -> bool:
        return self.estimate is not None

    @property
    def covers_zero(self) -> bool:
        return self.shown and self.ci_low <= 0 <= self.ci_high

    @property
    def small(self) -> bool:
        return self.n_treated < SMALL_SAMPLE


def _eligible(panel: pd.DataFrame, outcome: str, treated: set[str],
              excluded: set[str]) -> tuple[int, int]:
    """Treated units and possible controls with the outcome released in both campaigns."""
    wide = panel.pivot_table(index="unit_code", columns="year", values=outcome,
                             aggfunc="first")
    ok = wide.reindex(columns=[0, 1]).notna().all(axis=1)
    codes = wide.index[ok.to_numpy()]
    n_t = int(codes.isin(list(treated)).sum())
    return n_t, int((~codes.isin(list(treated | excluded))).sum())


def partnering_outcomes(upper: Organisation, before: Campaign, after: Campaign,
                        ci: float = 0.95) -> tuple[OutcomePanel, list[OutcomeEstimate]]:
    """The effect of pairing on partner units between two campaigns, per outcome, by
    :func:`analysis.partnering.partnering_effect` (matched difference-in-differences),
    with :data:`OUTCOME_K` controls per partner unit or as many as the comparison group
    allows."""
    from analysis.partnering import partnering_effect

    data = outcome_panel(upper, before, after)
    treated, excluded = set(data.treated), set(data.excluded)
    out = []
    for outcome in OUTCOMES:
        n_t, n_c = _eligible(data.panel, outcome, treated, excluded)
        row = OutcomeEstimate(outcome=outcome, n_treated=n_t, n_control_pool=n_c)
        out.append(row)
        if n_t < 2:
            row.problem = "few_treated"
            continue
        k = min(OUTCOME_K, n_c // n_t)
        if k < 1:
            row.problem = "few_controls"
            continue
        result = partnering_effect(data.panel, treated_units=data.treated, pair_year=1,
                                   pre_year=0, post_year=1, outcomes=outcome, k=k,
                                   exclude_units=data.excluded, ci=ci).loc[outcome]
        row.k = k
        row.estimate, row.ci_low, row.ci_high = (float(result["estimate"]),
                                                 float(result["ci_low"]),
                                                 float(result["ci_high"]))
        row.n_control, row.n_dropped = int(result["n_control"]), int(result["n_dropped"])
        row.pre_difference = float(result["pre_difference"])
    return data, out


# --------------------------------------------------------------------------- showcase (展示)


def federation_of(unit: Organisation) -> Organisation:
    """The top of ``unit``'s tree (the federation whose showcase it belongs to)."""
    ancestors = unit.ancestor_ids
    return db.session.get(Organisation, ancestors[0]) if ancestors else unit


def showcase(federation: Organisation) -> list[Highlight]:
    """Published highlights of the pairs supervised in ``federation``'s tree, newest
    first."""
    return list(db.session.scalars(
        select(Highlight).join(Highlight.pair).join(Pair.upper)
        .where(Highlight.confirmed_at.is_not(None),
               Organisation.path.startswith(federation.path))
        .order_by(Highlight.confirmed_at.desc(), Highlight.id.desc())))


def photo_activities(pair: Pair) -> list[Activity]:
    """The pair's confirmed activities with a photo, newest first: what a highlight may
    show."""
    return [a for a in pair.activities if a.confirmed_at is not None and a.photo_name]


# --------------------------------------------------------------------------- 台账 (ledgers)


def _zh(enum_type: type, value: str | None) -> str:
    """The Chinese name of a vocabulary value: ledgers are kept in Chinese."""
    if value is None:
        return ""
    try:
        return NAMES[enum_type(value)].zh
    except (KeyError, ValueError):
        return str(value)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


@dataclass
class PairLedger:
    """A pair's 台账 for 经验交流会: the cover lines, the tables (Chinese headers) and the
    photos of its confirmed activities as (caption, stored file name)."""

    title: str
    cover: list[tuple[str, Any]]
    agreement: pd.DataFrame
    plan: pd.DataFrame
    activities: pd.DataFrame
    notes: pd.DataFrame
    photos: list[tuple[str, str]]


def pair_ledger(pair: Pair, on: date | None = None) -> PairLedger:
    """The pair's ledger as of ``on`` (today). Only confirmed activities are records."""
    on = on or today()
    figures = pair_figures(pair, None, on)
    cover = [("牵头工会", f"{pair.lead.name}（{pair.lead.code}）"),
             ("联手对象", f"{pair.partner.name}（{pair.partner.code}）"),
             ("督查单位", pair.upper.name), ("状态", _zh(PairStatus, figures.status.value)),
             ("结对时间", _day(pair.since)), ("结束时间", _day(pair.finished_on)),
             ("已确认活动", figures.confirmed), ("其中有照片", figures.with_photo),
             ("最近一次确认的活动", _day(figures.last_confirmed_on)), ("导出日期", _day(on))]
    a = pair.agreement
    agreement = pd.DataFrame(
        [("目标", a.goals), ("牵头工会职责", a.lead_duties), ("联手对象职责", a.partner_duties),
         ("工作领域", "、".join(_zh(WorkArea, x) for x in a.areas or [])),
         ("协议期限", f"{_day(a.term_start)} 至 {_day(a.term_end)}"),
         ("签订日期", _day(a.signed_on)), ("签订前培训", a.training)] if a else [],
        columns=["项目", "内容"])
    confirmed = [x for x in sorted(pair.activities, key=lambda x: (x.held_on, x.id))
                 if x.confirmed_at is not None]
    done = {(x.held_on.year, x.held_on.month) for x in confirmed}
    plan = pd.DataFrame([(p.year, p.month, p.title, "是" if (p.year, p.month) in done else "否")
                         for p in pair.plan], columns=["年度", "月份", "计划活动", "当月已开展"])
    activities = pd.DataFrame(
        [(_day(x.held_on), _zh(ActivityFormKind, x.form), x.content, x.participants,
          _day(x.confirmed_at.date()), "有" if x.photo_name else "无") for x in confirmed],
        columns=["日期", "活动形式", "活动内容", "参加人数", "联手对象确认日期", "照片"])
    notes = pd.DataFrame([(_day(n.created_at.date()), n.author_org.name, n.text, n.answer or "",
                           _day(n.answered_at.date() if n.answered_at else None))
                          for n in reversed(pair.notes)],
                         columns=["日期", "督查单位", "督查意见", "回复", "回复日期"])
    photos = [(f"{_day(x.held_on)} {x.content}", x.photo_name) for x in confirmed
              if x.photo_name]
    return PairLedger(title=f"联手兴家台账：{pair.lead.name} → {pair.partner.name}", cover=cover,
                      agreement=agreement, plan=plan, activities=activities, notes=notes,
                      photos=photos)


def network_summary(upper: Organisation | None, year: int) -> tuple[list[tuple[str, Any]],
                                                                   pd.DataFrame, pd.DataFrame]:
    """The supervision dashboard's figures as ledger parts: the cover lines (pairs by status,
    confirmed activities), the pairs table and the leads below their target."""
    rows = supervision_rows(upper, year)
    pairs = pd.DataFrame(
        [(r.pair.lead.name, r.pair.lead.code, r.pair.partner.name, r.pair.partner.code,
          _zh(PairStatus, r.status.value), _day(r.pair.since),
          _zh(HonourLevel, r.lead_honour_level), r.target, r.linked, r.planned, r.confirmed,
          r.completion, r.with_photo, _day(r.last_confirmed_on), r.months_without_activity,
          len([n for n in r.pair.notes if n.answer is None])) for r in rows],
        columns=["牵头工会", "牵头工会代码", "联手对象", "联手对象代码", "状态", "结对时间",
                 "牵头工会荣誉", "网络目标", "已联手", "计划活动", "已确认活动", "计划完成率",
                 "有照片的活动", "最近确认活动", "未开展活动月数", "未回复督查意见"])
    below = pd.DataFrame([(b["unit"].name, b["unit"].code, _zh(HonourLevel, b["level"]),
                           b["target"], b["linked"]) for b in leads_below_target(upper, year)],
                         columns=["单位", "代码", "荣誉", "网络目标", "已联手"])
    cover: list[tuple[str, Any]] = [("年度", year), ("结对数", len(rows))]
    for status in PairStatus:
        count = sum(1 for r in rows if r.status == status)
        if count:
            cover.append((_zh(PairStatus, status.value), count))
    cover.append((f"{year}年已确认活动", sum(r.confirmed for r in rows)))
    cover.append(("未达网络目标的牵头工会", len(below)))
    return cover, pairs, below
