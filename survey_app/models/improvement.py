"""Improvement actions (整改事项) created from published results, their progress notes and
evidence, and the in-app notifications of the daily digest."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires.vocabulary import ActionSource, ActionStatus  # noqa: F401 - re-exported
from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models.campaign import Campaign
from survey_app.models.organisation import Organisation
from survey_app.models.user import User


def _now() -> datetime:
    return datetime.now(UTC)


#: Statuses in which the work is finished (an action in them is never overdue).
FINISHED = frozenset({ActionStatus.DONE.value, ActionStatus.VERIFIED.value})
#: Statuses of an accepted action that members see on the unit's public page.
ACCEPTED = frozenset({ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value,
                      ActionStatus.DONE.value, ActionStatus.VERIFIED.value})
#: The forward steps a union takes; verification is the upper union's (see ``verify``).
NEXT_STATUS = {
    ActionStatus.PLANNED.value: (ActionStatus.IN_PROGRESS.value, ActionStatus.DONE.value),
    ActionStatus.IN_PROGRESS.value: (ActionStatus.DONE.value,),
}


class ImprovementAction(db.Model):
    """One 整改 action of a unit: what will change (工作举措), who is responsible (责任主体),
    by when (时序进度), and the figure it should move.

    ``status`` runs suggested → planned → in_progress → done → verified; a suggestion may be
    dismissed with a reason instead. Overdue is derived (:attr:`overdue`), never stored.
    """

    __tablename__ = "improvement_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    source_kind: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str] = mapped_column(String(100), default="")
    source_label: Mapped[str] = mapped_column(String(300), default="")
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    milestones: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.SUGGESTED.value,
                                        index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dismissed_reason: Mapped[str] = mapped_column(Text, default="")
    #: the 建家 project the action serves, if any
    project_id: Mapped[int | None] = mapped_column(ForeignKey("home_projects.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_on: Mapped[date] = mapped_column(Date, default=today)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    owner_unit: Mapped[Organisation | None] = relationship(foreign_keys=[owner_unit_id])
    campaign: Mapped[Campaign | None] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    notes: Mapped[list[ActionNote]] = relationship(
        back_populates="action", order_by="ActionNote.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<ImprovementAction {self.id} {self.status}>"

    def is_overdue(self, on: date | None = None) -> bool:
        """Past its due date and not finished (accepted actions only)."""
        on = on or today()
        return (self.status in (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value)
                and self.due_on is not None and self.due_on < on)

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def verified_on(self) -> date | None:
        return None if self.verified_at is None else self.verified_at.date()


class ActionNote(db.Model):
    """A progress note on an action, optionally with one evidence file (stored under
    ``UPLOAD_FOLDER/improvement`` with a random name)."""

    __tablename__ = "improvement_action_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("improvement_actions.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    status_from: Mapped[str] = mapped_column(String(20), default="")
    status_to: Mapped[str] = mapped_column(String(20), default="")
    original_name: Mapped[str | None] = mapped_column(String(255))
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))

    action: Mapped[ImprovementAction] = relationship(back_populates="notes")
    user: Mapped[User | None] = relationship()


class Notification(db.Model):
    """An in-app notification for one account (the daily digest writes them)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    day: Mapped[date] = mapped_column(Date, default=today)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
