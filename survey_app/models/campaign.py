"""Campaigns (评议活动), their rater groups, targets, assignments and access codes."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires.vocabulary import CampaignKind, CampaignStatus  # noqa: F401 - re-exported
from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models.organisation import Organisation
from survey_app.models.questionnaire import QuestionnaireVersion
from survey_app.models.user import User


class AnsweringState(enum.StrEnum):
    """Whether a campaign takes answers on a given day."""

    NOT_OPEN = "not_open"  # a draft, or open before its first day
    OPEN = "open"
    CLOSED = "closed"  # closed, published, or open after its last day


class CampaignWindow(Protocol):
    status: str
    opens_on: date | None
    closes_on: date | None


def answering_state(campaign: CampaignWindow, day: date | None = None) -> AnsweringState:
    """The rule of :meth:`Campaign.answering_state`, for a campaign row or for the member
    path's lighter reference to one (which has the same three fields)."""
    day = day or today()
    status = CampaignStatus(campaign.status)
    if status == CampaignStatus.DRAFT or (campaign.opens_on and day < campaign.opens_on):
        return AnsweringState.NOT_OPEN
    if status != CampaignStatus.OPEN or (campaign.closes_on and day > campaign.closes_on):
        return AnsweringState.CLOSED
    return AnsweringState.OPEN


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[str] = mapped_column(String(16), default="annual")  # annual | rolling
    year: Mapped[int | None] = mapped_column(Integer)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT.value)
    min_group_size: Mapped[int] = mapped_column(Integer, default=5)
    allow_open_link: Mapped[bool] = mapped_column(Boolean, default=False)
    # 公示: once published, the targets' safe results on the public page /u/<code>/results.
    public_results: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The unit that runs the campaign; its admins manage it.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # How the targets were chosen, kept for editing: {"mode": "subtree"|"level"|"list",
    # "root": code, "kind": org kind, "codes": [...]} (see docs/campaigns.md).
    target_spec: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )

    owner: Mapped[Organisation | None] = relationship()
    rater_groups: Mapped[list[RaterGroup]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="RaterGroup.id"
    )
    targets: Mapped[list[CampaignTarget]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )

    def answering_state(self, day: date | None = None) -> AnsweringState:
        """Whether this campaign takes answers on ``day`` (today by default): open and
        within its window. Closing freezes the answers; the survey path and the evaluators'
        pages both ask here."""
        return answering_state(self, day)

    def accepting_answers(self, day: date | None = None) -> bool:
        """True while this campaign takes answers (see :meth:`answering_state`)."""
        return self.answering_state(day) == AnsweringState.OPEN

    def has_target(self, organisation_id: int) -> bool:
        """Whether the unit is one this campaign evaluates (not just an ancestor of one)."""
        return any(t.organisation_id == organisation_id for t in self.targets)

    @property
    def multi_level(self) -> bool:
        """True when one code rates several levels (a union group, then its branch union):
        a rater group names, in ``then_parent``, the group that rates the unit above."""
        return any((g.settings or {}).get("then_parent") for g in self.rater_groups)

    def report_group(self, rater_group: str | None) -> str | None:
        """The rater group whose answers a report shows. A multi-level campaign is never
        reported with its levels pooled: they answer different questionnaires, and a pooled
        unit minus the other level's published figure would give a suppressed group's
        figure. Without a choice, its report is the first level's."""
        if rater_group is None and self.multi_level:
            return self.rater_groups[0].key
        return rater_group

    def __repr__(self) -> str:
        return f"<Campaign {self.code} {self.status}>"


class CampaignTarget(db.Model):
    """A unit that a campaign evaluates."""

    __tablename__ = "campaign_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="targets")
    organisation: Mapped[Organisation] = relationship()


class RaterGroup(db.Model):
    """One group of raters in a campaign, with its weight and pinned questionnaire version."""

    __tablename__ = "rater_groups"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    # How raters are assigned: members | upper | lower | peer | third_party | named
    rule: Mapped[str] = mapped_column(String(32), default="members")
    # The rule's parameters (peers per target, seed, assessors, conflicts, named accounts).
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    campaign: Mapped[Campaign] = relationship(back_populates="rater_groups")
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()


class Assignment(db.Model):
    """Who rates whom: a named rater (organisation or account) and a target unit."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("rater_group_id", "target_id", "rater_org_id", "rater_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    rater_group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    rater_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    rater_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The rater's deadline; None means the campaign's closing date.
    due_on: Mapped[date | None] = mapped_column(Date)
    # "rule" (generated) or "manual" (added by hand); regenerating replaces only rule rows.
    source: Mapped[str] = mapped_column(String(16), default="rule")

    rater_group: Mapped[RaterGroup] = relationship()
    target: Mapped[Organisation] = relationship(foreign_keys=[target_id])
    rater_org: Mapped[Organisation | None] = relationship(foreign_keys=[rater_org_id])
    rater_user: Mapped[User | None] = relationship(foreign_keys=[rater_user_id])


class AccessCode(db.Model):
    """A one-time 参评码. Only its hash is stored, and nothing links it to its response:
    no response id, no time of use, just whether it has been used.

    The member's draft ("save and continue later") lives on this row, so that one row
    lock settles a save against a submission: a save writes only while the code is
    unused, and the statement that marks the code used clears the draft.
    """

    __tablename__ = "access_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    rater_group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_on: Mapped[date] = mapped_column(Date, default=lambda: datetime.now(UTC).date())
    # The answers saved so far; SQL NULL (not JSON null) when there is none.
    draft: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)

    campaign: Mapped[Campaign] = relationship()
    rater_group: Mapped[RaterGroup] = relationship()
    target: Mapped[Organisation] = relationship()


class OpenLink(db.Model):
    """A reusable link (poster QR code, or a daily-evaluation service point)."""

    __tablename__ = "open_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    rater_group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    label: Mapped[str] = mapped_column(Text, default="")

    campaign: Mapped[Campaign] = relationship()
    rater_group: Mapped[RaterGroup] = relationship()
    target: Mapped[Organisation] = relationship()


class CodeLookupCount(db.Model):
    """How many times a day a campaign's codes were refused: ``unknown`` (a code that is
    not valid, counted under campaign 0, since it names none) or ``used`` (a code already
    used). Counts only: never which code, address or time of day. A burst of used-code
    look-ups is someone checking who took part."""

    __tablename__ = "code_lookup_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
