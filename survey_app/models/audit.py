"""The audit log: who changed what, when."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


def record(action: str, obj_type: str, obj_id: object = None, user=None, **detail) -> AuditEntry:
    """Add an audit entry to the current session (committed with the change it records)."""
    entry = AuditEntry(
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        user_id=getattr(user, "id", None),
        detail=detail,
    )
    db.session.add(entry)
    return entry
