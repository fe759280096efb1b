"""联手兴家 (partnering programme) and the honours register it rests on.

* :class:`Honour`: a unit's model-home or qualified-home award (荣誉), re-checked every
  ``recheck_years``.
* :class:`NetworkTarget`: how many units a lead of a given honour level must link (网络目标),
  set per year by an upper union.
* :class:`Pair`: a lead union (牵头工会) and a partner union (联手对象), supervised by an upper
  union; it exists once both sides have confirmed it. Its status is derived from its
  confirmed activities (:meth:`Pair.status`).
* :class:`Agreement`, :class:`PlanItem`, :class:`Activity`, :class:`SupervisionNote`: the
  pair's agreement, yearly plan, activity log (confirmed by the partner) and the upper
  union's supervision notes with the pair's answers.
* :class:`Highlight`: what the pair shows on the federation's showcase (展示), published
  once both sides agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires.vocabulary import (  # noqa: F401 - re-exported
    RECHECK_YEARS,
    ActivityForm,
    HonourLevel,
    HonourStatus,
    PairStatus,
    WorkArea,
)
from survey_app.extensions import db
from survey_app.models.organisation import Organisation

#: A confirmed pair with no confirmed activity for this many months is lapsed (半拉子工程).
LAPSE_MONTHS = 3


def _now() -> datetime:
    return datetime.now(UTC)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 if ``end`` is not later)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


class Honour(db.Model):
    """One award in the honours register (模范职工之家 / 合格职工之家)."""

    __tablename__ = "honours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    awarding_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    document_number: Mapped[str] = mapped_column(String(100), default="")
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    recheck_years: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=HonourStatus.VALID.value)
    #: why the awarding union warned or withdrew the honour (动态管理)
    status_note: Mapped[str] = mapped_column(Text, default="")
    #: the assessment whose recommendation the awarding union confirmed, if any
    assessment_run_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    awarding: Mapped[Organisation] = relationship(foreign_keys=[awarding_id])

    __table_args__ = (UniqueConstraint("organisation_id", "level", "year"),)

    @property
    def recheck_due(self) -> int:
        """The year the honour is next re-checked (复查)."""
        return self.year + self.recheck_years


class NetworkTarget(db.Model):
    """The minimum number of partners a lead of ``level`` must link in ``year``."""

    __tablename__ = "network_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upper_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    min_links: Mapped[int] = mapped_column(Integer)

    upper: Mapped[Organisation] = relationship()

    __table_args__ = (UniqueConstraint("upper_id", "year", "level"),)


class Pair(db.Model):
    """A 联手兴家 pair. ``state`` stores what is decided (proposed, confirmed, finished,
    declined); :meth:`status` adds what the activity log says (new, active, lapsed)."""

    __tablename__ = "partner_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    upper_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    state: Mapped[str] = mapped_column(String(16), default="proposed")
    lead_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    partner_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[date | None] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    lead: Mapped[Organisation] = relationship(foreign_keys=[lead_id])
    partner: Mapped[Organisation] = relationship(foreign_keys=[partner_id])
    upper: Mapped[Organisation] = relationship(foreign_keys=[upper_id])
    agreement: Mapped[Agreement | None] = relationship(back_populates="pair",
                                                       cascade="all, delete-orphan")
    plan: Mapped[list[PlanItem]] = relationship(
        back_populates="pair", cascade="all, delete-orphan",
        order_by="(PlanItem.year, PlanItem.month, PlanItem.id)")
    activities: Mapped[list[Activity]] = relationship(
        back_populates="pair", cascade="all, delete-orphan",
        order_by="(Activity.held_on.desc(), Activity.id.desc())")
    notes: Mapped[list[SupervisionNote]] = relationship(
        back_populates="pair", cascade="all, delete-orphan",
        order_by="SupervisionNote.id.desc()")
    highlights: Mapped[list[Highlight]] = relationship(
        back_populates="pair", cascade="all, delete-orphan", order_by="Highlight.id.desc()")

    __table_args__ = (UniqueConstraint("lead_id", "partner_id"),)

    @property
    def confirmed(self) -> bool:
        return self.lead_confirmed and self.partner_confirmed

    def last_confirmed_on(self) -> date | None:
        dates = [a.held_on for a in self.activities if a.confirmed_at is not None]
        return max(dates) if dates else None

    def months_without_activity(self, today: date) -> int | None:
        """Months since the last confirmed activity (since pairing if none); None unless the
        pair runs."""
        if self.state != "confirmed" or self.since is None:
            return None
        last = self.last_confirmed_on()
        return months_between(max(last, self.since) if last else self.since, today)

    def status(self, today: date) -> PairStatus:
        if self.state in ("proposed", "finished", "declined"):
            return PairStatus(self.state)
        months = self.months_without_activity(today) or 0
        if months >= LAPSE_MONTHS:
            return PairStatus.LAPSED
        last = self.last_confirmed_on()
        # a pair formed again keeps its old log; only activities since then make it active
        return PairStatus.ACTIVE if last and last >= self.since else PairStatus.NEW


class Agreement(db.Model):
    """The pair's agreement (联手协议)."""

    __tablename__ = "partner_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("partner_pairs.id"), unique=True)
    goals: Mapped[str] = mapped_column(Text, default="")
    lead_duties: Mapped[str] = mapped_column(Text, default="")
    partner_duties: Mapped[str] = mapped_column(Text, default="")
    areas: Mapped[list] = mapped_column(JSON, default=list)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    training: Mapped[str] = mapped_column(Text, default="")

    pair: Mapped[Pair] = relationship(back_populates="agreement")


class PlanItem(db.Model):
    """One planned activity of the pair's yearly plan (活动计划)."""

    __tablename__ = "partner_plan_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("partner_pairs.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))

    pair: Mapped[Pair] = relationship(back_populates="plan")


class Activity(db.Model):
    """One record of the activity log (活动记录), logged by the lead, confirmed by the
    partner."""

    __tablename__ = "partner_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("partner_pairs.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    form: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    photo_name: Mapped[str | None] = mapped_column(String(64))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    pair: Mapped[Pair] = relationship(back_populates="activities")


class SupervisionNote(db.Model):
    """A supervision note (督查意见) of the upper union, and the pair's answer."""

    __tablename__ = "partner_supervision_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("partner_pairs.id"), index=True)
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    pair: Mapped[Pair] = relationship(back_populates="notes")
    author_org: Mapped[Organisation] = relationship()


#: Photos a highlight may show, taken from the pair's confirmed activities.
HIGHLIGHT_MAX_PHOTOS = 3


class Highlight(db.Model):
    """A highlight the pair chooses to show on the federation's showcase (展示): a title, a
    short story and up to :data:`HIGHLIGHT_MAX_PHOTOS` photos of its confirmed activities.
    Written by either side (``author_side``), published once the other side confirms it;
    an edit takes it back until the other side confirms again (重形式: no side publishes
    alone)."""

    __tablename__ = "partner_highlights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("partner_pairs.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    story: Mapped[str] = mapped_column(Text, default="")
    #: ids of the pair's confirmed activities whose photos the highlight shows, in order
    photo_activity_ids: Mapped[list] = mapped_column(JSON, default=list)
    author_side: Mapped[str] = mapped_column(String(16))
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    pair: Mapped[Pair] = relationship(back_populates="highlights")

    @property
    def published(self) -> bool:
        return self.confirmed_at is not None

    def photo_activities(self) -> list[Activity]:
        """The activities whose photos are shown, in the chosen order (confirmed ones with a
        photo only, whatever the stored list says)."""
        by_id = {a.id: a for a in self.pair.activities
                 if a.confirmed_at is not None and a.photo_name}
        return [by_id[i] for i in self.photo_activity_ids or [] if i in by_id]
