"""Webhook deliveries on the integrations page: the admins of the subscription's unit and
platform admins see each subscription's latest deliveries and send one again (重新发送,
with CSRF), through the same operation as the API's replay; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEntry, Organisation
from survey_app.models.api import WebhookDelivery, WebhookEvent, WebhookSubscription
from tests.api.conftest import bearer, make_token
from tests.api.test_tokens import _login
from tests.conftest import csrf_token_from

PASSWORDS = {"admin": "demo-admin-2026", "city_admin": "demo-city-2026",
             "district_admin": "demo-district-2026", "g01_admin": "demo-g01-2026"}


def outbox_row(code: str, status: str = "failed") -> tuple[int, int]:
    """A subscription of unit ``code`` with one delivery in ``status`` (inside an app
    context); returns their ids."""
    unit = db.session.scalar(select(Organisation).where(Organisation.code == code))
    subscription = WebhookSubscription(organisation_id=unit.id,
                                       url="https://portal.example.org/hook",
                                       events=["campaign.closed"], secret="whsec_AAAA")
    event = WebhookEvent(message_id=f"msg_{code}_{status}", type="campaign.closed",
                         organisation_id=unit.id, payload={"data": {}})
    delivery = WebhookDelivery(event=event, subscription=subscription, status=status,
                               attempts=8, last_status_code=500, last_error="HTTP 500")
    db.session.add_all([subscription, event, delivery])
    db.session.commit()
    return subscription.id, delivery.id


@pytest.fixture
def hook(demo):
    with demo.app_context():
        return outbox_row("DEMO-CITY")


def _client(app, username):
    client = app.test_client()
    _login(client, username, PASSWORDS[username])
    return client


def _replay(client, webhook_id, delivery_id, csrf=True):
    page = client.get("/integrations/tokens").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page)} if csrf else {}
    return client.post(f"/integrations/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
                       data=data)


def _delivery(app, delivery_id) -> tuple:
    with app.app_context():
        d = db.session.get(WebhookDelivery, delivery_id)
        return d.status, d.attempts


@pytest.mark.parametrize("username", ["city_admin", "admin"])
def test_the_unit_s_admin_and_the_platform_admin_see_and_replay(demo, hook, username):
    webhook_id, delivery_id = hook
    client = _client(demo, username)
    page = client.get("/integrations/tokens").get_data(as_text=True)
    assert "https://portal.example.org/hook" in page and "campaign.closed" in page
    assert f'data-delivery="{delivery_id}"' in page and ">500<" in page
    response = _replay(client, webhook_id, delivery_id)
    assert response.status_code == 302 and response.headers["Location"].endswith("#webhooks")
    assert _delivery(demo, delivery_id) == ("pending", 0)
    with demo.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "webhook.replay"))
        assert entry.object_id == str(delivery_id) and entry.user_id is not None


@pytest.mark.parametrize("username", ["district_admin", "g01_admin"])
def test_admins_of_other_units_neither_see_nor_replay(demo, hook, username):
    webhook_id, delivery_id = hook
    client = _client(demo, username)
    page = client.get("/integrations/tokens").get_data(as_text=True)
    assert "https://portal.example.org/hook" not in page
    assert _replay(client, webhook_id, delivery_id).status_code == 403
    assert _delivery(demo, delivery_id) == ("failed", 8)


def test_replay_needs_the_form_s_csrf_token(demo, hook):
    webhook_id, delivery_id = hook
    client = _client(demo, "city_admin")
    assert _replay(client, webhook_id, delivery_id, csrf=False).status_code == 400
    assert _delivery(demo, delivery_id) == ("failed", 8)


def test_a_delivery_of_another_subscription_is_not_found(demo, hook):
    webhook_id, _delivery_id = hook
    with demo.app_context():
        _other_hook, other_delivery = outbox_row("DEMO-CITY", "delivered")
    client = _client(demo, "city_admin")
    assert _replay(client, webhook_id, other_delivery).status_code == 404
    assert _replay(client, 999999, other_delivery).status_code == 404
    assert _delivery(demo, other_delivery) == ("delivered", 8)


def test_the_page_and_the_api_replay_alike(demo, hook):
    """The same operation: both leave the delivery pending, due now, with no attempt."""
    webhook_id, delivery_id = hook
    with demo.app_context():
        _w2, api_delivery = outbox_row("DEMO-CITY", "delivered")
        api_hook = db.session.get(WebhookDelivery, api_delivery).subscription_id
        secret = make_token("DEMO-CITY", "webhooks:write")
    assert _replay(_client(demo, "city_admin"), webhook_id, delivery_id).status_code == 302
    response = demo.test_client().post(
        f"/api/v1/webhooks/{api_hook}/deliveries/{api_delivery}/replay",
        headers=bearer(secret))
    assert response.status_code == 202
    assert _delivery(demo, delivery_id) == _delivery(demo, api_delivery) == ("pending", 0)
