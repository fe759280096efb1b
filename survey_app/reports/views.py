"""Report pages, chart images and exports. Every view checks access on the server
(:mod:`survey_app.reports.queries`): 403 outside the user's scope, 404 for unknown codes."""

from __future__ import annotations

import numpy as np
from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from analysis import exports, plots
from analysis import reports as R
from survey_app.models import Campaign, Organisation, Role
from survey_app.permissions import can_download_raw, can_view, roles_required
from survey_app.reports import queries as U
from survey_app.reports.exports import build_export
from survey_app.reports.forms import (
    ORG_KIND_ZH,
    CampaignFilterForm,
    ReportFilterForm,
)
from survey_app.reports.operations import record_raw_export
from survey_app.reports.ranks import ranked_units, unit_three_rates

bp = Blueprint("reports", __name__, url_prefix="/reports")

CHARTS = ("participation", "dimensions", "distribution", "ranking", "heatmap", "radar",
          "trend", "ipa", "groups")
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "sav": "application/x-spss-sav", "parquet": "application/zip",
        "pdf": "application/pdf"}


def _campaign(code: str) -> Campaign:
    campaign = U.campaign_by_code(code)
    if campaign is None:
        abort(404)
    return campaign


def _unit(code: str | None, campaign: Campaign) -> Organisation:
    if code:
        unit = U.org_by_code(code)
        if unit is None:
            abort(404)
        return unit
    root = U.default_root(current_user, campaign)
    if root is None:
        abort(404)
    return root


def _check(campaign: Campaign, unit: Organisation) -> None:
    if not can_view(current_user, campaign, unit):
        abort(403)


def _filters(campaign: Campaign) -> tuple[ReportFilterForm, str | None, str | None]:
    form = ReportFilterForm(campaign, formdata=request.args)
    group = request.args.get("group") or None
    level = request.args.get("level") or None
    if group is not None and group not in {g.key for g in campaign.rater_groups}:
        abort(404)
    if level is not None and level not in ORG_KIND_ZH:
        abort(404)
    return form, group, level


def _period(campaign: Campaign) -> str | None:
    """The released month a rolling campaign's pages show (``?period=YYYY-MM``, by default
    the latest); 404 for a month that is not released (the current one included)."""
    try:
        return U.report_period(campaign, request.args.get("period") or None)
    except LookupError:
        abort(404)


def _args(**extra) -> dict:
    keep = {k: v for k, v in request.args.items() if k in ("group", "level", "period") and v}
    keep.update({k: v for k, v in extra.items() if v is not None})
    return keep


# ---------------------------------------------------------------- pages


@bp.get("/")
@roles_required(*U.PAGE_ROLES)
def index():
    form = CampaignFilterForm(formdata=request.args)
    year = form.year.data if form.validate() else None
    kind = request.args.get("kind") or None
    campaigns = U.visible_campaigns(current_user, year, kind)
    own = current_user.organisation
    return render_template("reports/index.html", form=form, campaigns=campaigns,
                           evaluator=current_user.role == Role.EVALUATOR, own=own)


@bp.get("/<code>/")
@roles_required(*U.DASHBOARD_ROLES)
def overview(code: str):
    campaign = _campaign(code)
    root = _unit(None, campaign)
    _check(campaign, root)
    form, group, level = _filters(campaign)
    report = U.campaign_report(campaign, group, period=_period(campaign))
    ctx = {"campaign": campaign, "root": root, "form": form, "report": report,
           "args": _args(), "raw": can_download_raw(current_user)}
    ctx["rates"] = unit_three_rates(campaign, report, root)
    if report is None:
        checklist = U.checklist_report(campaign)
        if checklist is not None:
            return render_template("reports/overview.html", checklist=checklist,
                                   checklist_table=checklist.in_subtree(root), **ctx)
        return render_template("reports/overview.html", **ctx)
    fig = R.overview_figures(report, root.id)
    table = R.unit_table(report, root.id, level)
    dims = R.dimension_scores(report, root.id)
    return render_template("reports/overview.html", fig=fig, table=_rows(table, report),
                           dims=dims, **ctx)


def _f(value) -> float | None:
    """A plain float, or None for a missing / suppressed figure."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def _rows(table, report) -> list[dict]:
    rows = []
    for uid, r in table.iterrows():
        rank = _f(r["rank"])
        rows.append({"id": int(uid), "code": r["code"], "name": r["name"],
                     "kind": ORG_KIND_ZH.get(r["kind"], r["kind"]),
                     "rank": None if rank is None else int(rank), "n": _f(r["n"]),
                     "overall": _f(r["overall"]), "low": _f(r["overall_ci_low"]),
                     "high": _f(r["overall_ci_high"]), "rate": _f(r["satisfaction_rate"]),
                     "suppressed": bool(r["suppressed"]), "reason": r["suppression"]})
    return rows


@bp.get("/<code>/units/<unit_code>")
@roles_required(*U.PAGE_ROLES)
def unit(code: str, unit_code: str):
    campaign = _campaign(code)
    org = _unit(unit_code, campaign)
    _check(campaign, org)
    form, group, _level = _filters(campaign)
    report = U.campaign_report(campaign, group, period=_period(campaign))
    ctx = {"campaign": campaign, "unit": org, "form": form, "report": report,
           "args": _args(unit=org.code), "raw": can_download_raw(current_user),
           "dashboards": current_user.role != Role.EVALUATOR,
           "rates": unit_three_rates(campaign, report, org)}
    if report is None:
        checklist = U.checklist_report(campaign)
        if checklist is not None:
            return render_template("reports/unit.html", checklist=checklist,
                                   checklist_row=checklist.unit(org),
                                   findings=checklist.unit_findings(org), **ctx)
        return render_template("reports/unit.html", **ctx)
    row = R.unit_summary(report, org.id)
    items = R.item_table(report, org.id)
    is_target, below = U.unit_scope(report, org)
    # an evaluator sees what was said of its own unit, never a pool with units below it
    own_only = current_user.role == Role.EVALUATOR and below > 0
    groups = (R.group_table(report, org.id) if len(campaign.rater_groups) > 1 or own_only
              else None)
    comments = []
    if not bool(row["suppressed"]):
        comments = R.comments_for(report, U.comments(campaign, report), org.id)
    ipa = R.importance_performance(report, org.id)
    trend = [c for c in U.related_campaigns(campaign)
             if can_view(current_user, c, org)]
    return render_template(
        "reports/unit.html", row=row, items=items.to_dict("records"),
        groups=None if groups is None else groups.to_dict("records"),
        composite=None if groups is None else groups.attrs.get("composite"),
        comments=comments, ipa=ipa, trend=trend, quadrants=plots.QUADRANT_LABELS,
        dims=R.dimension_scores(report, org.id), is_target=is_target, below=below,
        own_only=own_only, **ctx)


@bp.get("/<code>/ranks")
@roles_required(*U.DASHBOARD_ROLES)
def ranks(code: str):
    """The ranked list with rank intervals and the shrunk index, beside the raw index;
    the same figures as ``flask report ranks``."""
    campaign = _campaign(code)
    root = _unit(request.args.get("unit") or None, campaign)
    _check(campaign, root)
    form, group, level = _filters(campaign)
    report = U.campaign_report(campaign, group)
    ranked = None if report is None else ranked_units(report, root, level)
    return render_template("reports/ranks.html", campaign=campaign, root=root, form=form,
                           ranked=None if ranked is None else ranked.to_dict("records"),
                           total=0 if ranked is None else len(ranked), args=_args())


@bp.get("/<code>/heatmap")
@roles_required(*U.DASHBOARD_ROLES)
def heatmap(code: str):
    campaign = _campaign(code)
    root = _unit(request.args.get("unit"), campaign)
    _check(campaign, root)
    form, group, level = _filters(campaign)
    report = U.campaign_report(campaign, group, period=_period(campaign))
    matrix = None if report is None else R.heatmap_matrix(report, root.id, level)
    return render_template("reports/heatmap.html", campaign=campaign, root=root, form=form,
                           report=report, matrix=matrix, args=_args(unit=root.code))


# ---------------------------------------------------------------- charts


@bp.get("/<code>/charts/<name>.<fmt>")
@roles_required(*U.PAGE_ROLES)
def chart(code: str, name: str, fmt: str):
    if name not in CHARTS or fmt not in ("png", "svg"):
        abort(404)
    campaign = _campaign(code)
    org = _unit(request.args.get("unit"), campaign)
    _check(campaign, org)
    if current_user.role == Role.EVALUATOR and name in ("ranking", "heatmap"):
        abort(403)
    _form, group, level = _filters(campaign)
    key = (U.data_version(campaign), name, fmt, org.id, group, level, U.lang(),
           _period(campaign))
    if name == "trend":
        key += tuple(c.id for c in U.related_campaigns(campaign)
                     if can_view(current_user, c, org))
    image = U.charts.get(key, lambda: _draw(campaign, org, name, fmt, group, level))
    if image is None:
        abort(404)
    return Response(image, mimetype="image/png" if fmt == "png" else "image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300"})


def _draw(campaign: Campaign, org: Organisation, name: str, fmt: str, group, level):
    report = U.campaign_report(campaign, group, period=_period(campaign))
    if report is None:
        return None
    uid = org.id
    ax = None
    if name == "participation":
        series = R.participation(report, uid)
        ax = plots.participation_over_time(series, title="每月提交份数")
    elif name == "dimensions":
        dims = R.dimension_scores(report, uid)
        ax = plots.bars_with_intervals(dims.set_index("label")["index"], title="各维度满意度")
    elif name == "distribution":
        shares = R.answer_shares(report, uid)
        if shares.empty:
            return None
        ax = plots.answer_distribution(shares)
    elif name == "ranking":
        table = R.unit_table(report, uid, level)
        if table.empty:
            return None
        ax = plots.ranked_units(table, title="单位满意度排名")
    elif name == "heatmap":
        matrix = R.heatmap_matrix(report, uid, level)
        if matrix.empty:
            return None
        ax = plots.heatmap(matrix)
    elif name == "radar":
        if len(report.dimensions) < 3:
            return None
        ax = plots.radar(R.radar_frame(report, uid))
    elif name == "trend":
        reports = [U.campaign_report(c, group) for c in U.related_campaigns(campaign)
                   if can_view(current_user, c, org)]
        reports = [r for r in reports if r is not None and r.data.year is not None]
        if not reports:
            return None
        t = R.trend_table(reports, org.code)
        ax = plots.trend(t["overall"], t["ci_low"], t["ci_high"], title="历年总体满意度")
    elif name == "ipa":
        table = R.importance_performance(report, uid)
        if table is None:
            return None
        labels = {d: report.labels.dimension(d) for d in table.index}
        import pandas as pd

        ax = plots.ipa_chart(table, labels=pd.Series(labels))
    elif name == "groups":
        g = R.group_table(report, uid).set_index("name")
        ax = plots.grouped_bars(g[["overall"]], title="各评议方总体满意度",
                                series_labels=["总体满意度"])
    return plots.to_image(ax, fmt)


# ---------------------------------------------------------------- exports


@bp.get("/<code>/export.<fmt>")
@roles_required(*U.DASHBOARD_ROLES)
def export(code: str, fmt: str):
    if fmt not in U.FORMATS:
        abort(404)
    campaign = _campaign(code)
    org = _unit(request.args.get("unit"), campaign)
    _check(campaign, org)
    if fmt in U.RAW_FORMATS and not can_download_raw(current_user):
        abort(403)
    _form, group, level = _filters(campaign)
    report = U.campaign_report(campaign, group, period=_period(campaign))
    if report is None:
        abort(404)
    period = _period(campaign)
    filename = (f"{campaign.code}-{org.code}{'-' + group if group else ''}"
                f"{'-' + period if period else ''}.{fmt}")
    if fmt == "parquet":
        filename = filename[: -len(".parquet")] + "-parquet.zip"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"',
               "Cache-Control": "no-store"}
    scope = _scope_ids(report, org)
    if fmt in U.RAW_FORMATS:
        record_raw_export(current_user, campaign, org, fmt, group)
    if fmt == "csv":
        extra, _labels, _values = U.unscored_columns(campaign, report)
        frame = R.tidy_responses(report, scope, extra=extra)
        return Response(stream_with_context(exports.csv_chunks(frame)), mimetype=MIME[fmt],
                        headers=headers)
    per_unit = bool(request.args.get("unit")) and org != U.default_root(current_user, campaign)
    body = build_export(report, campaign, org, fmt, scope, level=level, per_unit=per_unit)
    return Response(body, mimetype=MIME[fmt], headers=headers)


def _scope_ids(report, org: Organisation) -> list[int]:
    """Targets both in the requested unit's subtree and in the user's scope."""
    orgs = report.data.organisations
    ids = set(orgs.loc[orgs["path"].str.startswith(org.path), "id"].astype(int))
    mine = U.scope_target_ids(current_user, report)
    return sorted(ids if mine is None else ids & set(mine))


@bp.app_context_processor
def _report_helpers():
    def chart_url(campaign: Campaign, name: str, **kw) -> str:
        return url_for("reports.chart", code=campaign.code, name=name, fmt="png", **kw)

    return {"report_chart_url": chart_url, "org_kind_zh": ORG_KIND_ZH}

