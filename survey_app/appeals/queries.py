"""Reads: appeals of a unit and year, the appeal window."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models import Appeal, Organisation
from survey_app.models.assessment import AssessmentRun


def appeals_of(scheme_key: str, year: int, org: Organisation) -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).where(
        Appeal.scheme_key == scheme_key, Appeal.year == year,
        Appeal.organisation_id == org.id).order_by(Appeal.submitted_at, Appeal.id)))


def window_closes_on(run: AssessmentRun | None, days: int) -> date | None:
    """The last day a unit may appeal the run (None before it is published)."""
    if run is None or run.published_at is None:
        return None
    return run.published_at.date() + timedelta(days=days)


def window_open(run: AssessmentRun | None, days: int, day: date | None = None) -> bool:
    last = window_closes_on(run, days)
    return last is not None and (day or today()) <= last


def visible_appeals(scope: Organisation | None) -> list[Appeal]:
    """Appeals of units in ``scope``'s subtree (every appeal for None), newest first."""
    query = select(Appeal).join(Organisation, Organisation.id == Appeal.organisation_id)
    if scope is not None:
        query = query.where(Organisation.path.startswith(scope.path))
    return list(db.session.scalars(query.order_by(Appeal.submitted_at.desc(), Appeal.id.desc())))
