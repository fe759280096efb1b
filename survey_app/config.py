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


def _roles(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


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
        # Rate-limit counts: Redis shared by every worker (see survey_app.rate_limits).
        self.REDIS_URL = os.environ.get("REDIS_URL")
        self.RATELIMIT_STORAGE_URI = (os.environ.get("RATELIMIT_STORAGE_URI") or self.REDIS_URL
                                      or "memory://")
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        # Several deployments (or a benchmark run) may share one Redis: their counts differ
        # by this prefix.
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "pingjia")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
        self.LOGIN_USERNAME_RATE_LIMIT = os.environ.get("LOGIN_USERNAME_RATE_LIMIT",
                                                        "10 per minute;50 per hour")
        self.CODE_RATE_LIMIT = os.environ.get("CODE_RATE_LIMIT", "30 per minute")
        self.INVALID_CODE_CEILING = os.environ.get("INVALID_CODE_CEILING", "300 per minute")
        self.CODE_RATE_LIMIT_UNDER_ATTACK = os.environ.get("CODE_RATE_LIMIT_UNDER_ATTACK",
                                                           "5 per minute")
        self.CAMPAIGN_SUBMIT_RATE_LIMIT = os.environ.get("CAMPAIGN_SUBMIT_RATE_LIMIT",
                                                         "30 per 10 minutes")
        # The open API: requests per token, the largest request body, token lifetime.
        self.API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")
        self.API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", 64 * 1024))
        # ... and of a file sent to the API (the organisation import)
        self.API_MAX_UPLOAD_BYTES = int(os.environ.get("API_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
        self.API_TOKEN_DEFAULT_DAYS = int(os.environ.get("API_TOKEN_DEFAULT_DAYS", 90))
        # Webhook receivers in private, loopback or link-local ranges are refused unless
        # their host (name or address, comma-separated) is listed here by a platform admin.
        self.WEBHOOK_ALLOWED_HOSTS = tuple(
            h.strip() for h in os.environ.get("WEBHOOK_ALLOWED_HOSTS", "").split(",")
            if h.strip())
        self.WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 5))
        self.WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", 8))
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
        self.UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")  # default: instance/uploads
        # Form tokens expire (a staff working day). A member who posts an expired member
        # form gets the form back with every answer kept (survey_app.member_surveys.views).
        self.WTF_CSRF_TIME_LIMIT = int(os.environ.get("CSRF_TIME_LIMIT_SECONDS", 8 * 3600))
        # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto
        # headers are trusted (0: none; the connecting address is the client).
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
        # Strict-Transport-Security max-age for requests served over HTTPS (0: no header).
        self.HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", 365 * 24 * 3600))
        # The smallest group whose anonymous answers are ever reported (k). Campaign owners
        # may only raise it; the app refuses to start below 3.
        self.MIN_GROUP_SIZE_FLOOR = int(os.environ.get("MIN_GROUP_SIZE_FLOOR", 5))
        # Days after an assessment is published during which a unit may appeal (申诉).
        self.APPEAL_WINDOW_DAYS = int(os.environ.get("APPEAL_WINDOW_DAYS", 15))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", self.ENV_NAME == "production")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # Staff sessions end after this long without a request, and this long after the
        # password login whatever happens (the remember-me cookie too).
        self.SESSION_IDLE_MINUTES = float(os.environ.get("SESSION_IDLE_MINUTES", 30))
        self.SESSION_MAX_HOURS = float(os.environ.get("SESSION_MAX_HOURS", 12))
        # Failed logins: this many within the window lock the account for LOCKOUT_MINUTES,
        # doubled at each further lockout up to LOCKOUT_MAX_MINUTES (never for good).
        self.LOCKOUT_THRESHOLD = int(os.environ.get("LOCKOUT_THRESHOLD", 5))
        self.LOCKOUT_WINDOW_MINUTES = float(os.environ.get("LOCKOUT_WINDOW_MINUTES", 15))
        self.LOCKOUT_MINUTES = float(os.environ.get("LOCKOUT_MINUTES", 15))
        self.LOCKOUT_MAX_MINUTES = float(os.environ.get("LOCKOUT_MAX_MINUTES", 240))
        # Roles that must use two-factor authentication (comma-separated role names).
        self.TWO_FACTOR_REQUIRED_ROLES = _roles(os.environ.get(
            "TWO_FACTOR_REQUIRED_ROLES",
            "platform_admin,union_admin" if self.ENV_NAME == "production" else "",
        ))
        self.TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "Pingjia")
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
        self.TWO_FACTOR_REQUIRED_ROLES = ()
        # the webhook tests' receiver listens on the loopback address
        self.WEBHOOK_ALLOWED_HOSTS = ("127.0.0.1",)
