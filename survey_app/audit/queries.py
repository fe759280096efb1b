"""Reads of the audit log: entries a reader may see, filtered, a page at a time.

A union admin sees the entries about its subtree: about a unit of it, a campaign run by one
of its units (and that campaign's assignments), an account of one of its units, or made by
such an account. A platform admin sees everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from flask import current_app
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import aliased

from survey_app.extensions import db
from survey_app.models import Assignment, Campaign, Organisation, User
from survey_app.models.audit import AuditEntry

PAGE_SIZE = 50
#: The most rows one CSV export holds (a narrower filter gets the rest).
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    account: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: date | None = None
    until: date | None = None


def _as_text(column):
    return cast(column, String)


def scope_clause(scope: Organisation | None):
    """The entries visible to a reader whose subtree is ``scope`` (None: everything)."""
    if scope is None:
        return None
    units = select(Organisation.id).where(Organisation.path.startswith(scope.path))
    unit_ids = select(_as_text(Organisation.id)).where(Organisation.path.startswith(scope.path))
    campaigns = select(Campaign.id).where(Campaign.owner_id.in_(units))
    campaign_ids = select(_as_text(Campaign.id)).where(Campaign.owner_id.in_(units))
    assignment_ids = select(_as_text(Assignment.id)).where(Assignment.campaign_id.in_(campaigns))
    user_ids = select(User.id).where(User.organisation_id.in_(units))
    user_id_texts = select(_as_text(User.id)).where(User.organisation_id.in_(units))
    return or_(
        (AuditEntry.object_type == "organisation") & AuditEntry.object_id.in_(unit_ids),
        (AuditEntry.object_type == "campaign") & AuditEntry.object_id.in_(campaign_ids),
        (AuditEntry.object_type == "assignment") & AuditEntry.object_id.in_(assignment_ids),
        (AuditEntry.object_type == "user") & AuditEntry.object_id.in_(user_id_texts),
        AuditEntry.user_id.in_(user_ids),
    )


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in the platform's time zone (the one the page shows), in UTC."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def _filtered(scope: Organisation | None, f: AuditFilter):
    actor = aliased(User)
    query = select(AuditEntry, actor.username).outerjoin(actor, AuditEntry.user_id == actor.id)
    clause = scope_clause(scope)
    if clause is not None:
        query = query.where(clause)
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.account:
        query = query.where(actor.username == f.account.strip())
    if f.object_type:
        query = query.where(AuditEntry.object_type == f.object_type)
    if f.object_id:
        query = query.where(AuditEntry.object_id == f.object_id.strip())
    if f.since:
        query = query.where(AuditEntry.at >= _start_of(f.since))
    if f.until:
        query = query.where(AuditEntry.at < _start_of(f.until + timedelta(days=1)))
    return query


def entries(scope: Organisation | None, f: AuditFilter, page: int = 1,
            size: int = PAGE_SIZE) -> tuple[list[tuple[AuditEntry, str | None]], int]:
    """One page of entries, newest first, and the number of matching entries."""
    query = _filtered(scope, f)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(AuditEntry.id.desc())
                              .offset((page - 1) * size).limit(size)).all()
    return [(r[0], r[1]) for r in rows], total


def choices(scope: Organisation | None) -> tuple[list[str], list[str]]:
    """The actions and object types that occur in the entries the reader may see."""
    clause = scope_clause(scope)
    actions = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    types = select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)
    if clause is not None:
        actions, types = actions.where(clause), types.where(clause)
    return list(db.session.scalars(actions)), list(db.session.scalars(types))


def export_frame(scope: Organisation | None, f: AuditFilter) -> pd.DataFrame:
    """The matching entries as a frame for CSV (newest first, at most ``EXPORT_LIMIT``)."""
    rows = db.session.execute(_filtered(scope, f).order_by(AuditEntry.id.desc())
                              .limit(EXPORT_LIMIT)).all()
    return pd.DataFrame(
        [{"id": e.id, "at": e.at.isoformat() if e.at else "", "account": name or "",
          "action": e.action, "object_type": e.object_type, "object_id": e.object_id or "",
          "detail": _detail_text(e.detail)} for e, name in rows],
        columns=["id", "at", "account", "action", "object_type", "object_id", "detail"])


def _detail_text(detail: dict | None) -> str:
    return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
