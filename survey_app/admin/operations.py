"""Writes of the admin area: the export of security events is itself a security event."""

from __future__ import annotations

from survey_app.admin.queries import EventFilter
from survey_app.extensions import db
from survey_app.models.audit import record


def record_events_export(user, filters: EventFilter, rows: int) -> None:
    record("export.security_events", "audit_log", None, user, rows=rows,
           event=filters.action, account=filters.account,
           date_from=filters.date_from and filters.date_from.isoformat(),
           date_to=filters.date_to and filters.date_to.isoformat())
    db.session.commit()
