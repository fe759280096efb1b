"""The answering form that members and evaluators fill: one WTForms field per answerable field,
built at run time from a questionnaire, and what turns the answers into stored values.

Each form field's name is the question's (or matrix row's) id. WTForms parses the post and
carries CSRF; the questionnaire's own rules (required-if-relevant, ranges, choices) are
checked by ``questionnaires.validate_answers`` so that the server enforces exactly what the
definition says, with or without JavaScript.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from questionnaires import parse
from questionnaires.model import NA_CODE, NA_LABEL, FormField, Questionnaire, Text
from survey_app.questionnaire_versions import content_hash_of

RATING_CHOICES = [(str(i), str(i)) for i in range(11)]
YES_NO = [("yes", Text("是", "Yes")), ("no", Text("否", "No"))]


def text_in(text: Text | None, lang: str) -> str:
    """The label in the page's language; Chinese when there is no English."""
    if text is None:
        return ""
    return (text.en or text.zh) if lang == "en" else text.zh


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RankingWidget:
    """One <select> per rank position, all with the question's id as their name."""

    def __call__(self, field: RankingField, **kwargs) -> Markup:
        parts = []
        chosen = list(field.data or [])
        for position in range(1, len(field.choices) + 1):
            current = chosen[position - 1] if position <= len(chosen) else ""
            options = [f'<option value=""{" selected" if not current else ""}>—</option>']
            for value, label in field.choices:
                selected = " selected" if value == current else ""
                options.append(
                    f'<option value="{escape(value)}"{selected}>{escape(label)}</option>'
                )
            select_id = f"{field.id}-{position}"
            parts.append(
                f'<div class="rank-row"><label for="{select_id}">{position}</label>'
                f'<select id="{select_id}" name="{escape(field.name)}">'
                f'{"".join(options)}</select></div>'
            )
        # Every value interpolated above went through escape().
        return Markup("".join(parts))  # noqa: S704  # nosec B704


class RankingField(Field):
    """An ordered list of choice codes; the order of the posted values is the ranking."""

    widget = RankingWidget()

    def __init__(self, label=None, validators=None, choices=(), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.choices = list(choices)

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v]

    def _value(self):
        return self.data or []


def _scale_choices(ff: FormField, lang: str) -> list[tuple[str, str]]:
    choices = [(p.code, text_in(p.label, lang)) for p in ff.scale.points]
    if ff.scale.na:
        choices.append((NA_CODE, text_in(NA_LABEL, lang)))
    return choices


def make_field(ff: FormField, lang: str) -> Field:
    """The WTForms field for one questionnaire field."""
    question = ff.question
    label = text_in(ff.item.label if ff.item is not None else question.label, lang)
    if ff.kind == "evidence":
        return TextAreaField(_l("Evidence"), render_kw={"maxlength": 2000, "rows": 2})
    if ff.type == "likert":
        # Scale points best to worst, as practice prints them (满意 first).
        choices = sorted(_scale_choices(ff, lang), key=lambda c: _order(ff, c[0]))
        return RadioField(label, choices=choices, validate_choice=False)
    if ff.type == "checklist":
        return RadioField(
            label, choices=[(v, text_in(t, lang)) for v, t in YES_NO], validate_choice=False
        )
    if ff.type == "rating":
        return RadioField(label, choices=RATING_CHOICES, validate_choice=False)
    choices = [(c.code, text_in(c.label, lang)) for c in question.choices]
    if ff.type == "single":
        return RadioField(label, choices=choices, validate_choice=False)
    if ff.type == "multiple":
        return MultiCheckboxField(label, choices=choices, validate_choice=False)
    if ff.type == "ranking":
        return RankingField(label, choices=choices)
    if ff.type == "number":
        mode = "numeric" if question.integer else "decimal"
        return StringField(label, render_kw={"inputmode": mode, "autocomplete": "off"})
    if ff.type == "text":
        return TextAreaField(label, render_kw={"maxlength": question.max_length or 500, "rows": 3})
    raise ValueError(f"field {ff.id}: no form field for type {ff.type!r}")


def _order(ff: FormField, code: str) -> tuple[int, int]:
    if code == NA_CODE:
        return (1, 0)
    return (0, -ff.scale.point(code).value)


_FORM_CLASSES: dict[tuple[str, str], type[FlaskForm]] = {}


def form_class(questionnaire: Questionnaire, lang: str) -> type[FlaskForm]:
    """A FlaskForm class for ``questionnaire`` in ``lang`` (built once per process)."""
    key = (content_hash_of(questionnaire), lang)
    cls = _FORM_CLASSES.get(key)
    if cls is None:
        attrs = {ff.id: make_field(ff, lang) for ff in questionnaire.fields()}
        cls = type(f"Form_{questionnaire.key}_{lang}", (FlaskForm,), attrs)
        if len(_FORM_CLASSES) > 512:
            _FORM_CLASSES.clear()
        _FORM_CLASSES[key] = cls
    return cls


def answers_from(form: FlaskForm, questionnaire: Questionnaire) -> dict[str, object]:
    """The posted answers, by field id, with empty answers left out."""
    answers: dict[str, object] = {}
    for ff in questionnaire.fields():
        value = form[ff.id].data
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            continue
        answers[ff.id] = value
    return answers


def posted_answers(formdata, questionnaire: Questionnaire) -> dict[str, object]:
    """The posted answers, read straight from the request's form data.

    The same values :func:`answers_from` gets from a bound form, by the same rules as the
    fields of :func:`make_field` (the first value of a single-valued field, every value of
    a multiple choice, the non-empty values of a ranking, in posted order; strings
    stripped, empty answers left out). A submission that is accepted needs no form object:
    binding and processing 34 fields was the largest cost of a member's POST. The form is
    built only to show the page again (errors or a saved draft). CSRF is checked for every
    POST by ``CSRFProtect`` before any view runs.
    """
    answers: dict[str, object] = {}
    for ff in questionnaire.fields():
        value: object
        if ff.kind != "evidence" and ff.type == "multiple":
            value = formdata.getlist(ff.id)
        elif ff.kind != "evidence" and ff.type == "ranking":
            value = [v for v in formdata.getlist(ff.id) if v]
        else:
            value = formdata.get(ff.id)
            if isinstance(value, str):
                value = value.strip()
        if value in (None, "", []):
            continue
        answers[ff.id] = value
    return answers


def fill(form: FlaskForm, answers: dict[str, object]) -> None:
    """Put saved answers (a draft) back into an unposted form."""
    for field_id, value in answers.items():
        if field_id in form:
            form[field_id].data = value


#: Answer errors from ``questionnaires.validate_answers``, in the member's language.
ANSWER_ERRORS = {
    "required": _l("Please answer this question."),
    "invalid_choice": _l("Choose one of the offered options."),
    "invalid_type": _l("This answer has the wrong form."),
    "not_a_number": _l("Enter a number."),
    "not_an_integer": _l("Enter a whole number."),
    "too_small": _l("The number is too small."),
    "too_large": _l("The number is too large."),
    "too_long": _l("The text is too long."),
    "too_few_choices": _l("Choose more options."),
    "too_many_choices": _l("Choose fewer options."),
    "duplicate_choice": _l("An option was chosen twice."),
    "unknown_field": _l("This field is not part of the questionnaire."),
}


def show_answer_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put ``validate_answers``' error keys on the form's fields, in the user's language."""
    for field_id, key in errors.items():
        if field_id in form:
            form[field_id].errors = [ANSWER_ERRORS.get(key, key)]


def relevance_rules(questionnaire: Questionnaire) -> dict[str, dict]:
    """Question id -> JSON rule for the browser (the server checks the same rules)."""
    return {
        q.id: parse(q.relevant).to_json(questionnaire)
        for q in questionnaire.questions()
        if q.relevant
    }


def scale_values(questionnaire: Questionnaire) -> dict[str, dict[str, int]]:
    """Scale id -> answer code -> value, for the browser's live score."""
    return {sid: {p.code: p.value for p in sc.points} for sid, sc in questionnaire.scales.items()}


#: ``item_values`` markers, beside the scale values themselves.
UNANSWERED, NOT_APPLICABLE = -1, -2


def pack_item_values(questionnaire: Questionnaire, answers: dict[str, object]) -> bytes:
    """One signed byte per scored item: the scale value, -1 unanswered, -2 not applicable."""
    out = bytearray()
    for item in questionnaire.scored_items():
        code = answers.get(item.id)
        if code is None:
            value = UNANSWERED
        elif code == NA_CODE:
            value = NOT_APPLICABLE
        else:
            point = item.scale.point(str(code))
            if point is None:
                raise ValueError(f"{item.id}: {code!r} is not a point of scale {item.scale.id}")
            value = point.value
        if not -128 <= value <= 127:
            raise ValueError(f"{item.id}: scale value {value} does not fit one byte")
        out.append(value & 0xFF)
    return bytes(out)
