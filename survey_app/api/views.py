"""The API's routes (``/api/v1/``), thin: check scope and object, ask queries/operations.

Each route names the scope it needs (:func:`survey_app.api.auth.require_scope`) and then
asks the same permission function as the web page for the object: 404 for an unknown code,
403 for an object outside the token's subtree or rules.
"""

from __future__ import annotations

from flask import Blueprint as PageBlueprint
from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from survey_app.api import queries as Q
from survey_app.api import schemas as S
from survey_app.api.auth import current_principal, require_scope
from survey_app.api.operations import record_api_write
from survey_app.errors import problem
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, Organisation, Role
from survey_app.models.api import ApiToken
from survey_app.permissions import can_manage, can_manage_tokens, can_read_campaign, roles_required

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="Organisations, campaigns, published results, assessment")
#: Pages outside the document: the reference page, and the admins' token page.
pages = PageBlueprint("api_pages", __name__)


#: Routes taking a file, with the larger limit of ``API_MAX_UPLOAD_BYTES``.
UPLOAD_ENDPOINTS = {"api.import_organisations"}


@bp.before_request
def _limit_body():
    limit = int(current_app.config.get("API_MAX_BODY_BYTES") or 64 * 1024)
    if request.endpoint in UPLOAD_ENDPOINTS:
        limit = int(current_app.config.get("API_MAX_UPLOAD_BYTES") or 5 * 1024 * 1024)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413)


@bp.after_request
def _conditional(response):
    """Reads carry a strong ETag of their body; a matching If-None-Match gets 304."""
    if request.method == "GET" and response.status_code == 200 and \
            response.mimetype == "application/json":
        response.add_etag()
        response.headers["Cache-Control"] = "private, no-cache"
        response.make_conditional(request)
    response.headers["Cache-Control"] = response.headers.get("Cache-Control", "no-store")
    return response


def _bad_cursor():
    return problem(400, "The cursor is not one this API gave out; start again without it.",
                   "分页游标无效，请不带 cursor 重新开始。", errors={"cursor": ["invalid"]})


#: The largest id a path may name: bigger numbers name nothing (and overflow PostgreSQL's
#: integer column), so they are 404 before any query.
MAX_ID = 2**31 - 1


def _row(model, row_id: int):
    return db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None


def _unit(code: str) -> Organisation:
    """A unit of the token's subtree: 404 unknown, 403 outside."""
    unit = Q.org_by_code(code)
    if unit is None:
        abort(404)
    if not current_principal().can_see_org(unit):
        abort(403)
    return unit


def _campaign(code: str) -> Campaign:
    campaign = Q.campaign_by_code(code)
    if campaign is None:
        abort(404)
    if not can_read_campaign(current_principal(), campaign):
        abort(403)
    return campaign


# ---------------------------------------------------------------- reference page


@pages.get("/api/v1/docs")
def reference():
    """A plain page listing every operation of the document, served from here (no CDN)."""
    from survey_app.api.spec import api

    spec = api.spec.to_dict()
    return render_template("api/reference.html", spec=spec)


# ---------------------------------------------------------------- organisations


@bp.get("/organisations")
@require_scope("organisations:read")
@bp.arguments(S.OrganisationArgs, location="query")
@bp.response(200, S.OrganisationPage)
def organisations(args):
    """The token's subtree: its unit and every unit below, by id."""
    parent = None
    if args.get("parent"):
        parent = _unit(args["parent"])
    try:
        page = Q.organisations(current_principal().organisation, cursor=args.get("cursor"),
                               limit=args["limit"], kind=args.get("kind"), parent=parent)
    except Q.BadCursor:
        return _bad_cursor()
    return {"items": page.items, "next_cursor": page.next_cursor}


@bp.post("/organisations/import")
@require_scope("organisations:write", platform=True)
@bp.arguments(S.OrganisationImportIn, location="files")
@bp.response(200, S.OrganisationImportResult)
def import_organisations(args):
    """Import units from an organisation sheet, as the platform admin does on the web:
    the same checks, all or nothing (a file with any problem changes nothing and is
    answered 422 with every problem, by row and column, in English and Chinese). Needs a
    platform token."""
    from survey_app.api.operations import OrganisationSheetRefused
    from survey_app.api.operations import import_organisations as run

    upload = args["file"]
    try:
        return run(current_principal(), upload.read(), upload.filename or "")
    except OrganisationSheetRefused as refused:
        chinese = refused.chinese if len(refused.chinese) == len(refused.english) \
            else refused.english
        errors = [{"row": en.row, "column": en.column, "message": str(en.message),
                   "message_zh": str(zh.message)} for en, zh in zip(refused.english, chinese,
                                                                    strict=True)]
        return problem(422, f"The sheet has {len(errors)} problem(s); nothing was imported.",
                       f"表格有 {len(errors)} 处问题，未导入任何单位。", errors=errors)


@bp.get("/organisations/<code>")
@require_scope("organisations:read")
@bp.response(200, S.OrganisationSchema)
def organisation(code: str):
    return Q.organisation_dict(_unit(code))


@bp.get("/organisations/<code>/open-campaigns")
@require_scope("campaigns:read")
@bp.response(200, S.OpenCampaignList)
def open_campaigns(code: str):
    """Campaigns members of this unit can answer today, each with its public entry link
    (never a code): show 参加评议 and send members there."""
    unit = _unit(code)
    return {"unit_code": unit.code, "items": Q.open_campaigns(unit)}


# ---------------------------------------------------------------- campaigns


@bp.get("/campaigns")
@require_scope("campaigns:read")
@bp.arguments(S.CampaignArgs, location="query")
@bp.response(200, S.CampaignPage)
def campaigns(args):
    """Campaigns the token's unit runs, takes part in, or may see published."""
    try:
        page = Q.campaigns(current_principal(), cursor=args.get("cursor"), limit=args["limit"],
                           status=args.get("status"), kind=args.get("kind"),
                           year=args.get("year"))
    except Q.BadCursor:
        return _bad_cursor()
    return {"items": page.items, "next_cursor": page.next_cursor}


@bp.get("/campaigns/<code>")
@require_scope("campaigns:read")
@bp.response(200, S.CampaignSchema)
def campaign(code: str):
    return Q.campaign_dict(_campaign(code))


def _campaign_refused(refused):
    errors = [{"message": en, "message_zh": zh}
              for en, zh in zip(refused.english, refused.chinese, strict=True)]
    return problem(422, f"The campaign has {len(errors)} problem(s); nothing was changed: "
                        + "; ".join(refused.english),
                   f"活动设置有 {len(errors)} 处问题，未作任何更改：" + "；".join(refused.chinese),
                   errors=errors)


@bp.post("/campaigns")
@require_scope("campaigns:write")
@bp.arguments(S.CampaignIn)
@bp.response(201, S.CampaignSchema)
def create_campaign(args):
    """Create a draft campaign run by the token's unit (or a unit below it, owner_code),
    with the web form's fields and checks: targets in the owner's subtree, questionnaires
    of the library or published in reach, weights summing to 1, and a minimum group size
    (k) never below the platform's floor. Open it with POST /campaigns/{code}/open."""
    from survey_app.api.operations import CampaignRefused
    from survey_app.api.operations import create_campaign as create

    try:
        return Q.campaign_dict(create(current_principal(), args))
    except CampaignRefused as refused:
        return _campaign_refused(refused)


@bp.patch("/campaigns/<code>")
@require_scope("campaigns:write")
@bp.arguments(S.CampaignPatch)
@bp.response(200, S.CampaignSchema)
def update_campaign(args, code: str):
    """Change a campaign's settings as its edit page does: a draft's name, dates, minimum
    group size (only raised) and rater group weights; an open campaign's name and closing
    date only (409 otherwise, and for closed or published campaigns)."""
    from survey_app.api.operations import CampaignRefused
    from survey_app.api.operations import update_campaign as update

    principal = current_principal()
    campaign = _campaign(code)
    if not can_manage(principal, campaign):
        abort(403)
    try:
        update(principal, campaign, args)
    except CampaignRefused as refused:
        return _campaign_refused(refused)
    return Q.campaign_dict(campaign)


def _transition(code: str, to: CampaignStatus, args: dict):
    from survey_app.campaigns.operations import transition

    principal = current_principal()
    campaign = _campaign(code)
    if not can_manage(principal, campaign):
        abort(403)
    record_api_write(principal, f"campaign.{to.value}", "campaign", campaign.code)
    try:
        transition(campaign, to, principal, args.get("reason"))
    except Exception:
        db.session.rollback()
        raise
    return Q.campaign_dict(campaign)


@bp.post("/campaigns/<code>/open")
@require_scope("campaigns:write")
@bp.arguments(S.TransitionSchema)
@bp.response(200, S.CampaignSchema)
def open_campaign(args, code: str):
    """Open a draft campaign for answers (the same checks as the web page)."""
    return _transition(code, CampaignStatus.OPEN, args)


@bp.post("/campaigns/<code>/close")
@require_scope("campaigns:write")
@bp.arguments(S.TransitionSchema)
@bp.response(200, S.CampaignSchema)
def close_campaign(args, code: str):
    """Close an open campaign: no more answers."""
    return _transition(code, CampaignStatus.CLOSED, args)


@bp.post("/campaigns/<code>/publish")
@require_scope("campaigns:write")
@bp.arguments(S.TransitionSchema)
@bp.response(200, S.CampaignSchema)
def publish_campaign(args, code: str):
    """Publish a closed campaign's disclosure-safe results to its targets."""
    return _transition(code, CampaignStatus.PUBLISHED, args)


@bp.post("/campaigns/<code>/codes")
@require_scope("codes:write")
@bp.arguments(S.CodesIn)
@bp.doc(responses={"201": {
    "description": "The new codes, shown only now: CSV (code, url, unit_code, unit_name), or "
                   "printable slips with QR codes (format=pdf)",
    "content": {"text/csv": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def issue_codes(args, code: str):
    """Issue one-time access codes (参评码) for a target unit of the campaign: the same
    rules as the codes page. Only their hashes are kept; nothing ever records which code
    was used or when."""
    from flask import Response, url_for

    from survey_app.member_surveys.operations import is_target
    from survey_app.member_surveys.operations import issue_codes as issue
    from survey_app.member_surveys.sheets import code_sheet_pdf, codes_csv
    from survey_app.permissions import can_issue_codes

    principal = current_principal()
    campaign = _campaign(code)
    unit = _unit(args["unit_code"])
    if not is_target(campaign, unit):
        abort(404)
    if not can_issue_codes(principal, campaign, unit):
        abort(403)
    record_api_write(principal, "codes.issue", "campaign", campaign.code, target=unit.code,
                     count=args["count"])
    codes = issue(campaign, unit, args["count"], user=principal)
    pairs = [(c, url_for("member_surveys.member_survey", code=c, _external=True))
             for c in codes]
    stem = f"codes-{campaign.code}-{unit.code}"
    headers = {"Cache-Control": "no-store"}
    if args["format"] == "pdf":
        headers["Content-Disposition"] = f"attachment; filename={stem}.pdf"
        return Response(code_sheet_pdf(campaign, unit, pairs), status=201,
                        mimetype="application/pdf", headers=headers)
    headers["Content-Disposition"] = f"attachment; filename={stem}.csv"
    return Response(codes_csv(unit, pairs), status=201, mimetype="text/csv", headers=headers)


# ---------------------------------------------------------------- published results


@bp.get("/campaigns/<code>/results")
@require_scope("results:read")
@bp.arguments(S.ResultArgs, location="query")
@bp.response(200, S.ResultTable)
def results(args, code: str):
    """The published campaign's units in the token's subtree, ranked, exactly as the
    report page shows them: withheld figures are null."""
    principal = current_principal()
    campaign = _campaign(code)
    root = principal.organisation
    if not Q.may_see_results(principal, campaign, root):
        abort(403)
    return Q.result_table(campaign, root, args["lang"])


@bp.get("/campaigns/<code>/results/<unit_code>")
@require_scope("results:read")
@bp.arguments(S.ResultArgs, location="query")
@bp.response(200, S.UnitResult)
def unit_results(args, code: str, unit_code: str):
    """One unit's published figures: summary, dimensions, items (null where withheld)."""
    principal = current_principal()
    campaign = _campaign(code)
    unit = _unit(unit_code)
    if not Q.may_see_results(principal, campaign, unit):
        abort(403)
    found = Q.unit_result(campaign, unit, args["lang"])
    if found is None:
        abort(404)
    return found


# ---------------------------------------------------------------- assessment and honours


@bp.get("/assessment/results")
@require_scope("assessment:read")
@bp.arguments(S.AssessmentArgs, location="query")
@bp.response(200, S.AssessmentPage)
def assessment_results(args):
    """Published performance-assessment results (绩效考核) of the token's subtree."""
    try:
        page = Q.assessment_results(current_principal(), cursor=args.get("cursor"),
                                    limit=args["limit"], year=args.get("year"))
    except Q.BadCursor:
        return _bad_cursor()
    return {"items": page.items, "next_cursor": page.next_cursor}


@bp.get("/honours")
@require_scope("assessment:read")
@bp.arguments(S.HonourArgs, location="query")
@bp.response(200, S.HonourPage)
def honours(args):
    """Workers'-home honours (职工之家荣誉) of units in the token's subtree."""
    try:
        page = Q.honours(current_principal().organisation, cursor=args.get("cursor"),
                         limit=args["limit"], year=args.get("year"), status=args.get("status"))
    except Q.BadCursor:
        return _bad_cursor()
    return {"items": page.items, "next_cursor": page.next_cursor}


# ---------------------------------------------------------------- webhooks


def _subscription(webhook_id: int):
    from survey_app.models.api import WebhookSubscription

    subscription = _row(WebhookSubscription, webhook_id)
    if subscription is None or not subscription.active:
        abort(404)
    if not current_principal().can_see_org(subscription.organisation):
        abort(403)
    return subscription


@bp.get("/webhooks")
@require_scope("webhooks:read")
@bp.response(200, S.WebhookList)
def webhooks():
    """Active subscriptions of the token's subtree."""
    return {"items": Q.subscriptions(current_principal().organisation)}


@bp.post("/webhooks")
@require_scope("webhooks:write")
@bp.arguments(S.WebhookIn)
@bp.response(201, S.WebhookCreated)
def create_webhook(args):
    """Subscribe the token's unit to events; the answer shows the signing secret once."""
    from survey_app.api.operations import subscribe

    subscription = subscribe(current_principal(), args["url"], args["events"])
    return {**Q.subscription_dict(subscription), "secret": subscription.secret}


@bp.delete("/webhooks/<int:webhook_id>")
@require_scope("webhooks:write")
@bp.response(204)
def delete_webhook(webhook_id: int):
    from survey_app.api.operations import unsubscribe

    unsubscribe(current_principal(), _subscription(webhook_id))
    return None


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@require_scope("webhooks:read")
@bp.arguments(S.PageArgs, location="query")
@bp.response(200, S.DeliveryPage)
def webhook_deliveries(args, webhook_id: int):
    """The delivery log: every event sent (or being retried) to this subscription."""
    subscription = _subscription(webhook_id)
    try:
        page = Q.deliveries(subscription, cursor=args.get("cursor"), limit=args["limit"])
    except Q.BadCursor:
        return _bad_cursor()
    return {"items": page.items, "next_cursor": page.next_cursor}


@bp.post("/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/replay")
@require_scope("webhooks:write")
@bp.response(202, S.WebhookSchema)
def replay_delivery(webhook_id: int, delivery_id: int):
    """Send a delivery again at the worker's next pass."""
    from survey_app.api.operations import replay
    from survey_app.models.api import WebhookDelivery

    subscription = _subscription(webhook_id)
    delivery = _row(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        abort(404)
    replay(delivery, principal=current_principal())
    return Q.subscription_dict(subscription)


# ---------------------------------------------------------------- improvement actions


@bp.get("/organisations/<code>/actions")
@require_scope("actions:read")
@bp.arguments(S.PageArgs, location="query")
@bp.response(200, S.ActionPage)
def actions(args, code: str):
    """Improvement actions (整改事项) of the unit and the units below it."""
    from survey_app.permissions import can_see_actions

    unit = _unit(code)
    if not can_see_actions(current_principal(), unit):
        abort(403)
    try:
        page = Q.actions(unit, cursor=args.get("cursor"), limit=args["limit"])
    except Q.BadCursor:
        return _bad_cursor()
    return {"items": page.items, "next_cursor": page.next_cursor}


@bp.post("/organisations/<code>/actions")
@require_scope("actions:write")
@bp.arguments(S.ActionIn)
@bp.response(201, S.ActionSchema)
def create_action(args, code: str):
    """A planned action answering an assessment indicator, a veto, an assessor's
    recommendation or a comment (the same checks as the web form)."""
    from survey_app.improvement.operations import create

    principal = current_principal()
    unit = _unit(code)
    owner_unit = _unit(args.pop("owner_unit_code"))
    action = create(unit, {**args, "owner_unit": owner_unit}, principal)
    record_api_write(principal, "action.create", "improvement_action", action.id)
    db.session.commit()
    return Q.action_dict(action)


def _action(action_id: int):
    from survey_app.models.improvement import ImprovementAction
    from survey_app.permissions import can_see_actions

    action = _row(ImprovementAction, action_id)
    if action is None:
        abort(404)
    if not can_see_actions(current_principal(), action.organisation):
        abort(403)
    return action


@bp.post("/actions/<int:action_id>/progress")
@require_scope("actions:write")
@bp.arguments(S.ProgressIn)
@bp.response(200, S.ActionSchema)
def action_progress(args, action_id: int):
    """Record progress: a note and a new status (planned → in progress → done; done needs
    evidence, attached on the web page)."""
    from survey_app.improvement.operations import progress

    principal = current_principal()
    action = _action(action_id)
    progress(action, status=args["status"], text=args["text"], user=principal)
    record_api_write(principal, "action.progress", "improvement_action", action.id,
                     status=args["status"])
    db.session.commit()
    return Q.action_dict(action)


# ---------------------------------------------------------------- partnering


@bp.get("/pairs")
@require_scope("partnering:read")
@bp.response(200, S.PairList)
def pairs():
    """联手兴家 pairs the token's unit may read (its own, and those below it)."""
    return {"items": Q.pairs(current_principal())}


def _pair(pair_id: int):
    from survey_app.models.partnering import Pair
    from survey_app.permissions import can_read_pair

    pair = _row(Pair, pair_id)
    if pair is None:
        abort(404)
    if not can_read_pair(current_principal(), pair):
        abort(403)
    return pair


@bp.post("/pairs/<int:pair_id>/activities")
@require_scope("partnering:write")
@bp.arguments(S.ActivityIn)
@bp.response(201, S.ActivitySchema)
def log_activity(args, pair_id: int):
    """The lead union logs an activity of the pair (photos are added on the web page)."""
    from survey_app.partnering.operations import log_activity as log

    principal = current_principal()
    activity = log(principal, _pair(pair_id), **args)
    record_api_write(principal, "partnering.activity.log", "pair", pair_id,
                     activity_id=activity.id)
    db.session.commit()
    return Q.activity_dict(activity)


@bp.post("/pairs/<int:pair_id>/activities/<int:activity_id>/confirm")
@require_scope("partnering:write")
@bp.response(200, S.ActivitySchema)
def confirm_activity(pair_id: int, activity_id: int):
    """The partner union confirms that the activity took place."""
    from survey_app.models.partnering import Activity
    from survey_app.partnering.operations import confirm_activity as confirm

    principal = current_principal()
    pair = _pair(pair_id)
    activity = _row(Activity, activity_id)
    if activity is None or activity.pair_id != pair.id:
        abort(404)
    confirm(principal, activity)
    record_api_write(principal, "partnering.activity.confirm", "pair", pair_id,
                     activity_id=activity.id)
    db.session.commit()
    return Q.activity_dict(activity)


# ---------------------------------------------------------------- the admins' token page


def _token_page(form, revoke_form, secret: str | None = None, status: int = 200):
    from survey_app.api.forms import ReplayForm
    from survey_app.api.queries import token_rows, webhook_rows
    from survey_app.permissions import current_scope

    return render_template("api/tokens.html", form=form, revoke_form=revoke_form,
                           tokens=token_rows(current_scope()), secret=secret,
                           webhooks=webhook_rows(current_user), replay_form=ReplayForm()), status


@pages.route("/integrations/tokens", methods=["GET", "POST"])
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def tokens():
    """List the tokens of the admin's subtree; create one (its secret is shown once, on
    this answer only: never stored, never put in the session)."""
    from survey_app.api.forms import RevokeForm, TokenForm
    from survey_app.api.operations import TokenError, create_token
    from survey_app.errors import NotAllowed

    form = TokenForm()
    if not can_manage_tokens(current_user):
        abort(403)
    if request.method == "POST":
        if not form.validate_on_submit():
            return _token_page(form, RevokeForm(), status=400)
        org = Q.org_by_code(form.org_code.data.strip())
        if org is None:
            form.org_code.errors = [_("No unit has this code.")]
            return _token_page(form, RevokeForm(), status=400)
        try:
            _row, secret = create_token(org, form.scopes.data, name=form.name.data,
                                        days=form.days.data, user=current_user,
                                        platform_admin=form.platform_admin.data)
        except NotAllowed:
            if form.platform_admin.data and current_user.role != Role.PLATFORM_ADMIN:
                form.platform_admin.errors = [_("Only a platform admin may make a platform "
                                                "token.")]
            else:
                form.org_code.errors = [_("This unit is outside your scope.")]
            return _token_page(form, RevokeForm(), status=403)
        except TokenError as error:
            form.scopes.errors = [str(error)]
            return _token_page(form, RevokeForm(), status=400)
        return _token_page(TokenForm(formdata=None), RevokeForm(), secret=secret)
    return _token_page(form, RevokeForm())


@pages.post("/integrations/tokens/<int:token_id>/revoke")
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def revoke(token_id: int):
    from flask import flash, redirect, url_for

    from survey_app.api.forms import RevokeForm
    from survey_app.api.operations import revoke_token

    row = _row(ApiToken, token_id)
    if row is None:
        abort(404)
    if not can_manage_tokens(current_user) or not current_user.can_see_org(row.organisation):
        abort(403)
    if not RevokeForm().validate_on_submit():
        abort(400)
    revoke_token(row, current_user)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("api_pages.tokens"))


@pages.post("/integrations/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/replay")
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def replay_on_the_page(webhook_id: int, delivery_id: int):
    """重新发送: what POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay does, for the
    admins of the subscription's unit and platform admins."""
    from flask import flash, redirect, url_for

    from survey_app.api.forms import ReplayForm
    from survey_app.api.operations import replay
    from survey_app.models.api import WebhookDelivery, WebhookSubscription
    from survey_app.permissions import can_replay_webhook

    subscription = _row(WebhookSubscription, webhook_id)
    if subscription is None:
        abort(404)
    if not can_replay_webhook(current_user, subscription):
        abort(403)
    delivery = _row(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        abort(404)
    if not ReplayForm().validate_on_submit():
        abort(400)
    replay(delivery, user=current_user)
    flash(_("The delivery will be sent again at the worker's next pass."), "success")
    return redirect(url_for("api_pages.tokens", _anchor="webhooks"))
