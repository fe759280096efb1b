"""The review of free-text comments (意见建议) before they are released.

A comment is identified by its campaign, target unit, question and a SHA-256 digest of its
text, never by the response it came from: the review keeps no link to a response, and
identical texts of one unit share one review. The raw answer is never changed; the review
holds the masked text that is released.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db


class ReviewState(enum.StrEnum):
    PENDING = "pending"  # not reviewed yet (no row is stored for these)
    RELEASED = "released"
    WITHHELD = "withheld"


class CommentReview(db.Model):
    __tablename__ = "comment_reviews"
    __table_args__ = (UniqueConstraint("campaign_id", "target_id", "field_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    field_id: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    masked_text: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC))
