"""Dynamic management of honours (荣誉动态管理): the thresholds an upper union sets each year.

An honoured unit below the union whose member satisfaction rate, participation rate or
assessment score in that year's assessment (``scheme_key``) falls below a threshold goes on
the re-check / warning list (see ``survey_app.partnering.queries.review_list``). A threshold
left empty is not checked.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models.organisation import Organisation


def _now() -> datetime:
    return datetime.now(UTC)


class HonourReviewThresholds(db.Model):
    """The federation's thresholds for keeping an honour, for one year."""

    __tablename__ = "honour_review_thresholds"
    __table_args__ = (UniqueConstraint("upper_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upper_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    scheme_key: Mapped[str] = mapped_column(String(40), default="default")
    #: shares in [0, 1]; the score is on the scheme's scale
    min_satisfaction: Mapped[float | None] = mapped_column(Float)
    min_participation: Mapped[float | None] = mapped_column(Float)
    min_score: Mapped[float | None] = mapped_column(Float)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    upper: Mapped[Organisation] = relationship()
