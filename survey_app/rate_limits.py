"""Rate limits that cannot be dodged by changing a header, a worker or an address.

* **Where the counts live.** ``RATELIMIT_STORAGE_URI`` (or ``REDIS_URL``) names a Redis that
  every worker and every server shares; without one, each worker process counts on its own,
  which multiplies every limit by the number of workers: the app says so loudly at start in
  production.
* **Whose address.** The connecting address, unless ``TRUSTED_PROXIES`` says how many
  reverse proxies stand in front (``survey_app.security.trust_proxies``): then the address
  the nearest trusted proxy saw. A client's own ``X-Forwarded-For`` is never believed.
* **Passwords.** Two limits on login posts: per address (``LOGIN_RATE_LIMIT``) and per
  username (``LOGIN_USERNAME_RATE_LIMIT``), so neither many accounts from one address nor
  one account from many addresses is open to guessing.
* **Access codes and open links.** Every look-up counts against the address
  (``CODE_RATE_LIMIT``). A wrong code names no campaign, so misses cannot be counted per
  campaign; instead every miss, from any address, counts against one platform-wide ceiling
  (``INVALID_CODE_CEILING``). While that ceiling is exceeded (a guesser spread over many
  addresses) every look-up, valid or not, must also pass a much lower per-address limit
  (``CODE_RATE_LIMIT_UNDER_ATTACK``), decided *before* the code is looked up so that the
  answer never tells a valid code from an invalid one. Submissions are limited per campaign
  and address (``CAMPAIGN_SUBMIT_RATE_LIMIT``): a poster link or a shared computer cannot
  stuff one campaign.
* **API tokens.** Every request of an open-API token counts against that token
  (``API_RATE_LIMIT``), wherever it comes from.
"""

from __future__ import annotations

import hashlib

from flask import Flask, abort, current_app, request
from flask_limiter.util import get_remote_address
from limits import parse

from survey_app.extensions import limiter

DEFAULTS = {
    "LOGIN_RATE_LIMIT": "10 per minute",
    "LOGIN_USERNAME_RATE_LIMIT": "10 per minute;50 per hour",
    "CODE_RATE_LIMIT": "30 per minute",
    "INVALID_CODE_CEILING": "300 per minute",
    "CODE_RATE_LIMIT_UNDER_ATTACK": "5 per minute",
    "CAMPAIGN_SUBMIT_RATE_LIMIT": "30 per 10 minutes",
    "API_RATE_LIMIT": "300 per minute",
}


def _setting(name: str) -> str:
    return str(current_app.config.get(name) or DEFAULTS[name])


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _key(*parts: object) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "pingjia"
    return "/".join([str(prefix), *(str(p) for p in parts)])


def login_username_limit() -> str:
    return _setting("LOGIN_USERNAME_RATE_LIMIT")


def login_username_key() -> str:
    """The posted username, normalised and hashed (the store never holds account names)."""
    name = (request.form.get("username") or "").strip().lower()[:80]
    return "login-user:" + hashlib.sha256(name.encode()).hexdigest()[:32]


def _hit_all(limits: str, *key: object) -> bool:
    """Count one hit against every limit in ``limits`` (``;``-separated); False if any is
    exceeded."""
    strategy = limiter.limiter
    ok = True
    for text in limits.split(";"):
        ok = strategy.hit(parse(text.strip()), _key(*key)) and ok
    return ok


def guard_code_lookup() -> None:
    """Before a code or link is looked up: 429 past the per-address look-up limit
    (``CODE_RATE_LIMIT``, codes and links counted together), and 429 when the platform is
    under a distributed guessing attack and this address has used its (low) share.

    Counted here rather than by a Flask-Limiter decorator on the views: the decorator costs
    a second and third Redis round trip per request (the limit's window for the response
    headers), and a member's form has no use for those headers. With fixed windows in a
    single Redis (the default) the count and the ceiling's read are one round trip
    (:func:`_count_lookup_in_one_trip`)."""
    if not _enabled():
        return
    address = get_remote_address()
    lookup = [parse(text.strip()) for text in _setting("CODE_RATE_LIMIT").split(";")]
    ceiling = parse(_setting("INVALID_CODE_CEILING"))
    counted = _count_lookup_in_one_trip(lookup, ceiling, address)
    if counted is None:  # another strategy or storage: the limits library's own calls
        strategy = limiter.limiter
        allowed = all([strategy.hit(item, _key("lookup", address)) for item in lookup])
        under_attack = allowed and not strategy.test(ceiling, _key("invalid-codes"))
    else:
        allowed, under_attack = counted
    if not allowed:
        abort(429)
    if under_attack and not _hit_all(_setting("CODE_RATE_LIMIT_UNDER_ATTACK"),
                                     "lookup-under-attack", address):
        abort(429)


#: Count one look-up against each per-address limit (KEYS[1..n-1], expiries in ARGV)
#: and read the platform's invalid-code count (KEYS[n]), as the limits library's fixed
#: window does (its ``incr_expire.lua``, then a GET): the same keys, the same counts.
_LOOKUP_SCRIPT = """
local counts = {}
for i = 1, #KEYS - 1 do
  local current = redis.call("incrby", KEYS[i], 1)
  if current == 1 then
    redis.call("expire", KEYS[i], ARGV[i])
  end
  counts[i] = current
end
counts[#KEYS] = tonumber(redis.call("get", KEYS[#KEYS]) or "0")
return counts
"""


def _count_lookup_in_one_trip(lookup: list, ceiling, address: str
                              ) -> tuple[bool, bool] | None:
    """(within every look-up limit, platform under attack) from one Redis script, or None
    where that does not apply: another strategy than fixed windows, or a storage other
    than one Redis (a cluster spreads the keys over nodes; memory in tests)."""
    from limits.errors import StorageError
    from limits.storage import RedisClusterStorage, RedisStorage
    from limits.strategies import FixedWindowRateLimiter

    strategy = limiter.limiter
    storage = getattr(strategy, "storage", None)
    if (not isinstance(strategy, FixedWindowRateLimiter)
            or not isinstance(storage, RedisStorage)
            or isinstance(storage, RedisClusterStorage)):
        return None
    script = getattr(storage, "_pingjia_lookup_script", None)
    if script is None:  # redis-py loads it on the first NOSCRIPT, then runs it by hash
        script = storage.get_connection().register_script(_LOOKUP_SCRIPT)
        storage._pingjia_lookup_script = script
    keys = [storage.prefixed_key(item.key_for(_key("lookup", address))) for item in lookup]
    keys.append(storage.prefixed_key(ceiling.key_for(_key("invalid-codes"))))
    try:
        counts = script(keys=keys, args=[item.get_expiry() for item in lookup])
    except storage.base_exceptions as exc:  # as the library's own calls raise it
        if storage.wrap_exceptions:
            raise StorageError(exc) from exc
        raise
    allowed = all(int(n) <= item.amount for n, item in zip(counts, lookup, strict=False))
    return allowed, int(counts[-1]) >= ceiling.amount


def count_invalid_code() -> None:
    """A look-up found no code or link: count it against the platform-wide ceiling."""
    if _enabled():
        limiter.limiter.hit(parse(_setting("INVALID_CODE_CEILING")), _key("invalid-codes"))


def guard_campaign_submission(campaign_id: int) -> None:
    """Before a submission is stored: 429 past the per-campaign, per-address limit."""
    if _enabled() and not _hit_all(_setting("CAMPAIGN_SUBMIT_RATE_LIMIT"), "submit",
                                   campaign_id, get_remote_address()):
        abort(429)


def api_token_allowed(token_id: int) -> bool:
    """One request of an API token: False past ``API_RATE_LIMIT`` for that token (whatever
    address it comes from)."""
    return not _enabled() or _hit_all(_setting("API_RATE_LIMIT"), "api-token", token_id)


def _uses_shared_storage(app: Flask) -> bool:
    return not str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory")


def init_app(app: Flask) -> None:
    """Add the per-username login limit to the login view, and warn in production when the
    counts are kept in each worker's memory."""
    login = app.view_functions.get("auth.login")
    if login is not None:
        limiter.limit(login_username_limit, key_func=login_username_key,
                      methods=["POST"])(login)
    if (app.config.get("ENV_NAME") == "production" and app.config.get("RATELIMIT_ENABLED")
            and not _uses_shared_storage(app)):
        message = ("RATE LIMITS ARE PER WORKER: no RATELIMIT_STORAGE_URI or REDIS_URL is set, "
                   "so every gunicorn worker counts attempts on its own and a guesser gets "
                   "each limit once per worker. Set REDIS_URL=redis://host:6379/0 in production.")
        app.logger.warning(message)
        import sys

        print(f"WARNING: {message}", file=sys.stderr)
