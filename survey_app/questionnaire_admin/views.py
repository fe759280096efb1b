"""Questionnaire administration: upload (YAML or XLSForm), validate, preview, publish."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from analysis.spreadsheets import SpreadsheetError, check_xlsx_archive
from questionnaires import (
    Questionnaire,
    QuestionnaireError,
    build_questionnaire,
    library,
    load_questionnaire_text,
)
from questionnaires.xlsform import import_xlsform
from survey_app.answering import form_class, relevance_rules, text_in
from survey_app.errors import spreadsheet_message
from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion, Role
from survey_app.permissions import roles_required
from survey_app.questionnaire_admin.operations import publish_definition
from survey_app.questionnaire_versions import questionnaire_of

bp = Blueprint("questionnaire_admin", __name__, url_prefix="/questionnaires")

MANAGERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
#: An uploaded definition larger than this is refused before parsing.
MAX_DEFINITION_BYTES = 1024 * 1024


class UploadForm(FlaskForm):
    file = FileField(_l("Questionnaire file (YAML or XLSForm)"), validators=[
        FileRequired(), FileAllowed(["yaml", "yml", "xlsx"], _l("YAML or XLSForm (.xlsx) only."))])
    submit = SubmitField(_l("Check and preview"))


class PublishForm(FlaskForm):
    definition = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Publish this version"))


def _lang() -> str:
    return str(get_locale() or "zh")


def parse_upload(data: bytes, filename: str) -> Questionnaire:
    """A validated questionnaire from an uploaded YAML or XLSForm file."""
    if len(data) > MAX_DEFINITION_BYTES:
        raise QuestionnaireError([])
    if filename.lower().endswith(".xlsx"):
        check_xlsx_archive(data)  # before any parser inflates it
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload.xlsx"
            path.write_bytes(data)
            return build_questionnaire(import_xlsform(path), filename)
    return load_questionnaire_text(data, filename)


@bp.route("/", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def index():
    form = UploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        name = Path(upload.filename or "upload.yaml").name
        try:
            q = parse_upload(upload.read(), name)
        except QuestionnaireError as failure:
            errors = [e.translated(_) for e in failure.errors] or [
                _("The file is larger than %(n)d KB.", n=MAX_DEFINITION_BYTES // 1024)]
        except SpreadsheetError as failure:
            errors = [spreadsheet_message(failure)]
        except Exception:  # a broken xlsx: openpyxl/pyxform raise many types
            errors = [_("The file cannot be read as a questionnaire.")]
        else:
            return _preview(q, uploaded=True)
    versions = db.session.scalars(
        select(QuestionnaireVersion).order_by(QuestionnaireVersion.key,
                                              QuestionnaireVersion.id.desc())).all()
    status = 422 if errors or form.errors else 200
    return render_template("questionnaire_admin/index.html", form=form, errors=errors,
                           library=sorted(library().items()), versions=versions,
                           lang=_lang(), text_in=text_in), status


def _preview(q: Questionnaire, uploaded: bool = False, version: QuestionnaireVersion | None = None):
    width = request.args.get("width", "phone")
    publish = PublishForm(formdata=None)
    publish.definition.data = json.dumps(q.to_dict(), ensure_ascii=False)
    member_form = form_class(q, _lang())(formdata=None)
    return render_template(
        "questionnaire_admin/preview.html", questionnaire=q, form=member_form,
        rules=relevance_rules(q), lang=_lang(), text_in=text_in, width=width,
        publish=publish if version is None else None, uploaded=uploaded, version=version,
        content_hash=q.content_hash(),
        scale_values={sid: {p.code: p.value for p in sc.points} for sid, sc in q.scales.items()},
    )


@bp.get("/library/<key>")
@roles_required(*MANAGERS)
def preview_library(key: str):
    q = library().get(key)
    if q is None:
        abort(404)
    return _preview(q)


@bp.get("/versions/<int:version_id>")
@roles_required(*MANAGERS)
def preview_version(version_id: int):
    version = db.session.get(QuestionnaireVersion, version_id)
    if version is None:
        abort(404)
    return _preview(questionnaire_of(version), version=version)


@bp.post("/publish")
@roles_required(*MANAGERS)
def publish():
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        q = Questionnaire.from_dict(json.loads(form.definition.data))
    except (ValueError, QuestionnaireError, TypeError):
        flash(_("The definition is not valid any more; upload the file again."), "error")
        return redirect(url_for("questionnaire_admin.index"))
    version = publish_definition(q, current_user)
    flash(_("Published %(key)s version %(version)s.", key=q.key, version=q.version), "success")
    return redirect(url_for("questionnaire_admin.preview_version", version_id=version.id))
