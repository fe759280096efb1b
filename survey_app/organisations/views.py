"""Organisation pages: the tree in the user's scope, import and export."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField

from survey_app.extensions import db
from survey_app.models import Organisation, Role
from survey_app.organisations.operations import KIND_LABELS, ImportFailed, export_rows, import_file
from survey_app.permissions import roles_required, visible_orgs_query

bp = Blueprint("organisations", __name__, url_prefix="/orgs")

MANAGERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
READERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN, Role.ANALYST)


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or Excel file"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx", "xls"], _l("CSV or Excel only."))],
    )
    submit = SubmitField(_l("Import"))


@bp.get("/")
@roles_required(*READERS)
def index():
    orgs = db.session.scalars(visible_orgs_query().order_by(Organisation.path)).all()
    orgs.sort(key=lambda o: [int(p) for p in o.path.strip("/").split("/")])
    return render_template("organisations/index.html", orgs=orgs, kind_labels=KIND_LABELS,
                           form=ImportForm())


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_view():
    form = ImportForm()
    issues = []
    if form.validate_on_submit():
        upload = form.file.data
        scope = None if current_user.role == Role.PLATFORM_ADMIN else current_user.organisation
        try:
            result = import_file(upload.read(), upload.filename or "", user=current_user,
                                 scope=scope)
        except ImportFailed as failure:
            issues = failure.issues
        else:
            flash(_("Imported: %(created)d new, %(updated)d updated.",
                    created=result.created, updated=result.updated), "success")
            return redirect(url_for("organisations.index"))
    status = 422 if issues or form.errors else 200
    return render_template("organisations/import.html", form=form, issues=issues), status


@bp.get("/export.csv")
@roles_required(*READERS)
def export_csv():
    orgs = db.session.scalars(visible_orgs_query()).all()
    body = "\ufeff" + export_rows(orgs)  # BOM: Excel opens UTF-8 CSV with Chinese correctly
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=organisations.csv"})
