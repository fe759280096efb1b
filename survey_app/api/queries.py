"""Reads for the API: pages of organisations, campaigns, results, assessment and honours,
each filtered by the caller's subtree and the same permission rules as the web pages.

Pagination is by cursor: an opaque, URL-safe string naming the last row of the page (rows
are ordered by id), so a page does not shift when rows are added before it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from flask import url_for
from sqlalchemy import select

from analysis import reports as R
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, CampaignTarget, OpenLink, Organisation
from survey_app.models.assessment import AssessmentResult, AssessmentRun
from survey_app.models.partnering import Honour
from survey_app.permissions import can_read_campaign, can_view, can_view_result
from survey_app.reports import queries as reports


class BadCursor(ValueError):
    """A cursor this API did not make."""


def encode_cursor(last_id: int) -> str:
    raw = json.dumps({"after": int(last_id)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        after = json.loads(raw)["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise BadCursor(cursor) from error
    if not isinstance(after, int) or isinstance(after, bool) or not 0 < after < 2**31:
        raise BadCursor(cursor)
    return after


@dataclass
class Page:
    items: list[dict]
    next_cursor: str | None


def page_of(rows: Sequence[Any], limit: int, serialise) -> Page:
    """``rows`` ordered by id, one more than ``limit`` asked for (to know if more follow)."""
    more = len(rows) > limit
    rows = list(rows[:limit])
    return Page([serialise(r) for r in rows], encode_cursor(rows[-1].id) if more else None)


def utc(at: datetime | None) -> datetime | None:
    """A stored time as an ISO 8601 instant in UTC (SQLite gives back naive ones)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


# ---------------------------------------------------------------- organisations


def org_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def organisation_dict(org: Organisation) -> dict:
    return {"id": org.id, "code": org.code, "name": org.name, "kind": org.kind,
            "parent_code": org.parent.code if org.parent is not None else None,
            "depth": org.depth, "members": org.members or 0}


def organisations(scope: Organisation, *, cursor: str | None, limit: int,
                  kind: str | None = None, parent: Organisation | None = None) -> Page:
    query = select(Organisation).where(Organisation.path.startswith(scope.path),
                                       Organisation.id > decode_cursor(cursor))
    if kind:
        query = query.where(Organisation.kind == kind)
    if parent is not None:
        query = query.where(Organisation.parent_id == parent.id)
    rows = db.session.scalars(query.order_by(Organisation.id).limit(limit + 1)).all()
    return page_of(rows, limit, organisation_dict)


# ---------------------------------------------------------------- campaigns


def campaign_by_code(code: str) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.code == code))


def campaign_dict(c: Campaign) -> dict:
    return {"code": c.code, "name": c.name, "kind": c.kind, "cycle": c.cycle, "year": c.year,
            "status": c.status, "opens_on": c.opens_on, "closes_on": c.closes_on,
            "owner_code": c.owner.code if c.owner is not None else None,
            "min_group_size": c.min_group_size, "target_count": len(c.targets),
            "rater_groups": [{"key": g.key, "name": g.name, "weight": g.weight,
                              "rule": g.rule} for g in c.rater_groups]}


def campaigns(principal, *, cursor: str | None, limit: int, status: str | None = None,
              kind: str | None = None, year: int | None = None) -> Page:
    """Campaigns whose settings the caller may read (:func:`can_read_campaign`)."""
    query = select(Campaign).where(Campaign.id > decode_cursor(cursor))
    if status:
        query = query.where(Campaign.status == status)
    if kind:
        query = query.where(Campaign.kind == kind)
    if year:
        query = query.where(Campaign.year == year)
    found: list[Campaign] = []
    for campaign in db.session.scalars(query.order_by(Campaign.id)):
        if can_read_campaign(principal, campaign):
            found.append(campaign)
            if len(found) > limit:
                break
    return page_of(found, limit, campaign_dict)


def open_campaigns(unit: Organisation) -> list[dict]:
    """Campaigns taking members' answers today for ``unit``, each with its public entry:
    the unit's open link where the campaign has one, else the page where members type the
    code printed on their slip. Never a code."""
    rows = db.session.scalars(
        select(Campaign).join(CampaignTarget, CampaignTarget.campaign_id == Campaign.id)
        .where(CampaignTarget.organisation_id == unit.id,
               Campaign.status == CampaignStatus.OPEN.value)
        .order_by(Campaign.id)).all()
    out = []
    for campaign in rows:
        if not campaign.accepting_answers():
            continue
        if not any(g.rule == "members" and g.anonymous for g in campaign.rater_groups):
            continue
        link = db.session.scalar(select(OpenLink).where(
            OpenLink.campaign_id == campaign.id, OpenLink.target_id == unit.id)
            .order_by(OpenLink.id).limit(1)) if campaign.allow_open_link or \
            campaign.kind == "daily" else None
        if link is not None:
            entry, url = "open_link", url_for("member_surveys.open_survey", token=link.token,
                                              _external=True)
        else:
            entry, url = "access_code", url_for("member_surveys.enter_code", _external=True)
        out.append({"code": campaign.code, "name": campaign.name, "kind": campaign.kind,
                    "opens_on": campaign.opens_on, "closes_on": campaign.closes_on,
                    "entry": entry, "entry_url": url})
    return out


# ---------------------------------------------------------------- published results


def _f(value: Any) -> float | None:
    """A plain float, or None for a missing or withheld figure."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def _i(value: Any) -> int | None:
    out = _f(value)
    return None if out is None else int(out)


def may_see_results(principal, campaign: Campaign, unit: Organisation) -> bool:
    """Published campaigns only, and only where the report pages would show the unit."""
    return (campaign.status == CampaignStatus.PUBLISHED.value
            and can_view(principal, campaign, unit))


def _row(code: str, r: Any, rank: Any = None) -> dict:
    return {"code": code, "name": str(r["name"]), "kind": str(r["kind"]),
            "rank": _i(rank), "responses": _i(r["n"]), "overall": _f(r["overall"]),
            "overall_ci_low": _f(r["overall_ci_low"]),
            "overall_ci_high": _f(r["overall_ci_high"]),
            "satisfaction_rate": _f(r["satisfaction_rate"]),
            "satisfaction_ci_low": _f(r["satisfaction_ci_low"]),
            "satisfaction_ci_high": _f(r["satisfaction_ci_high"]),
            "suppressed": bool(r["suppressed"]),
            "suppression": None if r["suppression"] is None or
            (isinstance(r["suppression"], float) and np.isnan(r["suppression"]))
            else str(r["suppression"])}


def result_table(campaign: Campaign, root: Organisation, language: str) -> dict:
    """The overview table of the report page for ``root``: every target in its subtree,
    ranked, withheld figures ``None`` (:func:`analysis.reports.unit_table`)."""
    report = reports.campaign_report(campaign, None, language)
    units: list[dict] = []
    if report is not None:
        table = R.unit_table(report, root.id)
        units = [_row(str(r["code"]), r, r["rank"]) for _uid, r in table.iterrows()]
    return {"campaign_code": campaign.code, "root_code": root.code, "units": units}


def unit_result(campaign: Campaign, unit: Organisation, language: str) -> dict | None:
    """The unit page's figures: summary, dimensions and items (None without responses)."""
    report = reports.campaign_report(campaign, None, language)
    if report is None:
        return None
    row = R.unit_summary(report, unit.id)
    table = R.unit_table(report, None)
    rank = table.loc[unit.id, "rank"] if unit.id in table.index else None
    out = _row(unit.code, row, rank)
    suppressed = out["suppressed"]
    dims = R.dimension_scores(report, unit.id)
    out["dimensions"] = [
        {"dimension": str(d), "label": str(r["label"]), "index": _f(r["index"]),
         "satisfaction_rate": None if suppressed else _f(r["satisfaction_rate"]),
         "ci_low": None if suppressed else _f(r["ci_low"]),
         "ci_high": None if suppressed else _f(r["ci_high"])} for d, r in dims.iterrows()]
    items = R.item_table(report, unit.id)
    out["items"] = [] if suppressed else [
        {"item": str(r["item"]), "dimension": str(r["dimension"]), "label": str(r["label"]),
         "answers": _i(r.get("n_valid")), "satisfied": _i(r.get("n_satisfied")),
         "satisfaction_rate": _f(r.get("rate")),
         "ci_low": _f(r.get("ci_low")), "ci_high": _f(r.get("ci_high"))}
        for r in items.to_dict("records")]
    out["campaign_code"] = campaign.code
    return out


# ---------------------------------------------------------------- assessment and honours


def assessment_results(principal, *, cursor: str | None, limit: int,
                       year: int | None = None) -> Page:
    """Published assessment results of units in the caller's subtree
    (:func:`can_view_result`)."""
    scope = principal.organisation
    query = (select(AssessmentResult, AssessmentRun, Organisation)
             .join(AssessmentRun, AssessmentRun.id == AssessmentResult.run_id)
             .join(Organisation, Organisation.id == AssessmentResult.organisation_id)
             .where(AssessmentRun.published_at.is_not(None),
                    Organisation.path.startswith(scope.path),
                    AssessmentResult.id > decode_cursor(cursor)))
    if year:
        query = query.where(AssessmentRun.year == year)
    rows = [r for r in db.session.execute(query.order_by(AssessmentResult.id)
                                          .limit(limit + 1)).all()
            if can_view_result(principal, r[2], r[1])]

    def serialise(r) -> dict:
        result, run, org = r
        return {"scheme_key": run.scheme_key, "year": run.year, "unit_code": org.code,
                "unit_name": org.name, "score": _f(result.score), "grade": result.grade,
                "rank": result.rank, "peers": result.peers, "veto": result.veto,
                "status": result.status, "published_at": utc(run.published_at)}

    more = len(rows) > limit
    rows = rows[:limit]
    return Page([serialise(r) for r in rows],
                encode_cursor(rows[-1][0].id) if more else None)


def honours(scope: Organisation, *, cursor: str | None, limit: int, year: int | None = None,
            status: str | None = None) -> Page:
    query = (select(Honour).join(Organisation, Organisation.id == Honour.organisation_id)
             .where(Organisation.path.startswith(scope.path),
                    Honour.id > decode_cursor(cursor)))
    if year:
        query = query.where(Honour.year == year)
    if status:
        query = query.where(Honour.status == status)
    rows = db.session.scalars(query.order_by(Honour.id).limit(limit + 1)).all()
    return page_of(rows, limit, lambda h: {
        "id": h.id, "unit_code": h.organisation.code, "unit_name": h.organisation.name,
        "level": h.level, "year": h.year, "awarding_code": h.awarding.code,
        "document_number": h.document_number or "", "recheck_years": h.recheck_years,
        "status": h.status})


def token_rows(scope: Organisation | None) -> Iterable:
    from survey_app.models.api import ApiToken

    query = select(ApiToken).join(Organisation, Organisation.id == ApiToken.organisation_id)
    if scope is not None:
        query = query.where(Organisation.path.startswith(scope.path))
    return db.session.scalars(query.order_by(ApiToken.id.desc())).all()


# ---------------------------------------------------------------- webhooks


def subscription_dict(s) -> dict:
    return {"id": s.id, "url": s.url, "events": list(s.events or ()),
            "organisation_code": s.organisation.code, "active": s.active,
            "created_at": utc(s.created_at)}


def subscriptions(scope: Organisation) -> list[dict]:
    from survey_app.models.api import WebhookSubscription

    rows = db.session.scalars(
        select(WebhookSubscription)
        .join(Organisation, Organisation.id == WebhookSubscription.organisation_id)
        .where(Organisation.path.startswith(scope.path), WebhookSubscription.active.is_(True))
        .order_by(WebhookSubscription.id)).all()
    return [subscription_dict(s) for s in rows]


#: Deliveries shown per subscription on the integrations page.
RECENT_DELIVERIES = 10


def webhook_rows(user) -> list[tuple]:
    """Subscriptions whose deliveries ``user`` may see and replay on the web
    (:func:`survey_app.permissions.can_replay_webhook`), each with its latest deliveries."""
    from survey_app.models import Role
    from survey_app.models.api import WebhookDelivery, WebhookSubscription

    query = select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
    if user.role != Role.PLATFORM_ADMIN:
        query = query.where(WebhookSubscription.organisation_id == user.organisation_id)
    rows = []
    for subscription in db.session.scalars(query.order_by(WebhookSubscription.id)):
        recent = db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
            .order_by(WebhookDelivery.id.desc()).limit(RECENT_DELIVERIES)).all()
        rows.append((subscription, recent))
    return rows


def deliveries(subscription, *, cursor: str | None, limit: int) -> Page:
    from survey_app.models.api import WebhookDelivery

    rows = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id,
                                      WebhookDelivery.id > decode_cursor(cursor))
        .order_by(WebhookDelivery.id).limit(limit + 1)).all()
    return page_of(rows, limit, lambda d: {
        "id": d.id, "event_id": d.event.message_id, "type": d.event.type,
        "status": d.status, "attempts": d.attempts, "next_attempt_at": utc(d.next_attempt_at),
        "last_status_code": d.last_status_code, "last_error": d.last_error,
        "delivered_at": utc(d.delivered_at)})


# ---------------------------------------------------------------- actions and partnering


def action_dict(a) -> dict:
    from survey_app.dates import today

    return {"id": a.id, "unit_code": a.organisation.code,
            "campaign_code": a.campaign.code if a.campaign is not None else None,
            "source_kind": a.source_kind, "source_label": a.source_label or "",
            "title": a.title or "", "description": a.description or "",
            "owner_name": a.owner_name or "",
            "owner_unit_code": a.owner_unit.code if a.owner_unit is not None else None,
            "due_on": a.due_on, "status": a.status, "overdue": bool(a.is_overdue(today())),
            "baseline": _f(a.baseline), "target": _f(a.target)}


def actions(unit: Organisation, *, cursor: str | None, limit: int) -> Page:
    """The improvement actions of ``unit`` and the units below it."""
    from survey_app.models.improvement import ImprovementAction

    rows = db.session.scalars(
        select(ImprovementAction)
        .join(Organisation, Organisation.id == ImprovementAction.organisation_id)
        .where(Organisation.path.startswith(unit.path),
               ImprovementAction.id > decode_cursor(cursor))
        .order_by(ImprovementAction.id).limit(limit + 1)).all()
    return page_of(rows, limit, action_dict)


def pair_dict(p) -> dict:
    return {"id": p.id, "lead_code": p.lead.code, "partner_code": p.partner.code,
            "upper_code": p.upper.code, "state": p.state, "since": p.since}


def pairs(principal) -> list[dict]:
    from survey_app.models.partnering import Pair
    from survey_app.permissions import can_read_pair

    return [pair_dict(p) for p in db.session.scalars(select(Pair).order_by(Pair.id))
            if can_read_pair(principal, p)]


def activity_dict(a) -> dict:
    return {"id": a.id, "pair_id": a.pair_id, "held_on": a.held_on, "form": a.form,
            "content": a.content, "participants": a.participants,
            "confirmed": a.confirmed_at is not None, "confirmed_at": utc(a.confirmed_at)}
