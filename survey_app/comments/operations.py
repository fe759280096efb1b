"""Writes: the reviewer's decision on one comment (audited). The raw answer is never touched."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from survey_app.comments.queries import eligible_comments, reviews
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import Campaign, User
from survey_app.models.audit import record
from survey_app.models.comment import CommentReview, ReviewState


def decide(campaign: Campaign, user: User, target_id: int, field_id: str, digest: str,
           decision: str, masked_text: str) -> CommentReview:
    """Release (with ``masked_text``) or withhold one comment of a unit.

    Raises ``DomainError`` (404) for a comment that is not in the campaign's queue (unknown,
    or of a group below the minimum size), and (400) for an empty release.
    """
    frame = eligible_comments(campaign)
    known = ((frame["target_id"] == target_id) & (frame["field_id"] == field_id)
             & (frame["digest"] == digest)).any() if not frame.empty else False
    if not known:
        raise DomainError(_l("This comment is not in the review queue."), status=404)
    state = {"release": ReviewState.RELEASED, "withhold": ReviewState.WITHHELD}.get(decision)
    if state is None:
        raise DomainError(_l("Choose to release or to withhold the comment."))
    text = (masked_text or "").strip()
    if state == ReviewState.RELEASED and not text:
        raise DomainError(_l("Enter the text to release, or withhold the comment."))
    review = reviews(campaign).get((target_id, field_id, digest))
    if review is None:
        review = CommentReview(campaign_id=campaign.id, target_id=target_id, field_id=field_id,
                               digest=digest)
        db.session.add(review)
    review.state = state.value
    review.masked_text = text
    review.reviewed_by = user.id
    review.reviewed_at = datetime.now(UTC)
    db.session.flush()
    record(f"comment.{state.value}", "comment_review", review.id, user=user,
           campaign=campaign.code, target_id=target_id, field_id=field_id)
    db.session.commit()
    return review
