"""Webhooks end to end, with a receiver on 127.0.0.1 (allow-listed in the test
configuration): signed deliveries (Standard Webhooks), retries after a 500, nothing sent for
a change that rolled back, and the SSRF guard."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Campaign
from survey_app.models.api import WebhookDelivery, WebhookEvent, WebhookSubscription
from tests.api.conftest import bearer, make_token
from tests.surveys.conftest import make_campaign


class Receiver:
    """An HTTP receiver on 127.0.0.1: records each request, answers the queued statuses
    (then 204)."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server interface
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def setup(demo):
    with demo.app_context():
        code = make_campaign(status="open", code="TEST-HOOK").code
        secret = make_token("DEMO-CITY", "campaigns:write", "webhooks:write")
    return demo, code, secret


def _subscribe(app, secret, url, events=("campaign.closed",)):
    return app.test_client().post("/api/v1/webhooks", json={"url": url, "events": list(events)},
                                  headers=bearer(secret))


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check, written from the Standard Webhooks specification."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(part.split(",", 1)[1], expected)
               for part in headers["webhook-signature"].split(" ") if part.startswith("v1,"))


def _deliver(app, now=None):
    from survey_app.api.delivery import deliver_due

    with app.app_context():
        return deliver_due(now=now)


def test_a_state_change_is_delivered_signed(setup, receiver):
    app, code, secret = setup
    made = _subscribe(app, secret, receiver.url)
    assert made.status_code == 201
    signing_secret = made.get_json()["secret"]
    assert signing_secret.startswith("whsec_")
    client = app.test_client()
    assert client.post(f"/api/v1/campaigns/{code}/close", json={},
                       headers=bearer(secret)).status_code == 200
    report = _deliver(app)
    assert report.delivered == 1 and len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert verify(signing_secret, headers, body)
    assert not verify("whsec_" + base64.b64encode(b"x" * 24).decode(), headers, body)
    assert abs(int(headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 60
    payload = json.loads(body)
    assert payload["type"] == "campaign.closed"
    assert payload["data"]["campaign_code"] == code and payload["data"]["status"] == "closed"
    with app.app_context():
        event = db.session.scalar(select(WebhookEvent))
        assert headers["webhook-id"] == event.message_id
    assert _deliver(app).delivered == 0  # sent once


def test_a_failed_delivery_is_retried_with_backoff_and_logged(setup, receiver):
    app, code, secret = setup
    webhook_id = _subscribe(app, secret, receiver.url).get_json()["id"]
    receiver.statuses = [500]
    app.test_client().post(f"/api/v1/campaigns/{code}/close", json={}, headers=bearer(secret))
    first = _deliver(app)
    assert first.retrying == 1 and len(receiver.requests) == 1
    with app.app_context():
        delivery = db.session.scalar(select(WebhookDelivery))
        wait = delivery.next_attempt_at.replace(tzinfo=UTC) - datetime.now(UTC)
        assert timedelta(seconds=20) < wait <= timedelta(seconds=30)
        assert delivery.last_status_code == 500
    assert _deliver(app).delivered == 0  # not due yet
    later = _deliver(app, now=datetime.now(UTC) + timedelta(seconds=31))
    assert later.delivered == 1 and len(receiver.requests) == 2
    assert receiver.requests[0][0]["webhook-id"] == receiver.requests[1][0]["webhook-id"]
    log = app.test_client().get(f"/api/v1/webhooks/{webhook_id}/deliveries",
                                headers=bearer(secret)).get_json()["items"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [
        ("delivered", 2, 204)]


def test_backoff_doubles_up_to_six_hours():
    from survey_app.api.delivery import backoff

    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == timedelta(hours=6)


def test_nothing_is_sent_for_a_change_that_rolled_back(setup, receiver, monkeypatch):
    from survey_app.campaigns import operations

    app, code, secret = setup
    _subscribe(app, secret, receiver.url)

    def broken_audit(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(operations, "record", broken_audit)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
        with pytest.raises(RuntimeError):
            operations.transition(campaign, "closed")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
        assert db.session.scalar(select(Campaign.status).where(Campaign.code == code)) == "open"
    assert _deliver(app).delivered == 0 and receiver.requests == []


def test_only_subscribed_events_are_written(setup, receiver):
    app, code, secret = setup
    _subscribe(app, secret, receiver.url, events=["campaign.published"])
    app.test_client().post(f"/api/v1/campaigns/{code}/close", json={}, headers=bearer(secret))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


@pytest.mark.parametrize("url", [
    "http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data", "http://localhost:9/x",
    "http://[::1]:8080/x", "http://192.168.1.1/x", "http://0.0.0.0/x", "ftp://example.org/x",
])
def test_private_loopback_and_link_local_receivers_are_refused(setup, url):
    app, _code, secret = setup
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ()
    response = _subscribe(app, secret, url)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


def test_a_receiver_no_longer_allowed_is_not_contacted(setup, receiver):
    app, code, secret = setup
    _subscribe(app, secret, receiver.url)
    app.test_client().post(f"/api/v1/campaigns/{code}/close", json={}, headers=bearer(secret))
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ()
    report = _deliver(app)
    assert report.retrying == 1 and receiver.requests == []
    with app.app_context():
        assert db.session.scalar(select(WebhookDelivery.last_error)).startswith("refused")


def test_the_worker_command_delivers(setup, receiver):
    app, code, secret = setup
    _subscribe(app, secret, receiver.url)
    app.test_client().post(f"/api/v1/campaigns/{code}/close", json={}, headers=bearer(secret))
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0 and "delivered 1" in result.output
    assert len(receiver.requests) == 1


def test_replay_sends_a_delivery_again(setup, receiver):
    app, code, secret = setup
    webhook_id = _subscribe(app, secret, receiver.url).get_json()["id"]
    app.test_client().post(f"/api/v1/campaigns/{code}/close", json={}, headers=bearer(secret))
    _deliver(app)
    with app.app_context():
        delivery_id = db.session.scalar(select(WebhookDelivery.id))
    response = app.test_client().post(
        f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", json={},
        headers=bearer(secret))
    assert response.status_code == 202
    assert _deliver(app).delivered == 1 and len(receiver.requests) == 2


def test_workers_skip_deliveries_another_worker_holds(setup, receiver):
    """PostgreSQL: a delivery locked by one worker (FOR UPDATE) is skipped by another."""
    from tests.conftest import on_postgresql

    if not on_postgresql():
        pytest.skip("row locks: PostgreSQL only (SQLite has a single writer)")
    app, code, secret = setup
    _subscribe(app, secret, receiver.url)
    app.test_client().post(f"/api/v1/campaigns/{code}/close", json={}, headers=bearer(secret))
    with app.app_context():
        other = db.engine.connect()
        try:
            held = other.begin()
            other.execute(select(WebhookDelivery.id).with_for_update())
            assert _deliver(app).delivered == 0 and receiver.requests == []
            held.rollback()
        finally:
            other.close()
    assert _deliver(app).delivered == 1
