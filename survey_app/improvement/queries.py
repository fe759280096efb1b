"""Reads of the improvement area: actions by unit and subtree, the figures of a unit's
published report, suggestions, and the effect of an action in the next campaign.

Every figure of a report reaches this area through :func:`published_figures`: it returns only
what the unit's published report shows (nothing for a suppressed unit or cell), so the pages,
the public 你说我改 page and the export publish nothing the report withholds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select

from analysis import reports as R
from analysis import trends
from analysis.scoring import DIM_PREFIX
from questionnaires.vocabulary import NAMES, ActionSource, ActionStatus
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, CampaignTarget, Organisation
from survey_app.models.improvement import ACCEPTED, ImprovementAction
from survey_app.models.project import HomeProject, ProjectTask
from survey_app.reports.queries import campaign_report, related_campaigns

#: How many weakest items a suggestion list holds per unit.
SUGGESTED_ITEMS = 3


def org_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def _name(member) -> str:
    from flask import has_request_context
    from flask_babel import get_locale

    english = has_request_context() and str(get_locale() or "zh").startswith("en")
    return NAMES[member].en if english else NAMES[member].zh


def status_name(status: str) -> str:
    """The status as the page's language names it (Chinese first)."""
    return _name(ActionStatus(status))


def source_name(kind: str) -> str:
    return _name(ActionSource(kind))


def display_scale(kind: str) -> float:
    """Item satisfaction rates are fractions shown (and targeted) in percent; indices are
    shown as they are (0-100)."""
    return 100.0 if kind == ActionSource.ITEM.value else 1.0


def shown(action_or_kind, value: float | None) -> str:
    """A linked figure as the pages show it: ``82.5%`` for an item rate, ``76.3`` for an
    index, ``—`` when there is none."""
    kind = getattr(action_or_kind, "source_kind", action_or_kind)
    if value is None or pd.isna(value):
        return "—"
    scaled = value * display_scale(kind)
    return f"{scaled:.1f}%" if kind == ActionSource.ITEM.value else f"{scaled:.1f}"


def unit_actions(org: Organisation, *, statuses=None) -> list[ImprovementAction]:
    query = select(ImprovementAction).where(ImprovementAction.organisation_id == org.id)
    if statuses is not None:
        query = query.where(ImprovementAction.status.in_(list(statuses)))
    return list(db.session.scalars(query.order_by(ImprovementAction.id)))


def subtree_actions(root: Organisation | None, *, org_code: str | None = None,
                    year: int | None = None) -> list[ImprovementAction]:
    """Actions of the units in ``root``'s subtree (all units for None), optionally of one
    unit and of one campaign year."""
    query = select(ImprovementAction).join(
        Organisation, Organisation.id == ImprovementAction.organisation_id)
    if root is not None:
        query = query.where(Organisation.path.startswith(root.path))
    if org_code:
        query = query.where(Organisation.code == org_code)
    if year:
        query = query.join(Campaign, Campaign.id == ImprovementAction.campaign_id).where(
            Campaign.year == year)
    return list(db.session.scalars(query.order_by(Organisation.code, ImprovementAction.id)))


def supervision(root: Organisation | None, on: date | None = None) -> dict[str, list]:
    """The upper union's view: overdue, done but not verified, and dismissed actions."""
    actions = subtree_actions(root)
    return {
        "overdue": [a for a in actions if a.is_overdue(on)],
        "unverified": [a for a in actions if a.status == ActionStatus.DONE.value],
        "dismissed": [a for a in actions if a.status == ActionStatus.DISMISSED.value],
    }


def published_campaigns(org: Organisation) -> list[Campaign]:
    """Published campaigns that target ``org`` (oldest first)."""
    return list(db.session.scalars(
        select(Campaign).join(CampaignTarget, CampaignTarget.campaign_id == Campaign.id)
        .where(CampaignTarget.organisation_id == org.id,
               Campaign.status == CampaignStatus.PUBLISHED.value)
        .order_by(Campaign.year, Campaign.code)))


# ---------------------------------------------------------------- report figures


@dataclass
class UnitFigures:
    """What a unit's published report shows: overall figures, dimensions and items."""

    campaign: Campaign
    unit: Organisation
    n: int
    overall: float
    satisfaction_rate: float
    dimensions: pd.DataFrame  # index dimension: label, index, satisfaction_rate
    items: pd.DataFrame  # item, dimension, label, n_valid, n_satisfied, rate
    report: object = field(repr=False, default=None)

    def figure(self, kind: str, ref: str) -> float | None:
        """The published figure an action links to (None when withheld)."""
        if kind == ActionSource.ITEM.value:
            hit = self.items[self.items["item"] == ref]
            value = hit["rate"].iloc[0] if len(hit) else np.nan
        elif kind in (ActionSource.DIMENSION.value, ActionSource.IPA.value):
            value = self.dimensions["index"].get(ref, np.nan)
        else:
            return None
        return None if pd.isna(value) else float(value)


def published_figures(campaign: Campaign, org: Organisation) -> UnitFigures | None:
    """The unit's figures in ``campaign``'s published report; None when the campaign is not
    published, has no report, or the report withholds the unit."""
    if campaign.status != CampaignStatus.PUBLISHED.value:
        return None
    report = campaign_report(campaign, language="zh")
    if report is None:
        return None
    uid = report.unit_id(org.code)
    if uid is None or not report.is_published(uid):
        return None
    row = R.unit_summary(report, uid)
    return UnitFigures(campaign=campaign, unit=org, n=int(row["n"]),
                       overall=float(row["overall"]),
                       satisfaction_rate=float(row["satisfaction_rate"]),
                       dimensions=R.dimension_scores(report, uid),
                       items=R.item_table(report, uid), report=report)


def suggestions_for(campaign: Campaign, org: Organisation) -> list[dict]:
    """A short list of proposed actions: the unit's weakest published items and the
    dimensions in IPA's fix-first quadrant (or its weakest dimension without IPA)."""
    figures = published_figures(campaign, org)
    if figures is None:
        return []
    out = []
    items = figures.items.dropna(subset=["rate"]).sort_values("rate").head(SUGGESTED_ITEMS)
    for _, it in items.iterrows():
        out.append({"source_kind": ActionSource.ITEM.value, "source_ref": it["item"],
                    "source_label": f"{it['dimension']} · {it['label']}",
                    "baseline": float(it["rate"]), "title": f"改进：{it['label']}"})
    table = R.importance_performance(figures.report, figures.report.unit_id(org.code))
    dims = figures.dimensions.dropna(subset=["index"])
    if table is not None:
        fix = [d for d in table.index[table["quadrant"] == "concentrate here"] if d in dims.index]
        kind = ActionSource.IPA.value
    else:
        fix = list(dims.sort_values("index").index[:1])
        kind = ActionSource.DIMENSION.value
    for d in fix:
        out.append({"source_kind": kind, "source_ref": d,
                    "source_label": str(dims.at[d, "label"]),
                    "baseline": float(dims.at[d, "index"]),
                    "title": f"提升{dims.at[d, 'label']}"})
    return out


# ---------------------------------------------------------------- effect in numbers


@dataclass
class Effect:
    """An action's linked figure before and after, with the year-over-year test."""

    campaign: Campaign
    before: float
    after: float
    change: float
    p_value: float
    significant: bool
    test: str
    target_met: bool | None


def next_campaign(campaign: Campaign) -> Campaign | None:
    """The first published campaign of the same kind in a later year with a questionnaire in
    common."""
    later = [c for c in related_campaigns(campaign)
             if c.status == CampaignStatus.PUBLISHED.value and (c.year or 0) > (campaign.year or 0)]
    return later[0] if later else None


def _subtree_rows(report, org: Organisation) -> pd.DataFrame:
    orgs = report.data.organisations
    ids = orgs.loc[orgs["path"].str.startswith(org.path), "id"]
    rows = report.scored[report.scored["target_id"].isin(ids)]
    return rows.assign(unit_code=org.code)


def effect_of(action: ImprovementAction) -> Effect | None:
    """Before and after for a dimension or item action, once the next campaign is published
    and both figures are published for the unit.

    Dimension indices are compared with :func:`analysis.trends.year_over_year` (Welch's
    t-test) on the unit's subtree, item satisfaction rates with the two-proportion z-test
    (:func:`analysis.trends.two_proportion_z`) on the published counts: the tests the reports
    use for year-over-year change.
    """
    if action.campaign is None or action.source_kind not in (
            ActionSource.ITEM.value, ActionSource.DIMENSION.value, ActionSource.IPA.value):
        return None
    later = next_campaign(action.campaign)
    if later is None:
        return None
    before = published_figures(action.campaign, action.organisation)
    after = published_figures(later, action.organisation)
    if before is None or after is None:
        return None
    if before.figure(action.source_kind, action.source_ref) is None or after.figure(
            action.source_kind, action.source_ref) is None:
        return None
    if action.source_kind == ActionSource.ITEM.value:
        a = before.items.set_index("item").loc[action.source_ref]
        b = after.items.set_index("item").loc[action.source_ref]
        _, p = trends.two_proportion_z(a["n_satisfied"], a["n_valid"],
                                       b["n_satisfied"], b["n_valid"])
        prev, cur, p, test = float(a["rate"]), float(b["rate"]), float(p), "two_proportion_z"
    else:
        metric = DIM_PREFIX + action.source_ref
        yoy = trends.year_over_year(_subtree_rows(before.report, action.organisation),
                                    _subtree_rows(after.report, action.organisation),
                                    by="unit_code", metrics=[metric])
        row = yoy[yoy["metric"] == metric].iloc[0]
        prev, cur, p, test = (float(row["previous"]), float(row["current"]),
                              float(row["p_value"]), str(row["test"]))
    met = None if action.target is None else (
        cur * display_scale(action.source_kind) >= action.target)
    return Effect(campaign=later, before=prev, after=cur, change=cur - prev, p_value=p,
                  significant=bool(p < 0.05), test=test, target_met=met)


def public_actions(org: Organisation) -> list[ImprovementAction]:
    """The actions members see: accepted ones, never suggestions or dismissed ones."""
    return unit_actions(org, statuses=ACCEPTED)


# ---------------------------------------------------------------- 你说我改


@dataclass
class PublicPage:
    """What the unit's public page shows; every figure comes from :func:`published_figures`."""

    latest: UnitFigures | None
    previous: UnitFigures | None
    actions: list[ImprovementAction]
    effects: dict[int, Effect | None]
    withheld: bool  # a published campaign exists but its report withholds the unit

    @property
    def weakest_dimensions(self) -> pd.DataFrame:
        if self.latest is None:
            return pd.DataFrame()
        return self.latest.dimensions.dropna(subset=["index"]).sort_values("index")

    def changes(self) -> list[dict]:
        """Overall figures and dimension indices, this year against last (both published)."""
        if self.latest is None or self.previous is None:
            return []
        a, b = self.previous, self.latest
        rows = [{"label": "总体满意度指数", "before": a.overall, "after": b.overall},
                {"label": "总体满意率", "before": a.satisfaction_rate * 100,
                 "after": b.satisfaction_rate * 100, "pct": True}]
        for d in b.dimensions.index:
            if d in a.dimensions.index:
                rows.append({"label": str(b.dimensions.at[d, "label"]),
                             "before": a.dimensions.at[d, "index"],
                             "after": b.dimensions.at[d, "index"]})
        return [r for r in rows if not (pd.isna(r["before"]) or pd.isna(r["after"]))]


def public_page(org: Organisation) -> PublicPage:
    campaigns = [c for c in published_campaigns(org) if c.kind == "member"]
    latest = published_figures(campaigns[-1], org) if campaigns else None
    previous = None
    if latest is not None and len(campaigns) > 1:
        earlier = [c for c in campaigns[:-1] if (c.year or 0) < (campaigns[-1].year or 0)]
        previous = published_figures(earlier[-1], org) if earlier else None
    actions = public_actions(org)
    effects = {a.id: effect_of(a) for a in actions}
    return PublicPage(latest=latest, previous=previous, actions=actions, effects=effects,
                      withheld=bool(campaigns) and latest is None)


# ---------------------------------------------------------------- export

EXPORT_COLUMNS = ["unit_code", "title", "source_kind", "source_ref", "baseline", "target",
                  "owner", "due_on", "status", "overdue", "verified_on", "after", "change",
                  "change_significant"]


def export_frame(actions: list[ImprovementAction], on: date | None = None) -> pd.DataFrame:
    """One row per action (figures in the pages' units: item rates in percent)."""
    rows = []
    for a in actions:
        effect = effect_of(a)
        scale = display_scale(a.source_kind)
        owner = " / ".join(x for x in (a.owner_name, a.owner_unit.name if a.owner_unit else "")
                           if x)
        rows.append({
            "unit_code": a.organisation.code, "title": a.title, "source_kind": a.source_kind,
            "source_ref": a.source_ref,
            "baseline": None if a.baseline is None else round(a.baseline * scale, 4),
            "target": a.target, "owner": owner,
            "due_on": a.due_on.isoformat() if a.due_on else "", "status": a.status,
            "overdue": a.is_overdue(on),
            "verified_on": a.verified_on.isoformat() if a.verified_on else "",
            "after": None if effect is None else round(effect.after * scale, 4),
            "change": None if effect is None else round(effect.change * scale, 4),
            "change_significant": None if effect is None else effect.significant,
        })
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def notifications_for(user, limit: int = 100) -> list:
    """The account's in-app notifications, newest first."""
    from survey_app.models.improvement import Notification

    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


# ---------------------------------------------------------------- 建家 projects


def unit_projects(org: Organisation, year: int | None = None) -> list[HomeProject]:
    query = select(HomeProject).where(HomeProject.organisation_id == org.id)
    if year is not None:
        query = query.where(HomeProject.year == year)
    return list(db.session.scalars(query.order_by(HomeProject.year.desc(), HomeProject.id)))


def project_actions(project: HomeProject) -> list[ImprovementAction]:
    return list(db.session.scalars(select(ImprovementAction).where(
        ImprovementAction.project_id == project.id).order_by(ImprovementAction.id)))


@dataclass
class TimelineBar:
    """One task on the year's timeline: where its bar starts and how long it is, in % of
    the year, and its state (done, overdue, running, upcoming)."""

    task: ProjectTask
    left: float
    width: float
    state: str


def timeline(project: HomeProject, on: date | None = None) -> list[TimelineBar]:
    """The project's tasks placed on its year (a task running into the next year is cut at
    the year's end), for the server-rendered timeline."""
    start, end = date(project.year, 1, 1), date(project.year, 12, 31)
    days = (end - start).days + 1
    bars = []
    for task in project.tasks:
        first = max(task.starts_on, start)
        last = min(task.due_on, end)
        left = (first - start).days / days * 100
        width = max(((last - first).days + 1) / days * 100, 1.0)
        bars.append(TimelineBar(task, round(left, 2), round(min(width, 100 - left), 2),
                                task.state(on)))
    return bars
