"""Forms of code and open-link administration. The member's answering form is
:mod:`survey_app.answering`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange

from survey_app.member_surveys.operations import MAX_CODES_PER_REQUEST


class IssueCodesForm(FlaskForm):
    target = SelectField(_l("Unit"), validators=[DataRequired()], coerce=int)
    count = IntegerField(_l("Number of codes"), default=50,
                         validators=[DataRequired(), NumberRange(1, MAX_CODES_PER_REQUEST)])
    fmt = SelectField(_l("Format"), choices=[("pdf", _l("Printable sheet (PDF)")),
                                             ("csv", "CSV")], default="pdf")
    submit = SubmitField(_l("Issue codes"))


class OpenLinkForm(FlaskForm):
    target = SelectField(_l("Unit"), validators=[DataRequired()], coerce=int)
    label = StringField(_l("Where the QR code is posted"), validators=[DataRequired(),
                                                                       Length(max=200)])
    submit = SubmitField(_l("Create link"))
