"""Forms of the comment review."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

DECISIONS = [("release", _l("Release (with the masked text)")), ("withhold", _l("Withhold"))]


class ReviewForm(FlaskForm):
    target_id = IntegerField(validators=[InputRequired()])
    field_id = HiddenField(validators=[DataRequired(), Length(max=64)])
    digest = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    masked_text = TextAreaField(_l("Text to release"), validators=[Length(max=4000)])
    decision = RadioField(_l("Decision"), choices=DECISIONS, validators=[DataRequired()])

    def validate_masked_text(self, field) -> None:
        from wtforms.validators import ValidationError

        if self.decision.data == "release" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the text to release, or withhold the comment."))
