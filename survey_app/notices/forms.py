"""Forms of the public notice."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class PublicToggleForm(FlaskForm):
    public = HiddenField(validators=[AnyOf(["on", "off"])])
