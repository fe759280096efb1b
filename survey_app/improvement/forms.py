"""Forms of the improvement pages (CSRF on every one, through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class SuggestForm(FlaskForm):
    campaign = SelectField(_l("Published result"), validators=[DataRequired()])
    submit = SubmitField(_l("Propose actions"))


class PlanForm(FlaskForm):
    """Accept a suggestion or edit an action: the measure, who, by when, and the target."""

    title = StringField(_l("Measure (what will change)"),
                        validators=[InputRequired(_l("Say what will change (the measure).")),
                                    Length(max=300)])
    description = TextAreaField(_l("Details"), validators=[Length(max=4000)])
    owner_name = StringField(_l("Person responsible"),
                             validators=[InputRequired(_l("Name the person responsible.")),
                                         Length(max=100)])
    owner_unit = SelectField(_l("Responsible unit"),
                             validators=[InputRequired(_l("Choose the responsible unit."))])
    due_on = DateField(_l("Due date"), validators=[InputRequired(_l("Give a due date."))])
    milestones = TextAreaField(_l("Milestones (one a line: date and step)"),
                               validators=[Length(max=4000)])
    target = FloatField(_l("Target for the linked figure in the next campaign"),
                        validators=[Optional()])
    submit = SubmitField(_l("Save action"))


class DismissForm(FlaskForm):
    reason = TextAreaField(_l("Reason for dismissing"),
                           validators=[InputRequired(_l("Give the reason for dismissing this "
                                                        "suggestion.")), Length(max=2000)])
    submit = SubmitField(_l("Dismiss suggestion"))


class ProgressForm(FlaskForm):
    status = SelectField(_l("Status"), validators=[DataRequired()])
    text = TextAreaField(_l("Progress note"), validators=[Length(max=4000)])
    evidence = FileField(_l("Evidence (PDF, PNG or JPEG)"))
    submit = SubmitField(_l("Record progress"))


class VerifyForm(FlaskForm):
    text = TextAreaField(_l("Verification note"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Verify (验收)"))


class NewActionForm(PlanForm):
    """An action from a result Pingjia does not suggest: an assessment indicator that cost
    points, a veto finding, an assessor's recommendation, an evaluation comment."""

    source_kind = SelectField(_l("What result it answers"), validators=[DataRequired()])
    source_label = StringField(_l("The result, in a few words"),
                               validators=[InputRequired(_l("Say which result this action "
                                                            "answers.")), Length(max=300)])
    baseline = FloatField(_l("Figure now (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Create action"))


class ProjectForm(FlaskForm):
    """A 建家 project: its goal, what the goal is tied to and the person responsible."""

    title = StringField(_l("Project"), validators=[InputRequired(_l("Name the project.")),
                                                   Length(max=200)])
    goal_item = SelectField(_l("Tied to"), validators=[DataRequired()])
    goal = TextAreaField(_l("Goal"), validators=[Length(max=4000)])
    owner_name = StringField(_l("Person responsible"),
                             validators=[InputRequired(_l("Name the person responsible.")),
                                         Length(max=100)])
    year = IntegerField(_l("Year"), validators=[InputRequired()])
    submit = SubmitField(_l("Create the project"))


class TaskForm(FlaskForm):
    title = StringField(_l("Task"), validators=[InputRequired(_l("Describe the task.")),
                                                Length(max=200)])
    owner_name = StringField(_l("Person responsible"),
                             validators=[InputRequired(_l("Name the person responsible.")),
                                         Length(max=100)])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(_l("Give a start date."))])
    due_on = DateField(_l("Due date"), validators=[InputRequired(_l("Give a due date."))])
    submit = SubmitField(_l("Add the task"))


class LinkActionForm(FlaskForm):
    action = SelectField(_l("Improvement action"), validators=[DataRequired()])
    submit = SubmitField(_l("Link to this project"))


class ActionForm(FlaskForm):
    """A bare POST button (mark a task done): CSRF only."""
