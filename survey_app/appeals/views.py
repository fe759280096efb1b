"""Appeal pages: file an appeal, read it, decide it, download its evidence."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_app.appeals import operations as ops
from survey_app.appeals import queries as Q
from survey_app.appeals.forms import AppealForm, DecisionForm
from survey_app.assessment.queries import get_run, load_scheme
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import Appeal, Organisation, Role
from survey_app.permissions import (
    can_appeal,
    can_decide_appeal,
    can_see_appeal,
    current_scope,
    roles_required,
)

bp = Blueprint("appeals", __name__, url_prefix="/appeals")

READERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN, Role.ANALYST)
MANAGERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)


@bp.app_context_processor
def _appeal_names():
    from survey_app.appeals.forms import SUBJECTS

    return {"appeal_subjects": dict(SUBJECTS),
            "appeal_statuses": {"pending": _("Pending"), "upheld": _("Upheld"),
                                "rejected": _("Rejected")}}


def _appeal_or_404(appeal_id: int) -> Appeal:
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        abort(404)
    if not can_see_appeal(current_user, appeal):
        abort(403)
    return appeal


def _window_days() -> int:
    return int(current_app.config.get("APPEAL_WINDOW_DAYS", 15))


@bp.get("/")
@roles_required(*READERS)
def index():
    appeals = [a for a in Q.visible_appeals(current_scope()) if can_see_appeal(current_user, a)]
    return render_template("appeals/index.html", appeals=appeals)


@bp.route("/<scheme_key>/<int:year>/<code>/new", methods=["GET", "POST"])
@roles_required(Role.UNION_ADMIN)
def new(scheme_key: str, year: int, code: str):
    try:
        scheme = load_scheme(scheme_key)
    except LookupError:
        abort(404)
    org = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        abort(404)
    run = get_run(scheme.key, year)
    if not can_appeal(current_user, org, run):
        abort(403)
    form = AppealForm()
    form.veto_item.choices = [("", "—")] + [(v.key, v.name.zh) for v in scheme.veto]
    closes = Q.window_closes_on(run, _window_days())
    status = 200
    if form.validate_on_submit():
        upload = form.evidence.data
        limit = int(current_app.config.get("MAX_CONTENT_LENGTH") or 5 * 1024 * 1024)
        data = upload.stream.read(limit + 1) if upload else b""
        item = form.veto_item.data if form.subject.data == "veto" else form.finding.data
        try:
            appeal = ops.file_appeal(
                scheme, run, org, current_user, subject=form.subject.data, item=item or "",
                reason=form.reason.data, window_days=_window_days(),
                filename=getattr(upload, "filename", "") or "", data=data,
                folder=current_app.config["UPLOAD_FOLDER"], max_bytes=limit)
        except DomainError as error:
            db.session.rollback()
            if error.status == 403:
                raise
            form.reason.errors = [*form.reason.errors, str(error)]
            status = error.status
        else:
            flash(_("Your appeal has been filed."), "success")
            return redirect(url_for("appeals.detail", appeal_id=appeal.id))
    elif form.is_submitted():
        status = 400
    return render_template("appeals/new.html", form=form, scheme=scheme, year=year, org=org,
                           closes=closes, open=Q.window_open(run, _window_days())), status


@bp.get("/<int:appeal_id>")
@roles_required(*READERS)
def detail(appeal_id: int, form: DecisionForm | None = None):
    appeal = _appeal_or_404(appeal_id)
    decide = can_decide_appeal(current_user, appeal) and not appeal.decided
    return render_template("appeals/detail.html", appeal=appeal,
                           form=form or DecisionForm(), decide=decide)


@bp.post("/<int:appeal_id>/decide")
@roles_required(*MANAGERS)
def decide(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    if not can_decide_appeal(current_user, appeal):
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        return detail(appeal_id, form), 400
    try:
        ops.decide(appeal, current_user, form.outcome.data == "upheld", form.reason.data)
    except DomainError as error:
        db.session.rollback()
        if error.status != 400:
            raise
        form.reason.errors = [str(error)]
        return detail(appeal_id, form), 400
    flash(_("The decision has been recorded."), "success")
    return redirect(url_for("appeals.detail", appeal_id=appeal.id))


@bp.get("/<int:appeal_id>/evidence")
@roles_required(*READERS)
def evidence(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    path = ops.evidence_path(current_app.config["UPLOAD_FOLDER"], appeal)
    response = send_file(path, mimetype=appeal.evidence_type, as_attachment=True,
                         download_name=appeal.evidence_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
