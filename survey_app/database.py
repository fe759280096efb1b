"""Database helpers: SQLite settings for concurrent writers, and the pool's liveness check."""

from __future__ import annotations

from time import monotonic

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    # WAL lets readers run beside the writer; busy_timeout makes writers queue instead
    # of failing at once; synchronous=FULL keeps every acknowledged commit on disk.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
        idle_ping(engine, float(app.config["POOL_PING_IDLE_SECONDS"]))
