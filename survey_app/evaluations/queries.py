"""Reads of my evaluations: which assignments an evaluator or assessor fills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from survey_app.campaigns.queries import DRAFT, NOT_STARTED, SUBMITTED
from survey_app.extensions import db
from survey_app.models import Assignment, Campaign, CampaignStatus, Draft, Role, Submission, User


def rater_filter(user: User):
    """SQL condition: the assignments ``user`` fills.

    An account named as a rater (an assessor, or a management or Party representative in a
    four-party campaign) fills only the rows that name it. Any other evaluator account acts
    for its unit and fills the rows where its unit is the rater.
    """
    condition = Assignment.rater_user_id == user.id
    named = db.session.scalar(select(Assignment.id).where(
        Assignment.rater_user_id == user.id).limit(1)) is not None
    if user.role == Role.EVALUATOR and user.organisation_id is not None and not named:
        condition = condition | (
            (Assignment.rater_org_id == user.organisation_id) & Assignment.rater_user_id.is_(None))
    return condition


def rater_assignment(assignment_id: int, user: User) -> Assignment | None:
    """The assignment if ``user`` is its rater; None otherwise (the caller answers 404)."""
    if user.role not in (Role.EVALUATOR, Role.ASSESSOR):
        return None
    return db.session.scalar(select(Assignment).where(
        Assignment.id == assignment_id, rater_filter(user)))


@dataclass(frozen=True)
class MyEvaluation:
    assignment: Assignment
    campaign: Campaign
    status: str
    due_on: date | None
    revision: int
    accepting: bool


def my_evaluations(user: User) -> list[MyEvaluation]:
    """The assignments ``user`` fills, in open or closed-but-unpublished or published
    campaigns (never drafts), with their status."""
    if user.role not in (Role.EVALUATOR, Role.ASSESSOR):
        return []
    rows = db.session.scalars(
        select(Assignment).join(Campaign, Campaign.id == Assignment.campaign_id)
        .where(rater_filter(user), Campaign.status != CampaignStatus.DRAFT.value)
        .options(joinedload(Assignment.target), joinedload(Assignment.rater_group))
        .order_by(Campaign.closes_on, Assignment.campaign_id, Assignment.target_id)).all()
    ids = [a.id for a in rows]
    revisions = dict(db.session.execute(
        select(Submission.assignment_id, Submission.revision)
        .where(Submission.assignment_id.in_(ids), Submission.current.is_(True))).all())
    drafts = set(db.session.scalars(select(Draft.assignment_id)
                                    .where(Draft.assignment_id.in_(ids))))
    campaigns = {c.id: c for c in db.session.scalars(
        select(Campaign).where(Campaign.id.in_({a.campaign_id for a in rows})))}
    out = []
    for a in rows:
        c = campaigns[a.campaign_id]
        status = DRAFT if a.id in drafts else SUBMITTED if a.id in revisions else NOT_STARTED
        out.append(MyEvaluation(a, c, status, a.due_on or c.closes_on, revisions.get(a.id, 0),
                                c.accepting_answers()))
    return out
