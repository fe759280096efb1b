"""Webhook delivery: the worker's side of the outbox (:mod:`survey_app.outbox`).

* **Claiming.** ``deliver_due`` takes pending deliveries whose time has come with
  ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share the work and
  never send one delivery twice at once (SQLite has one writer and ignores the clause).
* **Signing.** Standard Webhooks: headers ``webhook-id`` (the event's id, the same on every
  retry), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` =
  ``v1,`` + base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")), where the secret is the
  subscription's ``whsec_…`` value, base64-decoded after the prefix.
* **Retries.** A failure (no answer, or a status outside 2xx) is tried again after 30 s,
  1, 2, 4 … minutes (doubling, at most 6 h), up to ``WEBHOOK_MAX_ATTEMPTS``; then the
  delivery is ``failed`` (it can be replayed). Every attempt updates the delivery's row: the
  delivery log.
* **SSRF guard.** Before each attempt the receiver's host is resolved and refused when any
  address is private, loopback, link-local, reserved, multicast or unspecified, unless the
  host is allow-listed in ``WEBHOOK_ALLOWED_HOSTS``. Redirects are never followed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models.api import WebhookDelivery

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (Standard Webhooks, ``v1`` = HMAC-SHA256)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


class RefusedAddress(ValueError):
    """The receiver's address is in a range the platform does not post to."""


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified)


def allowed_hosts() -> set[str]:
    return {h.lower() for h in current_app.config.get("WEBHOOK_ALLOWED_HOSTS") or ()}


def check_literal_host(url: str) -> None:
    """At subscription time, without looking anything up: refuse a literal address or
    ``localhost`` in a forbidden range unless allow-listed (names are checked again, resolved,
    before every delivery)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        raise RefusedAddress("the URL has no host")
    if host in allowed_hosts():
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise RefusedAddress(f"{host} is a loopback name")
    try:
        forbidden = _forbidden(host)
    except ValueError:
        return  # a name: resolved at delivery
    if forbidden:
        raise RefusedAddress(f"{host} is a private, loopback or link-local address")


def check_resolved_host(url: str) -> None:
    """Before a delivery: every address the host resolves to must be public, unless the host
    is allow-listed."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in allowed_hosts():
        return
    check_literal_host(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise RefusedAddress(f"{host} does not resolve") from error
    for info in infos:
        if _forbidden(str(info[4][0])):
            raise RefusedAddress(f"{host} resolves to a private, loopback or link-local "
                                 "address")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310
                                     method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed tries: 30 s, 1 min, 2 min, … at most 6 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _attempt(delivery: WebhookDelivery, now: datetime) -> str:
    event, subscription = delivery.event, delivery.subscription
    body = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode("utf-8")
    timestamp = int(now.timestamp())
    headers = {"content-type": "application/json", "user-agent": "Pingjia-Webhooks/1",
               "webhook-id": event.message_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": sign(subscription.secret, event.message_id, timestamp,
                                         body)}
    delivery.attempts += 1
    try:
        if urlsplit(subscription.url).scheme not in ("http", "https"):
            raise RefusedAddress("only http and https receivers")
        check_resolved_host(subscription.url)
        status = _post(subscription.url, body, headers,
                       float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS") or 5))
        delivery.last_status_code, delivery.last_error = status, None
        ok = 200 <= status < 300
    except RefusedAddress as error:
        delivery.last_status_code, delivery.last_error = None, f"refused: {error}"[:500]
        ok = False
    except (OSError, ValueError) as error:
        delivery.last_status_code = None
        delivery.last_error = f"{type(error).__name__}: {error}"[:500]
        ok = False
    if ok:
        delivery.status, delivery.delivered_at = "delivered", now
        return "delivered"
    if delivery.attempts >= int(current_app.config.get("WEBHOOK_MAX_ATTEMPTS") or 8):
        delivery.status = "failed"
        return "failed"
    delivery.next_attempt_at = now + backoff(delivery.attempts)
    return "retrying"


def deliver_due(limit: int = 50, now: datetime | None = None) -> DeliveryReport:
    """Claim and send up to ``limit`` deliveries that are due; commit each one's outcome."""
    report = DeliveryReport()
    now = now or datetime.now(UTC)
    query = (select(WebhookDelivery)
             .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
             .order_by(WebhookDelivery.id).limit(limit)
             .with_for_update(skip_locked=True))
    claimed = db.session.scalars(query).all()
    for delivery in claimed:
        outcome = _attempt(delivery, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    db.session.commit()
    return report
