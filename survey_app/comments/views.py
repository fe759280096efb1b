"""Comment review pages: the queue of a campaign and the decision on one comment."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.campaigns.queries import managed_campaigns_query
from survey_app.comments import operations as ops
from survey_app.comments import queries as Q
from survey_app.comments.forms import ReviewForm
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import CampaignStatus, Role
from survey_app.models.comment import ReviewState
from survey_app.permissions import reviewable_campaign, roles_required

bp = Blueprint("comments", __name__, url_prefix="/comments")

REVIEWERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
STATES = [s.value for s in ReviewState]


@bp.get("/")
@roles_required(*REVIEWERS)
def index():
    query = managed_campaigns_query(current_user)
    campaigns = [c for c in db.session.scalars(query)
                 if c.status != CampaignStatus.DRAFT.value]
    return render_template("comments/index.html", campaigns=campaigns)


@bp.get("/<int:campaign_id>")
@roles_required(*REVIEWERS)
def queue(campaign_id: int):
    campaign = reviewable_campaign(campaign_id)
    state = request.args.get("state")
    state = state if state in STATES else None
    return _render_queue(campaign, state)


@bp.post("/<int:campaign_id>/review")
@roles_required(*REVIEWERS)
def review(campaign_id: int):
    campaign = reviewable_campaign(campaign_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_queue(campaign, None, failed=form), 400
    try:
        ops.decide(campaign, current_user, form.target_id.data, form.field_id.data,
                   form.digest.data, form.decision.data, form.masked_text.data)
    except DomainError as error:
        form.masked_text.errors = [str(error)]
        if error.status == 404:
            raise
        return _render_queue(campaign, None, failed=form), error.status
    flash(_("Comment released.") if form.decision.data == "release"
          else _("Comment withheld."))
    return redirect(url_for("comments.queue", campaign_id=campaign.id,
                            state=request.args.get("state") or None))


def _render_queue(campaign, state, failed: ReviewForm | None = None):
    items = Q.queue(campaign, state)
    if failed is not None:  # keep what the reviewer typed, next to the error
        for item in items:
            if (item.target.id, item.field_id, item.digest) == (
                    failed.target_id.data, failed.field_id.data, failed.digest.data):
                item.masked_text = failed.masked_text.data or ""
    return render_template("comments/queue.html", campaign=campaign, items=items,
                           state=state, states=STATES, form=ReviewForm(), failed=failed)



