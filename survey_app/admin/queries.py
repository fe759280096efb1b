"""Reads of the security events: the audit records of sign-in and tokens (``auth.``), of
accounts (``user.``: lockouts, two-factor changes, passwords, disabling) and exports of data
(``export.``), scoped to the accounts an admin may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from survey_app.extensions import db
from survey_app.models import AuditEntry, Organisation, User
from survey_app.models.audit import local_midnight_utc

#: Action-name prefixes of security events.
SECURITY_PREFIXES = ("auth.", "user.", "export.")
#: Rows shown on the page (the CSV export has them all).
PAGE_ROWS = 500


@dataclass(frozen=True)
class EventFilter:
    action: str | None = None
    account: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _is_security_event():
    return or_(*(AuditEntry.action.startswith(p, autoescape=True) for p in SECURITY_PREFIXES))


#: The scope of an admin without a unit: no unit's path starts with it.
NO_UNIT = "/-/"


def events_query(scope_path: str | None, filters: EventFilter, timezone: str):
    """A select of (entry, actor username, subject username), newest first.

    The *actor* is the account that acted (``user_id``); the *subject* is the account an
    event is about (``object_type`` ``user``, ``object_id`` its username: a failed login
    names the account tried). ``scope_path`` None is everything (platform admins);
    otherwise only events whose actor or subject belongs to the subtree at that path.
    """
    actor, subject = aliased(User), aliased(User)
    actor_org, subject_org = aliased(Organisation), aliased(Organisation)
    query = (
        select(AuditEntry, actor.username, subject.username)
        .outerjoin(actor, AuditEntry.user_id == actor.id)
        .outerjoin(subject, and_(AuditEntry.object_type == "user",
                                 subject.username == AuditEntry.object_id))
        .where(_is_security_event())
        .order_by(AuditEntry.seq.desc())
    )
    if scope_path is not None:
        prefix = scope_path
        query = (query.outerjoin(actor_org, actor.organisation_id == actor_org.id)
                 .outerjoin(subject_org, subject.organisation_id == subject_org.id)
                 .where(or_(actor_org.path.startswith(prefix, autoescape=True),
                            subject_org.path.startswith(prefix, autoescape=True))))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.account:
        name = filters.account.strip()
        query = query.where(or_(actor.username == name, subject.username == name,
                                and_(AuditEntry.object_type == "user",
                                     AuditEntry.object_id == name)))
    if filters.date_from:
        query = query.where(AuditEntry.at >= local_midnight_utc(filters.date_from, timezone))
    if filters.date_to:
        query = query.where(AuditEntry.at < local_midnight_utc(
            filters.date_to + timedelta(days=1), timezone))
    return query


def security_actions() -> list[str]:
    """The security event names the log holds (the filter's choices)."""
    return list(db.session.scalars(
        select(AuditEntry.action).where(_is_security_event()).distinct()
        .order_by(AuditEntry.action)))


def events_frame(rows, timezone: str) -> pd.DataFrame:
    """The events as a table: the one place rows become a DataFrame for the CSV export."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    records = []
    for entry, actor, subject in rows:
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=ZoneInfo("UTC"))
        records.append({
            "time": at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            "event": entry.action, "account": actor or "", "subject": subject or (
                entry.object_id if entry.object_type == "user" else ""),
            "object_type": entry.object_type, "object_id": entry.object_id or "",
            "detail": ", ".join(f"{k}={v}" for k, v in sorted((entry.detail or {}).items())),
            "seq": entry.seq,
        })
    return pd.DataFrame.from_records(records, columns=[
        "time", "event", "account", "subject", "object_type", "object_id", "detail", "seq"])
