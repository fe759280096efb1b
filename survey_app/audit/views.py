"""The audit log page (/audit/) and its CSV export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from analysis.exports import csv_chunks
from survey_app.audit.forms import AuditFilterForm
from survey_app.audit.queries import PAGE_SIZE, AuditFilter, choices, entries, export_frame
from survey_app.permissions import AUDIT_READERS, can_read_audit, current_scope, roles_required

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _form() -> tuple[AuditFilterForm, AuditFilter | None]:
    """The filter form bound to the query string, and the filter (None if it is invalid)."""
    if not can_read_audit(current_user):
        abort(403)
    form = AuditFilterForm(request.args)
    actions, types = choices(current_scope())
    form.action.choices = [("", _("All actions"))] + [(a, a) for a in actions]
    form.object_type.choices = [("", _("All objects"))] + [(t, t) for t in types]
    if request.args and not form.validate():
        return form, None
    return form, AuditFilter(
        action=form.action.data or None, account=form.account.data or None,
        object_type=form.object_type.data or None, object_id=form.object_id.data or None,
        since=form.since.data, until=form.until.data)


@bp.get("/")
@roles_required(*AUDIT_READERS)
def index():
    form, audit_filter = _form()
    if audit_filter is None:
        return render_template("audit/index.html", form=form, rows=[], total=0, page=1,
                               pages=1), 400
    page = form.page.data or 1
    rows, total = entries(current_scope(), audit_filter, page)
    pages = max(1, -(-total // PAGE_SIZE))
    args = {k: v for k, v in request.args.items() if k not in ("page", "submit") and v}
    return render_template("audit/index.html", form=form, rows=rows, total=total, page=page,
                           pages=pages, args=args)


@bp.get("/export.csv")
@roles_required(*AUDIT_READERS)
def export():
    form, audit_filter = _form()
    if audit_filter is None:
        abort(400)
    frame = export_frame(current_scope(), audit_filter)
    return Response(stream_with_context(csv_chunks(frame)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
