"""Reads for the report pages: who may see which campaign and unit, and the cached report.

Access (checked on the server for every page, chart and export)
---------------------------------------------------------------
* Nobody sees a figure of a campaign while it accepts answers (draft or open), platform
  admins included; rolling campaigns (日常评议) show their ended months only
  (:mod:`survey_app.release_policy`).
* Platform admins: every released campaign, every unit.
* Union admins and analysts: units in their own subtree only. A campaign owned in their
  subtree or above them (the owner unit's admins and analysts above) is visible once
  closed; any other campaign only once ``published`` (targets see their results only
  after publishing).
* Evaluators: the aggregated results of their own unit, only once published, and only
  where their unit is a target. No overview.
* Assessors: no dashboards.
* Raw responses (CSV, SPSS, Parquet) are analyst-level exports: platform admins and analysts
  only, rows of released targets in their scope (:func:`analysis.reports.released_rows`).
  Union admins get the aggregated exports (台账 xlsx, PDF).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask_babel import get_locale
from sqlalchemy import func, select

from analysis.reports import CampaignReport, Labels, build_report, labels_from_questionnaires
from survey_app.comments.queries import released_comment_frame
from survey_app.extensions import db
from survey_app.models import (
    Assignment,
    Campaign,
    CampaignStatus,
    Organisation,
    Response,
    Role,
    Submission,
    User,
)
from survey_app.permissions import can_view
from survey_app.questionnaire_versions import is_checklist, questionnaire_of
from survey_app.release_policy import (
    figures_released,
    is_rolling,
    released_periods,
)
from survey_app.reports import snapshots
from survey_app.reports.loading import (
    load_checklist_findings,
    load_checklist_totals,
)
from survey_app.reports.snapshots import campaign_data  # noqa: F401 - re-exported

DASHBOARD_ROLES = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN, Role.ANALYST)
PAGE_ROLES = (*DASHBOARD_ROLES, Role.EVALUATOR)
RAW_FORMATS = ("csv", "sav", "parquet")
AGGREGATE_FORMATS = ("xlsx", "pdf")
FORMATS = RAW_FORMATS + AGGREGATE_FORMATS


def default_root(user: User | None, campaign: Campaign) -> Organisation | None:
    """The top unit a user's overview covers: their own unit, or for platform admins (and
    the command line) the campaign's owner, else the root of its first target."""
    if user is not None and user.role != Role.PLATFORM_ADMIN:
        return user.organisation
    if campaign.owner is not None:
        return campaign.owner
    first = campaign.targets[0].organisation if campaign.targets else None
    if first is None:
        return None
    root_id = int(first.path.strip("/").split("/")[0])
    return db.session.get(Organisation, root_id)


def visible_campaigns(user: User, year: int | None = None, kind: str | None = None
                      ) -> list[Campaign]:
    """Campaigns with something the user may see (newest first), filtered."""
    query = select(Campaign).where(Campaign.status != CampaignStatus.DRAFT.value)
    if year:
        query = query.where(Campaign.year == year)
    if kind:
        query = query.where(Campaign.kind == kind)
    campaigns = db.session.scalars(query.order_by(Campaign.year.desc(), Campaign.code)).all()
    if user.role == Role.PLATFORM_ADMIN:
        return list(campaigns)
    org = user.organisation
    if org is None:
        return []
    return [c for c in campaigns if can_view(user, c, org)]


def campaign_by_code(code: str) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.code == code))


def org_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


# ---------------------------------------------------------------- the cached report


def data_version(campaign: Campaign) -> tuple:
    """Changes whenever the campaign's responses or status change (cheap: one count)."""
    n = db.session.scalar(select(func.count()).select_from(Response)
                          .where(Response.campaign_id == campaign.id))
    superseded = db.session.scalar(
        select(func.count()).select_from(Submission)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .where(Assignment.campaign_id == campaign.id, Submission.current.is_(False)))
    return (campaign.id, n, superseded, campaign.status, campaign.min_group_size)


class _LRU:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_reports = _LRU(8)
#: Rendered charts per (campaign, data version, chart, unit, filters, language).
charts = _LRU(256)


def lang() -> str:
    return str(get_locale() or "zh")


def campaign_labels(campaign: Campaign, language: str | None = None) -> Labels:
    groups = {g.key: g.name for g in campaign.rater_groups}
    qs = [questionnaire_of(g.questionnaire_version) for g in campaign.rater_groups]
    return labels_from_questionnaires(qs, groups, lang=language or lang())


def report_period(campaign: Campaign, requested: str | None) -> str | None:
    """The month a rolling campaign's report shows (None for annual campaigns); raises
    ``LookupError`` for a month that is not released."""
    if not is_rolling(campaign):
        return None
    periods = released_periods(campaign)
    if requested is None:
        return periods[-1] if periods else None
    if requested not in periods:
        raise LookupError(requested)
    return requested


def campaign_report(campaign: Campaign, rater_group: str | None = None,
                    language: str | None = None, period: str | None = None
                    ) -> CampaignReport | None:
    """The campaign's report, computed from its result snapshot (frozen at close, or at the
    end of the month of a rolling campaign: :mod:`survey_app.reports.snapshots`) and cached
    per snapshot; None without responses, and None whatever the data while the release
    policy withholds the campaign's figures."""
    if not figures_released(campaign):
        return None
    language = language or lang()
    period = report_period(campaign, period) if is_rolling(campaign) else None
    rater_group = campaign.report_group(rater_group)
    try:  # no scored items (checklist-only third-party assessments): no report
        snapshot = snapshots.snapshot_for(campaign, period)
    except ValueError:
        db.session.rollback()
        return None
    key = ("snapshot", snapshot.digest, rater_group, language)

    def make() -> CampaignReport | None:
        try:  # no responses
            data = snapshots.snapshot_data(snapshot)
            if data.responses.empty:
                return None
            return build_report(data, campaign_labels(campaign, language),
                                rater_group=rater_group)
        except ValueError:
            return None

    return _reports.get(key, make)


@dataclass
class ChecklistReport:
    """An assessors' checklist campaign (第三方评议): no satisfaction scale, so no
    :class:`CampaignReport`; the checklist total (0-100) and the findings per indicator of
    each target unit. Assessors are named raters: no minimum group size applies."""

    units: pd.DataFrame  # by unit id: code, name, kind, path, parent, n, total, veto_failed
    findings: pd.DataFrame  # unit_code, item, label, points, veto, n, met
    assessors: int

    def in_subtree(self, root: Organisation) -> pd.DataFrame:
        """Target units at or below ``root``, best total first, ranked; a unit with a failed
        veto item (一票否决) fails whatever its points, so it is listed last, unranked."""
        table = self.units[self.units["path"].str.startswith(root.path)].copy()
        table["vetoed"] = table["veto_failed"] > 0
        table = table.sort_values(["vetoed", "checklist_total", "code"],
                                  ascending=[True, False, True])
        ranked = table["checklist_total"].where(~table["vetoed"])
        table["rank"] = ranked.rank(method="min", ascending=False)
        return table

    def unit(self, org: Organisation) -> pd.Series | None:
        return self.units.loc[org.id] if org.id in self.units.index else None

    def unit_findings(self, org: Organisation) -> list[dict]:
        return self.findings[self.findings["unit_code"] == org.code].to_dict("records")


def checklist_campaign(campaign: Campaign) -> bool:
    return bool(campaign.rater_groups) and all(
        is_checklist(g.questionnaire_version) for g in campaign.rater_groups)


def checklist_report(campaign: Campaign, language: str | None = None
                     ) -> ChecklistReport | None:
    """The checklist campaign's totals and findings (cached per data version); None when
    the campaign is not a checklist campaign, has no counted answers, or its figures are not
    released yet (named assessors, but the same rule for every campaign: nothing moves
    while answers arrive)."""
    if not checklist_campaign(campaign) or not figures_released(campaign):
        return None
    language = language or lang()
    key = (data_version(campaign), "checklist", language)

    def make() -> ChecklistReport | None:
        totals = load_checklist_totals(db.engine, campaign.code)
        if totals.empty:
            return None
        orgs = db.session.execute(select(
            Organisation.id, Organisation.code, Organisation.name, Organisation.kind,
            Organisation.path, Organisation.parent_id).where(
            Organisation.code.in_(list(totals.index)))).all()
        units = pd.DataFrame(orgs, columns=["id", "code", "name", "kind", "path", "parent_id"])
        parents = dict(db.session.execute(select(Organisation.id, Organisation.name).where(
            Organisation.id.in_({int(p) for p in units["parent_id"].dropna()}))).all())
        units["parent"] = units["parent_id"].map(lambda p: parents.get(p, ""))
        units = units.join(totals, on="code").set_index("id")
        labels = {}
        for g in campaign.rater_groups:
            for q in questionnaire_of(g.questionnaire_version).questions():
                for it in q.items if q.type == "checklist" else ():
                    labels.setdefault(it.id, (it.label.en or it.label.zh) if language == "en"
                                      else it.label.zh)
        findings = load_checklist_findings(db.engine, campaign.code)
        findings["label"] = findings["item"].map(lambda i: labels.get(i, i))
        assessors = db.session.scalar(
            select(func.count(func.distinct(Assignment.rater_user_id)))
            .join(Submission, Submission.assignment_id == Assignment.id)
            .where(Assignment.campaign_id == campaign.id, Submission.current.is_(True)))
        return ChecklistReport(units=units, findings=findings, assessors=int(assessors or 0))

    return _reports.get(key, make)


def unit_scope(report: CampaignReport, org: Organisation) -> tuple[bool, int]:
    """What a unit's figures cover: whether the unit itself was evaluated (has responses
    as a target), and how many evaluated units below it its pooled figures also hold."""
    targets = report.units[report.units["is_target"].astype(bool)]
    below = targets["path"].str.startswith(org.path) & (targets.index != org.id)
    return bool(org.id in targets.index), int(below.sum())


def comments(campaign: Campaign, report: CampaignReport):
    """Released, masked comments only (:mod:`survey_app.comments`): never the raw answers."""
    fields = report.labels.comment_fields
    if not fields:
        return None
    return released_comment_frame(campaign, fields)


def questionnaire_keys(campaign: Campaign) -> set[str]:
    return {g.questionnaire_version.key for g in campaign.rater_groups}


def related_campaigns(campaign: Campaign) -> list[Campaign]:
    """The same kind of campaign in other years with a questionnaire in common (trends)."""
    keys = questionnaire_keys(campaign)
    others = db.session.scalars(select(Campaign).where(
        Campaign.kind == campaign.kind, Campaign.status != CampaignStatus.DRAFT.value,
        Campaign.year.is_not(None))).all()
    return sorted((c for c in others if questionnaire_keys(c) & keys),
                  key=lambda c: (c.year or 0, c.code))


def campaign_meta(campaign: Campaign) -> dict[str, Any]:
    from survey_app.reports.forms import KIND_ZH as KIND_NAMES
    from survey_app.reports.forms import STATUS_ZH as STATUS_NAMES

    return {"name": campaign.name, "code": campaign.code,
            "kind": str(KIND_NAMES.get(campaign.kind, campaign.kind)), "year": campaign.year,
            "opens_on": campaign.opens_on or "—", "closes_on": campaign.closes_on or "—",
            "status": str(STATUS_NAMES.get(campaign.status, campaign.status))}


def scope_target_ids(user: User | None, report: CampaignReport) -> list[int] | None:
    """Target ids within the user's scope (None: everything)."""
    if user is None or user.role == Role.PLATFORM_ADMIN:
        return None
    org = user.organisation
    if org is None:
        return []
    orgs = report.data.organisations
    return [int(i) for i in orgs.loc[orgs["path"].str.startswith(org.path), "id"]]


#: Unscored question types that the raw exports carry after the scored items.
EXPORTED_TYPES = ("single", "multiple", "rating", "number", "text")


def unscored_columns(campaign: Campaign, report: CampaignReport,
                     language: str = "zh") -> tuple[pd.DataFrame, dict, dict]:
    """The answers the item columns leave out, by response id, for the raw exports: 0-10
    ratings and numbers as values, single choices as codes 1..n and multiple choices as one
    0/1 column per choice (both with value labels), and free text only as released, masked
    comments (:mod:`survey_app.comments`). Returns ``(frame, column labels, value labels)``."""
    from survey_app.comments.queries import released_text_by_response

    scored = set(report.data.item_columns)
    questions = {}
    for group in campaign.rater_groups:
        for f in questionnaire_of(group.questionnaire_version).fields():
            if (f.kind == "question" and f.type in EXPORTED_TYPES and f.id not in scored
                    and f.id not in questions):
                questions[f.id] = f.question
    ids = report.data.responses["response_id"].astype(str).tolist()
    rows = db.session.execute(select(Response.id, Response.target_id, Response.answers).where(
        Response.campaign_id == campaign.id)).all()
    answers = pd.DataFrame(rows, columns=["response_id", "target_id", "answers"])
    answers["response_id"] = answers["response_id"].astype(str)
    answers = answers[answers["response_id"].isin(set(ids))]
    answers["answers"] = answers["answers"].map(lambda v: v if isinstance(v, dict) else {})
    parsed = answers["answers"].tolist()
    out = pd.DataFrame(index=answers["response_id"].to_numpy())
    labels: dict[str, str] = {}
    values: dict[str, dict[int, str]] = {}

    def text(t) -> str:
        return (language == "en" and t.en) or t.zh

    texts = []
    for qid, q in questions.items():
        got = [d.get(qid) if isinstance(d, dict) else None for d in parsed]
        if q.type in ("rating", "number"):
            out[qid] = pd.to_numeric(pd.Series(got, index=out.index), errors="coerce")
            labels[qid] = text(q.label)
        elif q.type == "single":
            codes = {c.code: n for n, c in enumerate(q.choices, start=1)}
            out[qid] = pd.array([codes.get(g) for g in got], dtype="Int64")
            labels[qid] = text(q.label)
            values[qid] = {n: text(c.label) for n, c in enumerate(q.choices, start=1)}
        elif q.type == "multiple":
            for c in q.choices:
                col = f"{qid}_{c.code}"
                out[col] = pd.array([None if not isinstance(g, list) else int(c.code in g)
                                     for g in got], dtype="Int64")
                labels[col] = f"{text(q.label)}: {text(c.label)}"
                values[col] = {0: "未选", 1: "选中"}
        else:
            texts.append(qid)
            labels[qid] = text(q.label)
    if texts:
        released = released_text_by_response(campaign, answers, texts)
        for qid in texts:
            out[qid] = released[qid]
    return out, labels, values
