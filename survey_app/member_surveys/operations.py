"""Writes of the survey path: issuing codes, saving drafts, storing responses.

The code is consumed and the response stored in one transaction, and the response keeps
nothing that identifies the rater (see ``models.response.Response``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import (
    Select,
    and_,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    null,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from survey_app.database import checkpoint_now_or_soon, wal_sweeper
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
    CodeLookupCount,
    OpenLink,
    Organisation,
    RaterGroup,
    Response,
    Submission,
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
    if (group.settings or {}).get("then_parent") and _rated_from_below(campaign, target):
        # a member of a branch union rates it from their union group's code
        raise InvalidRequest(_("%(unit)s is rated with the codes of the units below it: "
                               "issue codes for its union groups.", unit=target.name))
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


def _rated_from_below(campaign: Campaign, org: Organisation) -> bool:
    """In a multi-level campaign: another target lies directly below ``org``."""
    return db.session.scalar(
        select(CampaignTarget.id).join(Organisation,
                                       Organisation.id == CampaignTarget.organisation_id)
        .where(CampaignTarget.campaign_id == campaign.id, Organisation.parent_id == org.id)
        .limit(1)) is not None


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


def count_refused_lookup(campaign_id: int | None, outcome: str) -> None:
    """Add one to today's count of refused code look-ups (``unknown`` or ``used``) of a
    campaign (0 when the code names none). Counts only: which code, address or time of
    day is never written."""
    table = CodeLookupCount.__table__
    dialect = db.engine.dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        day=today(), campaign_id=campaign_id or 0, outcome=outcome, count=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[table.c.day, table.c.campaign_id, table.c.outcome],
        set_={"count": table.c.count + 1})
    db.session.execute(upsert)
    db.session.commit()


def save_draft(hashed: str, answers: dict[str, object]) -> bool:
    """Keep the answers given so far on the code's row (replaced on each save); False if
    the code is used (or unknown) and nothing was kept.

    One conditional UPDATE of the code's row: the submission's statement takes the same
    row's lock and clears the draft as it marks the code used, so a save that arrives
    after the submission finds the code used and writes nothing.
    """
    params = {"hashed": hashed, "answers": answers}
    if db.engine.dialect.name == "postgresql":
        with driver_connection(autocommit=True) as raw:
            return run(raw, _SAVE_DRAFT_SQL, params) == 1
    with driver_connection() as raw:
        saved = run(raw, _SAVE_DRAFT_SQL, params)
        raw.commit()
    wal_sweeper.written()
    return saved == 1


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
    The same UPDATE clears the code's draft, under the same lock as a save
    (:func:`save_draft`): no draft outlives its code's submission.
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
                raw.commit()
            else:
                raw.rollback()
        if stored == 1:
            wal_sweeper.written()
    if stored != 1:
        used = db.session.scalar(select(AccessCode.used).where(AccessCode.code_hash == hashed))
        db.session.rollback()
        if used is False:
            raise CampaignClosed("campaign no longer open")
        raise CodeAlreadyUsed("code already used")


def submit_levels_with_code(hashed: str, ballots: list[Ballot]) -> None:
    """Consume the code and store one response per level (a member's own union group, the
    branch above it ...) in one transaction: all of them or none, one set per code.

    The conditional UPDATE comes first and takes the code's row lock (PostgreSQL) or the
    database's write lock (SQLite), as in :func:`submit_with_code`; a second submission
    of the same code finds it used and stores nothing.
    """
    rows = [_response_row(b) for b in ballots]
    with driver_connection() as raw:
        stored = run(raw, _CONSUME_SQL, {"hashed": hashed})
        if stored == 1:
            for row in rows:
                run(raw, _INSERT_RESPONSE_SQL, row)
            raw.commit()
        else:
            raw.rollback()
    if stored == 1:
        if db.engine.dialect.name != "postgresql":
            wal_sweeper.written()
        return
    used = db.session.scalar(select(AccessCode.used).where(AccessCode.code_hash == hashed))
    db.session.rollback()
    if used is False:
        raise CampaignClosed("campaign no longer open")
    raise CodeAlreadyUsed("code already used")


_responses, _codes = Response.__table__, AccessCode.__table__
_CONSUME = (
    update(_codes)
    .where(_codes.c.code_hash == bindparam("hashed"), _codes.c.used.is_(False),
           _codes.c.campaign_id.in_(
               select(Campaign.id).where(Campaign.status == CampaignStatus.OPEN.value)))
    .values(used=True, draft=null())
)
_INSERT_RESPONSE = insert(_responses)
_SAVE_DRAFT = (
    update(_codes)
    .where(_codes.c.code_hash == bindparam("hashed"), _codes.c.used.is_(False))
    .values(draft=bindparam("answers", type_=_codes.c.draft.type))
)
#: Every column of ``responses``, as ``_response_row`` fills them.
_RESPONSE_COLUMNS = tuple(_responses.c.keys())


def _consume_and_store() -> Select:
    """PostgreSQL: consume the code (clearing its draft) and store the response in one
    statement.

    ``WITH consumed AS (UPDATE access_codes SET used = true, draft = NULL ... RETURNING
    id), stored AS (INSERT INTO responses SELECT <the row> FROM consumed ...) SELECT
    count(*) FROM stored``. A statement is atomic, so this runs without an explicit
    transaction: one round trip instead of four (BEGIN, UPDATE, INSERT, COMMIT), which is
    most of the database's cost per submission.
    """
    consumed = _CONSUME.returning(_codes.c.id).cte("consumed")
    row = select(*(cast(bindparam(f"new_{name}", type_=_responses.c[name].type),
                        _responses.c[name].type) for name in _RESPONSE_COLUMNS))
    stored = (insert(_responses)
              .from_select(list(_RESPONSE_COLUMNS), row.select_from(consumed))
              .returning(_responses.c.id).cte("stored"))
    return select(func.count()).select_from(stored)


_CONSUME_AND_STORE = _consume_and_store()
_CONSUME_SQL, _INSERT_RESPONSE_SQL, _SAVE_DRAFT_SQL, _CONSUME_AND_STORE_SQL = (
    DriverStatement(s) for s in (_CONSUME, _INSERT_RESPONSE, _SAVE_DRAFT, _CONSUME_AND_STORE))


def submit_open(ballot: Ballot) -> None:
    """Store a response that came through an open link (no code to consume)."""
    try:
        db.session.connection().execute(_INSERT_RESPONSE, _response_row(ballot))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    wal_sweeper.written()


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


def seal_campaign_storage(campaign: Campaign) -> int:
    """Once a campaign stops taking answers: rewrite its anonymous responses in (random)
    id order, clear any draft left on a used code, and on SQLite truncate the write-ahead
    log; the number of responses rewritten.

    While answers arrive, the database keeps their arrival order where no column does:
    the heap's order and each row's transaction id (``xmin``, shared with the code's row
    that the same statement marked used) on PostgreSQL, the position of each row inside
    its page on SQLite. Deleting and re-inserting the rows in one transaction, sorted by
    their random id, gives them one transaction id and a position that follows the id.
    Responses a named submission points to (non-anonymous groups) are left alone.
    """
    if campaign.accepting_answers():
        raise InvalidRequest(f"campaign {campaign.code} still takes answers")
    anonymous = select(RaterGroup.id).where(RaterGroup.campaign_id == campaign.id,
                                            RaterGroup.anonymous.is_(True))
    named = select(Submission.response_id).where(Submission.response_id == _responses.c.id)
    mine = and_(_responses.c.campaign_id == campaign.id,
                _responses.c.rater_group_id.in_(anonymous), ~exists(named))
    sealed = table("sealed_responses", *(column(name) for name in _RESPONSE_COLUMNS))
    with db.engine.begin() as conn:
        # literal values (ids and a boolean): PostgreSQL takes no parameters in DDL
        chosen = select(_responses).where(mine).compile(
            dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        conn.execute(text(f"CREATE TEMPORARY TABLE sealed_responses AS {chosen}"))
        # exactly the rows copied: an open-link answer racing the close is not lost
        rewritten = conn.execute(delete(_responses).where(
            _responses.c.id.in_(select(sealed.c.id)))).rowcount
        conn.execute(insert(_responses).from_select(
            list(_RESPONSE_COLUMNS), select(*sealed.c).order_by(sealed.c.id)))
        conn.execute(text("DROP TABLE sealed_responses"))
        conn.execute(update(_codes).where(_codes.c.campaign_id == campaign.id,
                                          _codes.c.used.is_(True), _codes.c.draft.isnot(None))
                     .values(draft=null()))
    checkpoint_now_or_soon(db.engine)
    return int(rewritten or 0)
