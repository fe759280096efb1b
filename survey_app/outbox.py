"""The webhook outbox: an event is written with the change it reports.

Areas call :func:`enqueue` before they commit; it adds the event row and one pending
delivery per matching subscription to the same session, so the event is committed with the
change or rolled back with it, never sent for a change that did not happen and never lost
for one that did. The worker (``flask webhooks deliver``, :mod:`survey_app.api.delivery`)
sends the deliveries later.

A subscription of unit U hears of an event when one of the event's units lies in U's
subtree (a campaign's owner and targets, an honour's unit, a pair's two sides, an action's
unit): a union hears of what happens below it, a grassroots portal of what concerns it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Organisation
from survey_app.models.api import (
    WEBHOOK_EVENTS,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def enqueue(event_type: str, units: Iterable[Organisation | None],
            data: Mapping[str, Any]) -> WebhookEvent | None:
    """Add ``event_type`` about ``units`` to the session (not committed). Returns the event,
    or None when no subscription wants it (nothing is written then)."""
    if event_type not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}")
    units = [u for u in units if u is not None]
    if not units:
        return None
    subscriptions = [
        s for s in db.session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active.is_(True)))
        if event_type in (s.events or ()) and any(u.is_within(s.organisation) for u in units)]
    if not subscriptions:
        return None
    now = datetime.now(UTC)
    event = WebhookEvent(message_id=f"msg_{uuid.uuid4().hex}", type=event_type,
                         organisation_id=units[0].id, created_at=now,
                         payload={"type": event_type, "timestamp": now.isoformat(),
                                  "data": _plain(data)})
    db.session.add(event)
    for subscription in subscriptions:
        db.session.add(WebhookDelivery(event=event, subscription=subscription,
                                       status="pending", attempts=0, next_attempt_at=now))
    return event
