"""Assessment pages: results of the user's subtree, one unit's breakdown, input entry by the
upper-level union, evidence uploads and downloads. Authorisation is checked per object in
:mod:`survey_app.permissions` (``can_enter_for`` / ``can_view_result``)."""

from __future__ import annotations

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from questionnaires.vocabulary import CampaignStatus, zh_names
from survey_app.appeals.queries import appeals_of, window_open
from survey_app.assessment.forms import (
    ActionForm,
    EvidenceForm,
    InputsImportForm,
    ObjectiveForm,
    VetoForm,
    chosen_campaigns,
    compute_form,
)
from survey_app.assessment.operations import (
    InputsImportFailed,
    compute,
    delete_evidence,
    evidence_path,
    import_inputs,
    publish,
    save_evidence,
    set_objective,
    set_veto,
)
from survey_app.assessment.queries import (
    available_schemes,
    campaign_candidates,
    export_bytes,
    get_run,
    inputs_of,
    load_scheme,
    result_for,
    runs,
    unit_breakdown,
    veto_reason_named,
)
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import Organisation, Role
from survey_app.models.assessment import AssessmentResult, EvidenceFile
from survey_app.permissions import (
    can_appeal,
    can_enter_for,
    can_view_result,
    roles_required,
    visible_orgs_query,
)

bp = Blueprint("assessment", __name__, url_prefix="/assessment")


READERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN, Role.ANALYST)
MAX_YEAR = 2100


def _scheme_or_404(key: str):
    try:
        return load_scheme(key)
    except LookupError:
        abort(404)


def _year_or_404(year: int) -> int:
    if not 2000 <= year <= MAX_YEAR:
        abort(404)
    return year


def _org_or_404(code: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        abort(404)
    return org


@bp.get("/")
@roles_required(*READERS)
def index():
    from datetime import date

    done = runs()
    this_year = date.today().year
    years = sorted({r.year for r in done} | {this_year - 1, this_year}, reverse=True)
    return render_template("assessment/index.html", schemes=available_schemes(), runs=done,
                           years=years)


@bp.get("/<scheme_key>/<int:year>/")
@roles_required(*READERS)
def results(scheme_key: str, year: int, problems: list[str] | None = None):
    scheme = _scheme_or_404(scheme_key)
    _year_or_404(year)
    run = get_run(scheme.key, year)
    orgs = db.session.scalars(visible_orgs_query().order_by(Organisation.code)).all()
    by_org = {}
    if run is not None:
        ids = [o.id for o in orgs]
        by_org = {r.organisation_id: r for r in db.session.scalars(
            select(AssessmentResult).where(AssessmentResult.run_id == run.id,
                                           AssessmentResult.organisation_id.in_(ids)))}
    rows = []
    for org in orgs:
        enter = can_enter_for(current_user, org)
        view = can_view_result(current_user, org, run)
        res = by_org.get(org.id) if view else None
        if enter or res is not None:
            rows.append({"org": org, "result": res, "enter": enter})
    rows.sort(key=lambda r: (r["org"].parent_id or 0, r["org"].kind,
                             r["result"] is None or r["result"].rank is None,
                             (r["result"].rank or 0) if r["result"] else 0, r["org"].code))
    return render_template(
        "assessment/results.html", scheme=scheme, year=year, run=run, rows=rows,
        compute=_compute_form(scheme, year, run) if current_user.role == Role.PLATFORM_ADMIN
        else None,
        grades={g.key: g.name for g in scheme.grades},
        honours={h.key: h.name for h in scheme.honours}, form=ActionForm(),
        import_form=InputsImportForm(), problems=problems or [])


@bp.post("/<scheme_key>/<int:year>/import")
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def import_view(scheme_key: str, year: int):
    """Many inputs at once (columns unit_code, indicator, value, note); all or nothing."""
    scheme = _scheme_or_404(scheme_key)
    _year_or_404(year)
    form = InputsImportForm()
    if not form.validate_on_submit():
        return results(scheme_key, year, problems=[str(e) for e in form.file.errors]), 422
    upload = form.file.data
    try:
        applied = import_inputs(scheme, year, upload.read(), upload.filename or "",
                                current_user)
    except InputsImportFailed as failure:
        db.session.rollback()
        return results(scheme_key, year, problems=failure.problems), 422
    db.session.commit()
    flash(_("Imported %(n)d inputs.", n=applied), "success")
    return redirect(url_for("assessment.results", scheme_key=scheme.key, year=year))


def _compute_form(scheme, year: int, run):
    selection = (run.provenance or {}).get("selection", {}) if run is not None else {}
    return compute_form(scheme, campaign_candidates(scheme, year), selection,
                        zh_names(CampaignStatus))


@bp.post("/<scheme_key>/<int:year>/compute")
@roles_required(Role.PLATFORM_ADMIN)
def compute_view(scheme_key: str, year: int):
    """Compute with the campaigns chosen per slot (by default the assessing union's own)."""
    scheme = _scheme_or_404(scheme_key)
    _year_or_404(year)
    form = _compute_form(scheme, year, get_run(scheme.key, year))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return results(scheme_key, year, problems=[
            f"{field.label.text}: {'; '.join(map(str, field.errors))}"
            for field in form if field.errors]), 422
    try:
        run = compute(scheme, year, user=current_user, overrides=chosen_campaigns(form, scheme))
    except DomainError as exc:
        db.session.rollback()
        return results(scheme_key, year, problems=[str(exc)]), 422
    else:
        db.session.commit()
        flash(_("Computed: %(n)d units.", n=run.unit_count), "success")
    return redirect(url_for("assessment.results", scheme_key=scheme.key, year=year))


@bp.post("/<scheme_key>/<int:year>/publish")
@roles_required(Role.PLATFORM_ADMIN)
def publish_view(scheme_key: str, year: int):
    scheme = _scheme_or_404(scheme_key)
    run = get_run(scheme.key, _year_or_404(year))
    if run is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    publish(run, current_user)
    db.session.commit()
    flash(_("Published."), "success")
    return redirect(url_for("assessment.results", scheme_key=scheme.key, year=year))


@bp.get("/<scheme_key>/<int:year>/export.<fmt>")
@roles_required(*READERS)
def export(scheme_key: str, year: int, fmt: str):
    scheme = _scheme_or_404(scheme_key)
    run = get_run(scheme.key, _year_or_404(year))
    if run is None or fmt not in ("csv", "xlsx"):
        abort(404)
    within = None if current_user.role == Role.PLATFORM_ADMIN else current_user.organisation
    if within is None and current_user.role != Role.PLATFORM_ADMIN:
        abort(403)
    # a unit's own result is only visible once published (see permissions.can_view_result)
    data = export_bytes(scheme, run, fmt, within,
                        below_only=within is not None and not run.published)
    mime = "text/csv" if fmt == "csv" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"assessment-{scheme.key}-{year}.{fmt}"
    return Response(data, mimetype=mime,
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/<scheme_key>/<int:year>/unit/<code>", methods=["GET", "POST"])
@roles_required(*READERS)
def unit(scheme_key: str, year: int, code: str):
    scheme = _scheme_or_404(scheme_key)
    _year_or_404(year)
    org = _org_or_404(code)
    run = get_run(scheme.key, year)
    enter = can_enter_for(current_user, org)
    view = can_view_result(current_user, org, run)
    if not (enter or view):
        abort(403)
    result = result_for(run, org.id) if view else None
    breakdown = None
    if result is not None:
        prev_run = get_run(scheme.key, year - 1)
        prev = result_for(prev_run, org.id) if prev_run is not None and can_view_result(
            current_user, org, prev_run) else None
        breakdown = unit_breakdown(scheme, run, result, prev)
    forms = _forms(scheme) if enter else {}
    return render_template(
        "assessment/unit.html", scheme=scheme, year=year, org=org, run=run, result=result,
        b=breakdown, enter=enter, inputs=inputs_of(scheme, year, org) if enter else None,
        forms=forms, grades={g.key: g.name for g in scheme.grades},
        appeals=appeals_of(scheme.key, year, org) if (enter or view) else [],
        appeal_url=url_for("appeals.new", scheme_key=scheme.key, year=year, code=org.code)
        if can_appeal(current_user, org, run) and window_open(
            run, int(current_app.config.get("APPEAL_WINDOW_DAYS", 15))) else None,
        veto_reason=veto_reason_named(scheme, result.veto_reason, str(get_locale() or "zh"))
        if result is not None else "")


def _forms(scheme, data=None):
    objective = ObjectiveForm(prefix="obj")
    objective.indicator.choices = [(o.key, o.name.zh) for o in scheme.objectives]
    veto = VetoForm(prefix="veto")
    veto.item.choices = [(v.key, v.name.zh) for v in scheme.veto]
    evidence = EvidenceForm(prefix="ev")
    evidence.indicator.choices = [("", _("The unit as a whole"))] + [
        (o.key, o.name.zh) for o in scheme.objectives] + [(v.key, v.name.zh) for v in scheme.veto]
    return {"objective": objective, "veto": veto, "evidence": evidence, "action": ActionForm()}


def _entry_target(scheme_key: str, year: int, code: str):
    scheme = _scheme_or_404(scheme_key)
    _year_or_404(year)
    org = _org_or_404(code)
    if not can_enter_for(current_user, org):
        abort(403)
    return scheme, org


def _back(scheme, year, org):
    return redirect(url_for("assessment.unit", scheme_key=scheme.key, year=year, code=org.code))


def _invalid(scheme, year, org, forms):
    run = get_run(scheme.key, year)
    return render_template(
        "assessment/unit.html", scheme=scheme, year=year, org=org, run=run, result=None,
        b=None, enter=True, inputs=inputs_of(scheme, year, org), forms=forms,
        grades={g.key: g.name for g in scheme.grades}), 422


def _save_entry(scheme_key: str, year: int, code: str, kind: str, error_field: str, write):
    """Validate the unit page's ``kind`` form and ``write(scheme, org, form)`` it. A refusal
    (``AssessmentError``) shows the page again with the message on ``error_field``."""
    scheme, org = _entry_target(scheme_key, year, code)
    forms = _forms(scheme)
    form = forms[kind]
    if not form.validate_on_submit():
        return _invalid(scheme, year, org, forms)
    try:
        write(scheme, org, form)
    except DomainError as exc:
        db.session.rollback()
        form[error_field].errors = [str(exc)]
        return _invalid(scheme, year, org, forms)
    db.session.commit()
    flash(_("Saved."), "success")
    return _back(scheme, year, org)


@bp.post("/<scheme_key>/<int:year>/unit/<code>/objective")
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def objective_view(scheme_key: str, year: int, code: str):
    return _save_entry(scheme_key, year, code, "objective", "value", lambda scheme, org, form:
                       set_objective(scheme, year, org, form.indicator.data, form.value.data,
                                     form.note.data or "", current_user))


@bp.post("/<scheme_key>/<int:year>/unit/<code>/veto")
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def veto_view(scheme_key: str, year: int, code: str):
    return _save_entry(scheme_key, year, code, "veto", "reason", lambda scheme, org, form:
                       set_veto(scheme, year, org, form.item.data, bool(form.failed.data),
                                form.reason.data or "", current_user))


@bp.post("/<scheme_key>/<int:year>/unit/<code>/evidence")
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def evidence_upload(scheme_key: str, year: int, code: str):
    scheme, org = _entry_target(scheme_key, year, code)
    forms = _forms(scheme)
    form = forms["evidence"]
    if not form.validate_on_submit():
        return _invalid(scheme, year, org, forms)
    upload = form.file.data
    limit = int(current_app.config.get("MAX_EVIDENCE_BYTES")
                or current_app.config.get("MAX_CONTENT_LENGTH") or 5 * 1024 * 1024)
    data = upload.stream.read(limit + 1)
    try:
        save_evidence(scheme, year, org, upload.filename or "", data,
                      folder=current_app.config["UPLOAD_FOLDER"], max_bytes=limit,
                      indicator=form.indicator.data or "", user=current_user)
    except DomainError as exc:
        db.session.rollback()
        form.file.errors = [str(exc)]
        return _invalid(scheme, year, org, forms)
    db.session.commit()
    flash(_("Uploaded."), "success")
    return _back(scheme, year, org)


def _evidence_or_404(evidence_id: int) -> EvidenceFile:
    ev = db.session.get(EvidenceFile, evidence_id)
    if ev is None:
        abort(404)
    return ev


@bp.get("/evidence/<int:evidence_id>")
@roles_required(*READERS)
def evidence_download(evidence_id: int):
    ev = _evidence_or_404(evidence_id)
    # evidence is the upper union's ledger: those who may enter, or see the result, may read
    if not (can_enter_for(current_user, ev.organisation)
            or can_view_result(current_user, ev.organisation, get_run(ev.scheme_key, ev.year))):
        abort(403)
    path = evidence_path(current_app.config["UPLOAD_FOLDER"], ev)
    response = send_file(path, mimetype=ev.content_type, as_attachment=True,
                         download_name=ev.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/evidence/<int:evidence_id>/delete")
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def evidence_delete(evidence_id: int):
    ev = _evidence_or_404(evidence_id)
    if not can_enter_for(current_user, ev.organisation):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    scheme_key, year, org = ev.scheme_key, ev.year, ev.organisation
    delete_evidence(ev, folder=current_app.config["UPLOAD_FOLDER"], user=current_user)
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("assessment.unit", scheme_key=scheme_key, year=year, code=org.code))
