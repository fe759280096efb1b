"""Database helpers: SQLite settings for concurrent writers and for leaving no traces,
the write-ahead log's sweeper, and the pool's liveness check."""

from __future__ import annotations

import logging
import threading
from time import monotonic

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

#: How long an SQLite connection waits for the write lock (ms).
BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    # WAL lets readers run beside the writer; busy_timeout makes writers queue instead
    # of failing at once; synchronous=FULL keeps every acknowledged commit on disk.
    # secure_delete overwrites deleted content (a cleared draft, a rewritten row) with
    # zeros instead of leaving it in the page or on the free list.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


log = logging.getLogger(__name__)

#: How long a checkpoint from the sweeper may wait for readers and writers (ms). While
#: it waits, SQLite holds new writers back, so the wait is short; a busy sweep retries.
SWEEP_BUSY_MS = 100


def checkpoint(engine: Engine, busy_ms: int | None = None) -> bool:
    """Copy SQLite's write-ahead log into the database file and truncate the log to zero
    bytes; True if the whole log was checkpointed. No-op (True) on other databases.

    The log holds every page a transaction wrote, side by side, in commit order: the
    code's row next to the response it opened, a draft's text after the row no longer
    holds it. Truncating it leaves only the database file, where deleted content is
    zeroed (``secure_delete``). ``busy_ms`` bounds how long to wait for other
    connections (default: the connection's ``busy_timeout``).
    """
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if busy_ms is not None:
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        try:
            busy, _frames, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            if busy_ms is not None:
                cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()
    finally:
        raw.close()
    return busy == 0


class WalSweeper:
    """Checkpoints (TRUNCATE) an SQLite database at most every ``interval`` seconds, and
    within ``interval`` seconds after any write of the member path.

    A write calls :meth:`written`, which only starts a timer if none is pending: the
    member's request never waits for the checkpoint. The timer's thread runs it with a
    short busy timeout and tries again later if other connections were busy.
    """

    def __init__(self, engine: Engine, interval: float) -> None:
        self.engine = engine
        self.interval = interval
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def written(self) -> None:
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(self.interval, self.sweep)
                self._timer.daemon = True
                self._timer.start()

    def sweep(self) -> None:
        with self._lock:
            self._timer = None
        try:
            done = checkpoint(self.engine, busy_ms=SWEEP_BUSY_MS)
        except Exception:  # a sweep must never take a worker down; the next write retries
            log.warning("WAL checkpoint failed", exc_info=True)
            return
        if not done:
            self.written()

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class _WalSweeperHandle:
    """``wal_sweeper.written()``: the current app's sweeper, if its database has one."""

    def written(self) -> None:
        sweeper = current_app.extensions.get("pingjia_wal_sweeper")
        if sweeper is not None:
            sweeper.written()


wal_sweeper = _WalSweeperHandle()


def checkpoint_now_or_soon(engine: Engine) -> None:
    """Truncate SQLite's write-ahead log after a write that must leave no trace in it,
    waiting only briefly (while a checkpoint waits for readers, SQLite holds new writers
    back); if readers keep it busy, the app's sweeper tries again shortly."""
    if not checkpoint(engine, busy_ms=SWEEP_BUSY_MS):
        wal_sweeper.written()


def idle_ping(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before handing it out, but only if it has sat idle in
    the pool for more than ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip per
    request, which under a burst of members is a third of the database work of a survey
    page. A connection that was in use a moment ago is known to be alive; the ones that
    go stale (a database restart, a firewall dropping idle connections) are those that
    sat idle. A failed ping raises ``DisconnectionError``: the pool then discards that
    connection and hands out a fresh one, so the request never sees it. A connection
    that dies within ``idle_seconds`` of its last use fails its request once (a 503
    page), and the pool then replaces every connection it held before the failure.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record) -> None:  # noqa: ARG001
        record.info["pingjia_idle_since"] = monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy) -> None:  # noqa: ARG001
        since = record.info.pop("pingjia_idle_since", None)
        if since is None or monotonic() - since <= idle_seconds:
            return  # a new connection, or one in use a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("idle connection failed its ping") from exc
        if alive is False:  # dialects may report a failed ping instead of raising
            raise DisconnectionError("idle connection failed its ping")


def init_app(app: Flask) -> None:
    from survey_app.extensions import db

    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not event.contains(
            engine, "connect", _sqlite_pragmas
        ):
            event.listen(engine, "connect", _sqlite_pragmas)
        interval = app.config.get("SQLITE_CHECKPOINT_SECONDS")
        if engine.dialect.name == "sqlite" and interval:
            app.extensions["pingjia_wal_sweeper"] = WalSweeper(engine, float(interval))
        idle_ping(engine, float(app.config["POOL_PING_IDLE_SECONDS"]))


def schema_objects_of(dialect_name: str):
    """Alembic's ``include_object`` for a database of ``dialect_name``: leaves out of the
    comparison of models and database an index the models create on another kind of
    database only (``Index(...).ddl_if(dialect=...)``), which autogenerate would otherwise
    report as missing there."""

    def include(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ARG001
        only = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return not (type_ == "index" and not reflected and only not in (None, dialect_name))

    return include
