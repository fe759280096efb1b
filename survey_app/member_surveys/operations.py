"""Writes of the survey path: issuing codes, saving drafts, storing responses.

The code is consumed and the response stored in one transaction, and the response keeps
nothing that identifies the rater (see ``models.response.Response``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, cast, delete, exists, func, insert, select, update

from survey_app.dates import today
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.member_surveys.codes import code_hash, new_code
from survey_app.member_surveys.statements import DriverStatement, driver_connection, fetch_one, run
from survey_app.models import (
    AccessCode,
    AnsweringState,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Draft,
    OpenLink,
    Organisation,
    RaterGroup,
    Response,
)
from survey_app.models.audit import record
from survey_app.models.response import new_response_id

MAX_CODES_PER_REQUEST = 10_000


class SurveyError(DomainError):
    """A refusal of the member's path, shown to the member as a clear page."""


class CodeAlreadyUsed(SurveyError):
    status = 409


class CampaignNotOpen(SurveyError):
    status = 403


class CampaignClosed(SurveyError):
    status = 410


class InvalidRequest(SurveyError):
    status = 400


def check_accepting(campaign: Campaign) -> None:
    """Raise unless ``campaign`` takes answers today, saying whether it is not open yet or
    closed already."""
    state = campaign.answering_state(today())
    if state == AnsweringState.NOT_OPEN:
        raise CampaignNotOpen(campaign.code)
    if state == AnsweringState.CLOSED:
        raise CampaignClosed(campaign.code)


def anonymous_group(campaign: Campaign) -> RaterGroup:
    for group in campaign.rater_groups:
        if group.anonymous:
            return group
    raise InvalidRequest(f"campaign {campaign.code} has no anonymous rater group")


def issue_codes(
    campaign: Campaign, target: Organisation, count: int, group: RaterGroup | None = None,
    user=None,
) -> list[str]:
    """Create ``count`` one-time codes for ``target``; only their hashes are stored."""
    if not 1 <= count <= MAX_CODES_PER_REQUEST:
        raise InvalidRequest(f"count must be between 1 and {MAX_CODES_PER_REQUEST}")
    if group is None:
        group = anonymous_group(campaign)
    if not group.anonymous or group.campaign_id != campaign.id:
        raise InvalidRequest("codes are for an anonymous rater group of this campaign")
    if not is_target(campaign, target):
        raise InvalidRequest(f"{target.code} is not a target of campaign {campaign.code}")
    codes = {new_code() for _ in range(count)}
    while len(codes) < count:  # a collision at 69 bits: practically never
        codes.add(new_code())
    db.session.add_all(
        AccessCode(campaign_id=campaign.id, rater_group_id=group.id, target_id=target.id,
                   code_hash=code_hash(c))
        for c in codes
    )
    record("codes.issue", "campaign", campaign.code, user, target=target.code, count=count)
    db.session.commit()
    return sorted(codes)


def is_target(campaign: Campaign, org: Organisation) -> bool:
    return db.session.scalar(
        select(CampaignTarget.id).where(
            CampaignTarget.campaign_id == campaign.id, CampaignTarget.organisation_id == org.id
        )
    ) is not None


def create_open_link(campaign: Campaign, target: Organisation, label: str, user=None) -> OpenLink:
    """A reusable link for a poster or a service point of ``target``."""
    if not is_target(campaign, target):
        raise InvalidRequest(f"{target.code} is not a target of campaign {campaign.code}")
    link = OpenLink(token=secrets.token_urlsafe(12), campaign_id=campaign.id,
                    rater_group_id=anonymous_group(campaign).id, target_id=target.id, label=label)
    db.session.add(link)
    record("links.create", "campaign", campaign.code, user, target=target.code, label=label)
    db.session.commit()
    return link


def save_draft(hashed: str, answers: dict[str, object]) -> None:
    """Keep the answers given so far under a code (replaced on each save)."""
    draft = db.session.scalar(select(Draft).where(Draft.code_hash == hashed))
    if draft is None:
        db.session.add(Draft(code_hash=hashed, answers=answers, updated_on=today()))
    else:
        draft.answers = answers
        draft.updated_on = today()
    db.session.commit()


def load_draft(hashed: str) -> dict[str, object]:
    draft = db.session.scalar(select(Draft).where(Draft.code_hash == hashed))
    return dict(draft.answers) if draft is not None else {}


@dataclass(frozen=True)
class Ballot:
    """What a submission stores, gathered before the write transaction starts."""

    campaign_id: int
    target_id: int
    rater_group_id: int
    questionnaire_version_id: int
    answers: dict
    item_values: bytes


def submit_with_code(hashed: str, ballot: Ballot) -> None:
    """Consume the code and store the response atomically: exactly one response per code,
    and nothing is acknowledged before it is committed.

    On PostgreSQL this is one statement (see :data:`_CONSUME_AND_STORE`): the conditional
    UPDATE takes the code's row lock, so concurrent submissions of one code queue, and all
    but the first find the code used and store nothing. On SQLite it is one transaction
    whose first statement is the conditional UPDATE, which takes the database's write lock.
    The statements run on the driver's connection (see ``driver.py``): this is the
    hottest write path, and neither the ORM nor SQLAlchemy's result machinery adds
    anything here but time.
    """
    row = _response_row(ballot)
    if db.engine.dialect.name == "postgresql":
        # the row's values under names that are no column of access_codes: an UPDATE
        # takes parameters named like its table's columns as values to SET
        params = {"hashed": hashed, **{f"new_{k}": v for k, v in row.items()}}
        with driver_connection(autocommit=True) as raw:
            stored = fetch_one(raw, _CONSUME_AND_STORE_SQL, params)[0]
    else:
        with driver_connection() as raw:
            # No commit before the UPDATE: the driver starts SQLite's transaction at the
            # first write, and the look-up ran on another connection, in no transaction.
            stored = run(raw, _CONSUME_SQL, {"hashed": hashed})
            if stored == 1:
                run(raw, _INSERT_RESPONSE_SQL, row)
                run(raw, _DELETE_DRAFT_SQL, {"hashed": hashed})
                raw.commit()
            else:
                raw.rollback()
    if stored != 1:
        used = db.session.scalar(select(AccessCode.used).where(AccessCode.code_hash == hashed))
        db.session.rollback()
        if used is False:
            raise CampaignClosed("campaign no longer open")
        raise CodeAlreadyUsed("code already used")


_responses, _codes, _drafts = Response.__table__, AccessCode.__table__, Draft.__table__
_CONSUME = (
    update(_codes)
    .where(_codes.c.code_hash == bindparam("hashed"), _codes.c.used.is_(False),
           _codes.c.campaign_id.in_(
               select(Campaign.id).where(Campaign.status == CampaignStatus.OPEN.value)))
    .values(used=True)
)
_INSERT_RESPONSE = insert(_responses)
_DELETE_DRAFT = delete(_drafts).where(_drafts.c.code_hash == bindparam("hashed"))
#: Every column of ``responses``, as ``_response_row`` fills them.
_RESPONSE_COLUMNS = tuple(_responses.c.keys())


def _consume_and_store() -> Select:
    """PostgreSQL: consume the code, store the response and drop the draft in one statement.

    ``WITH consumed AS (UPDATE access_codes ... RETURNING id), stored AS (INSERT INTO
    responses SELECT <the row> FROM consumed ...), dropped AS (DELETE FROM drafts ... WHERE
    EXISTS (SELECT FROM consumed)) SELECT count(*) FROM stored``. A statement is atomic, so
    this runs without an explicit transaction: one round trip instead of five (BEGIN,
    UPDATE, INSERT, DELETE, COMMIT), which is most of the database's cost per submission.
    """
    consumed = _CONSUME.returning(_codes.c.id).cte("consumed")
    row = select(*(cast(bindparam(f"new_{name}", type_=_responses.c[name].type),
                        _responses.c[name].type) for name in _RESPONSE_COLUMNS))
    stored = (insert(_responses)
              .from_select(list(_RESPONSE_COLUMNS), row.select_from(consumed))
              .returning(_responses.c.id).cte("stored"))
    dropped = (delete(_drafts)
               .where(_drafts.c.code_hash == bindparam("hashed"),
                      exists(select(consumed.c.id)))
               .cte("dropped"))
    return select(func.count()).select_from(stored).add_cte(dropped)


_CONSUME_AND_STORE = _consume_and_store()
_CONSUME_SQL, _INSERT_RESPONSE_SQL, _DELETE_DRAFT_SQL, _CONSUME_AND_STORE_SQL = (
    DriverStatement(s) for s in (_CONSUME, _INSERT_RESPONSE, _DELETE_DRAFT, _CONSUME_AND_STORE))


def submit_open(ballot: Ballot) -> None:
    """Store a response that came through an open link (no code to consume)."""
    try:
        db.session.connection().execute(_INSERT_RESPONSE, _response_row(ballot))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _response_row(ballot: Ballot) -> dict[str, object]:
    """The ``responses`` row: a random id, the date, and nothing that identifies the rater."""
    return {
        "id": new_response_id(),
        "campaign_id": ballot.campaign_id,
        "target_id": ballot.target_id,
        "rater_group_id": ballot.rater_group_id,
        "questionnaire_version_id": ballot.questionnaire_version_id,
        "submitted_on": today(),
        "answers": ballot.answers,
        "item_values": ballot.item_values,
    }
