"""Forms of the partnering pages (CSRF on every one, through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class HonourForm(FlaskForm):
    unit_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=64)])
    level = SelectField(_l("Honour level"), validators=[DataRequired()])
    year = IntegerField(_l("Year awarded"), validators=[InputRequired()])
    awarding_code = StringField(_l("Awarding union (code)"),
                                validators=[DataRequired(), Length(max=64)])
    document_number = StringField(_l("Document number"), validators=[Length(max=100)])
    evidence_note = TextAreaField(_l("Evidence"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Add to the register"))


class TargetForm(FlaskForm):
    level = SelectField(_l("Honour level"), validators=[DataRequired()])
    min_links = IntegerField(_l("Minimum number of partner units"),
                             validators=[InputRequired(), NumberRange(min=0, max=100)])
    submit = SubmitField(_l("Save target"))


class PairForm(FlaskForm):
    lead_code = StringField(_l("Lead union (code)"), validators=[DataRequired(), Length(max=64)])
    partner_code = StringField(_l("Partner union (code)"),
                               validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Propose the pair"))


class AgreementForm(FlaskForm):
    goals = TextAreaField(_l("Goals"), validators=[DataRequired(), Length(max=4000)])
    lead_duties = TextAreaField(_l("Duties of the lead union"), validators=[Length(max=4000)])
    partner_duties = TextAreaField(_l("Duties of the partner union"),
                                   validators=[Length(max=4000)])
    areas = SelectMultipleField(_l("Areas of work"), validators=[Optional()])
    term_start = DateField(_l("Term starts"), validators=[InputRequired()])
    term_end = DateField(_l("Term ends"), validators=[InputRequired()])
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    training = TextAreaField(_l("Training received beforehand"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Save the agreement"))


class PlanItemForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired()])
    month = IntegerField(_l("Month"), validators=[InputRequired(), NumberRange(min=1, max=12)])
    title = StringField(_l("Planned activity"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Add to the plan"))


class ActivityForm(FlaskForm):
    held_on = DateField(_l("Date"), validators=[InputRequired()])
    form = SelectField(_l("Form"), validators=[DataRequired()])
    content = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=4000)])
    participants = IntegerField(_l("Participants"),
                                validators=[InputRequired(), NumberRange(min=0, max=100000)])
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))
    submit = SubmitField(_l("Log the activity"))


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Supervision note"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Send the note"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Answer"))


class ActionForm(FlaskForm):
    """A bare POST button (confirm, accept, finish): CSRF only."""

    submit = SubmitField(_l("Confirm"))


class ThresholdsForm(FlaskForm):
    """Thresholds for keeping an honour; rates typed as percentages (85 means 85 %)."""

    scheme_key = SelectField(_l("Assessment scheme"), validators=[DataRequired()])
    min_satisfaction = FloatField(_l("Lowest member satisfaction rate (%)"),
                                  validators=[Optional(), NumberRange(min=0, max=100)])
    min_participation = FloatField(_l("Lowest participation rate (%)"),
                                   validators=[Optional(), NumberRange(min=0, max=100)])
    min_score = FloatField(_l("Lowest assessment score"),
                           validators=[Optional(), NumberRange(min=0, max=1000)])
    submit = SubmitField(_l("Save thresholds"))


class HonourStatusForm(FlaskForm):
    status = SelectField(_l("Decision"), validators=[DataRequired()])
    note = TextAreaField(_l("Reason"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Save decision"))


class RecommendationForm(FlaskForm):
    unit_code = HiddenField(validators=[DataRequired(), Length(max=64)])
    level = HiddenField(validators=[DataRequired(), Length(max=16)])
    scheme_key = HiddenField(validators=[DataRequired(), Length(max=40)])
    document_number = StringField(_l("Document number"), validators=[Length(max=100)])
    submit = SubmitField(_l("Confirm into the register"))


class HighlightForm(FlaskForm):
    """A highlight for the showcase; the photos are chosen among the pair's confirmed
    activities (checked by the operation, which says why in the page language)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    story = TextAreaField(_l("The story, in a few sentences"), validators=[Length(max=2000)])
    photos = SelectMultipleField(_l("Photos (at most three)"), coerce=int,
                                 validators=[Optional()], validate_choice=False)
    submit = SubmitField(_l("Save and send to the other union"))
