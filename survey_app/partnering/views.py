"""联手兴家 pages: the honours register, network targets, pairs (proposal, confirmation,
agreement, plan, activity log with photos, confirmation by the partner), the supervision
dashboard and notes, and the matching helper. Every object is checked on the server through
the ``can_*`` rules of :mod:`survey_app.permissions` (404 missing, 403 outside scope)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_app import permissions
from survey_app.dates import today
from survey_app.errors import DomainError, NotAllowed
from survey_app.extensions import db
from survey_app.models import Organisation, Role
from survey_app.models.partnering import (
    HIGHLIGHT_MAX_PHOTOS,
    Activity,
    Highlight,
    HonourLevel,
    HonourStatus,
    Pair,
    PairStatus,
    SupervisionNote,
    WorkArea,
)
from survey_app.models.partnering import (
    ActivityForm as ActivityKind,
)
from survey_app.partnering import operations, queries
from survey_app.partnering.forms import (
    ActionForm,
    ActivityForm,
    AgreementForm,
    AnswerForm,
    HighlightForm,
    HonourForm,
    HonourStatusForm,
    NoteForm,
    PairForm,
    PlanItemForm,
    RecommendationForm,
    TargetForm,
    ThresholdsForm,
)
from survey_app.permissions import roles_required

bp = Blueprint("partnering", __name__, url_prefix="/partnering")

READERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN, Role.ANALYST, Role.EVALUATOR)
SUPERVISORS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN, Role.ANALYST)
ADMINS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)


@bp.app_context_processor
def _names():
    return {"partnering_name": queries.display_name, "PairStatus": PairStatus,
            "HonourLevel": HonourLevel, "HonourStatus": HonourStatus,
            "ActivityKind": ActivityKind, "WorkArea": WorkArea}


def _choices(kind) -> list[tuple[str, str]]:
    return [(m.value, queries.display_name(kind, m.value)) for m in kind]


def _pair_or_404(pair_id: int) -> Pair:
    pair = db.session.get(Pair, pair_id)
    if pair is None:
        abort(404)
    if not permissions.can_read_pair(current_user, pair):
        abort(403)
    return pair


def _scope() -> Organisation | None:
    """The unit whose subtree the user supervises (None: everything, for platform admins)."""
    return permissions.current_scope()


def _upper() -> Organisation:
    """The upper union the page acts for: the user's unit, or for platform admins the unit
    named by ``?org=`` (default: the first root)."""
    scope = _scope()
    if scope is not None:
        return scope
    code = request.args.get("org", "")
    org = queries.org_by_code(code) if code else db.session.scalar(
        select(Organisation).where(Organisation.parent_id.is_(None)).order_by(Organisation.id))
    if org is None:
        abort(404)
    return org


def _year() -> int:
    year = request.args.get("year", type=int) or today().year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _refuse(form, error: DomainError, field: str | None = None) -> None:
    if isinstance(error, NotAllowed):
        raise error
    target = getattr(form, field).errors if field else form.form_errors
    if isinstance(target, tuple):
        target = list(target)
    target.append(str(error))
    if field:
        getattr(form, field).errors = target


# --------------------------------------------------------------------------- overview


@bp.get("/")
@roles_required(*READERS)
def index():
    on = today()
    rows = [queries.pair_figures(p, on.year, on) for p in queries.pairs_for(current_user)]
    return render_template("partnering/index.html", rows=rows,
                           own_id=current_user.organisation_id)


# --------------------------------------------------------------------------- honours


@bp.get("/honours")
@roles_required(*SUPERVISORS)
def honours():
    return render_template("partnering/honours.html",
                           honours=queries.honours_in(_scope()))


@bp.route("/honours/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def honour_new():
    form = HonourForm()
    form.level.choices = _choices(HonourLevel)
    if request.method == "GET":
        form.year.data = today().year
        if current_user.organisation is not None:
            form.awarding_code.data = current_user.organisation.code
    if form.validate_on_submit():
        unit = queries.org_by_code(form.unit_code.data)
        awarding = queries.org_by_code(form.awarding_code.data)
        if unit is None:
            form.unit_code.errors.append(_("No unit has the code %(code)s.",
                                           code=form.unit_code.data))
        elif awarding is None:
            form.awarding_code.errors.append(_("No unit has the code %(code)s.",
                                               code=form.awarding_code.data))
        else:
            try:
                operations.add_honour(current_user, unit=unit, awarding=awarding,
                                      level=form.level.data, year=form.year.data,
                                      document_number=form.document_number.data or "",
                                      evidence_note=form.evidence_note.data or "")
            except NotAllowed as error:
                form.awarding_code.errors.append(str(error))
            except DomainError as error:
                _refuse(form, error, "year")
            else:
                db.session.commit()
                flash(_("The honour was added to the register."), "success")
                return redirect(url_for("partnering.honours"))
    status = 422 if request.method == "POST" else 200
    return render_template("partnering/honour_form.html", form=form), status


# --------------------------------------------------------------------------- 动态管理


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value / 100, 6)


def _review_page(upper: Organisation, year: int, http_status: int = 200, **forms):
    """The re-check / warning list, the thresholds and the assessment's recommendations."""
    from survey_app.assessment.queries import available_schemes

    if not permissions.can_review_honours(current_user, upper):
        abort(403)
    th = queries.review_thresholds(upper, year)
    schemes = available_schemes()
    form = forms.get("thresholds") or ThresholdsForm(formdata=None)
    form.scheme_key.choices = [(k, s.name.zh) for k, s in schemes.items()]
    if "thresholds" not in forms and th is not None:
        form.scheme_key.data = th.scheme_key
        form.min_satisfaction.data = None if th.min_satisfaction is None else round(
            th.min_satisfaction * 100, 4)
        form.min_participation.data = None if th.min_participation is None else round(
            th.min_participation * 100, 4)
        form.min_score.data = th.min_score
    scheme_key = th.scheme_key if th is not None else "default"
    status_form = forms.get("status") or HonourStatusForm(formdata=None)
    status_form.status.choices = _choices(HonourStatus)
    can_write = permissions.can_supervise(current_user, upper)
    return render_template(
        "partnering/review.html", upper=upper, year=year, thresholds=th, form=form,
        rows=queries.review_list(upper, year), status_form=status_form,
        failed_honour=forms.get("failed_honour"),
        recommendations=queries.recommendations(upper, year, scheme_key),
        recommend_form=forms.get("recommend") or RecommendationForm(formdata=None),
        scheme_key=scheme_key, can_write=can_write,
        query={"year": year, "org": request.args.get("org")}), http_status


@bp.get("/review")
@roles_required(*SUPERVISORS)
def review():
    return _review_page(_upper(), _year())


@bp.post("/review/thresholds")
@roles_required(*ADMINS)
def review_thresholds():
    from survey_app.assessment.queries import available_schemes

    upper, year = _upper(), _year()
    form = ThresholdsForm()
    form.scheme_key.choices = [(k, s.name.zh) for k, s in available_schemes().items()]
    if form.validate_on_submit():
        try:
            operations.set_review_thresholds(
                current_user, upper=upper, year=year, scheme_key=form.scheme_key.data,
                min_satisfaction=_percent(form.min_satisfaction.data),
                min_participation=_percent(form.min_participation.data),
                min_score=form.min_score.data)
        except DomainError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("The thresholds were saved."), "success")
            return redirect(url_for("partnering.review", year=year, org=request.args.get("org")))
    return _review_page(upper, year, 422, thresholds=form)


@bp.post("/honours/<int:honour_id>/status")
@roles_required(*ADMINS)
def honour_status(honour_id: int):
    from survey_app.models.partnering import Honour

    honour = db.session.get(Honour, honour_id)
    if honour is None:
        abort(404)
    if not permissions.can_enter_honour(current_user, honour.awarding, honour.organisation):
        abort(403)
    upper, year = _upper(), _year()
    form = HonourStatusForm()
    form.status.choices = _choices(HonourStatus)
    if form.validate_on_submit():
        try:
            operations.set_honour_status(current_user, honour, form.status.data,
                                         form.note.data or "")
        except DomainError as error:
            _refuse(form, error, "note")
        else:
            db.session.commit()
            flash(_("The decision was recorded."), "success")
            return redirect(url_for("partnering.review", year=year, org=request.args.get("org")))
    return _review_page(upper, year, 422, status=form, failed_honour=honour.id)


@bp.post("/review/confirm")
@roles_required(*ADMINS)
def recommendation_confirm():
    upper, year = _upper(), _year()
    if not permissions.can_supervise(current_user, upper):
        abort(403)
    form = RecommendationForm()
    if not form.validate_on_submit():
        abort(400)
    unit = queries.org_by_code(form.unit_code.data)
    if unit is None:
        abort(404)
    try:
        operations.confirm_recommendation(
            current_user, upper=upper, unit=unit, level=form.level.data, year=year,
            scheme_key=form.scheme_key.data, document_number=form.document_number.data or "")
    except NotAllowed:
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("partnering.review", year=year, org=request.args.get("org")))
    db.session.commit()
    flash(_("The honour was recorded in the register."), "success")
    return redirect(url_for("partnering.review", year=year, org=request.args.get("org")))


# --------------------------------------------------------------------------- 成效


def _campaign_pair(campaigns: list) -> tuple:
    """The campaigns before and after named by ``?before=`` and ``?after=`` (codes), by
    default the newest and the newest one closed before it opened; 404 for a code that is
    not one of ``campaigns``."""
    by_code = {c.code: c for c in campaigns}
    for name in ("before", "after"):
        code = request.args.get(name)
        if code is not None and code not in by_code:
            abort(404)
    after = by_code.get(request.args.get("after", "")) or (campaigns[0] if campaigns else None)
    before = by_code.get(request.args.get("before", ""))
    if before is None and after is not None:
        opens = queries.campaign_window(after)[0]
        before = next((c for c in campaigns if queries.campaign_window(c)[1] < opens), None)
    return before, after


@bp.get("/outcomes")
@roles_required(*SUPERVISORS)
def outcomes():
    """成效: honours the partner units gained after pairing, and the change in their member
    satisfaction and participation against similar unpaired units."""
    upper = _upper()
    if not permissions.can_see_outcomes(current_user, upper):
        abort(403)
    campaigns = queries.outcome_campaigns(upper)
    before, after = _campaign_pair(campaigns)
    error, estimates, panel, status = None, [], None, 200
    if before is not None and after is not None:
        if queries.campaign_window(before)[1] >= queries.campaign_window(after)[0]:
            error = _("The campaign before pairing must close before the campaign after "
                      "pairing opens.")
            status = 400
        else:
            panel, estimates = queries.partnering_outcomes(upper, before, after)
    return render_template(
        "partnering/outcomes.html", upper=upper, counts=queries.honours_after_pairing(upper),
        campaigns=campaigns, before=before, after=after, error=error, estimates=estimates,
        panel=panel, levels=queries.LEVEL_ORDER, small_sample=queries.SMALL_SAMPLE,
        org=request.args.get("org")), status


# --------------------------------------------------------------------------- targets


@bp.route("/targets", methods=["GET", "POST"])
@roles_required(*ADMINS)
def targets():
    upper, year = _upper(), _year()
    form = TargetForm()
    form.level.choices = [(lv.value, queries.display_name(HonourLevel, lv.value))
                          for lv in HonourLevel if lv != HonourLevel.QUALIFIED]
    if form.validate_on_submit():
        operations.set_target(current_user, upper=upper, year=year, level=form.level.data,
                              min_links=form.min_links.data)
        db.session.commit()
        flash(_("The target was saved."), "success")
        return redirect(url_for("partnering.targets", year=year, org=request.args.get("org")))
    status = 422 if request.method == "POST" else 200
    return render_template("partnering/targets.html", form=form, upper=upper, year=year,
                           targets=queries.targets_of(upper, year)), status


# --------------------------------------------------------------------------- supervision


@bp.get("/supervision")
@roles_required(*SUPERVISORS)
def supervision():
    scope, year = _scope(), _year()
    rows = queries.supervision_rows(scope, year)
    confirmed = [r.confirmed for r in rows if r.status not in (
        PairStatus.PROPOSED, PairStatus.DECLINED)]
    return render_template("partnering/supervision.html", rows=rows, year=year,
                           below=queries.leads_below_target(scope, year),
                           spread=(min(confirmed), max(confirmed)) if confirmed else None)


@bp.get("/export.<fmt>")
@roles_required(*SUPERVISORS)
def export(fmt: str):
    """The pairs of the user's subtree as the CLI export's columns (CSV or XLSX 台账)."""
    import io

    from analysis import exports

    if fmt not in ("csv", "xlsx"):
        abort(404)
    year = _year()
    frame = queries.export_frame(year, _scope())
    frame["lapsed"] = frame["lapsed"].map({True: "true", False: "false"})
    frame = frame.astype(object).where(frame.notna(), "")
    buf = io.BytesIO()
    if fmt == "csv":
        exports.write_csv(frame, buf)
        mimetype = "text/csv"
    else:
        exports.write_xlsx(exports.Ledger(title="联手兴家结对台账", cover=[("年度", year)],
                                          sheets=[exports.Sheet(name="结对", frame=frame)]), buf)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    buf.seek(0)
    return send_file(buf, mimetype=mimetype, as_attachment=True,
                     download_name=f"partnering-{year}.{fmt}")


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/supervision.xlsx")
@roles_required(*SUPERVISORS)
def network_summary():
    """The supervision dashboard's figures as a 台账 workbook."""
    import io

    from analysis import exports

    year = _year()
    cover, pairs, below = queries.network_summary(_scope(), year)
    buf = io.BytesIO()
    exports.write_xlsx(exports.Ledger(
        title="联手兴家网络督查汇总", cover=cover,
        sheets=[exports.Sheet(name="结对", frame=pairs, percent_cols=["计划完成率"]),
                exports.Sheet(name="未达网络目标", frame=below)]), buf)
    buf.seek(0)
    return send_file(buf, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"partnering-network-{year}.xlsx")


def _ledger_photos(ledger: queries.PairLedger) -> list[tuple[str, bytes]]:
    """The ledger's photos as (caption, JPEG bytes); a file lost from storage is left out
    (its record stays)."""
    photos = []
    for caption, name in ledger.photos:
        path = operations.photo_path(current_app.config["UPLOAD_FOLDER"], name)
        try:
            with open(path, "rb") as fh:
                photos.append((caption, fh.read()))
        except FileNotFoundError:
            continue
    return photos


def _ledger_tables(ledger: queries.PairLedger) -> list[tuple[str, object]]:
    return [("联手协议", ledger.agreement), ("活动计划", ledger.plan),
            ("活动记录（联手对象已确认）", ledger.activities), ("督查意见", ledger.notes)]


def _write_ledger_xlsx(ledger: queries.PairLedger, photos, out) -> None:
    from analysis import exports

    sheets = [exports.Sheet(name=name.split("（")[0], frame=frame)
              for name, frame in _ledger_tables(ledger)]
    sheets.append(exports.Sheet(name="活动照片", frame=ledger.activities[["日期", "活动内容"]],
                                images=photos))
    exports.write_xlsx(exports.Ledger(title=ledger.title, cover=ledger.cover, sheets=sheets),
                       out)


def _write_ledger_pdf(ledger: queries.PairLedger, photos, out) -> None:
    from analysis import exports

    doc = exports.PdfDocument(title=ledger.title)
    doc.text("\n".join(f"{label}：{value}" for label, value in ledger.cover))
    for name, frame in _ledger_tables(ledger):
        doc.heading(name)
        if frame.empty:
            doc.text("（无）")
        else:
            doc.table(frame)
    doc.heading("活动照片")
    for caption, photo in photos:
        doc.text(caption)
        doc.image(photo, caption)
    if not photos:
        doc.text("（无）")
    exports.write_pdf(doc, out)


@bp.get("/pairs/<int:pair_id>/ledger.<fmt>")
@roles_required(*ADMINS)
def pair_ledger(pair_id: int, fmt: str):
    """The pair's 台账 for 经验交流会: XLSX or PDF, with the confirmed activities' photos."""
    import io

    if fmt not in ("xlsx", "pdf"):
        abort(404)
    pair = _pair_or_404(pair_id)
    if not permissions.can_export_pair_ledger(current_user, pair):
        abort(403)
    ledger = queries.pair_ledger(pair)
    buf = io.BytesIO()
    write = _write_ledger_xlsx if fmt == "xlsx" else _write_ledger_pdf
    write(ledger, _ledger_photos(ledger), buf)
    buf.seek(0)
    return send_file(buf, mimetype=XLSX_MIMETYPE if fmt == "xlsx" else "application/pdf",
                     as_attachment=True,
                     download_name=f"partnering-ledger-{pair.lead.code}-{pair.partner.code}.{fmt}")


# --------------------------------------------------------------------------- proposals


@bp.get("/proposals")
@roles_required(*ADMINS)
def proposals():
    upper, year = _upper(), _year()
    frame, campaign = queries.proposals(upper, year)
    labels = None
    if campaign is not None:
        from survey_app.reports.queries import campaign_report

        report = campaign_report(campaign)
        labels = report.labels.dimension if report is not None else None
    names = {o.code: o.name for o in db.session.scalars(upper.subtree_query())}
    rows = [{"lead_code": r.lead_code, "partner_code": r.partner_code, "score": r.score,
             "reasons": [queries.reason_text(c, v, labels) for c, v in r.reasons]}
            for r in frame.itertuples()]
    return render_template("partnering/proposals.html", rows=rows, names=names, year=year,
                           upper=upper, campaign=campaign, form=ActionForm())


@bp.post("/proposals/accept")
@roles_required(*ADMINS)
def proposal_accept():
    upper = _upper()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    lead = queries.org_by_code(request.form.get("lead_code", ""))
    partner = queries.org_by_code(request.form.get("partner_code", ""))
    if lead is None or partner is None:
        abort(404)
    if not permissions.can_supervise(current_user, upper):
        abort(403)
    pair = operations.propose_pair(current_user, lead=lead, partner=partner, upper=upper)
    db.session.commit()
    flash(_("The pair was proposed; both unions must now confirm it."), "success")
    return redirect(url_for("partnering.pair", pair_id=pair.id))


@bp.post("/proposals/decline")
@roles_required(*ADMINS)
def proposal_decline():
    upper = _upper()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    lead = queries.org_by_code(request.form.get("lead_code", ""))
    partner = queries.org_by_code(request.form.get("partner_code", ""))
    if lead is None or partner is None:
        abort(404)
    try:
        operations.decline_proposal(current_user, upper=upper, lead=lead, partner=partner)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The proposal was declined; it will not be proposed again."), "success")
    return redirect(url_for("partnering.proposals", org=request.args.get("org")))


# --------------------------------------------------------------------------- pairs


@bp.route("/pairs/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def pair_new():
    form = PairForm()
    if request.method == "GET" and current_user.organisation is not None:
        form.lead_code.data = current_user.organisation.code
    if form.validate_on_submit():
        lead = queries.org_by_code(form.lead_code.data)
        partner = queries.org_by_code(form.partner_code.data)
        if lead is None:
            form.lead_code.errors.append(_("No unit has the code %(code)s.",
                                           code=form.lead_code.data))
        elif partner is None:
            form.partner_code.errors.append(_("No unit has the code %(code)s.",
                                              code=form.partner_code.data))
        else:
            upper = None
            if current_user.organisation_id != lead.id and _scope() is not None:
                upper = _scope()
            try:
                pair = operations.propose_pair(current_user, lead=lead, partner=partner,
                                               upper=upper)
            except NotAllowed as error:
                form.lead_code.errors.append(str(error))
            except DomainError as error:
                _refuse(form, error, "partner_code")
            else:
                db.session.commit()
                flash(_("The pair was proposed; the other side must now confirm it."),
                      "success")
                return redirect(url_for("partnering.pair", pair_id=pair.id))
    status = 422 if request.method == "POST" else 200
    return render_template("partnering/pair_form.html", form=form), status


def _pair_page(pair: Pair, status: int = 200, **forms):
    activity_form = forms.get("activity_form") or _activity_form()
    plan_form = forms.get("plan_form") or PlanItemForm(formdata=None)
    if plan_form.year.data is None:
        plan_form.year.data = today().year
    return render_template(
        "partnering/pair.html", pair=pair, figures=queries.pair_figures(pair),
        side=permissions.pair_side(current_user, pair),
        can_edit=permissions.can_edit_pair(current_user, pair),
        can_log=permissions.can_log_activity(current_user, pair),
        can_confirm_activity=permissions.can_confirm_activity(current_user, pair),
        can_supervise=permissions.can_supervise_pair(current_user, pair),
        can_answer=permissions.can_answer_note(current_user, pair),
        can_write_highlight=permissions.can_write_highlight(current_user, pair),
        can_export_ledger=(current_user.has_role(*ADMINS)
                           and permissions.can_export_pair_ledger(current_user, pair)),
        action_form=ActionForm(), plan_form=plan_form, activity_form=activity_form,
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        answer_form=AnswerForm(formdata=None), today=today()), status


@bp.get("/pairs/<int:pair_id>")
@roles_required(*READERS)
def pair(pair_id: int):
    return _pair_page(_pair_or_404(pair_id))


@bp.post("/pairs/<int:pair_id>/confirm")
@roles_required(*ADMINS)
def pair_confirm(pair_id: int):
    pair = _pair_or_404(pair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.confirm_pair(current_user, pair, side=request.form.get("side"))
    db.session.commit()
    flash(_("Confirmed."), "success")
    return redirect(url_for("partnering.pair", pair_id=pair.id))


@bp.post("/pairs/<int:pair_id>/finish")
@roles_required(*ADMINS)
def pair_finish(pair_id: int):
    pair = _pair_or_404(pair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.finish_pair(current_user, pair)
    db.session.commit()
    flash(_("The pair has ended."), "success")
    return redirect(url_for("partnering.pair", pair_id=pair.id))


@bp.route("/pairs/<int:pair_id>/agreement", methods=["GET", "POST"])
@roles_required(*ADMINS)
def agreement(pair_id: int):
    pair = _pair_or_404(pair_id)
    if not permissions.can_edit_pair(current_user, pair):
        abort(403)
    form = AgreementForm(obj=pair.agreement if request.method == "GET" else None)
    form.areas.choices = _choices(WorkArea)
    if form.validate_on_submit():
        try:
            operations.save_agreement(
                current_user, pair, goals=form.goals.data, lead_duties=form.lead_duties.data,
                partner_duties=form.partner_duties.data, areas=form.areas.data or [],
                term_start=form.term_start.data, term_end=form.term_end.data,
                signed_on=form.signed_on.data, training=form.training.data or "")
        except DomainError as error:
            _refuse(form, error, "term_end")
        else:
            db.session.commit()
            flash(_("The agreement was saved."), "success")
            return redirect(url_for("partnering.pair", pair_id=pair.id))
    status = 422 if request.method == "POST" else 200
    return render_template("partnering/agreement.html", form=form, pair=pair), status


@bp.post("/pairs/<int:pair_id>/plan")
@roles_required(*ADMINS)
def plan_add(pair_id: int):
    pair = _pair_or_404(pair_id)
    if not permissions.can_edit_pair(current_user, pair):
        abort(403)
    form = PlanItemForm()
    if form.validate_on_submit():
        try:
            operations.add_plan_item(current_user, pair, year=form.year.data,
                                     month=form.month.data, title=form.title.data)
        except DomainError as error:
            _refuse(form, error, "month")
        else:
            db.session.commit()
            flash(_("The plan was updated."), "success")
            return redirect(url_for("partnering.pair", pair_id=pair.id) + "#plan")
    return _pair_page(pair, 422, plan_form=form)


def _activity_form() -> ActivityForm:
    form = ActivityForm()
    form.form.choices = _choices(ActivityKind)
    return form


@bp.route("/pairs/<int:pair_id>/activities/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def activity_new(pair_id: int):
    pair = _pair_or_404(pair_id)
    if not permissions.can_log_activity(current_user, pair):
        abort(403)
    form = _activity_form()
    if request.method == "GET":
        form.held_on.data = today()
    if form.validate_on_submit():
        upload = form.photo.data
        data = upload.read() if upload else None
        try:
            operations.log_activity(
                current_user, pair, held_on=form.held_on.data, form=form.form.data,
                content=form.content.data, participants=form.participants.data, photo=data,
                folder=current_app.config["UPLOAD_FOLDER"],
                max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
        except DomainError as error:
            _refuse(form, error, getattr(error, "field", "held_on"))
        else:
            db.session.commit()
            flash(_("The activity was logged; the partner union must now confirm it."),
                  "success")
            return redirect(url_for("partnering.pair", pair_id=pair.id) + "#log")
    status = 422 if request.method == "POST" else 200
    return render_template("partnering/activity_form.html", form=form, pair=pair,
                           today=today()), status


def _activity_or_404(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        abort(404)
    if not permissions.can_read_pair(current_user, activity.pair):
        abort(403)
    return activity


@bp.post("/activities/<int:activity_id>/confirm")
@roles_required(*ADMINS)
def activity_confirm(activity_id: int):
    activity = _activity_or_404(activity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.confirm_activity(current_user, activity)
    db.session.commit()
    flash(_("The activity is confirmed."), "success")
    return redirect(url_for("partnering.pair", pair_id=activity.pair_id) + "#log")


def _send_photo(activity: Activity):
    """The activity's stored photo (checked by the caller); 404 without one."""
    if not activity.photo_name:
        abort(404)
    path = operations.photo_path(current_app.config["UPLOAD_FOLDER"], activity.photo_name)
    try:
        return send_file(path, mimetype="image/jpeg", max_age=0)
    except FileNotFoundError:
        abort(404)


@bp.get("/activities/<int:activity_id>/photo")
@roles_required(*READERS)
def activity_photo(activity_id: int):
    return _send_photo(_activity_or_404(activity_id))


# --------------------------------------------------------------------------- showcase (展示)


def _highlight_or_404(highlight_id: int) -> Highlight:
    highlight = db.session.get(Highlight, highlight_id)
    if highlight is None:
        abort(404)
    if not permissions.can_see_highlight(current_user, highlight):
        abort(403)
    return highlight


@bp.get("/showcase")
@roles_required(*READERS)
def showcase():
    """The published highlights of the pairs of the user's federation."""
    federation = queries.federation_of(_upper())
    if not permissions.can_see_showcase(current_user, federation):
        abort(403)
    return render_template("partnering/showcase.html", federation=federation,
                           highlights=queries.showcase(federation))


def _highlight_form(pair: Pair, highlight: Highlight | None = None) -> HighlightForm:
    form = HighlightForm(obj=highlight if request.method == "GET" else None)
    form.photos.choices = [(a.id, a.content) for a in queries.photo_activities(pair)]
    if request.method == "GET" and highlight is not None:
        form.photos.data = list(highlight.photo_activity_ids or [])
    return form


def _highlight_page(pair: Pair, highlight: Highlight | None):
    if not permissions.can_write_highlight(current_user, pair):
        abort(403)
    form = _highlight_form(pair, highlight)
    if form.validate_on_submit():
        try:
            saved = operations.save_highlight(
                current_user, pair, title=form.title.data, story=form.story.data or "",
                photo_activity_ids=form.photos.data or [], highlight=highlight)
        except DomainError as error:
            _refuse(form, error, getattr(error, "field", "title"))
        else:
            db.session.commit()
            flash(_("The highlight was saved; the other union must confirm it before it is "
                    "shown."), "success")
            return redirect(url_for("partnering.pair", pair_id=pair.id,
                                    _anchor=f"highlight-{saved.id}"))
    status = 422 if request.method == "POST" else 200
    return render_template("partnering/highlight_form.html", form=form, pair=pair,
                           highlight=highlight, activities=queries.photo_activities(pair),
                           max_photos=HIGHLIGHT_MAX_PHOTOS), status


@bp.route("/pairs/<int:pair_id>/highlights/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def highlight_new(pair_id: int):
    return _highlight_page(_pair_or_404(pair_id), None)


@bp.route("/highlights/<int:highlight_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def highlight_edit(highlight_id: int):
    highlight = _highlight_or_404(highlight_id)
    return _highlight_page(highlight.pair, highlight)


@bp.post("/highlights/<int:highlight_id>/confirm")
@roles_required(*ADMINS)
def highlight_confirm(highlight_id: int):
    highlight = _highlight_or_404(highlight_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.confirm_highlight(current_user, highlight)
    db.session.commit()
    flash(_("The highlight is published on the showcase."), "success")
    return redirect(url_for("partnering.pair", pair_id=highlight.pair_id,
                            _anchor=f"highlight-{highlight.id}"))


@bp.get("/highlights/<int:highlight_id>/photos/<int:activity_id>")
@roles_required(*READERS)
def highlight_photo(highlight_id: int, activity_id: int):
    """A photo of a highlight, for whoever may see the highlight (the showcase's readers
    once published): only the photos the highlight shows."""
    highlight = _highlight_or_404(highlight_id)
    activity = next((a for a in highlight.photo_activities() if a.id == activity_id), None)
    if activity is None:
        abort(404)
    return _send_photo(activity)


# --------------------------------------------------------------------------- supervision notes


@bp.post("/pairs/<int:pair_id>/notes")
@roles_required(*ADMINS)
def note_add(pair_id: int):
    pair = _pair_or_404(pair_id)
    if not permissions.can_supervise_pair(current_user, pair):
        abort(403)
    form = NoteForm()
    if form.validate_on_submit():
        operations.add_note(current_user, pair, form.text.data)
        db.session.commit()
        flash(_("The supervision note was sent to the pair."), "success")
        return redirect(url_for("partnering.pair", pair_id=pair.id) + "#notes")
    return _pair_page(pair, 422, note_form=form)


@bp.post("/notes/<int:note_id>/answer")
@roles_required(*ADMINS)
def note_answer(note_id: int):
    note = db.session.get(SupervisionNote, note_id)
    if note is None:
        abort(404)
    if not permissions.can_read_pair(current_user, note.pair):
        abort(403)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(_("The answer is empty."), "error")
        return redirect(url_for("partnering.pair", pair_id=note.pair_id) + "#notes")
    operations.answer_note(current_user, note, form.answer.data)
    db.session.commit()
    flash(_("The answer was saved."), "success")
    return redirect(url_for("partnering.pair", pair_id=note.pair_id) + "#notes")
