"""Reads of the survey path: code look-ups and participation counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from questionnaires import Questionnaire, parse
from survey_app.extensions import db
from survey_app.models import (
    AccessCode,
    Campaign,
    CampaignTarget,
    Organisation,
    QuestionnaireVersion,
    Response,
)
from survey_app.versions import questionnaire_of


def find_code(hashed: str) -> AccessCode | None:
    """The code with its campaign, rater group and target, in one query."""
    return db.session.scalar(
        select(AccessCode)
        .options(joinedload(AccessCode.campaign), joinedload(AccessCode.rater_group),
                 joinedload(AccessCode.target))
        .where(AccessCode.code_hash == hashed)
    )


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


#: Questionnaires by content hash. Published versions never change (see versions.py): a
#: request reads the version's 64-character hash, not its whole definition.
_BY_HASH: dict[str, Questionnaire] = {}


def campaign_questionnaire(group) -> Questionnaire:
    """The questionnaire a rater group answers (its pinned version)."""
    content_hash = db.session.scalar(
        select(QuestionnaireVersion.content_hash)
        .where(QuestionnaireVersion.id == group.questionnaire_version_id))
    questionnaire = _BY_HASH.get(content_hash)
    if questionnaire is None:
        questionnaire = questionnaire_of(group.questionnaire_version)
        if len(_BY_HASH) > 1024:
            _BY_HASH.clear()
        _BY_HASH[content_hash] = questionnaire
    return questionnaire
