"""Authorisation: every ``can_*`` rule of the platform, and the helpers that views use to
load an object and check it on the server (404 for a missing object, 403 outside scope).

The rules are plain functions of an account and an object, so the web pages, the command
line and the tests ask the same question in the same place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from survey_app.extensions import db, login_manager
from survey_app.models import Campaign, CampaignStatus, Organisation, Role, User
from survey_app.models.assessment import AssessmentRun
from survey_app.models.user import load_session_user


def _load_user(user_id: str) -> User | None:
    return load_session_user(user_id)


def init_app(app) -> None:
    login_manager.user_loader(_load_user)


def roles_required(*roles: Role) -> Callable:
    """Require a logged-in user with one of ``roles`` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the authorisation-matrix tests
        return wrapped

    return decorator


def require_org_in_scope(org: Organisation | None) -> Organisation:
    """404 for a missing unit, 403 for one outside the current user's subtree."""
    if org is None:
        abort(404)
    if not current_user.can_see_org(org):
        abort(403)
    return org


def current_scope() -> Organisation | None:
    """The current user's subtree root; None for platform admins (everything)."""
    return None if current_user.role == Role.PLATFORM_ADMIN else current_user.organisation


def managed_campaign(campaign_id: int):
    """The campaign the current admin may manage: 404 if missing, 403 if its owner is not in
    the admin's subtree."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if not can_manage(current_user, campaign):
        abort(403)
    return campaign


def visible_orgs_query():
    """A select of the organisations the current user may see."""
    from sqlalchemy import select

    query = select(Organisation)
    if current_user.role != Role.PLATFORM_ADMIN:
        scope = current_user.organisation
        if scope is None:
            return query.where(False)
        query = query.where(Organisation.path.startswith(scope.path))
    return query


# ---------------------------------------------------------------- campaigns


def can_manage(user: User, campaign: Campaign) -> bool:
    if user.role == Role.PLATFORM_ADMIN:
        return True
    return (user.role == Role.UNION_ADMIN and campaign.owner is not None
            and user.organisation is not None and campaign.owner.is_within(user.organisation))


def can_see_results(user: User, campaign: Campaign, target: Organisation) -> bool:
    """Targets see their (aggregate) results only once the campaign is published."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    if campaign.status != CampaignStatus.PUBLISHED.value:
        return False
    if user.role not in (Role.UNION_ADMIN, Role.ANALYST) or user.organisation is None:
        return False
    return target.is_within(user.organisation) or can_manage(user, campaign)


# ---------------------------------------------------------------- reports


def owner_side(user: User, campaign: Campaign) -> bool:
    """The user's unit runs the campaign or lies above the unit that does."""
    org = user.organisation
    return (org is not None and campaign.owner is not None
            and campaign.owner.is_within(org))


def can_view(user: User, campaign: Campaign, unit: Organisation) -> bool:
    """Whether ``user`` may see ``campaign``'s aggregated results for ``unit``."""
    if campaign.status == CampaignStatus.DRAFT.value:
        return user.role == Role.PLATFORM_ADMIN
    if user.role == Role.PLATFORM_ADMIN:
        return True
    published = campaign.status == CampaignStatus.PUBLISHED.value
    if user.role in (Role.UNION_ADMIN, Role.ANALYST):
        org = user.organisation
        if org is None or not unit.is_within(org):
            return False
        return published or owner_side(user, campaign)
    if user.role == Role.EVALUATOR:
        return published and user.organisation_id == unit.id
    return False


#: Who may download response-level rows (never identifying; analysts' material).
RAW_EXPORT_ROLES = (Role.PLATFORM_ADMIN, Role.ANALYST)


def can_download_raw(user: User) -> bool:
    return user.role in RAW_EXPORT_ROLES


# ---------------------------------------------------------------- assessment


def can_enter_for(user: Any, org: Organisation) -> bool:
    """Platform admins; union admins for units strictly below their own unit."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = user.organisation
    return (user.role == Role.UNION_ADMIN and own is not None and org.id != own.id
            and org.is_within(own))


def can_view_result(user: Any, org: Organisation, run: AssessmentRun | None) -> bool:
    """Platform admins; union admins and analysts for their subtree (own unit once published)."""
    if user is None:
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = user.organisation
    if user.role not in (Role.UNION_ADMIN, Role.ANALYST) or own is None:
        return False
    if not org.is_within(own):
        return False
    return org.id != own.id or (run is not None and run.published)


# ---------------------------------------------------------------- improvement actions


def can_see_actions(user: Any, org: Organisation) -> bool:
    """Platform admins; union admins and analysts for units in their subtree."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = user.organisation
    return (user.role in (Role.UNION_ADMIN, Role.ANALYST) and own is not None
            and org.is_within(own))


def can_manage_actions(user: Any, org: Organisation) -> bool:
    """Platform admins; union admins of the unit itself or of a union above it."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = user.organisation
    return user.role == Role.UNION_ADMIN and own is not None and org.is_within(own)


def can_verify_action(user: Any, action: Any) -> bool:
    """验收: platform admins, or the admins of a union strictly above the unit, and never
    the union responsible for the work (the unit or the owner unit)."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = user.organisation
    if user.role != Role.UNION_ADMIN or own is None:
        return False
    doers = {action.organisation_id, action.owner_unit_id}
    return own.id not in doers and action.organisation.is_within(own)
