"""Forms of the campaign pages. The create form yields the same mapping as a YAML campaign
file, so both go through ``operations.parse_spec`` and fail the same way."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from survey_app import vocabulary
from survey_app.models import CampaignKind, CampaignStatus, OrgKind
from survey_app.vocabulary import labels

KIND_LABELS = labels(CampaignKind)
RULE_LABELS = {
    "members": _l("Members, anonymous (access codes)"),
    "upper": _l("Upper union rates its lower units"),
    "lower": _l("Lower units rate their upper union"),
    "peer": _l("Units under one parent rate each other"),
    "third_party": _l("Third-party assessors"),
    "named": _l("Named accounts per unit"),
}
STATUS_LABELS = labels(CampaignStatus)
TARGET_MODES = [("subtree", _l("A unit and everything below it")),
                ("level", _l("Every unit of one level")),
                ("list", _l("A list of unit codes"))]
GROUP_ROWS = 4


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,，;；、]+", text or "") if c]


def _mapping(text: str) -> dict[str, list[str]]:
    """Lines ``KEY: a, b`` (full-width colons too) → {KEY: [a, b]}."""
    out: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        key, _, rest = line.replace("：", ":").partition(":")
        out.setdefault(key.strip(), []).extend(_codes(rest))
    return out


class GroupForm(Form):
    """One rater group row; a row without a key is ignored."""

    key = StringField(_l("Key"), validators=[Optional(), Length(max=40)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    weight = StringField(_l("Weight"), validators=[Optional(), Length(max=20)])
    questionnaire = SelectField(_l("Questionnaire"), validate_choice=False)
    rule = SelectField(_l("Who rates"), choices=list(RULE_LABELS.items()), validate_choice=False)
    peers_per_target = IntegerField(_l("Peers per unit (blank: all)"),
                                    validators=[Optional(), NumberRange(1, 1000)])
    assessors = TextAreaField(_l("Assessor usernames"), validators=[Length(max=5000)],
                              render_kw={"rows": 2})
    conflicts = TextAreaField(_l("Conflicts of interest (username: unit codes, one a line)"),
                              validators=[Length(max=20000)], render_kw={"rows": 2})
    accounts = TextAreaField(_l("Named accounts (unit code: usernames, one a line)"),
                             validators=[Length(max=20000)], render_kw={"rows": 2})

    def as_spec(self) -> dict:
        rule = self.rule.data
        weight: object = (self.weight.data or "").strip()
        try:
            weight = float(weight)
        except ValueError:
            pass  # parse_spec names the problem
        key = (self.key.data or "").strip()
        spec: dict = {"key": key, "name": (self.name.data or "").strip() or key,
                      "weight": weight,
                      "questionnaire": self.questionnaire.data, "rule": rule}
        if rule == "peer" and self.peers_per_target.data:
            spec["peers_per_target"] = self.peers_per_target.data
        if rule == "third_party":
            spec["assessors"] = _codes(self.assessors.data)
            spec["conflicts"] = _mapping(self.conflicts.data)
        if rule == "named":
            spec["accounts"] = _mapping(self.accounts.data)
        return spec


class CampaignForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    cycle = SelectField(_l("Cycle"), choices=[("annual", _l("Annual")),
                                              ("rolling", _l("Rolling"))])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)])
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    closes_on = DateField(_l("Closes on"), validators=[Optional()])
    min_group_size = IntegerField(_l("Minimum reporting group size"), default=5,
                                  validators=[InputRequired(), NumberRange(1, 1000)])
    owner = SelectField(_l("Run by"), validate_choice=False)
    target_mode = SelectField(_l("Targets"), choices=TARGET_MODES)
    target_root = StringField(_l("Unit code (subtree, or where to look for a level)"),
                              validators=[Optional(), Length(max=64)])
    target_level = SelectField(_l("Level"), choices=vocabulary.choices(OrgKind))
    target_codes = TextAreaField(_l("Unit codes"), validators=[Length(max=100_000)],
                                 render_kw={"rows": 3})
    groups = FieldList(FormField(GroupForm), min_entries=GROUP_ROWS, max_entries=GROUP_ROWS)
    submit = SubmitField(_l("Create campaign"))

    def as_spec(self) -> dict:
        data: dict = {
            "code": self.code.data.strip(), "name": self.name.data.strip(),
            "kind": self.kind.data, "cycle": self.cycle.data,
            "min_group_size": self.min_group_size.data,
            "owner": self.owner.data or None,
            "rater_groups": [g.form.as_spec() for g in self.groups
                            if (g.form.key.data or "").strip()],
        }
        for name in ("year", "opens_on", "closes_on"):
            if getattr(self, name).data is not None:
                data[name] = getattr(self, name).data
        mode = self.target_mode.data
        root = (self.target_root.data or "").strip()
        if mode == "subtree":
            data["targets"] = {"subtree": root}
        elif mode == "level":
            data["targets"] = {"level": self.target_level.data}
            if root:
                data["targets"]["within"] = root
        else:
            data["targets"] = {"list": _codes(self.target_codes.data)}
        return data


class EditForm(FlaskForm):
    """Settings that may change: everything while a draft, name and closing date once open."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    closes_on = DateField(_l("Closes on"), validators=[Optional()])
    min_group_size = IntegerField(_l("Minimum reporting group size"),
                                  validators=[Optional(), NumberRange(1, 1000)])
    submit = SubmitField(_l("Save"))


class StateForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])
    #: "yes" once the user has seen the confirmation page of an irreversible step.
    confirmed = HiddenField()
    reason = TextAreaField(_l("Reason (recorded in the audit log)"),
                           validators=[Length(max=1000)], render_kw={"rows": 2})


class AddAssignmentForm(FlaskForm):
    group = SelectField(_l("Rater group"), coerce=int, validate_choice=False)
    target = StringField(_l("Target unit code"), validators=[DataRequired(), Length(max=64)])
    rater = StringField(_l("Rater unit code or username"),
                        validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Add"))


class ActionForm(FlaskForm):
    """A button that posts (generate, remove): only CSRF."""


class SendRemindersForm(FlaskForm):
    """Send in-app reminders (its CSRF token only)."""
