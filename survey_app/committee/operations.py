"""Writes of the committee 述职评议: a union's committee list, and the rater group that
has members rate each committee member.

How a committee evaluation is built: the library's ``committee_duties`` matrix (verdict
first, then the duties) is repeated once per committee member, its ids prefixed with
``p<person id>_`` and the person's 述职报告 as the hint; that questionnaire is published
and pinned to an anonymous rater group whose settings name the union and its people
(``{"committee": unit code, "people": [ids]}``). Members answer it with access codes
like any member survey, so the answers are stored, sealed and released as every other
anonymous response is.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from questionnaires import Questionnaire, library
from survey_app.errors import Conflict, DomainError
from survey_app.extensions import db
from survey_app.models import (
    Campaign,
    CampaignTarget,
    CommitteeMember,
    CommitteeRole,
    Organisation,
    RaterGroup,
    User,
)
from survey_app.models.audit import record
from survey_app.questionnaire_versions import publish_questionnaire

ROLE_ZH = {CommitteeRole.CHAIR: "工会主席", CommitteeRole.VICE_CHAIR: "副主席",
           CommitteeRole.MEMBER: "委员"}
ROLE_EN = {CommitteeRole.CHAIR: "Chair", CommitteeRole.VICE_CHAIR: "Vice-chair",
           CommitteeRole.MEMBER: "Committee member"}


def person_field(person_id: int, item: str = "cm_overall") -> str:
    """The answer id of ``item`` of the duty matrix for one person."""
    return f"p{person_id}_{item}"


def add_committee_member(union: Organisation, name: str, role: str, report: str = "",
                         account: User | None = None, user: User | None = None
                         ) -> CommitteeMember:
    """List a committee member of ``union``; a name listed twice is refused (409)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A committee member needs a name."))
    if role not in {r.value for r in CommitteeRole}:
        raise DomainError(_("Unknown committee role: %(role)s", role=role))
    twice = db.session.scalar(select(CommitteeMember.id).where(
        CommitteeMember.organisation_id == union.id, CommitteeMember.name == name))
    if twice is not None:
        raise Conflict(_("%(name)s is already listed in the committee of %(unit)s.",
                         name=name, unit=union.name))
    person = CommitteeMember(organisation=union, name=name, role=role, report=report or "",
                             user=account)
    db.session.add(person)
    db.session.flush()
    record("committee.add", "committee_member", person.id, user, unit=union.code, role=role)
    return person


def committee_questionnaire(union: Organisation, people: list[CommitteeMember],
                            year: int | None) -> Questionnaire:
    """The duty matrix of the library repeated for each of ``people`` (see the module)."""
    if not people:
        raise DomainError(_("The committee of %(unit)s has nobody to rate.", unit=union.name))
    strangers = [p.name for p in people if p.organisation_id != union.id]
    if strangers:
        raise DomainError(_("%(names)s are not on the committee of %(unit)s.",
                            names="、".join(strangers), unit=union.name))
    duties = library()["committee_duties"].to_dict()
    template = duties["sections"][0]
    sections = []
    for person in people:
        role = CommitteeRole(person.role)
        question = dict(template["questions"][0])
        question["id"] = person_field(person.id, "cm")
        question["items"] = [dict(item, id=person_field(person.id, item["id"]))
                             for item in question["items"]]
        if person.report:
            question["hint"] = {"zh": "述职报告：" + person.report,
                                "en": "Report: " + person.report}
        sections.append({"id": f"p{person.id}", "weight": 1.0 / len(people),
                         "title": {"zh": f"{person.name}（{ROLE_ZH[role]}）",
                                   "en": f"{person.name} ({ROLE_EN[role]})"},
                         "questions": [question]})
    suffix = "".join(ch if ch.isalnum() else "_" for ch in union.code.lower())
    return Questionnaire.from_dict(dict(
        duties, key=f"committee_{suffix}"[:40], version=str(year or ""),
        title={"zh": f"{union.name}工会委员述职评议", "en": "Rating of union committee members"},
        sections=sections))


def add_committee_group(campaign: Campaign, union: Organisation,
                        people: list[CommitteeMember] | None = None) -> RaterGroup:
    """The anonymous rater group with which members of ``union`` rate its committee, and
    ``union`` as a target of ``campaign``. A person of another union is refused."""
    if people is None:
        people = list(db.session.scalars(select(CommitteeMember).where(
            CommitteeMember.organisation_id == union.id, CommitteeMember.active.is_(True))
            .order_by(CommitteeMember.id)))
    questionnaire = committee_questionnaire(union, people, campaign.year)
    version = publish_questionnaire(questionnaire, owner=union)
    group = RaterGroup(key=f"committee_{union.id}", name=f"{union.name}会员评委员",
                       weight=1.0, questionnaire_version=version, anonymous=True,
                       rule="members",
                       settings={"committee": union.code, "people": [p.id for p in people]})
    campaign.rater_groups.append(group)
    if not any(t.organisation_id == union.id for t in campaign.targets):
        campaign.targets.append(CampaignTarget(organisation=union))
    db.session.flush()
    return group
