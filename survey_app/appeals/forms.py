"""Forms of appeals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

SUBJECTS = [("veto", _l("A veto finding (一票否决)")), ("grade", _l("The grade")),
            ("checklist", _l("An assessor's checklist finding"))]


class AppealForm(FlaskForm):
    subject = RadioField(_l("What do you appeal?"), choices=SUBJECTS,
                         validators=[DataRequired(_l("Choose what the appeal is about."))])
    veto_item = SelectField(_l("Veto item"), choices=[], validators=[Optional()])
    finding = StringField(_l("Checklist finding"), validators=[Optional(), Length(max=80)])
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Give the reason for the appeal.")), Length(max=4000)])
    evidence = FileField(_l("Evidence (PDF, PNG, JPEG or XLSX, optional)"))


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=[("upheld", _l("Upheld")),
                                                  ("rejected", _l("Rejected"))],
                         validators=[DataRequired(_l("Choose upheld or rejected."))])
    reason = TextAreaField(_l("Reason for the decision"), validators=[
        DataRequired(_l("Give the reason for the decision.")), Length(max=4000)])
