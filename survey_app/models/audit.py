"""The audit log: who changed what, when; tamper-evident.

Every record carries ``seq`` (its place in the chain, without gaps) and ``hash``: SHA-256
over the previous record's hash and a canonical serialisation of the record. Changing a
stored record, or deleting one, breaks the chain, and :func:`verify_chain` names the first
record where it breaks. The one-row table ``audit_chain_head`` holds the newest ``seq`` and
``hash`` (so deleting the newest records is detected too) and the *anchor*: the hash the
oldest kept record builds on (all zeros at first, the last purged record's hash after a
purge). Appends update that row first, which locks it until the transaction ends
(PostgreSQL row lock; SQLite's single writer), so concurrent writers extend the chain one
after the other.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from survey_app.extensions import db

#: The hash the first record of a new log builds on.
GENESIS_HASH = "0" * 64
#: Records younger than this many days are never purged (等保 2.0: keep at least 180 days).
RETENTION_DAYS = 180

_creation_order = itertools.count()


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    hash: Mapped[str] = mapped_column(String(64))

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._order = next(_creation_order)  # entries of one flush chain in creation order


class AuditChainHead(db.Model):
    """The one row (``id`` 1) that holds the end and the anchor of the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    anchor_seq: Mapped[int] = mapped_column(Integer)
    anchor_hash: Mapped[str] = mapped_column(String(64))


def record(action: str, obj_type: str, obj_id: object = None, user=None, **detail) -> AuditEntry:
    """Add an audit entry to the current session (committed with the change it records)."""
    entry = AuditEntry(
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        user_id=getattr(user, "id", None),
        # stored as it reads back from a JSON column, so the hash is computed on the same
        detail=json.loads(json.dumps(detail, ensure_ascii=False, default=str)),
    )
    db.session.add(entry)
    return entry


# ---------------------------------------------------------------- the chain


def _utc_text(at: datetime) -> str:
    # SQLite gives back naive datetimes; every stored time is UTC
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq: int, at: datetime, user_id: int | None, action: str, object_type: str,
              object_id: str | None, detail: dict | None) -> bytes:
    """The bytes a record's hash covers: its fields as sorted, compact JSON."""
    fields = {"seq": seq, "at": _utc_text(at), "user_id": user_id, "action": action,
              "object_type": object_type, "object_id": object_id, "detail": detail or {}}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def chain_hash(previous: str, record_bytes: bytes) -> str:
    return hashlib.sha256(previous.encode("ascii") + b"\n" + record_bytes).hexdigest()


_head = AuditChainHead.__table__


def _genesis_row() -> dict:
    return {"id": 1, "seq": 0, "hash": GENESIS_HASH, "anchor_seq": 0,
            "anchor_hash": GENESIS_HASH}


@event.listens_for(_head, "after_create")
def _create_head_row(target, connection, **kw) -> None:  # noqa: ARG001
    connection.execute(insert(_head).values(**_genesis_row()))


def _lock_head(connection, advance: int):
    """Advance the chain's end by ``advance`` and return (new seq, previous hash).

    The UPDATE locks the head row until the transaction ends: the next writer waits.
    """
    statement = (update(_head).where(_head.c.id == 1)
                 .values(seq=_head.c.seq + advance).returning(_head.c.seq, _head.c.hash))
    row = connection.execute(statement).first()
    if row is None:  # an emptied database: start a new chain
        try:
            with connection.begin_nested():
                connection.execute(insert(_head).values(**_genesis_row()))
        except IntegrityError:
            pass  # another writer made it first
        row = connection.execute(statement).first()
    return row


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    entries = sorted((o for o in session.new if isinstance(o, AuditEntry)),
                     key=lambda e: getattr(e, "_order", 0))
    if not entries:
        return
    new_end, previous = _lock_head(session.connection(), len(entries))
    seq = new_end - len(entries)
    now = datetime.now(UTC)
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.at = entry.at or now
        entry.detail = entry.detail or {}
        previous = chain_hash(previous, canonical(seq, entry.at, entry.user_id, entry.action,
                                                  entry.object_type, entry.object_id,
                                                  entry.detail))
        entry.hash = previous
    session.connection().execute(update(_head).where(_head.c.id == 1).values(hash=previous))


# ---------------------------------------------------------------- verify and purge


@dataclass(frozen=True)
class ChainCheck:
    """The result of :func:`verify_chain`."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    bad_id: int | None = None
    bad_seq: int | None = None
    problem: str = ""


def verify_chain(session: Session) -> ChainCheck:
    """Walk the log in chain order and recompute every hash; stop at the first bad record."""
    head = session.execute(select(_head).where(_head.c.id == 1)).first()
    head = head or type("Head", (), _genesis_row())
    expected_seq, previous, checked = head.anchor_seq + 1, head.anchor_hash, 0
    t = AuditEntry.__table__.c
    rows = session.execute(
        select(t.id, t.seq, t.at, t.user_id, t.action, t.object_type, t.object_id, t.detail,
               t.hash).order_by(t.seq.is_(None).desc(), t.seq)
    ).yield_per(2000)

    def bad(row, problem: str) -> ChainCheck:
        return ChainCheck(False, checked, head.seq, head.hash, row.id, row.seq, problem)

    for row in rows:
        if row.seq is None:
            return bad(row, "record has no place in the chain (inserted outside the app)")
        if row.seq < expected_seq:
            return bad(row, f"record is older than the chain's anchor (seq {head.anchor_seq})")
        if row.seq > expected_seq:
            return bad(row, f"records {expected_seq}..{row.seq - 1} before it are missing")
        computed = chain_hash(previous, canonical(row.seq, row.at, row.user_id, row.action,
                                                  row.object_type, row.object_id, row.detail))
        if computed != row.hash:
            return bad(row, "record was changed after it was written")
        previous, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    if expected_seq - 1 != head.seq or previous != head.hash:
        return ChainCheck(False, checked, head.seq, head.hash, None, expected_seq,
                          f"the newest records after seq {expected_seq - 1} are missing "
                          f"(the chain ends at seq {head.seq})")
    return ChainCheck(True, checked, head.seq, head.hash)


def local_midnight_utc(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def purge_before(session: Session, before: date, today: date, timezone: str,
                 user=None) -> int:
    """Delete the records written before ``before`` (a local date), at least
    :data:`RETENTION_DAYS` old, keep the chain verifiable, and audit the purge.

    Only a prefix of the chain is deleted (records are chained in time order); the hash of
    the last deleted record becomes the anchor. Raises ``ValueError`` for a date that is too
    recent or when the chain does not verify (a purge must not hide tampering).
    """
    limit = today - timedelta(days=RETENTION_DAYS)
    if before > limit:
        raise ValueError(f"audit records are kept for {RETENTION_DAYS} days: "
                         f"--before must be {limit.isoformat()} or earlier")
    check = verify_chain(session)
    if not check.ok:
        raise ValueError(f"the audit chain does not verify ({check.problem}); "
                         "nothing was purged")
    cutoff = local_midnight_utc(before, timezone)
    connection = session.connection()
    end, _ = _lock_head(connection, 0)
    first_kept = session.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= cutoff))
    last_purged = (first_kept - 1) if first_kept is not None else end
    anchor = session.execute(select(_head.c.anchor_seq)).scalar_one()
    if last_purged <= anchor:
        return 0
    anchor_hash = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == last_purged))
    count = connection.execute(
        delete(AuditEntry.__table__).where(AuditEntry.__table__.c.seq <= last_purged)
    ).rowcount
    connection.execute(update(_head).where(_head.c.id == 1)
                       .values(anchor_seq=last_purged, anchor_hash=anchor_hash))
    record("audit.purge", "audit_log", None, user, before=before.isoformat(), count=count,
           anchor_seq=last_purged, anchor_hash=anchor_hash)
    session.commit()
    return count
