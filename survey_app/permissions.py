"""Authorisation helpers. Every view that touches an object checks it here, on the server."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from survey_app.extensions import db, login_manager
from survey_app.models import Organisation, Role, User


def _load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


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
    from survey_app.campaigns.queries import can_manage
    from survey_app.models import Campaign

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
