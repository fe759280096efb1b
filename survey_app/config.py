"""Configuration read from the environment, with safe development defaults."""

from __future__ import annotations

import os

#: The secret key used when none is configured. Only development and testing accept it.
DEV_SECRET_KEY = "pingjia-development-secret-do-not-use-in-production"  # noqa: S105


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for every environment. Values come from environment variables."""

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("PINGJIA_ENV", "production")
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
        # None means: an SQLite file in the instance folder (filled in by create_app).
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
        # No pool_pre_ping: survey_app.database pings only connections idle for longer
        # than this many seconds, instead of one extra round trip on every request.
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
        self.POOL_PING_IDLE_SECONDS = float(os.environ.get("POOL_PING_IDLE_SECONDS", 10))
        # SQLite: the write-ahead log is checkpointed and truncated within this many
        # seconds of a member's write (survey_app.database.WalSweeper); 0 turns it off.
        self.SQLITE_CHECKPOINT_SECONDS = float(os.environ.get("SQLITE_CHECKPOINT_SECONDS", 10))
        self.BABEL_DEFAULT_LOCALE = "zh"
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("PINGJIA_TIMEZONE", "Asia/Shanghai")
        self.LANGUAGES = ("zh", "en")
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
        self.UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")  # default: instance/uploads
        self.WTF_CSRF_TIME_LIMIT = None  # a member may keep a form open for a long time
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", self.ENV_NAME == "production")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.TESTING = False

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k.isupper()}


class TestConfig(Config):
    """Settings for the test suite: a throw-away database, no rate limits unless asked."""

    __test__ = False  # not a pytest test class

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.ENV_NAME = "testing"
        self.TESTING = True
        self.SECRET_KEY = DEV_SECRET_KEY
        self.SQLALCHEMY_DATABASE_URI = database_url or os.environ.get(
            "TEST_DATABASE_URL", "sqlite://"
        )
        self.RATELIMIT_ENABLED = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        # no timer threads outliving a test's database; tests that sweep ask for it
        self.SQLITE_CHECKPOINT_SECONDS = 0
        self.SESSION_COOKIE_SECURE = False
        self.REMEMBER_COOKIE_SECURE = False
