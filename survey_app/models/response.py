"""Responses (table ``responses``), drafts, and named raters' revision history."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db


def new_response_id() -> str:
    """A random response id (UUID4): neither it nor storage order tells when or by whom."""
    return str(uuid.uuid4())


class Response(db.Model):
    """The answers of one submission.

    For anonymous groups nothing here identifies the rater: no code, account, address,
    user agent or time of day. The id is random (UUID4), so neither id nor storage order
    tells which code opened it. ``item_values`` packs the scored items (one signed byte per
    item in the version's ``scored_items()`` order: the scale value, -1 unanswered, -2 not
    applicable) so that analysis can load a campaign without parsing JSON.
    """

    __tablename__ = "responses"
    # On SQLite, rows live in primary-key order (random UUIDs), not in an implicit rowid
    # that would number the responses in the order they arrived.
    # On SQLite the report's read of a campaign (survey_app.reports.loading) is answered from
    # one covering index, in (campaign, target, ...) order, instead of one look-up in the
    # primary key's tree per response: at 1M answers 1.44 s instead of 3.3 s for the raw
    # read. Its entries hold nothing the row does not (an index of a table without rowid
    # carries the primary key, the random id). PostgreSQL reads a campaign by COPY and
    # keeps its inserts lighter without it.
    __table_args__ = (
        Index("ix_responses_campaign_report", "campaign_id", "target_id", "rater_group_id",
              "questionnaire_version_id", "submitted_on", "item_values").ddl_if(dialect="sqlite"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_response_id)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    rater_group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id"))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id")
    )
    submitted_on: Mapped[date] = mapped_column(Date, default=lambda: datetime.now(UTC).date())
    answers: Mapped[dict] = mapped_column(JSON)
    item_values: Mapped[bytes] = mapped_column(LargeBinary)


class Draft(db.Model):
    """A named rater's answers saved so far for one assignment; deleted on submit.

    Anonymous drafts are not kept here: they live on their access code's row
    (``AccessCode.draft``), where the submission's own statement clears them.
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), unique=True)
    answers: Mapped[dict] = mapped_column(JSON)
    updated_on: Mapped[date] = mapped_column(Date, default=lambda: datetime.now(UTC).date())


class Submission(db.Model):
    """A named rater's submission for an assignment. Revisions are kept; the latest counts."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
    current: Mapped[bool] = mapped_column(Boolean, default=True)
