"""Readiness: can this instance serve requests now (database, and Redis when configured)?"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from survey_app.extensions import db


def redis_url() -> str | None:
    """The Redis the platform uses (rate limits), if one is configured."""
    config = current_app.config
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if storage.startswith(("redis://", "rediss://", "redis+")):
        return storage
    return config.get("REDIS_URL") or None


def _database_ok() -> bool:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except (SQLAlchemyError, OSError):
        return False


def _redis_ok(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url.replace("redis+", "", 1) if url.startswith("redis+")
                                      else url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def readiness() -> dict[str, str]:
    """Each dependency's state, ``"ok"`` or ``"unavailable"``."""
    checks = {"database": "ok" if _database_ok() else "unavailable"}
    url = redis_url()
    if url:
        checks["redis"] = "ok" if _redis_ok(url) else "unavailable"
    return checks
