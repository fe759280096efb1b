"""Campaign pages (admins) and my evaluations (evaluators, assessors).

Every view loads its object and checks it on the server: a union admin reaches only the
campaigns owned in their subtree (403 otherwise), an evaluator only their own assignments
(404 for anyone else's, so ids reveal nothing).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from questionnaires import library
from survey_app.answering import text_in
from survey_app.campaigns import operations as ops
from survey_app.campaigns.forms import (
    GROUP_ROWS,
    KIND_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    ActionForm,
    AddAssignmentForm,
    CampaignForm,
    EditForm,
    SendRemindersForm,
    StateForm,
)
from survey_app.campaigns.queries import (
    assignment_rows,
    behind_schedule,
    covering_campaigns,
    export_csv,
    history,
    managed_campaigns_query,
    progress,
    raters_without_account,
    target_results,
    transition_summary,
)
from survey_app.dates import today
from survey_app.errors import DomainError, NotAllowed, render_error
from survey_app.extensions import db
from survey_app.models import (
    Assignment,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Organisation,
    Role,
    User,
)
from survey_app.models import (
    Response as ResponseRow,
)
from survey_app.permissions import (
    can_see_results,
    managed_campaign,
    require_org_in_scope,
    roles_required,
    visible_orgs_query,
)
from survey_app.permissions import (
    current_scope as _scope,
)
from survey_app.questionnaire_versions import (
    content_hash_of,
    questionnaire_of,
    usable_versions_query,
    version_choice,
)

bp = Blueprint("campaigns", __name__)

MANAGERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
RATERS = (Role.EVALUATOR, Role.ASSESSOR)
RESULT_READERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN, Role.ANALYST)
STATUS_ACTIONS = {
    "draft": [("open", "open")],
    "open": [("closed", "close")],
    "closed": [("published", "publish"), ("open", "reopen")],
    "published": [("closed", "withdraw")],
}


def _refused(error: ops.CampaignError):
    return render_error(error.status, str(error))


def _lang() -> str:
    return str(get_locale() or "zh")


@bp.app_context_processor
def _labels():
    return {"campaign_status_labels": STATUS_LABELS}


# ---------------------------------------------------------------- administration


@bp.get("/campaigns/")
@roles_required(*MANAGERS)
def index():
    campaigns = db.session.scalars(managed_campaigns_query(current_user)).all()
    scope = current_user.organisation
    covering = [(c, [t.organisation for t in c.targets
                     if scope is not None and t.organisation.is_within(scope)])
                for c in covering_campaigns(current_user)]
    return render_template("campaigns/index.html", campaigns=campaigns, kinds=KIND_LABELS,
                           covering=covering)


def _campaign_form() -> CampaignForm:
    form = CampaignForm()
    owners = db.session.scalars(visible_orgs_query().order_by(Organisation.path)).all()
    form.owner.choices = [(o.code, f"{o.code} {o.name}") for o in owners]
    if current_user.role == Role.PLATFORM_ADMIN:
        form.owner.choices.insert(0, ("", "—"))
    for entry in form.groups:
        entry.form.questionnaire.choices = questionnaire_choices()
    return form


def questionnaire_choices() -> list[tuple[str, str]]:
    """The shipped library by key, then every published version the user may use (their
    own unit's uploads and those of units below and above it), newest first per key."""
    shipped = library()
    lang = _lang()
    choices = [(k, text_in(shipped[k].title, lang)) for k in sorted(shipped)]
    library_hashes = {content_hash_of(q) for q in shipped.values()}
    for v in db.session.scalars(usable_versions_query(_scope())):
        if v.content_hash not in library_hashes:
            choices.append((version_choice(v), f"{v.title_zh} · v{v.version} "
                                               f"({v.content_hash[:8]})"))
    return choices


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    form = _campaign_form()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            campaign = ops.create_campaign(form.as_spec(), current_user, scope=_scope())
        except ops.CampaignSpecError as error:
            problems = error.problems
        else:
            flash(_("Campaign %(code)s created as a draft.", code=campaign.code), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    status = 422 if problems or form.errors else 200
    return render_template("campaigns/new.html", form=form, problems=problems,
                           group_rows=GROUP_ROWS), status


@bp.get("/campaigns/<int:campaign_id>")
@roles_required(*MANAGERS)
def detail(campaign_id: int):
    campaign = managed_campaign(campaign_id)
    rows = assignment_rows(campaign, scope=_scope())
    groups, per_target = progress(campaign, rows)
    targets = db.session.scalars(
        select(Organisation).join(CampaignTarget, CampaignTarget.organisation_id == Organisation.id)
        .where(CampaignTarget.campaign_id == campaign.id).order_by(Organisation.path)).all()
    actions = [(to, label) for to, label in STATUS_ACTIONS[campaign.status]
               if label not in ops.ADMIN_ACTIONS or current_user.role == Role.PLATFORM_ADMIN]
    return render_template(
        "campaigns/detail.html", campaign=campaign, groups=groups, per_target=per_target,
        targets=targets, actions=actions, state_form=StateForm(), kinds=KIND_LABELS,
        rules=RULE_LABELS, named_groups=[g for g in campaign.rater_groups if not g.anonymous],
        without_account=raters_without_account(campaign))


def _edit_form(campaign: Campaign):
    class CampaignEditForm(EditForm):
        pass

    for group in campaign.rater_groups if campaign.status == CampaignStatus.DRAFT.value else ():
        setattr(CampaignEditForm, f"weight_{group.id}", StringField(
            group.name, validators=[DataRequired(), Length(max=20)], default=f"{group.weight:g}"))
    return CampaignEditForm(obj=campaign)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(campaign_id: int):
    campaign = managed_campaign(campaign_id)
    if campaign.status not in (CampaignStatus.DRAFT.value, CampaignStatus.OPEN.value):
        return render_error(409, _("A closed or published campaign cannot be edited."))
    form = _edit_form(campaign)
    problems: list[str] = []
    if form.validate_on_submit():
        changes: dict = {"name": form.name.data.strip(), "closes_on": form.closes_on.data}
        if campaign.status == CampaignStatus.DRAFT.value:
            changes["opens_on"] = form.opens_on.data
            if form.min_group_size.data:
                changes["min_group_size"] = form.min_group_size.data
            weights = {}
            for group in campaign.rater_groups:
                raw = form[f"weight_{group.id}"].data.strip()
                try:
                    weights[group.key] = float(raw)
                except ValueError:
                    problems.append(_("%(group)s: %(value)s is not a number",
                                      group=group.name, value=raw))
            changes["weights"] = weights
        if not problems:
            try:
                ops.update_campaign(campaign, changes, current_user)
            except ops.CampaignSpecError as error:
                problems = error.problems
            except DomainError as error:
                return _refused(error)
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    status = 422 if problems or form.errors else 200
    return render_template("campaigns/edit.html", campaign=campaign, form=form,
                           problems=problems), status


@bp.post("/campaigns/<int:campaign_id>/state")
@roles_required(*MANAGERS)
def change_state(campaign_id: int):
    campaign = managed_campaign(campaign_id)
    form = StateForm()
    if not form.validate_on_submit():
        abort(400)
    if form.to.data not in {s.value for s in CampaignStatus}:
        abort(400)
    action = ops.TRANSITIONS.get((CampaignStatus(campaign.status), CampaignStatus(form.to.data)))
    if action in ops.ADMIN_ACTIONS and current_user.role != Role.PLATFORM_ADMIN:
        abort(403)
    if action in ops.CONFIRMED_ACTIONS and form.confirmed.data != "yes":
        return render_template("campaigns/confirm.html", campaign=campaign, action=action,
                               to=form.to.data, form=form,
                               summary=transition_summary(campaign))
    try:
        ops.transition(campaign, form.to.data, current_user, reason=form.reason.data)
    except (ops.IllegalTransition, NotAllowed) as error:
        return _refused(error)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("The campaign is now: %(status)s.",
                status=STATUS_LABELS.get(campaign.status, campaign.status)), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>/reminders")
@roles_required(*MANAGERS)
def reminders(campaign_id: int):
    """Who is behind: raters with unsubmitted assignments, units below the members'
    participation target (bands only); ``?print=1`` gives one printable notice per rater."""
    campaign = managed_campaign(campaign_id)
    on = today()
    raters, members = behind_schedule(campaign, _scope(), on)
    template = "campaigns/reminder_notices.html" if request.args.get("print") else \
        "campaigns/reminders.html"
    return render_template(template, campaign=campaign, raters=raters, members=members,
                           on=on, send_form=SendRemindersForm())


@bp.get("/campaigns/<int:campaign_id>/reminders.pdf")
@roles_required(*MANAGERS)
def reminder_notices_pdf(campaign_id: int):
    """The printable reminder notices as a PDF: one A4 page per rater behind schedule."""
    from survey_app.campaigns.reminder_sheets import reminder_notices_pdf as build

    campaign = managed_campaign(campaign_id)
    on = today()
    raters, _members = behind_schedule(campaign, _scope(), on)
    pdf = build(campaign, raters, on, url_for("auth.login", _external=True))
    name = f"reminders-{campaign.code}-{on.isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.post("/campaigns/<int:campaign_id>/reminders")
@roles_required(*MANAGERS)
def send_reminders(campaign_id: int):
    """In-app reminders to the rater units behind schedule (their evaluators see them)."""
    campaign = managed_campaign(campaign_id)
    if not SendRemindersForm().validate_on_submit():
        abort(400)
    raters, _members = behind_schedule(campaign, _scope(), today())
    sent = ops.send_reminders(campaign, [r.org_id for r in raters], current_user)
    db.session.commit()
    flash(_("Reminders sent to %(n)d units.", n=sent), "success")
    return redirect(url_for("campaigns.reminders", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>/assignments")
@roles_required(*MANAGERS)
def assignments(campaign_id: int):
    campaign = managed_campaign(campaign_id)
    rows = assignment_rows(campaign, scope=_scope())
    status_filter = request.args.get("status")
    if status_filter in ("not_started", "draft", "submitted", "pending"):
        rows = [r for r in rows if r.status == status_filter
                or (status_filter == "pending" and r.status != "submitted")]
    add_form = AddAssignmentForm()
    add_form.group.choices = [(g.id, g.name) for g in campaign.rater_groups if not g.anonymous]
    return render_template("campaigns/assignments.html", campaign=campaign, rows=rows,
                           add_form=add_form, action_form=ActionForm(),
                           editable=campaign.status == CampaignStatus.DRAFT.value,
                           status_filter=status_filter)


@bp.post("/campaigns/<int:campaign_id>/assignments/generate")
@roles_required(*MANAGERS)
def generate(campaign_id: int):
    campaign = managed_campaign(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        report = ops.generate_assignments(campaign, current_user)
    except ops.IllegalTransition as error:
        return _refused(error)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("%(count)d assignments generated.", count=report.total), "success")
    return redirect(url_for("campaigns.assignments", campaign_id=campaign.id))


def _find_rater(text: str) -> tuple[Organisation | None, User | None]:
    org = db.session.scalar(select(Organisation).where(Organisation.code == text))
    if org is not None:
        return org, None
    return None, db.session.scalar(select(User).where(User.username == text))


@bp.post("/campaigns/<int:campaign_id>/assignments/add")
@roles_required(*MANAGERS)
def add(campaign_id: int):
    campaign = managed_campaign(campaign_id)
    form = AddAssignmentForm()
    if not form.validate_on_submit():
        flash(_("Give a rater group, a target unit and a rater."), "error")
        return redirect(url_for("campaigns.assignments", campaign_id=campaign.id))
    group = next((g for g in campaign.rater_groups if g.id == form.group.data), None)
    target = db.session.scalar(select(Organisation).where(
        Organisation.code == form.target.data.strip()))
    rater_org, rater_user = _find_rater(form.rater.data.strip())
    if group is None or target is None or (rater_org is None and rater_user is None):
        flash(_("Unknown rater group, unit or rater."), "error")
        return redirect(url_for("campaigns.assignments", campaign_id=campaign.id))
    require_org_in_scope(target)
    try:
        ops.add_assignment(campaign, group, target, rater_org=rater_org, rater_user=rater_user,
                           user=current_user)
    except ops.IllegalTransition as error:
        return _refused(error)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Assignment added."), "success")
    return redirect(url_for("campaigns.assignments", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/assignments/<int:assignment_id>/remove")
@roles_required(*MANAGERS)
def remove(campaign_id: int, assignment_id: int):
    campaign = managed_campaign(campaign_id)
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.campaign_id != campaign.id:
        abort(404)
    require_org_in_scope(assignment.target)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        ops.remove_assignment(assignment, current_user)
    except DomainError as error:
        return _refused(error)
    flash(_("Assignment removed."), "success")
    return redirect(url_for("campaigns.assignments", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>/assignments.csv")
@roles_required(*MANAGERS)
def assignments_csv(campaign_id: int):
    campaign = managed_campaign(campaign_id)
    body = "\ufeff" + export_csv(campaign)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=assignments-{campaign.code}.csv"})


@bp.get("/campaigns/<int:campaign_id>/assignments/<int:assignment_id>/answers")
@roles_required(Role.PLATFORM_ADMIN)
def answers(campaign_id: int, assignment_id: int):
    """A named rater's answers and revisions: platform admins only."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.campaign_id != campaign_id:
        abort(404)
    revisions = [(s, db.session.get(ResponseRow, s.response_id)) for s in history(assignment)]
    questionnaire = questionnaire_of(assignment.rater_group.questionnaire_version)
    return render_template("campaigns/answers.html", assignment=assignment,
                           campaign=db.session.get(Campaign, campaign_id), revisions=revisions,
                           fields=questionnaire.fields(), lang=_lang(), text_in=text_in)


@bp.get("/campaigns/<int:campaign_id>/results/<int:org_id>")
@roles_required(*RESULT_READERS)
def results(campaign_id: int, org_id: int):
    """A target's aggregate results: after publishing (platform admins once closed); never
    while answers arrive (:mod:`survey_app.release_policy`)."""
    campaign = db.session.get(Campaign, campaign_id)
    target = db.session.get(Organisation, org_id)
    if campaign is None or target is None or not db.session.scalar(select(CampaignTarget.id).where(
            CampaignTarget.campaign_id == campaign_id, CampaignTarget.organisation_id == org_id)):
        abort(404)
    if not can_see_results(current_user, campaign, target):
        abort(403)
    return render_template("campaigns/results.html", campaign=campaign, target=target,
                           groups=target_results(campaign, target))
