"""Response headers and log redaction that every page gets."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from flask import Flask, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

#: Access codes appear in member URLs (/s/<code>); logs must never hold them.
_CODE_IN_PATH = re.compile(r"(/s/)[^/\s?\"']+")


def redact(text: str) -> str:
    """Replace any access code in a URL path with a fixed marker.

    A percent-encoded member path (``/%73/<code>``, ``/s%2F<code>``) is routed like the
    plain one (the server decodes the path once), so the text is decoded once before
    matching when that reveals a member path.
    """
    if "%" in text:
        decoded = unquote(text)
        if "/s/" in decoded:
            text = decoded
    # gunicorn's access log passes every request and response header: most values hold
    # no member path, and a substring test is far cheaper than the substitution
    return _CODE_IN_PATH.sub(r"\1[redacted]", text) if "/s/" in text else text


class RedactCodesFilter(logging.Filter):
    """A logging filter that removes access codes from a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if getattr(record.args, "redacted", False):
            return True  # survey_app.serving.RedactedAtoms redacts each value it gives
        if isinstance(record.args, Mapping):  # gunicorn's access log passes a mapping
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        elif record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_log_redaction() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "survey_app", "flask.app"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCodesFilter) for f in logger.filters):
            logger.addFilter(RedactCodesFilter())


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its serializer built once per set of keys.

    Flask builds a new serializer twice per request (to read the cookie and to write it),
    and each new one serialises a probe value to learn whether it makes text: a tenth of
    the session's cost. A serializer holds only its keys and settings, so one serves every
    request and thread; changing ``SECRET_KEY`` or its fallbacks gives a new one.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def open_session(self, app: Flask, request):
        """The open API never reads a session cookie: a browser's login is not a token, and
        a cookie-less API needs no CSRF defence."""
        if request.path.startswith("/api/"):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if request.path.startswith("/api/"):
            return  # nor sets one
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {keys: serializer}  # only the current keys are kept
        return serializer


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme
    from the headers those proxies set (the rightmost ones: a client cannot forge them).
    Without a configured proxy the headers are ignored, so nobody can pick the address
    that rate limits count."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)


def _is_private(response) -> bool:
    """Pages for a logged-in account and every download must not be kept by a browser or
    a shared cache. The session is asked, not the account, so that this holds even when
    the account cannot be loaded (a database outage)."""
    if request.endpoint == "static":
        return False
    return ("_user_id" in session
            or response.headers.get("Content-Disposition", "").startswith("attachment"))


def init_app(app: Flask) -> None:
    install_log_redaction()
    app.session_interface = SessionInterface()
    trust_proxies(app)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        max_age = int(app.config.get("HSTS_MAX_AGE") or 0)
        if request.is_secure and max_age > 0:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={max_age}; includeSubDomains")
        if _is_private(response):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


def safe_next_url(target: str | None) -> str:
    """Where to go back to after a form: only a same-site relative path, never an open
    redirect; the home page otherwise."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("home.index")
