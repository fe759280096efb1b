"""Reads of the survey path: code look-ups and participation counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from questionnaires import Questionnaire, parse
from survey_app.extensions import db
from survey_app.models import AccessCode, Campaign, CampaignTarget, Organisation, Response
from survey_app.versions import questionnaire_of


def find_code(hashed: str) -> AccessCode | None:
    return db.session.scalar(select(AccessCode).where(AccessCode.code_hash == hashed))


def relevance_rules(questionnaire: Questionnaire) -> dict[str, dict]:
    """Question id -> JSON rule for the browser (the server checks the same rules)."""
    return {
        q.id: parse(q.relevant).to_json(questionnaire)
        for q in questionnaire.questions()
        if q.relevant
    }


@dataclass(frozen=True)
class Participation:
    """Counts only: codes issued and used, responses, eligible members, 参评率."""

    target: Organisation
    codes_issued: int
    codes_used: int
    responses: int

    @property
    def eligible(self) -> int:
        return self.target.members

    @property
    def rate(self) -> float | None:
        """Participation rate (参评率) = responses / eligible members, in percent."""
        return 100.0 * self.responses / self.eligible if self.eligible else None


def participation(campaign: Campaign, scope: Organisation | None = None) -> list[Participation]:
    """Per target unit (within ``scope``), three grouped counts: no per-response reads."""
    targets_q = (
        select(Organisation)
        .join(CampaignTarget, CampaignTarget.organisation_id == Organisation.id)
        .where(CampaignTarget.campaign_id == campaign.id)
        .order_by(Organisation.code)
    )
    if scope is not None:
        targets_q = targets_q.where(Organisation.path.startswith(scope.path))
    targets = db.session.scalars(targets_q).all()
    issued = dict(db.session.execute(
        select(AccessCode.target_id, func.count()).where(AccessCode.campaign_id == campaign.id)
        .group_by(AccessCode.target_id)).all())
    used = dict(db.session.execute(
        select(AccessCode.target_id, func.count())
        .where(AccessCode.campaign_id == campaign.id, AccessCode.used.is_(True))
        .group_by(AccessCode.target_id)).all())
    responses = dict(db.session.execute(
        select(Response.target_id, func.count()).where(Response.campaign_id == campaign.id)
        .group_by(Response.target_id)).all())
    return [
        Participation(t, issued.get(t.id, 0), used.get(t.id, 0), responses.get(t.id, 0))
        for t in targets
    ]


def campaign_questionnaire(group) -> Questionnaire:
    return questionnaire_of(group.questionnaire_version)
