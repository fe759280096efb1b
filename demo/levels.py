"""The demo's multi-level campaign, ``DEMO-GROUP-2026`` (会员评家向分工会、工会小组延伸).

The group union ``DEMO-G02`` has 3 branch unions and 8 union groups. With one code, a
member rates their union group (the short 职工小家 questionnaire, rater group
``group_members``) and then the branch union above it (the member questionnaire, rater
group ``branch_members``). The campaign closed at the end of November 2026 and is
published. Union group ``DEMO-G02-B3-T2`` has 3 answers, fewer than k = 5: it shows no
figure at any level.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import insert, select

from analysis.synthetic import synthetic_answers
from questionnaires import library
from survey_app.answering import pack_item_values
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignTarget, Organisation, RaterGroup, Response
from survey_app.models.response import new_response_id
from survey_app.questionnaire_versions import publish_questionnaire

CODE = "DEMO-GROUP-2026"
GROUP_UNION = "DEMO-G02"
#: The union group with fewer answers than the reporting minimum.
SMALL_GROUP = "DEMO-G02-B3-T2"


def _answering_members(groups: list[Organisation], rng: np.random.Generator) -> dict[int, int]:
    """How many members of each union group answered: 5 to 8, and 3 in the small group."""
    return {g.id: 3 if g.code == SMALL_GROUP else int(rng.integers(5, 9)) for g in groups}


def load_demo_levels() -> int:
    """Create ``DEMO-GROUP-2026`` with its answers if missing; the responses created."""
    if db.session.scalar(select(Campaign.id).where(Campaign.code == CODE)):
        return 0
    owner = db.session.scalar(select(Organisation).where(Organisation.code == GROUP_UNION))
    if owner is None:
        return 0
    below = list(db.session.scalars(owner.subtree_query().where(Organisation.id != owner.id)
                                    .order_by(Organisation.code)))
    groups = [u for u in below if u.kind == "union_group"]
    branches = [u for u in below if u.kind == "branch_union"]
    small_home, member = library()["small_home"], library()["member_evaluation"]
    campaign = Campaign(code=CODE, name="2026年度分工会和工会小组评议（演示）", kind="member",
                        cycle="annual", year=2026, opens_on=date(2026, 9, 1),
                        closes_on=date(2026, 11, 30), status="published", min_group_size=5,
                        owner=owner, target_spec={"mode": "subtree", "root": GROUP_UNION})
    by_group = RaterGroup(key="group_members", name="会员评工会小组（职工小家）", weight=1.0,
                          questionnaire_version=publish_questionnaire(small_home),
                          anonymous=True, rule="members",
                          settings={"then_parent": "branch_members"})
    by_branch = RaterGroup(key="branch_members", name="会员评分工会", weight=1.0,
                           questionnaire_version=publish_questionnaire(member),
                           anonymous=True, rule="members")
    campaign.rater_groups.extend([by_group, by_branch])
    campaign.targets.extend(CampaignTarget(organisation=u) for u in groups + branches)
    db.session.add(campaign)
    db.session.flush()

    rng = np.random.default_rng(2602)
    effects = {u.id: float(rng.normal(0.0, 0.45)) for u in groups + branches}
    answering = _answering_members(groups, rng)
    rows = []
    for group in groups:
        for _ in range(answering[group.id]):
            day = date(2026, 9, 8) + timedelta(days=int(rng.integers(0, 60)))
            for unit, rater_group, questionnaire in ((group, by_group, small_home),
                                                     (group.parent, by_branch, member)):
                answers = synthetic_answers(questionnaire, rng, effects[unit.id])
                rows.append({
                    "campaign_id": campaign.id, "target_id": unit.id,
                    "rater_group_id": rater_group.id,
                    "questionnaire_version_id": rater_group.questionnaire_version.id,
                    "submitted_on": day, "answers": answers,
                    "item_values": pack_item_values(questionnaire, answers)})
    order = rng.permutation(len(rows))  # storage order links no two answers of one member
    db.session.execute(insert(Response), [rows[i] | {"id": new_response_id()} for i in order])
    db.session.commit()
    return len(rows)
