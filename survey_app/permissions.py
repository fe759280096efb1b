"""Authorisation: every ``can_*`` rule of the platform, and the helpers that views use to
load an object and check it on the server (404 for a missing object, 403 outside scope).

The rules are plain functions of an account and an object, so the web pages, the command
line and the tests ask the same question in the same place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g
from flask_login import current_user, login_required

from survey_app.extensions import db, login_manager
from survey_app.models import Campaign, CampaignStatus, Organisation, Role, User
from survey_app.models.assessment import AssessmentRun
from survey_app.models.questionnaire import QuestionnaireKey
from survey_app.models.user import load_session_user
from survey_app.release_policy import figures_released


def _load_user(user_id: str) -> User | None:
    if g.get("database_unavailable"):
        return None  # the 503 page is rendering: show it as to a visitor
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


def covers_subtree(user: User, campaign: Campaign) -> bool:
    """The campaign (not a draft) has a target in the union admin's subtree: an upper union's
    campaign that the admin's unit takes part in."""
    from sqlalchemy import exists, select

    from survey_app.models import CampaignTarget

    org = user.organisation
    if user.role != Role.UNION_ADMIN or org is None or \
            campaign.status == CampaignStatus.DRAFT.value:
        return False
    return bool(db.session.scalar(select(exists().where(
        CampaignTarget.campaign_id == campaign.id,
        CampaignTarget.organisation_id == Organisation.id,
        Organisation.path.startswith(org.path)))))


def can_take_part(user: User, campaign: Campaign) -> bool:
    """Whether ``user`` may open the campaign's codes and participation pages: its managers,
    and the admins of lower unions it covers (for their own units only; see
    :func:`can_issue_codes`). The campaign's settings and state stay with its managers."""
    return can_manage(user, campaign) or covers_subtree(user, campaign)


def can_issue_codes(user: User, campaign: Campaign, target: Organisation) -> bool:
    """Issue and print access codes for ``target``: platform admins; a union admin for a
    target in their own subtree, of a campaign they manage or (delegation down the tree) of an
    upper union's campaign that is not a draft. ``target`` must be one of the campaign's
    targets (the views offer only those)."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    org = user.organisation
    if user.role != Role.UNION_ADMIN or org is None or not target.is_within(org):
        return False
    return can_manage(user, campaign) or campaign.status != CampaignStatus.DRAFT.value


def can_see_participation(user: User, campaign: Campaign, target: Organisation) -> bool:
    """Codes issued and used, responses and 参评率 of ``target``: whoever may issue its codes."""
    return can_issue_codes(user, campaign, target)


def taking_part_campaign(campaign_id: int):
    """A campaign whose codes or participation the current user may open: 404 if missing,
    403 if the user neither manages it nor has a unit among its targets."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if not can_take_part(current_user, campaign):
        abort(403)
    return campaign


def can_see_results(user: User, campaign: Campaign, target: Organisation) -> bool:
    """Targets see their (aggregate) results only once the campaign is published."""
    if not figures_released(campaign):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    if campaign.status != CampaignStatus.PUBLISHED.value:
        return False
    if user.role not in (Role.UNION_ADMIN, Role.ANALYST) or user.organisation is None:
        return False
    return target.is_within(user.organisation) or can_manage(user, campaign)


# ---------------------------------------------------------------- comments


def can_review_comments(user: User, campaign: Campaign) -> bool:
    """Who releases or withholds free-text comments: the campaign's managers, once its
    figures are released (closed; a rolling campaign's ended months), never while the
    comments still arrive."""
    return figures_released(campaign) and can_manage(user, campaign)


def reviewable_campaign(campaign_id: int) -> Campaign:
    """The campaign whose comments the current user may review: 404 missing, 403 otherwise."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if not can_review_comments(current_user, campaign):
        abort(403)
    return campaign


# ---------------------------------------------------------------- questionnaires


def can_use_questionnaire(user: User, version) -> bool:
    """A published questionnaire version may be used by platform admins; by a union admin
    when it is shared (no owner) or owned by a unit in or above the admin's subtree."""
    if user.role == Role.PLATFORM_ADMIN or version.owner_id is None:
        return True
    org = user.organisation
    owner = db.session.get(Organisation, version.owner_id)
    return (user.role == Role.UNION_ADMIN and org is not None and owner is not None
            and (owner.is_within(org) or org.is_within(owner)))


# ---------------------------------------------------------------- reports


def owner_side(user: User, campaign: Campaign) -> bool:
    """The user's unit runs the campaign or lies above the unit that does."""
    org = user.organisation
    return (org is not None and campaign.owner is not None
            and campaign.owner.is_within(org))


def can_view(user: User, campaign: Campaign, unit: Organisation) -> bool:
    """Whether ``user`` may see ``campaign``'s aggregated results for ``unit``.

    Nobody sees a figure while answers still arrive (:mod:`survey_app.release_policy`):
    annual campaigns from close, rolling ones by ended month."""
    if not figures_released(campaign):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    published = campaign.status == CampaignStatus.PUBLISHED.value
    if user.role in (Role.UNION_ADMIN, Role.ANALYST):
        org = user.organisation
        if org is None or not unit.is_within(org):
            return False
        return published or owner_side(user, campaign)
    if user.role == Role.EVALUATOR:
        # an evaluator sees what others said of its own unit: only where the unit is one
        # the campaign evaluates, never a roll-up of units below it or a survey it only rated
        return (published and user.organisation_id == unit.id
                and campaign.has_target(unit.id))
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


# ---------------------------------------------------------------- questionnaires


def can_version_questionnaire(user: Any, key: QuestionnaireKey | None,
                              library_key: bool) -> bool:
    """Whether ``user`` may publish a new version of a questionnaire key.

    The platform admin versions every key, the library's included. A union admin versions
    the keys its union or a union below it owns, and may start a new key (which its union
    then owns); never a library key or a key another union owns.
    """
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = user.organisation
    if user.role != Role.UNION_ADMIN or own is None:
        return False
    if key is None:
        return not library_key
    return key.owner is not None and key.owner.is_within(own)


# ---------------------------------------------------------------- appeals


def can_appeal(user: Any, org: Organisation, run: AssessmentRun | None) -> bool:
    """A unit's own union admins appeal its published assessment (the window is checked when
    the appeal is made)."""
    return (user is not None and user.role == Role.UNION_ADMIN and run is not None
            and run.published and user.organisation_id == org.id)


def can_decide_appeal(user: Any, appeal: Any) -> bool:
    """The upper union decides: those who enter the unit's assessment inputs."""
    return can_enter_for(user, appeal.organisation)


def can_see_appeal(user: Any, appeal: Any) -> bool:
    """The deciders, and the appealing unit's own admins and analysts."""
    if user is None:
        return False
    if can_decide_appeal(user, appeal):
        return True
    return (user.role in (Role.UNION_ADMIN, Role.ANALYST)
            and user.organisation_id == appeal.organisation_id)


# ---------------------------------------------------------------- audit log

#: Who may read the audit log: platform admins (all of it), union admins (their subtree).
AUDIT_READERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)


def can_read_audit(user: Any) -> bool:
    return user is not None and user.role in AUDIT_READERS and (
        user.role == Role.PLATFORM_ADMIN or user.organisation is not None)


# ---------------------------------------------------------------- accounts

#: Who manages accounts: platform admins (every account), union admins (their subtree's).
ACCOUNT_MANAGERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
#: The roles a union admin may give: never platform admin, never an unscoped assessor.
UNION_ADMIN_GRANTS = (Role.UNION_ADMIN, Role.EVALUATOR, Role.ANALYST)


def grantable_roles(user: Any) -> tuple[Role, ...]:
    if user.role == Role.PLATFORM_ADMIN:
        return tuple(Role)
    if user.role == Role.UNION_ADMIN and user.organisation is not None:
        return UNION_ADMIN_GRANTS
    return ()


def can_manage_account(user: Any, account: User) -> bool:
    """Platform admins manage every account; a union admin manages the accounts of units in
    its subtree, never a platform admin's, nor one without a unit, nor one above its unit."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = user.organisation
    return (user.role == Role.UNION_ADMIN and own is not None
            and account.role != Role.PLATFORM_ADMIN.value
            and account.organisation is not None and account.organisation.is_within(own))


def can_grant(user: Any, role: Role, org: Organisation | None) -> bool:
    """Whether ``user`` may give an account ``role`` at ``org``."""
    if role not in grantable_roles(user):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    return org is not None and org.is_within(user.organisation)


# ---------------------------------------------------------------- partnering (联手兴家)


def _own_unit(user: Any) -> Organisation | None:
    return getattr(user, "organisation", None)


def can_enter_honour(user: Any, awarding: Organisation, unit: Organisation) -> bool:
    """Platform admins; a union admin for awards given by its own unit or a unit below it,
    to a unit below the awarding union."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = _own_unit(user)
    return (user.role == Role.UNION_ADMIN and own is not None and awarding.is_within(own)
            and unit.is_within(awarding) and unit.id != awarding.id)


def can_supervise(user: Any, upper: Organisation) -> bool:
    """Set targets, propose pairs and supervise pairs under ``upper``: platform admins, and
    union admins of ``upper`` or a unit above it."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = _own_unit(user)
    return user.role == Role.UNION_ADMIN and own is not None and upper.is_within(own)


def can_review_honours(user: Any, upper: Organisation) -> bool:
    """See the honours re-check list and the recommendations under ``upper``: platform
    admins, and union admins and analysts of ``upper`` or a unit above it."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = _own_unit(user)
    return (user.role in (Role.UNION_ADMIN, Role.ANALYST) and own is not None
            and upper.is_within(own))


def can_see_outcomes(user: Any, upper: Organisation) -> bool:
    """The 成效 page of the pairs under ``upper`` (honours gained, the effect estimate): the
    readers of the honours review."""
    return can_review_honours(user, upper)


def pair_side(user: Any, pair: Any) -> str | None:
    """``"lead"`` or ``"partner"`` when ``user`` is an admin of that side of ``pair``."""
    if user.role != Role.UNION_ADMIN or user.organisation_id is None:
        return None
    if user.organisation_id == pair.lead_id:
        return "lead"
    if user.organisation_id == pair.partner_id:
        return "partner"
    return None


def can_read_pair(user: Any, pair: Any) -> bool:
    """Both sides, the supervising union and the units above it, analysts of a subtree
    holding either side, evaluators of either side; platform admins."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = _own_unit(user)
    if own is None or user.role not in (Role.UNION_ADMIN, Role.ANALYST, Role.EVALUATOR):
        return False
    if user.role == Role.EVALUATOR:
        return own.id in (pair.lead_id, pair.partner_id)
    return pair.upper.is_within(own) or pair.lead.is_within(own) or pair.partner.is_within(own)


def can_edit_pair(user: Any, pair: Any) -> bool:
    """The agreement and the plan: either side's admins (and platform admins)."""
    return user.role == Role.PLATFORM_ADMIN or pair_side(user, pair) is not None


def can_confirm_pair(user: Any, pair: Any) -> bool:
    """Each side confirms for itself (platform admins for either)."""
    return user.role == Role.PLATFORM_ADMIN or pair_side(user, pair) is not None


def can_log_activity(user: Any, pair: Any) -> bool:
    """The lead logs activities."""
    return user.role == Role.PLATFORM_ADMIN or pair_side(user, pair) == "lead"


def can_confirm_activity(user: Any, pair: Any) -> bool:
    """Only the partner confirms an activity: the lead cannot log alone (重形式)."""
    return pair_side(user, pair) == "partner"


def can_supervise_pair(user: Any, pair: Any) -> bool:
    """Supervision notes: the supervising union (or above), never a side of the pair."""
    return pair_side(user, pair) is None and can_supervise(user, pair.upper)


def can_answer_note(user: Any, pair: Any) -> bool:
    return pair_side(user, pair) is not None


def can_export_pair_ledger(user: Any, pair: Any) -> bool:
    """The pair's 台账 (XLSX, PDF with photos): both sides, the supervising union or a union
    above it, platform admins."""
    return pair_side(user, pair) is not None or can_supervise(user, pair.upper)


def _root_id(org: Organisation) -> int:
    return int(org.path.strip("/").split("/")[0])


def can_see_showcase(user: Any, upper: Organisation) -> bool:
    """The showcase (展示) of the federation above ``upper``: every signed-in account of that
    federation's tree (its own unit anywhere in it), and platform admins."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = _own_unit(user)
    return own is not None and _root_id(own) == _root_id(upper)


def can_write_highlight(user: Any, pair: Any) -> bool:
    """Either side's admins write and edit the pair's highlights."""
    return pair_side(user, pair) is not None


def can_confirm_highlight(user: Any, highlight: Any) -> bool:
    """The side that did not write the highlight publishes it by confirming it."""
    side = pair_side(user, highlight.pair)
    return side is not None and side != highlight.author_side


def can_see_highlight(user: Any, highlight: Any) -> bool:
    """A published highlight: the federation's showcase readers; before that, whoever reads
    the pair."""
    if highlight.published and can_see_showcase(user, highlight.pair.upper):
        return True
    return can_read_pair(user, highlight.pair)


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


# ---------------------------------------------------------------- committee members


def _chair_of(user: Any, union_id: int) -> bool:
    """The account is linked to the chair (工会主席) of the union."""
    from survey_app.models import CommitteeMember, CommitteeRole

    return db.session.scalar(db.select(CommitteeMember.id).where(
        CommitteeMember.organisation_id == union_id, CommitteeMember.user_id == user.id,
        CommitteeMember.role == CommitteeRole.CHAIR.value,
        CommitteeMember.active.is_(True))) is not None


def can_see_person_result(user: Any, campaign: Campaign, person: Any) -> bool:
    """A committee member's 述职评议 result, once the campaign is closed or published:
    the person (the account linked to them), their union's chair (the account linked to
    the chair), the admins of a union strictly above theirs, and the platform admin.
    Never another member or account of the same union, nor a peer union; while the
    campaign is open or a draft, nobody."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if not figures_released(campaign):
        return False
    if user.role == Role.PLATFORM_ADMIN or person.user_id == user.id:
        return True
    if _chair_of(user, person.organisation_id):
        return True
    own = user.organisation
    return (user.role == Role.UNION_ADMIN and own is not None
            and own.id != person.organisation_id and person.organisation.is_within(own))


def can_manage_committee(user: Any, union: Organisation) -> bool:
    """Who lists a union's committee members: platform admins, union admins of the union
    or of a union above it."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    own = user.organisation
    return user.role == Role.UNION_ADMIN and own is not None and union.is_within(own)


# ---------------------------------------------------------------- the open API


def can_call_api(token: Any, scope: str) -> bool:
    """An API token may use a route of ``scope`` (``resource:read`` or ``resource:write``)
    while it is neither revoked nor expired and was granted the scope (write includes
    read). What it may touch is then its unit's subtree, as a union admin of that unit."""
    return token is not None and token.is_active() and token.allows(scope)


def can_call_platform_api(token: Any, scope: str) -> bool:
    """The platform's own API routes (the organisation import): a platform token
    (``ApiToken.platform_admin``) granted ``scope``, whose maker, if it was made on the web,
    is still an active platform admin (a demoted or disabled admin's tokens lose it)."""
    if not can_call_api(token, scope) or not token.platform_admin:
        return False
    maker = token.created_by
    return maker is None or (maker.active and maker.role == Role.PLATFORM_ADMIN)


def can_replay_webhook(user: Any, subscription: Any) -> bool:
    """A webhook subscription's delivery log and replay on the web: the admins of the
    subscription's own unit, and platform admins."""
    if user is None or subscription is None:
        return False
    if user.role == Role.PLATFORM_ADMIN:
        return True
    return user.role == Role.UNION_ADMIN and user.organisation_id is not None and \
        user.organisation_id == subscription.organisation_id


def can_read_campaign(user: Any, campaign: Campaign) -> bool:
    """The campaign's settings and state (not its figures): its managers (drafts too),
    the admins of units it covers, and whoever may see its results for their own unit."""
    if can_manage(user, campaign):
        return True
    if campaign.status == CampaignStatus.DRAFT.value or user.organisation is None:
        return False
    if covers_subtree(user, campaign):
        return True
    # results for one's own unit: only where the unit is one the campaign evaluates (a
    # published campaign of another tree is not "visible" because one's own unit is)
    return (campaign.has_target(user.organisation.id)
            and can_view(user, campaign, user.organisation))


def can_manage_tokens(user: Any) -> bool:
    """API tokens and webhooks: platform admins, and union admins for their own subtree."""
    return user is not None and user.role in (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
