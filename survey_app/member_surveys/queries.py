"""Reads of the survey path: code look-ups and participation counts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from questionnaires import Questionnaire
from survey_app.extensions import db
from survey_app.member_surveys.statements import DriverStatement, driver_connection, fetch_one
from survey_app.models import (
    AccessCode,
    Campaign,
    CampaignTarget,
    CodeLookupCount,
    OpenLink,
    Organisation,
    QuestionnaireVersion,
    RaterGroup,
    Response,
)
from survey_app.models.campaign import AnsweringState, answering_state
from survey_app.notices.queries import public_campaign_select
from survey_app.questionnaire_versions import questionnaire_of
from survey_app.release_policy import accepting, response_counts


@dataclass(frozen=True)
class CampaignRef:
    """What the member path needs of a campaign, read in the same query as the code."""

    id: int
    code: str
    name: str
    kind: str
    status: str
    opens_on: date | None
    closes_on: date | None

    def answering_state(self, day: date | None = None) -> AnsweringState:
        return answering_state(self, day)


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Entry:
    """Where a code or an open link leads: campaign, rater group, its questionnaire version
    (and that version's content hash), the target unit, whether the code is used, and the
    answers saved on it so far (its draft)."""

    campaign: CampaignRef
    group_id: int
    questionnaire_version_id: int
    content_hash: str
    target: UnitRef
    used: bool = False
    draft: dict | None = None
    #: the rater group's settings; ``then_parent`` names the group with which the same
    #: member goes on to rate the unit above (a multi-level campaign)
    settings: dict | None = None
    #: the target's public results (公示) that the form links to: the id and name of its
    #: latest published campaign with the public page on (``notices.queries``), read by
    #: the look-up; ``notice_read`` is False where the target was changed after it
    notice: tuple[int, str] | None = None
    notice_read: bool = False

    @property
    def has_draft(self) -> bool:
        return self.draft is not None

    @property
    def next_level_group(self) -> str | None:
        """The key of the rater group that rates the parent unit next, if any."""
        return (self.settings or {}).get("then_parent") or None


def _entry_query(source, *extra):
    """One SELECT from ``source`` (access codes or open links) through its campaign, rater
    group, questionnaire version and target: the member path's only read per request.
    Column reads, not ORM entities, run on the driver's connection (see driver.py): this
    runs twice per submission. The target's public campaign (the form's link to its 公示)
    comes with it, as two correlated subqueries: read on its own through the ORM it cost
    a quarter of the form's CPU, and the session's rollback at the end of the request
    dropped the connection's prepared statements."""
    shown = aliased(Campaign)
    notice_id, notice_name = (
        public_campaign_select(source.target_id, column, shown=shown).scalar_subquery()
        for column in (shown.id, shown.name))
    return (
        select(Campaign.id, Campaign.code, Campaign.name, Campaign.kind, Campaign.status,
               Campaign.opens_on, Campaign.closes_on, RaterGroup.id,
               RaterGroup.questionnaire_version_id, QuestionnaireVersion.content_hash,
               Organisation.id, Organisation.code, Organisation.name, RaterGroup.settings,
               notice_id, notice_name, *extra)
        .select_from(source)
        .join(Campaign, Campaign.id == source.campaign_id)
        .join(RaterGroup, RaterGroup.id == source.rater_group_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == RaterGroup.questionnaire_version_id)
        .join(Organisation, Organisation.id == source.target_id)
    )


_CODE_ENTRY = _entry_query(AccessCode, AccessCode.used, AccessCode.draft).where(
    AccessCode.code_hash == bindparam("hashed"))
_LINK_ENTRY = _entry_query(OpenLink).where(OpenLink.token == bindparam("token"))


_CODE_ENTRY_SQL, _LINK_ENTRY_SQL = DriverStatement(_CODE_ENTRY), DriverStatement(_LINK_ENTRY)


def _entry(row) -> Entry:
    extra = {} if len(row) == 16 else {"used": bool(row[16]), "draft": row[17]}
    notice = None if row[14] is None else (row[14], row[15])
    return Entry(CampaignRef(*row[0:7]), row[7], row[8], row[9], UnitRef(*row[10:13]),
                 settings=row[13], notice=notice, notice_read=True, **extra)


def _look_up(statement: DriverStatement, params: dict[str, str]) -> Entry | None:
    # in autocommit on PostgreSQL: the look-up opens no transaction (see driver.py)
    with driver_connection(autocommit=True) as raw:
        row = fetch_one(raw, statement, params)
    return None if row is None else _entry(row)


def find_code(hashed: str) -> Entry | None:
    """Where the code with this hash leads, whether it is used, and its draft; one query."""
    return _look_up(_CODE_ENTRY_SQL, {"hashed": hashed})


def levels_of(entry: Entry) -> list[Entry]:
    """What one code rates, in order: its own unit, then (in a multi-level campaign) the
    unit above it with the rater group named by ``then_parent``, and so on up. A level
    whose group or parent unit is missing ends the list."""
    levels = [entry]
    while (key := levels[-1].next_level_group) and len(levels) < 4:
        below = db.session.get(Organisation, levels[-1].target.id)
        group = db.session.scalar(select(RaterGroup).where(
            RaterGroup.campaign_id == entry.campaign.id, RaterGroup.key == key))
        if below is None or below.parent is None or group is None:
            break
        version = group.questionnaire_version
        parent = below.parent
        levels.append(replace(entry, group_id=group.id,
                              questionnaire_version_id=version.id,
                              content_hash=version.content_hash,
                              target=UnitRef(parent.id, parent.code, parent.name),
                              settings=group.settings, notice=None, notice_read=False))
    return levels


def find_link(token: str) -> Entry | None:
    """Where the open link with this token leads; one query."""
    return _look_up(_LINK_ENTRY_SQL, {"token": token})


@dataclass(frozen=True)
class Participation:
    """Counts only: codes issued, responses, eligible members, 参评率.

    While answers still arrive (:func:`survey_app.release_policy.accepting`) ``responses``
    counts those received before today, rounded down to a band of five, and
    ``codes_used`` is None: the page moves once a day and by whole bands, never with one
    member's submission. ``banded`` says which of the two the figures are."""

    target: Organisation
    codes_issued: int
    codes_used: int | None
    responses: int
    banded: bool = False

    @property
    def eligible(self) -> int:
        return self.target.members

    @property
    def rate(self) -> float | None:
        """Participation rate (参评率) = responses / eligible members, in percent."""
        return 100.0 * self.responses / self.eligible if self.eligible else None


def participation(campaign: Campaign, scope: Organisation | None = None) -> list[Participation]:
    """Per target unit (within ``scope``), grouped counts only: no per-response reads. Exact
    once the campaign is closed; banded and a day behind while it accepts answers."""
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
    responses = response_counts(campaign, Response.target_id)
    if accepting(campaign):
        return [Participation(t, issued.get(t.id, 0), None, responses.get(t.id, 0), True)
                for t in targets]
    used = dict(db.session.execute(
        select(AccessCode.target_id, func.count())
        .where(AccessCode.campaign_id == campaign.id, AccessCode.used.is_(True))
        .group_by(AccessCode.target_id)).all())
    return [
        Participation(t, issued.get(t.id, 0), used.get(t.id, 0), responses.get(t.id, 0))
        for t in targets
    ]


def refused_lookups(campaign: Campaign, days: int = 60) -> list[tuple[date, int]]:
    """Per day, how many look-ups of this campaign's codes found the code already used
    (latest day first, at most ``days`` days): counts only, never which code."""
    return [tuple(row) for row in db.session.execute(
        select(CodeLookupCount.day, CodeLookupCount.count)
        .where(CodeLookupCount.campaign_id == campaign.id, CodeLookupCount.outcome == "used")
        .order_by(CodeLookupCount.day.desc()).limit(days))]


#: Questionnaires by content hash. Published versions never change (see versions.py): a
#: request reads the version's 64-character hash, not its whole definition.
_BY_HASH: dict[str, Questionnaire] = {}


def campaign_questionnaire(entry: Entry) -> Questionnaire:
    """The questionnaire a code or link is answered with (its rater group's pinned version)."""
    questionnaire = _BY_HASH.get(entry.content_hash)
    if questionnaire is None:
        questionnaire = questionnaire_of(
            db.session.get(QuestionnaireVersion, entry.questionnaire_version_id))
        if len(_BY_HASH) > 1024:
            _BY_HASH.clear()
        _BY_HASH[entry.content_hash] = questionnaire
    return questionnaire
