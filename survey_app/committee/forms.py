"""Forms of the committee pages (CSRF on every one, through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

ROLE_LABELS = {"chair": _l("Chair"), "vice_chair": _l("Vice-chair"),
               "member": _l("Committee member")}


class CommitteeMemberForm(FlaskForm):
    """List one committee member: name, role and the 述职报告 shown to raters."""

    name = StringField(_l("Full name"), validators=[InputRequired(_l("Give the person's name.")),
                                               Length(max=100)])
    role = SelectField(_l("Committee post"), choices=list(ROLE_LABELS.items()),
                       validate_choice=True)
    report = TextAreaField(_l("Report (述职报告), shown to raters"),
                           validators=[Length(max=4000)])
    submit = SubmitField(_l("Add to the committee"))
