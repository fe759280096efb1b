"""Writes: turning a campaign's public notice (公示) on or off (audited)."""

from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import Campaign, User
from survey_app.models.audit import record


def set_public(campaign: Campaign, user: User, public: bool) -> None:
    campaign.public_results = public
    record("campaign.public_results", "campaign", campaign.id, user=user, public=public)
    db.session.commit()
