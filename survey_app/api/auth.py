"""Who is calling the API: a bearer token, never a session cookie.

A token acts as a union admin of its unit, limited to the scopes it was granted, so the API
asks exactly the permission functions the web pages ask (:mod:`survey_app.permissions`).
Order of refusals: 401 (no token, unknown, expired or revoked), 429 (the token's rate
limit), 403 (scope not granted, or a platform route and not a platform token).

A *platform token* (``ApiToken.platform_admin``) is made by a platform admin on the tokens
page, or by the operator with ``flask api token create --platform-admin``. It is needed,
with the route's scope, by the platform's own routes (``require_scope(...,
platform=True)``: the organisation import); on every other route it is an ordinary token of
its unit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import abort, g, request

from survey_app.extensions import db
from survey_app.models.api import ApiToken, TokenPrincipal
from survey_app.permissions import can_call_api, can_call_platform_api
from survey_app.rate_limits import api_token_allowed

#: Every token starts with this, so a leaked one is easy to recognise (secret scanners).
TOKEN_PREFIX = "pj_"  # noqa: S105 - a marker, not a secret
#: ``last_used_at`` is written at most this often (a write per request would be wasteful).
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()[:200]


def find_token(secret: str) -> ApiToken | None:
    from sqlalchemy import select

    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))


def current_principal() -> TokenPrincipal:
    return g.api_principal


def _authenticate(scope: str, platform: bool = False) -> TokenPrincipal:
    secret = _bearer()
    token = find_token(secret) if secret else None
    if token is None or not token.is_active():
        abort(401)
    if not api_token_allowed(token.id):
        abort(429)
    if not can_call_api(token, scope):
        abort(403)
    if platform and not can_call_platform_api(token, scope):
        abort(403)
    now = datetime.now(UTC)
    last = token.last_used_at
    if last is None or (last if last.tzinfo else last.replace(tzinfo=UTC)) < now - \
            LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return TokenPrincipal(token)


def require_scope(scope: str, *, platform: bool = False) -> Callable:
    """The route needs a valid token granted ``scope`` (and, with ``platform``, a platform
    token: :func:`survey_app.permissions.can_call_platform_api`); the matrix tests read
    ``required_scope`` and ``platform_only``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            g.api_principal = _authenticate(scope, platform)
            return view(*args, **kwargs)

        wrapped.required_scope = scope
        wrapped.platform_only = platform
        return wrapped

    return decorator
