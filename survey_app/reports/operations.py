"""Writes of the reports area: a download of response-level data is audited."""

from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import Campaign, Organisation
from survey_app.models.audit import record


def record_raw_export(user, campaign: Campaign, unit: Organisation, fmt: str,
                      group: str | None) -> None:
    """An ``export.raw`` audit record: who downloaded which campaign's rows, for which unit,
    in which format (shown among the security events)."""
    record("export.raw", "campaign", campaign.code, user, unit=unit.code, format=fmt,
           group=group)
    db.session.commit()
