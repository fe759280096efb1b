"""Improvement pages under ``/improvement/`` (union admins, analysts, platform admins) and the
public 你说我改 page of a unit at ``/u/<unit code>/you-said-we-did`` (no login).

Authorisation is checked per object in :mod:`survey_app.permissions`: a missing unit or
action is 404, one outside the account's subtree 403.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from questionnaires.vocabulary import ActionStatus
from survey_app.dates import today
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.improvement import operations as ops
from survey_app.improvement import queries as q
from survey_app.improvement.forms import (
    ActionForm,
    DismissForm,
    LinkActionForm,
    NewActionForm,
    PlanForm,
    ProgressForm,
    ProjectForm,
    SuggestForm,
    TaskForm,
    VerifyForm,
)
from survey_app.models import Organisation, Role
from survey_app.models.improvement import (
    ACCEPTED,
    NEXT_STATUS,
    ActionNote,
    ImprovementAction,
)
from survey_app.models.project import GOAL_ITEMS, HomeProject, ProjectTask
from survey_app.permissions import (
    can_manage_actions,
    can_see_actions,
    can_verify_action,
    current_scope,
    roles_required,
)

bp = Blueprint("improvement", __name__)

READERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN, Role.ANALYST)
WRITERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)


@bp.app_context_processor
def _helpers():
    return {"action_status": q.status_name, "action_source": q.source_name,
            "action_figure": q.shown, "task_state": _task_state}


def _task_state(state: str) -> str:
    return {"done": _("done"), "overdue": _("overdue"), "running": _("under way"),
            "upcoming": _("not started")}.get(state, state)


def _unit(code: str) -> Organisation:
    org = q.org_by_code(code)
    if org is None:
        abort(404)
    if not can_see_actions(current_user, org):
        abort(403)
    return org


def _action(action_id: int) -> ImprovementAction:
    action = db.session.get(ImprovementAction, action_id)
    if action is None:
        abort(404)
    if not can_see_actions(current_user, action.organisation):
        abort(403)
    return action


def _require_manage(org: Organisation) -> None:
    if not can_manage_actions(current_user, org):
        abort(403)


# ---------------------------------------------------------------- supervision and lists


@bp.get("/improvement/")
@roles_required(*READERS)
def index():
    """The upper union's dashboard: overdue, unverified and dismissed actions by unit."""
    scope = current_scope()
    board = q.supervision(scope)
    own = current_user.organisation
    return render_template("improvement/index.html", board=board, own=own)


def _suggest_form(org: Organisation) -> SuggestForm:
    form = SuggestForm(prefix="s")
    newest_member_first = sorted(q.published_campaigns(org),
                                 key=lambda c: (-(c.year or 0), c.kind != "member", c.code))
    form.campaign.choices = [(str(c.id), f"{c.name}（{c.code}）") for c in newest_member_first]
    return form


def _new_form(org: Organisation) -> NewActionForm:
    form = NewActionForm(prefix="n")
    form.source_kind.choices = [(k, q.source_name(k)) for k in ops.MANUAL_SOURCES]
    units = db.session.scalars(org.subtree_query().order_by(Organisation.path)).all()
    form.owner_unit.choices = [(str(u.id), u.name) for u in units]
    return form


def _unit_page(org: Organisation, suggest: SuggestForm | None = None, status: int = 200,
               new: NewActionForm | None = None):
    actions = q.unit_actions(org)
    effects = {a.id: q.effect_of(a) for a in actions
               if a.status in (ActionStatus.DONE.value, ActionStatus.VERIFIED.value)}
    return render_template(
        "improvement/unit.html", org=org, actions=actions, effects=effects,
        suggest=suggest or _suggest_form(org), manage=can_manage_actions(current_user, org),
        new=new or _new_form(org),
        statuses=ActionStatus), status


@bp.get("/improvement/unit/<unit_code>")
@roles_required(*READERS)
def unit(unit_code: str):
    return _unit_page(_unit(unit_code))


@bp.post("/improvement/unit/<unit_code>/suggest")
@roles_required(*WRITERS)
def suggest(unit_code: str):
    org = _unit(unit_code)
    _require_manage(org)
    form = _suggest_form(org)
    if not form.validate_on_submit():
        return _unit_page(org, form, 400)
    campaign = next(c for c in q.published_campaigns(org)
                    if str(c.id) == form.campaign.data)
    created = ops.propose(campaign, org, current_user)
    db.session.commit()
    if created:
        flash(_("%(n)s suggestions proposed.", n=len(created)), "success")
    else:
        flash(_("No new suggestions: the published report shows no figure to act on, or "
                "they were proposed before."), "info")
    return redirect(url_for("improvement.unit", unit_code=org.code))


NOTIFICATION_KINDS = {
    "action_overdue": _l("Overdue"),
    "action_due_soon": _l("Due soon"),
    "action_unverified": _l("Done, waiting for verification"),
}


@bp.get("/improvement/notifications")
@roles_required(*READERS)
def notifications():
    """The account's reminders from the daily digest (``flask actions digest``)."""
    return render_template("improvement/notifications.html",
                           notes=q.notifications_for(current_user), kinds=NOTIFICATION_KINDS,
                           form=VerifyForm(prefix="n"))


@bp.post("/improvement/notifications/read")
@roles_required(*READERS)
def notifications_read():
    form = VerifyForm(prefix="n")
    if form.validate_on_submit():
        ops.mark_read(current_user)
        db.session.commit()
    return redirect(url_for("improvement.notifications"))


@bp.post("/improvement/unit/<unit_code>/new")
@roles_required(*WRITERS)
def new(unit_code: str):
    org = _unit(unit_code)
    _require_manage(org)
    form = _new_form(org)
    if not form.validate_on_submit():
        return _unit_page(org, status=400, new=form)
    values = {f: getattr(form, f).data for f in (*ops.PLAN_FIELDS, "source_kind",
                                                 "source_label", "baseline")}
    values["owner_unit"] = db.session.get(Organisation, int(form.owner_unit.data))
    try:
        action = ops.create(org, values, current_user)
    except ops.ActionProblem as exc:
        db.session.rollback()
        getattr(form, exc.field, form.title).errors = [str(exc)]
        return _unit_page(db.session.get(Organisation, org.id), status=400, new=form)
    db.session.commit()
    flash(_("Action saved."), "success")
    return redirect(url_for("improvement.action", action_id=action.id))


# ---------------------------------------------------------------- 建家 projects


def _project(project_id: int) -> HomeProject:
    project = db.session.get(HomeProject, project_id)
    if project is None:
        abort(404)
    if not can_see_actions(current_user, project.organisation):
        abort(403)
    return project


def _project_form() -> ProjectForm:
    form = ProjectForm(prefix="pr")
    form.goal_item.choices = GOAL_ITEMS
    if not _posted():
        form.year.data = today().year
    return form


def _projects_page(org: Organisation, status: int = 200, form: ProjectForm | None = None):
    projects = q.unit_projects(org)
    return render_template(
        "improvement/projects.html", org=org, projects=projects,
        timelines={p.id: q.timeline(p) for p in projects},
        manage=can_manage_actions(current_user, org), form=form or _project_form()), status


@bp.get("/improvement/unit/<unit_code>/projects")
@roles_required(*READERS)
def projects(unit_code: str):
    """The unit's 建家 projects, each with its timeline (rendered here, readable on a phone)."""
    return _projects_page(_unit(unit_code))


@bp.post("/improvement/unit/<unit_code>/projects")
@roles_required(*WRITERS)
def project_new(unit_code: str):
    org = _unit(unit_code)
    _require_manage(org)
    form = _project_form()
    if not form.validate_on_submit():
        return _projects_page(org, 400, form)
    try:
        project = ops.create_project(current_user, org, year=form.year.data,
                                     title=form.title.data, goal=form.goal.data or "",
                                     goal_item=form.goal_item.data,
                                     owner_name=form.owner_name.data)
    except ops.ActionProblem as exc:
        db.session.rollback()
        getattr(form, exc.field, form.title).errors = [str(exc)]
        return _projects_page(db.session.get(Organisation, org.id), 400, form)
    db.session.commit()
    flash(_("Project created."), "success")
    return redirect(url_for("improvement.project", project_id=project.id))


def _link_form(project: HomeProject) -> LinkActionForm:
    form = LinkActionForm(prefix="l")
    form.action.choices = [(str(a.id), a.title) for a in q.unit_actions(project.organisation)
                           if a.status in ACCEPTED and a.project_id != project.id]
    return form


def _project_page(project: HomeProject, status: int = 200, task: TaskForm | None = None,
                  link: LinkActionForm | None = None):
    return render_template(
        "improvement/project.html", project=project, org=project.organisation,
        bars=q.timeline(project), actions=q.project_actions(project),
        manage=can_manage_actions(current_user, project.organisation),
        task=task or TaskForm(prefix="t"), link=link or _link_form(project),
        done=ActionForm()), status


@bp.get("/improvement/project/<int:project_id>")
@roles_required(*READERS)
def project(project_id: int):
    return _project_page(_project(project_id))


@bp.post("/improvement/project/<int:project_id>/tasks")
@roles_required(*WRITERS)
def task_new(project_id: int):
    project = _project(project_id)
    _require_manage(project.organisation)
    form = TaskForm(prefix="t")
    if not form.validate_on_submit():
        return _project_page(project, 400, task=form)
    try:
        ops.add_task(current_user, project, title=form.title.data,
                     owner_name=form.owner_name.data, starts_on=form.starts_on.data,
                     due_on=form.due_on.data)
    except ops.ActionProblem as exc:
        db.session.rollback()
        getattr(form, exc.field, form.title).errors = [str(exc)]
        return _project_page(db.session.get(HomeProject, project_id), 400, task=form)
    db.session.commit()
    flash(_("Task added."), "success")
    return redirect(url_for("improvement.project", project_id=project.id))


@bp.post("/improvement/task/<int:task_id>/done")
@roles_required(*WRITERS)
def task_done(task_id: int):
    task = db.session.get(ProjectTask, task_id)
    if task is None:
        abort(404)
    project = _project(task.project_id)
    _require_manage(project.organisation)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        ops.complete_task(current_user, task)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Task done."), "success")
    return redirect(url_for("improvement.project", project_id=project.id))


@bp.post("/improvement/project/<int:project_id>/actions")
@roles_required(*WRITERS)
def project_link(project_id: int):
    project = _project(project_id)
    _require_manage(project.organisation)
    form = _link_form(project)
    if not form.validate_on_submit():
        return _project_page(project, 400, link=form)
    action = db.session.get(ImprovementAction, int(form.action.data))
    try:
        ops.link_action(current_user, project, action)
    except ops.ActionProblem as exc:
        db.session.rollback()
        form.action.errors = [str(exc)]
        return _project_page(db.session.get(HomeProject, project_id), 400, link=form)
    db.session.commit()
    flash(_("Action linked."), "success")
    return redirect(url_for("improvement.project", project_id=project.id))


# ---------------------------------------------------------------- one action


def _plan_form(action: ImprovementAction, formdata=True) -> PlanForm:
    kwargs = {}
    if formdata is None or not _posted():
        kwargs = {"obj": action, "owner_unit": str(action.owner_unit_id or action.organisation_id)}
        if action.target is None and action.baseline is not None:
            kwargs["target"] = round(action.baseline * q.display_scale(action.source_kind) + 5, 1)
    form = PlanForm(prefix="p", **kwargs)
    units = db.session.scalars(action.organisation.subtree_query()
                               .order_by(Organisation.path)).all()
    form.owner_unit.choices = [(str(u.id), u.name) for u in units]
    return form


def _posted() -> bool:
    from flask import request

    return request.method == "POST"


def _progress_form(action: ImprovementAction) -> ProgressForm:
    form = ProgressForm(prefix="g")
    steps = (action.status, *NEXT_STATUS.get(action.status, ()))
    form.status.choices = [(s, q.status_name(s)) for s in steps]
    if not _posted():
        form.status.data = steps[-1] if len(steps) > 1 else action.status
    return form


def _detail(action: ImprovementAction, status: int = 200, **forms):
    manage = can_manage_actions(current_user, action.organisation)
    ctx = {
        "plan": forms.get("plan") or _plan_form(action),
        "dismiss": forms.get("dismiss") or DismissForm(prefix="d"),
        "progress": forms.get("progress") or _progress_form(action),
        "verify": forms.get("verify") or VerifyForm(prefix="v"),
    }
    return render_template(
        "improvement/action.html", action=action, org=action.organisation, manage=manage,
        can_verify=can_verify_action(current_user, action), effect=q.effect_of(action),
        statuses=ActionStatus, next_status=NEXT_STATUS, **ctx), status


@bp.get("/improvement/action/<int:action_id>")
@roles_required(*READERS)
def action(action_id: int):
    return _detail(_action(action_id))


@bp.post("/improvement/action/<int:action_id>/plan")
@roles_required(*WRITERS)
def plan(action_id: int):
    action = _action(action_id)
    _require_manage(action.organisation)
    form = _plan_form(action)
    if not form.validate_on_submit():
        return _detail(action, 400, plan=form)
    owner_unit = db.session.get(Organisation, int(form.owner_unit.data))
    values = {f: getattr(form, f).data for f in ops.PLAN_FIELDS}
    values["owner_unit"] = owner_unit
    try:
        ops.accept(action, values, current_user)
    except ops.ActionProblem as exc:
        db.session.rollback()
        getattr(form, exc.field, form.title).errors = [str(exc)]
        return _detail(db.session.get(ImprovementAction, action_id), 400, plan=form)
    db.session.commit()
    flash(_("Action saved."), "success")
    return redirect(url_for("improvement.action", action_id=action.id))


@bp.post("/improvement/action/<int:action_id>/dismiss")
@roles_required(*WRITERS)
def dismiss(action_id: int):
    action = _action(action_id)
    _require_manage(action.organisation)
    form = DismissForm(prefix="d")
    if not form.validate_on_submit():
        return _detail(action, 400, dismiss=form)
    try:
        ops.dismiss(action, form.reason.data, current_user)
    except ops.ActionProblem as exc:
        form.reason.errors = [str(exc)]
        return _detail(action, 400, dismiss=form)
    db.session.commit()
    flash(_("Suggestion dismissed."), "success")
    return redirect(url_for("improvement.unit", unit_code=action.organisation.code))


@bp.post("/improvement/action/<int:action_id>/progress")
@roles_required(*WRITERS)
def progress(action_id: int):
    action = _action(action_id)
    _require_manage(action.organisation)
    form = _progress_form(action)
    if not form.validate_on_submit():
        return _detail(action, 400, progress=form)
    upload = form.evidence.data
    limit = int(current_app.config.get("MAX_EVIDENCE_BYTES") or 5 * 1024 * 1024)
    data = upload.stream.read(limit + 1) if upload and getattr(upload, "filename", "") else b""
    try:
        ops.progress(action, status=form.status.data, text=form.text.data or "",
                     filename=getattr(upload, "filename", "") or "", data=data,
                     folder=_upload_folder(), max_bytes=limit, user=current_user)
    except ops.ActionProblem as exc:
        db.session.rollback()
        action = db.session.get(ImprovementAction, action_id)
        getattr(form, exc.field, form.text).errors = [str(exc)]
        return _detail(action, 400, progress=form)
    db.session.commit()
    flash(_("Progress recorded."), "success")
    return redirect(url_for("improvement.action", action_id=action.id))


@bp.post("/improvement/action/<int:action_id>/verify")
@roles_required(*WRITERS)
def verify(action_id: int):
    action = _action(action_id)
    form = VerifyForm(prefix="v")
    if not form.validate_on_submit():
        return _detail(action, 400, verify=form)
    ops.verify(action, form.text.data or "", current_user)
    db.session.commit()
    flash(_("Action verified."), "success")
    return redirect(url_for("improvement.action", action_id=action.id))


def _upload_folder() -> str:
    import os

    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads")


@bp.get("/improvement/evidence/<int:action_note_id>")
@roles_required(*READERS)
def evidence(action_note_id: int):
    note = db.session.get(ActionNote, action_note_id)
    if note is None or not note.stored_name:
        abort(404)
    if not can_see_actions(current_user, note.action.organisation):
        abort(403)
    path = ops.evidence_path(_upload_folder(), note)
    response = send_file(path, mimetype=note.content_type, as_attachment=True,
                         download_name=note.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- 你说我改 (public)


def _public_unit(code: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        abort(404)
    return org


@bp.get("/u/<unit_code>/you-said-we-did")
def you_said_we_did(unit_code: str):
    """What members said (the published report's figures only), what the union is doing,
    and what changed since last year. Nothing about any respondent."""
    org = _public_unit(unit_code)
    page = q.public_page(org)
    return render_template("improvement/public.html", org=org, page=page,
                           link=url_for("improvement.short_link", unit_code=org.code,
                                        _external=True))


@bp.get("/y/<unit_code>")
def short_link(unit_code: str):
    org = _public_unit(unit_code)
    return redirect(url_for("improvement.you_said_we_did", unit_code=org.code))


@bp.get("/u/<unit_code>/you-said-we-did/qr.svg")
def qr_code(unit_code: str):
    """A QR code of the short link, for printing on a notice board."""
    import qrcode
    import qrcode.image.svg

    org = _public_unit(unit_code)
    image = qrcode.make(url_for("improvement.short_link", unit_code=org.code, _external=True),
                        image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    out = io.BytesIO()
    image.save(out)
    return Response(out.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})
