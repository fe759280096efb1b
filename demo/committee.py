"""The demo's committee 述职评议, ``DEMO-COMMITTEE-2026``: members of ``DEMO-G01`` rate its
7 committee members (chair, vice-chair, 5 members) after their yearly reports.

The campaign closed at the end of November 2026 and is published. 赵立新 is new to the
committee: all but 3 raters answered "don't know", so with k = 5 his result shows no
figure anywhere. Two accounts are linked to committee members: ``g01_admin`` is the
chair's account (she sees every result of the committee), ``committee_g01`` is 李明's
(he sees only his own). ``evaluator_g01`` and ``partner_g01``, other accounts of the same
union, see none; the upper union (``district_admin``) sees them all.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import insert, select

from analysis.synthetic import synthetic_answers
from questionnaires import NA_CODE
from survey_app.answering import pack_item_values
from survey_app.committee.operations import add_committee_group, add_committee_member
from survey_app.extensions import db
from survey_app.models import Campaign, Organisation, Response, Role, User
from survey_app.models.response import new_response_id
from survey_app.questionnaire_versions import questionnaire_of

CODE = "DEMO-COMMITTEE-2026"
UNION = "DEMO-G01"
RATERS = 24
#: name, role, account linked, how well they are judged, 述职报告
PEOPLE = [
    ("王秀英", "chair", "g01_admin", 0.5,
     "全年主持召开职代会两次，推动签订工资集体协议，走访困难职工 36 户。"),
    ("陈建国", "vice_chair", None, 0.3, "分管劳动保护，组织安全生产检查 12 次，整改隐患 40 项。"),
    ("李明", "member", "committee_g01", 0.1, "负责文体活动，组织职工运动会和读书月活动。"),
    ("张丽华", "member", None, -0.4, "负责女职工工作，开展女职工专项体检和权益宣传。"),
    ("刘强", "member", None, 0.2, "负责技能竞赛，组织岗位练兵三次，评选技术能手 8 名。"),
    ("周敏", "member", None, -0.1, "负责经费审查，完成年度经费审查报告并向会员公开。"),
    ("赵立新", "member", None, 0.0, "今年九月新增补为委员，负责职工书屋。"),
]
NEWCOMER = "赵立新"
NEWCOMER_RATERS = 3
#: The demo account linked to 李明, a committee member: username, role, unit, password.
COMMITTEE_USERS = [("committee_g01", Role.EVALUATOR, UNION, "demo-committee-2026")]


def _account(username: str | None) -> User | None:
    if username is None:
        return None
    return db.session.scalar(select(User).where(User.username == username))


def _ensure_accounts() -> None:
    for username, role, unit, password in COMMITTEE_USERS:
        if _account(username) is not None:
            continue
        org = db.session.scalar(select(Organisation).where(Organisation.code == unit))
        account = User(username=username, role=role.value, organisation=org)
        account.set_password(password)
        db.session.add(account)
    db.session.flush()


def load_demo_committee() -> int:
    """Create ``DEMO-COMMITTEE-2026`` with its committee and answers if missing."""
    if db.session.scalar(select(Campaign.id).where(Campaign.code == CODE)):
        return 0
    union = db.session.scalar(select(Organisation).where(Organisation.code == UNION))
    if union is None:
        return 0
    _ensure_accounts()
    people = [add_committee_member(union, name, role, report, account=_account(username))
              for name, role, username, _, report in PEOPLE]
    campaign = Campaign(code=CODE, name="2026年度工会委员述职评议（演示）", kind="member",
                        cycle="annual", year=2026, opens_on=date(2026, 11, 1),
                        closes_on=date(2026, 11, 30), status="published", min_group_size=5,
                        owner=union, target_spec={"mode": "list", "codes": [UNION]})
    db.session.add(campaign)
    group = add_committee_group(campaign, union, people)
    questionnaire = questionnaire_of(group.questionnaire_version)
    rng = np.random.default_rng(2611)
    newcomer = next(p for p in people if p.name == NEWCOMER)
    quality = {p.id: effect for p, (_, _, _, effect, _) in zip(people, PEOPLE, strict=True)}
    rows = []
    for rater in range(RATERS):
        answers = synthetic_answers(questionnaire, rng, 0.0, na_rate=0.0, missing_rate=0.0)
        for person in people:  # each person judged on their own record
            personal = synthetic_answers(questionnaire, rng, quality[person.id], na_rate=0.0,
                                         missing_rate=0.0)
            for key in answers:
                if key.startswith(f"p{person.id}_"):
                    answers[key] = personal[key]
        if rater >= NEWCOMER_RATERS:  # most members do not know the newcomer yet
            for key in list(answers):
                if key.startswith(f"p{newcomer.id}_"):
                    answers[key] = NA_CODE
        rows.append({"id": new_response_id(), "campaign_id": campaign.id,
                     "target_id": union.id, "rater_group_id": group.id,
                     "questionnaire_version_id": group.questionnaire_version.id,
                     "submitted_on": date(2026, 11, 3) + timedelta(days=int(rng.integers(0, 25))),
                     "answers": answers,
                     "item_values": pack_item_values(questionnaire, answers)})
    rows.sort(key=lambda r: r["id"])  # storage order follows the random ids
    db.session.execute(insert(Response), rows)
    db.session.commit()
    return len(rows)

