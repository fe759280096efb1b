"""Appeals (申诉): a unit contests a veto finding, its grade or an assessor's checklist finding
of a published performance assessment; the upper union upholds or rejects it."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models.organisation import Organisation


class AppealSubject(enum.StrEnum):
    VETO = "veto"  # a veto finding (一票否决)
    GRADE = "grade"
    CHECKLIST = "checklist"  # an assessor's checklist finding (第三方评议)


class AppealStatus(enum.StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"


def _now() -> datetime:
    return datetime.now(UTC)


class Appeal(db.Model):
    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_key: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    subject: Mapped[str] = mapped_column(String(16))
    item: Mapped[str] = mapped_column(String(80), default="")  # veto item or checklist item
    reason: Mapped[str] = mapped_column(Text)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_stored: Mapped[str | None] = mapped_column(String(80), unique=True)
    evidence_type: Mapped[str | None] = mapped_column(String(100))
    evidence_size: Mapped[int | None] = mapped_column(Integer)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    status: Mapped[str] = mapped_column(String(16), default=AppealStatus.PENDING.value)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()

    @property
    def decided(self) -> bool:
        return self.status != AppealStatus.PENDING.value
