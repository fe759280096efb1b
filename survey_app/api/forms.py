"""The form of the API tokens page (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange

from survey_app.api.operations import MAX_TOKEN_DAYS
from survey_app.models.api import API_SCOPES


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"),
                       validators=[InputRequired(_l("Say what the token is for.")),
                                   Length(max=100)])
    org_code = StringField(_l("Unit code (the token sees this unit and the units below)"),
                           validators=[InputRequired(_l("Give a unit code.")),
                                       Length(max=64)])
    scopes = SelectMultipleField(
        _l("Scopes"), choices=[(s, s) for s in API_SCOPES],
        option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False),
        # not DataRequired: it would mark every checkbox required in the browser
        validators=[Length(min=1, message=_l("Choose at least one scope."))])
    days = IntegerField(_l("Days until it expires"), default=90,
                        validators=[InputRequired(_l("Give the number of days.")),
                                    NumberRange(1, MAX_TOKEN_DAYS)])
    platform_admin = BooleanField(_l("Platform token (may also import the organisation tree; "
                                     "platform admins only)"))
    submit = SubmitField(_l("Create token"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))


class ReplayForm(FlaskForm):
    """重新发送 one webhook delivery (its CSRF token only)."""

    submit = SubmitField(_l("Send again"))
