"""Writes of my evaluations: a named rater's drafts and (revised) submissions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from survey_app.dates import today
from survey_app.errors import Conflict
from survey_app.extensions import db
from survey_app.models import Assignment, Campaign, Draft, Response, Submission
from survey_app.models.audit import record


class NotAccepting(Conflict):
    """The campaign no longer takes answers."""


def save_evaluation_draft(assignment: Assignment, answers: dict) -> None:
    """Keep a named rater's answers so far (replaced on each save)."""
    draft = db.session.scalar(select(Draft).where(Draft.assignment_id == assignment.id))
    if draft is None:
        db.session.add(Draft(assignment_id=assignment.id, answers=answers, updated_on=today()))
    else:
        draft.answers = answers
        draft.updated_on = today()
    db.session.commit()


def submit_evaluation(assignment: Assignment, answers: dict, item_values: bytes,
                      user=None) -> Submission:
    """Store a named rater's (revised) answers: a new Response and Submission revision.

    Earlier revisions stay, marked not current; the latest counts. Refused once the
    campaign no longer takes answers.
    """
    campaign = db.session.get(Campaign, assignment.campaign_id)
    if not campaign.accepting_answers():
        raise NotAccepting(f"campaign {campaign.code} does not take answers now")
    for attempt in range(2):
        try:
            submission = store_submission(assignment, answers, item_values, user)
            record("evaluation.submit", "assignment", assignment.id, user,
                   campaign=campaign.code, revision=submission.revision)
            db.session.commit()
            return submission
        except IntegrityError:
            # A concurrent submission took this revision number: take the next one.
            db.session.rollback()
            if attempt:
                raise
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def store_submission(assignment: Assignment, answers: dict, item_values: bytes, user=None,
                     submitted_on: date | None = None, submitted_at=None) -> Submission:
    """Add a Response and the next Submission revision (no commit, no state check).

    ``submit_evaluation`` is the checked path; the demo loader calls this directly to
    write last year's submissions with their dates.
    """
    group = assignment.rater_group
    last = db.session.scalar(select(func.max(Submission.revision))
                             .where(Submission.assignment_id == assignment.id)) or 0
    response = Response(campaign_id=assignment.campaign_id, target_id=assignment.target_id,
                        rater_group_id=group.id,
                        questionnaire_version_id=group.questionnaire_version_id,
                        submitted_on=submitted_on or today(), answers=answers,
                        item_values=item_values)
    db.session.add(response)
    db.session.flush()
    if last:
        db.session.execute(update(Submission).where(Submission.assignment_id == assignment.id)
                           .values(current=False))
    submission = Submission(assignment_id=assignment.id, revision=last + 1,
                            response_id=response.id, submitted_by_id=getattr(user, "id", None),
                            current=True)
    if submitted_at is not None:
        submission.submitted_at = submitted_at
    db.session.add(submission)
    db.session.execute(delete(Draft).where(Draft.assignment_id == assignment.id))
    db.session.flush()
    return submission
