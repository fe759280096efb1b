"""Writes for the API: tokens (created, revoked, audited) and the changes integrations may
make, through the same operations as the web pages."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from survey_app.api.auth import TOKEN_PREFIX, hash_secret
from survey_app.errors import DomainError, NotAllowed
from survey_app.extensions import db
from survey_app.models import Organisation, Role
from survey_app.models.api import API_SCOPES, ApiToken
from survey_app.models.audit import record

MAX_TOKEN_DAYS = 366


class TokenError(DomainError):
    """A token request the platform refuses."""


def parse_scopes(scopes: Iterable[str]) -> list[str]:
    """Known scopes, de-duplicated in a stable order; ``TokenError`` naming unknown ones."""
    wanted = [s.strip() for s in scopes if s and s.strip()]
    unknown = sorted(set(wanted) - set(API_SCOPES))
    if unknown:
        raise TokenError(f"unknown scope(s): {', '.join(unknown)}; known: "
                         f"{', '.join(API_SCOPES)}")
    if not wanted:
        raise TokenError("a token needs at least one scope")
    return [s for s in API_SCOPES if s in set(wanted)]


def create_token(organisation: Organisation, scopes: Iterable[str], *, name: str,
                 days: int, user=None, platform_admin: bool = False) -> tuple[ApiToken, str]:
    """A new token for ``organisation``'s subtree; returns the row and the secret, which is
    never stored (only its SHA-256) and so can be shown only now.

    ``platform_admin`` makes a platform token (the platform's own routes, such as the
    organisation import): only a platform admin may make one (``user`` None is the
    operator's command line)."""
    if not 1 <= int(days) <= MAX_TOKEN_DAYS:
        raise TokenError(f"a token lives 1 to {MAX_TOKEN_DAYS} days")
    name = (name or "").strip()[:100] or "integration"
    if user is not None and not user.can_see_org(organisation):
        raise NotAllowed("the unit is outside your scope")
    if platform_admin and user is not None and user.role != Role.PLATFORM_ADMIN:
        raise NotAllowed("only a platform admin may make a platform token")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, prefix=secret[:10], token_hash=hash_secret(secret),
                     organisation=organisation, scopes=parse_scopes(scopes),
                     created_by_id=getattr(user, "id", None),
                     platform_admin=bool(platform_admin),
                     expires_at=datetime.now(UTC) + timedelta(days=int(days)))
    db.session.add(token)
    db.session.flush()
    record("api.token.create", "api_token", token.id, user, name=name,
           organisation=organisation.code, scopes=token.scopes, days=int(days),
           platform_admin=token.platform_admin)
    db.session.commit()
    return token, secret


def revoke_token(token: ApiToken, user=None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = datetime.now(UTC)
    record("api.token.revoke", "api_token", token.id, user, name=token.name,
           organisation=token.organisation.code)
    db.session.commit()


def record_api_write(principal, action: str, obj_type: str, obj_id: object, **detail) -> None:
    """The audit entry naming the token that made a change (added before the change's
    commit, so both are kept or neither)."""
    record(f"api.{action}", obj_type, obj_id, None, token_id=principal.token.id,
           token=principal.token.prefix, organisation=principal.organisation.code, **detail)


# ---------------------------------------------------------------- webhook subscriptions


def subscribe(principal, url: str, events: Iterable[str]):
    """A subscription of the token's unit; returns it with its secret (shown once)."""
    from survey_app.api.delivery import RefusedAddress, check_literal_host, new_secret
    from survey_app.models.api import WebhookSubscription

    try:
        check_literal_host(url)
    except RefusedAddress as error:
        raise DomainError(f"webhook receiver refused: {error}", status=422) from error
    subscription = WebhookSubscription(
        organisation_id=principal.organisation_id, url=url, events=sorted(set(events)),
        secret=new_secret(), active=True, created_by_token_id=principal.token.id)
    db.session.add(subscription)
    db.session.flush()
    record_api_write(principal, "webhook.create", "webhook_subscription", subscription.id,
                     url=url, events=subscription.events)
    db.session.commit()
    return subscription


def unsubscribe(principal, subscription) -> None:
    subscription.active = False
    record_api_write(principal, "webhook.delete", "webhook_subscription", subscription.id)
    db.session.commit()


def replay(delivery, *, principal=None, user=None) -> None:
    """Send a delivery again at the worker's next pass (after a failure, or to re-feed a
    receiver): asked through the API by a token (``principal``) or on the integrations
    page by an admin (``user``), audited either way."""
    delivery.status, delivery.next_attempt_at = "pending", datetime.now(UTC)
    delivery.attempts = 0
    if principal is not None:
        record_api_write(principal, "webhook.replay", "webhook_delivery", delivery.id)
    else:
        record("webhook.replay", "webhook_delivery", delivery.id, user,
               subscription=delivery.subscription_id)
    db.session.commit()


# ---------------------------------------------------------------- the organisation tree


class OrganisationSheetRefused(DomainError):
    """An organisation sheet with problems, each in English and Chinese."""

    status = 422

    def __init__(self, english: list, chinese: list):
        super().__init__("; ".join(str(i) for i in english))
        self.english, self.chinese = english, chinese


def _sheet_issues(data: bytes, filename: str, locale: str) -> list:
    """The sheet's problems in ``locale`` (a read: nothing is written)."""
    from flask_babel import force_locale

    from survey_app.organisations.operations import ImportFailed, check_rows, read_rows

    with force_locale(locale):
        try:
            return check_rows(read_rows(data, filename))[1]
        except ImportFailed as failure:
            return failure.issues


def import_organisations(principal, data: bytes, filename: str) -> dict:
    """The platform admin's organisation import (``organisations.operations.import_file``,
    no scope), audited with the token; ``OrganisationSheetRefused`` lists the problems of a
    refused sheet in both languages, and nothing is written."""
    from flask_babel import force_locale

    from survey_app.organisations.operations import ImportFailed, import_file

    record_api_write(principal, "orgs.import", "organisation", None, filename=filename[:200],
                     bytes=len(data))
    try:
        with force_locale("en"):
            result = import_file(data, filename)
    except ImportFailed as failure:
        db.session.rollback()
        raise OrganisationSheetRefused(failure.issues,
                                       _sheet_issues(data, filename, "zh")) from None
    return {"created": result.created, "updated": result.updated, "codes": result.codes}


# ---------------------------------------------------------------- campaigns


class CampaignRefused(DomainError):
    """A campaign definition or change with problems, each in English and Chinese."""

    status = 422

    def __init__(self, english: list[str], chinese: list[str]):
        super().__init__("; ".join(english))
        self.english = english
        self.chinese = chinese if len(chinese) == len(english) else english


def campaign_spec(body: dict) -> dict:
    """The API's campaign body as the mapping the web form and YAML files give
    ``campaigns.operations.parse_spec``."""
    spec = {k: v for k, v in body.items() if k not in ("owner_code", "targets",
                                                     "rater_groups")}
    if body.get("owner_code"):
        spec["owner"] = body["owner_code"]
    spec["targets"] = dict(body["targets"])
    groups = []
    for group in body["rater_groups"]:
        group = dict(group)
        group.setdefault("name", group["key"])
        groups.append(group)
    spec["rater_groups"] = groups
    return spec


def _spec_problems_in(locale: str, spec: dict) -> list[str]:
    """parse_spec's problems in ``locale`` (a read)."""
    from flask_babel import force_locale

    from survey_app.campaigns.operations import CampaignSpecError, parse_spec

    with force_locale(locale):
        try:
            parse_spec(spec)
        except CampaignSpecError as error:
            return [str(p) for p in error.problems]
    return []


def create_campaign(principal, body: dict):
    """A draft campaign owned in the token's subtree, through the web form's operation
    (``campaigns.operations.create_campaign`` with the token's unit as scope)."""
    from flask_babel import force_locale

    from survey_app.campaigns.operations import CampaignSpecError
    from survey_app.campaigns.operations import create_campaign as create

    spec = campaign_spec(body)
    record_api_write(principal, "campaign.create", "campaign", body["code"])
    try:
        with force_locale("en"):
            return create(spec, principal, scope=principal.organisation)
    except CampaignSpecError as error:
        db.session.rollback()
        english = [str(p) for p in error.problems]
        raise CampaignRefused(english, _spec_problems_in("zh", spec) or english) from None


def update_campaign(principal, campaign, body: dict) -> None:
    """The web edit page's change (``campaigns.operations.update_campaign``): a draft's
    settings, an open campaign's name and closing date."""
    from flask_babel import force_locale

    from survey_app.campaigns.operations import CampaignSpecError, check_update
    from survey_app.campaigns.operations import update_campaign as update

    try:
        with force_locale("en"):
            check_update(campaign, body)
    except CampaignSpecError as error:
        english = [str(p) for p in error.problems]
        with force_locale("zh"):
            try:
                check_update(campaign, body)
                chinese = english
            except CampaignSpecError as again:
                chinese = [str(p) for p in again.problems]
        raise CampaignRefused(english, chinese) from None
    record_api_write(principal, "campaign.update", "campaign", campaign.code,
                     fields=sorted(body))
    try:
        update(campaign, body, principal)
    except Exception:
        db.session.rollback()
        raise
