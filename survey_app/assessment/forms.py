"""Forms of the assessment pages (CSRF on every one, through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ObjectiveForm(FlaskForm):
    indicator = SelectField(_l("Indicator"), validators=[DataRequired()])
    value = FloatField(_l("Value (empty to clear)"), validators=[Optional()])
    note = TextAreaField(_l("Evidence note"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Save indicator"))


class VetoForm(FlaskForm):
    item = SelectField(_l("Veto item"), validators=[DataRequired()])
    failed = BooleanField(_l("Failed (removes eligibility this year)"))
    reason = TextAreaField(_l("Reason"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Save veto finding"))

    def validate_reason(self, field) -> None:
        if self.failed.data and not (field.data or "").strip():
            from wtforms.validators import ValidationError

            raise ValidationError(_l("A failed veto item needs a reason."))


class EvidenceForm(FlaskForm):
    file = FileField(_l("Attachment (PDF, PNG, JPEG or XLSX)"), validators=[FileRequired()])
    indicator = SelectField(_l("For"), validators=[Optional()])
    submit = SubmitField(_l("Upload"))


class ActionForm(FlaskForm):
    """A bare POST button (compute, publish, delete): CSRF only."""

    submit = SubmitField(_l("Confirm"))


class InputsImportForm(FlaskForm):
    file = FileField(_l("CSV or Excel file of inputs"), validators=[FileRequired()])
    submit = SubmitField(_l("Import inputs"))
