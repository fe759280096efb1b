"""Forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from survey_app.auth.passwords import MAX_LENGTH, password_problem


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Log in"))


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text",
                   "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Verify"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-factor authentication"))


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Turn off two-factor authentication"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(), Length(max=256)])
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l("At least 12 characters; a few uncommon words make a strong password."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))

    def __init__(self, username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username

    def validate_new(self, field) -> None:
        problem = password_problem(field.data or "", self._username)
        if problem:
            raise ValidationError(problem)


class AccountActionForm(FlaskForm):
    """The platform admin's buttons on the accounts page (CSRF only)."""
