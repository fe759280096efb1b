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


def compute_form(scheme, candidates: dict[str, list], selection: dict[str, str],
                 status_names: dict[str, str]) -> FlaskForm:
    """The compute button with one choice per campaign slot of ``scheme``: the default rule
    (the assessing union's own campaign), no campaign, or any candidate campaign of the year.
    ``selection`` (the previous run's choices) pre-selects the options."""

    class ComputeForm(FlaskForm):
        submit = SubmitField(_l("Compute now"))

    for slot in scheme.campaigns:
        choices = [(DEFAULT_CHOICE, _l("The assessing union's own campaign")),
                   (NO_CAMPAIGN, _l("No campaign (its indicators are missing)"))]
        for c in candidates.get(slot.key, []):
            owner = c.owner.name if c.owner is not None else ""
            choices.append((c.code, f"{c.code} · {c.name} · {owner} · "
                                    f"{status_names.get(c.status, c.status)}"))
        default = selection.get(slot.key, DEFAULT_CHOICE)
        default = NO_CAMPAIGN if default == "" else default
        setattr(ComputeForm, f"slot_{slot.key}",
                SelectField(slot.name.zh, choices=choices, default=default))
    return ComputeForm()


#: The compute form's values for "use the default rule" and "no campaign for this slot".
DEFAULT_CHOICE = "default"
NO_CAMPAIGN = "none"


def chosen_campaigns(form, scheme) -> dict[str, str]:
    """The overrides (slot → campaign code, '' for none) a submitted compute form asks for."""
    out: dict[str, str] = {}
    for slot in scheme.campaigns:
        value = form[f"slot_{slot.key}"].data
        if value == NO_CAMPAIGN:
            out[slot.key] = ""
        elif value and value != DEFAULT_CHOICE:
            out[slot.key] = value
    return out
