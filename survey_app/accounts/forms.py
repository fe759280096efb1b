"""Forms of the accounts pages."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from survey_app.models import Role

ROLE_LABELS = {
    Role.PLATFORM_ADMIN.value: _l("Platform administrator"),
    Role.UNION_ADMIN.value: _l("Union administrator"),
    Role.EVALUATOR.value: _l("Evaluator account"),
    Role.ASSESSOR.value: _l("Third-party assessor"),
    Role.ANALYST.value: _l("Analyst"),
}
USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,80}")


class AccountForm(FlaskForm):
    """Role and unit of an account (and its name, when it is created)."""

    username = StringField(_l("Account name"), validators=[Optional(), Length(max=80)])
    role = SelectField(_l("Role"), validate_choice=True)
    unit = SelectField(_l("Unit"), validate_choice=True)
    submit = SubmitField(_l("Save"))

    def validate_username(self, field):
        if field.data is not None and not USERNAME.fullmatch(field.data.strip()):
            raise ValidationError(_l("3 to 80 letters, digits, dots, dashes or underscores."))


class NewAccountForm(AccountForm):
    username = StringField(_l("Account name"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create the account"))


class ActionForm(FlaskForm):
    """A bare POST (disable, enable, reset password): its CSRF token only."""

    submit = SubmitField(_l("Confirm"))


class AccountFilterForm(FlaskForm):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), validate_choice=False)
    role = SelectField(_l("Role"), validate_choice=False)
    submit = SubmitField(_l("Filter"))
