"""Security events for admins: failed logins, lockouts, 2FA and token changes, raw exports
(the audit log's ``auth.`` and ``export.`` records), filterable and exportable as CSV."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user

from analysis import exports
from survey_app.admin.forms import SecurityEventFilterForm
from survey_app.admin.operations import record_events_export
from survey_app.admin.queries import (
    NO_UNIT,
    PAGE_ROWS,
    EventFilter,
    events_frame,
    events_query,
    security_actions,
)
from survey_app.extensions import db
from survey_app.models import Role
from survey_app.permissions import current_scope, roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMINS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)


def _filters() -> tuple[SecurityEventFilterForm, EventFilter | None]:
    form = SecurityEventFilterForm(formdata=request.args)
    form.action.choices = [("", form.action.choices[0][1])] + [
        (a, a) for a in security_actions()]
    if not form.validate():
        return form, None
    return form, EventFilter(action=form.action.data or None,
                             account=(form.account.data or "").strip() or None,
                             date_from=form.date_from.data, date_to=form.date_to.data)


def _rows(filters: EventFilter, limit: int | None = None):
    query = events_query(_scope(), filters, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    if limit is not None:
        query = query.limit(limit)
    return db.session.execute(query).all()


def _scope() -> str | None:
    """Union admins see their subtree's accounts; one without a unit sees nothing."""
    if current_user.role == Role.PLATFORM_ADMIN:
        return None
    scope = current_scope()
    return NO_UNIT if scope is None else scope.path


@bp.get("/security-events")
@roles_required(*ADMINS)
def security_events():
    form, filters = _filters()
    if filters is None:
        return render_template("admin/security_events.html", form=form, events=None,
                               page_rows=PAGE_ROWS), 422
    frame = events_frame(_rows(filters, PAGE_ROWS + 1),
                         current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return render_template("admin/security_events.html", form=form,
                           events=frame.head(PAGE_ROWS).to_dict("records"),
                           more=len(frame) > PAGE_ROWS, page_rows=PAGE_ROWS)


@bp.get("/security-events.csv")
@roles_required(*ADMINS)
def security_events_csv():
    form, filters = _filters()
    if filters is None:
        return render_template("admin/security_events.html", form=form, events=None,
                               page_rows=PAGE_ROWS), 422
    frame = events_frame(_rows(filters), current_app.config["BABEL_DEFAULT_TIMEZONE"])
    record_events_export(current_user, filters, len(frame))
    return Response(stream_with_context(exports.csv_chunks(frame)), mimetype="text/csv",
                    headers={"Content-Disposition":
                             'attachment; filename="security-events.csv"',
                             "Cache-Control": "no-store"})
