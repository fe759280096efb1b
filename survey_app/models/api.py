"""The open API's objects: integration tokens, webhook subscriptions, the event outbox and
its delivery log.

* **Tokens** (``ApiToken``) are shown once and stored as the SHA-256 of the secret; each is
  scoped to one organisation's subtree and to read or write per resource
  (:data:`API_SCOPES`), expires, and can be revoked.
* **Webhooks**: an event is written to ``webhook_events`` (the outbox) in the same
  transaction as the change it reports, so a change that rolls back sends nothing; the
  worker delivers it to every matching subscription and logs each attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models.organisation import Organisation
from survey_app.models.user import Role, User

#: Resources a token may be granted, each ``:read`` or ``:write`` (write includes read).
API_RESOURCES = ("organisations", "campaigns", "results", "assessment", "codes", "actions",
                 "partnering", "webhooks")
API_SCOPES = tuple(f"{r}:{a}" for r in API_RESOURCES for a in ("read", "write"))

#: Events a subscription may ask for.
WEBHOOK_EVENTS = ("campaign.opened", "campaign.closed", "campaign.published", "action.overdue",
                  "partnering.activity.confirmed", "honour.recorded")


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(at: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    if at is None:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class ApiToken(db.Model):
    """An integration's bearer token (a portal, a mini-program, a union app)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the secret, shown in lists so a token can be recognised.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A platform token (平台令牌): made by a platform admin (or the operator's command line)
    # for the platform's own routes, such as importing the organisation tree. Everywhere else
    # it acts, like every token, as a union admin of its unit.
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=false())

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    def is_active(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or _now()
        return self.revoked_at is None and _aware(self.expires_at) > now

    def allows(self, scope: str) -> bool:
        """``resource:read`` is granted by ``resource:read`` or ``resource:write``."""
        resource, _, access = scope.partition(":")
        granted = set(self.scopes or ())
        return scope in granted or (access == "read" and f"{resource}:write" in granted)

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… {self.name}>"


@dataclass
class TokenPrincipal:
    """An API caller, shaped like an account for the permission functions: a union admin of
    the token's unit, without an account id."""

    token: ApiToken
    id: None = None
    role: str = Role.UNION_ADMIN.value
    is_authenticated: bool = True

    @property
    def organisation(self) -> Organisation:
        return self.token.organisation

    @property
    def organisation_id(self) -> int:
        return self.token.organisation_id

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    def can_see_org(self, org: Organisation) -> bool:
        return org.is_within(self.organisation)


class WebhookSubscription(db.Model):
    """A receiver of one organisation's events (its subtree's)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list] = mapped_column(JSON, default=list)
    # The Standard Webhooks secret, ``whsec_`` + base64; kept to sign every delivery.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    organisation: Mapped[Organisation] = relationship()


class WebhookEvent(db.Model):
    """The outbox: one row per event, written with the change it reports."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The Standard Webhooks ``webhook-id``: the same on every retry of this event.
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class WebhookDelivery(db.Model):
    """One event for one subscription: its state, its next try and the last answer."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"),
                                                 index=True)
    # pending | delivered | failed (gave up after the last retry)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now,
                                                      index=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    event: Mapped[WebhookEvent] = relationship()
    subscription: Mapped[WebhookSubscription] = relationship()
