"""A second federation, outside every demo account's subtree, with one object of each kind.

The authorisation tests ask for these objects as each role and expect 403 or 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from questionnaires import library
from survey_app.committee.operations import add_committee_group, add_committee_member
from survey_app.extensions import db
from survey_app.models import (
    Appeal,
    Assignment,
    Campaign,
    CampaignTarget,
    OpenLink,
    Organisation,
    RaterGroup,
    Role,
    User,
)
from survey_app.models.assessment import EvidenceFile
from survey_app.models.improvement import ActionNote, ImprovementAction
from survey_app.models.partnering import Activity, Highlight, Honour, Pair, SupervisionNote
from survey_app.models.project import HomeProject, ProjectTask
from survey_app.organisations.operations import recompute_paths
from survey_app.questionnaire_versions import publish_questionnaire

FOREIGN_NAME = "外省隔离测试工会"  # never shown to anyone outside the foreign tree


@dataclass
class Foreign:
    campaign_id: int
    campaign_code: str
    cross_campaign_id: int
    assignment_id: int
    unit_id: int
    unit_code: str
    evidence_id: int
    link_token: str
    version_id: int
    user_id: int
    appeal_id: int
    pair_id: int
    activity_id: int
    action_id: int
    action_note_id: int
    note_id: int
    honour_id: int
    project_id: int
    task_id: int
    committee_code: str = ""
    person_id: int = 0
    api_token_id: int = 0
    webhook_id: int = 0
    delivery_id: int = 0
    highlight_id: int = 0


def build_foreign_world() -> Foreign:
    fed = Organisation(code="OTHER-FED", name=f"{FOREIGN_NAME}（总）", kind="federation")
    unit = Organisation(code="OTHER-G1", name=FOREIGN_NAME, kind="grassroots_union", parent=fed,
                        members=50)
    peer = Organisation(code="OTHER-G2", name=f"{FOREIGN_NAME}二", kind="grassroots_union",
                        parent=fed, members=40)
    db.session.add_all([fed, unit, peer])
    db.session.flush()
    recompute_paths(db.session.scalars(select(Organisation)).all())
    rater = User(username="other_eval", role=Role.EVALUATOR.value, organisation=peer)
    rater.set_password("other-eval-2026")
    db.session.add(rater)
    member_version = publish_questionnaire(library()["member_evaluation"])
    peer_version = publish_questionnaire(library()["peer_evaluation"])
    today = date.today()
    member = Campaign(code="OTHER-MEMBER", name=f"{FOREIGN_NAME}会员评家", kind="member",
                      year=today.year, status="open", owner=fed,
                      opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=9))
    group = RaterGroup(key="members", name="会员", weight=1.0,
                       questionnaire_version=member_version, anonymous=True)
    member.rater_groups.append(group)
    member.targets.append(CampaignTarget(organisation=unit))
    cross = Campaign(code="OTHER-PEER", name=f"{FOREIGN_NAME}互评", kind="peer",
                     year=today.year, status="open", owner=fed,
                     opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=9))
    peers = RaterGroup(key="peer", name="同级", weight=1.0, questionnaire_version=peer_version,
                       anonymous=False, rule="peer")
    cross.rater_groups.append(peers)
    cross.targets.append(CampaignTarget(organisation=unit))
    db.session.add_all([member, cross])
    db.session.flush()
    assignment = Assignment(campaign_id=cross.id, rater_group_id=peers.id, target_id=unit.id,
                            rater_org_id=peer.id)
    link = OpenLink(token="other-poster-token", campaign=member, rater_group=group, target=unit,
                    label=FOREIGN_NAME)
    evidence = EvidenceFile(scheme_key="default", year=today.year, organisation_id=unit.id,
                            original_name="证明.pdf", stored_name="other-evidence.pdf",
                            content_type="application/pdf", size=4, sha256="0" * 64)
    appeal = Appeal(scheme_key="default", year=today.year, organisation_id=unit.id,
                    subject="grade", reason=FOREIGN_NAME)
    db.session.add_all([assignment, link, evidence, appeal])
    pair = Pair(lead_id=unit.id, partner_id=peer.id, upper_id=fed.id, state="confirmed",
                lead_confirmed=True, partner_confirmed=True, since=today)
    activity = Activity(pair=pair, held_on=today, form="exchange", content=FOREIGN_NAME,
                        participants=3, photo_name=f"{'0' * 32}.jpg")
    note = SupervisionNote(pair=pair, author_org_id=fed.id, text=FOREIGN_NAME)
    action = ImprovementAction(organisation_id=unit.id, campaign_id=member.id,
                               source_kind="item", source_ref="q1", title=FOREIGN_NAME,
                               status="done")
    action_note = ActionNote(action=action, text=FOREIGN_NAME, original_name="证明.pdf",
                             stored_name="0" * 32 + ".pdf", content_type="application/pdf",
                             size=4)
    honour = Honour(organisation_id=unit.id, awarding_id=fed.id, level="city", year=today.year,
                    document_number=FOREIGN_NAME, recheck_years=3)
    project = HomeProject(organisation_id=unit.id, year=today.year, title=FOREIGN_NAME,
                          owner_name=FOREIGN_NAME)
    task = ProjectTask(project=project, title=FOREIGN_NAME, owner_name=FOREIGN_NAME,
                       starts_on=today, due_on=today)
    highlight = Highlight(pair=pair, title=FOREIGN_NAME, story=FOREIGN_NAME,
                          photo_activity_ids=[], author_side="lead",
                          confirmed_at=datetime.now(UTC))
    db.session.add_all([pair, activity, note, action, action_note, honour, project, task,
                        highlight])
    person = add_committee_member(unit, FOREIGN_NAME + "主席", "chair", FOREIGN_NAME)
    committee = Campaign(code="OTHER-COMMITTEE", name=f"{FOREIGN_NAME}委员评议",
                         kind="member", year=today.year, status="published", owner=unit,
                         opens_on=today - timedelta(days=20), closes_on=today - timedelta(1))
    db.session.add(committee)
    add_committee_group(committee, unit, [person])
    db.session.commit()
    from survey_app.api.operations import create_token

    api_token, _secret = create_token(fed, ["organisations:read"], name=FOREIGN_NAME, days=30)
    foreign = Foreign(
        campaign_id=member.id, campaign_code=member.code, cross_campaign_id=cross.id,
        assignment_id=assignment.id, unit_id=unit.id, unit_code=unit.code,
        evidence_id=evidence.id, link_token=link.token, version_id=member_version.id,
        user_id=rater.id, appeal_id=appeal.id, pair_id=pair.id, activity_id=activity.id,
        action_id=action.id, action_note_id=action_note.id, note_id=note.id,
        honour_id=honour.id, project_id=project.id, task_id=task.id,
        committee_code=committee.code, person_id=person.id)
    foreign.api_token_id = api_token.id
    foreign.webhook_id, foreign.delivery_id = _foreign_webhook(fed)
    foreign.highlight_id = highlight.id
    return foreign


def _foreign_webhook(fed: Organisation) -> tuple[int, int]:
    """A subscription of the foreign federation, with one delivery in its log."""
    from survey_app.models.api import WebhookDelivery, WebhookEvent, WebhookSubscription

    subscription = WebhookSubscription(organisation_id=fed.id, url="https://receiver.example/hook",
                                       events=["campaign.opened"], secret="whsec_AAAA")
    event = WebhookEvent(message_id="msg_foreign", type="campaign.opened",
                         organisation_id=fed.id, payload={"data": {"name": FOREIGN_NAME}})
    delivery = WebhookDelivery(event=event, subscription=subscription)
    db.session.add_all([subscription, event, delivery])
    db.session.commit()
    return subscription.id, delivery.id
