"""Check and clean one submission's answers against a questionnaire (used by the web form)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from . import expressions
from .model import NA_CODE, FormField, Questionnaire

# The one place for answer-error keys; the web layer translates them (English defaults here).
MESSAGES: dict[str, str] = {
    "required": "This question is required.",
    "invalid_choice": "Choose one of the offered options.",
    "invalid_type": "This answer has the wrong form.",
    "not_a_number": "Enter a number.",
    "not_an_integer": "Enter a whole number.",
    "too_small": "The number is too small.",
    "too_large": "The number is too large.",
    "too_long": "The text is too long.",
    "too_few_choices": "Choose more options.",
    "too_many_choices": "Choose fewer options.",
    "duplicate_choice": "An option was chosen twice.",
    "unknown_field": "This field is not part of the questionnaire.",
}

_YES = {"yes", "true", "1"}
_NO = {"no", "false", "0"}


def _empty(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (
        isinstance(v, list | tuple) and not v
    )


def _number(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        if isinstance(v, int | float):
            f = float(v)
            return f if math.isfinite(f) else None
        if isinstance(v, str) and len(v) <= 40:
            f = float(Decimal(v.strip()))
            return f if math.isfinite(f) else None
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return None


Cleaned = tuple[object, str | None]


def _clean_likert(f: FormField, v: object) -> Cleaned:
    codes = f.scale.codes if f.scale else ()
    return (v, None) if isinstance(v, str) and v in codes else (None, "invalid_choice")


def _clean_single(f: FormField, v: object) -> Cleaned:
    ok = isinstance(v, str) and v in {c.code for c in f.question.choices}
    return (v, None) if ok else (None, "invalid_choice")


def _clean_choices(f: FormField, v: object) -> Cleaned:
    """A ``multiple`` or ``ranking`` answer: a list of distinct known codes (one code alone
    counts as a list of one)."""
    q = f.question
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list | tuple) or not all(isinstance(x, str) for x in v):
        return None, "invalid_type"
    codes = {c.code for c in q.choices}
    if any(x not in codes for x in v):
        return None, "invalid_choice"
    if len(set(v)) != len(v):
        return None, "duplicate_choice"
    if f.type == "multiple":
        if q.min_choices is not None and len(v) < q.min_choices:
            return None, "too_few_choices"
        if q.max_choices is not None and len(v) > q.max_choices:
            return None, "too_many_choices"
    return list(v), None


def _clean_number(f: FormField, v: object) -> Cleaned:
    q = f.question
    n = _number(v)
    if n is None:
        return None, "not_a_number"
    if q.integer and not n.is_integer():
        return None, "not_an_integer"
    if q.min is not None and n < q.min:
        return None, "too_small"
    if q.max is not None and n > q.max:
        return None, "too_large"
    return (int(n) if q.integer else n), None


def _clean_text(f: FormField, v: object) -> Cleaned:
    if not isinstance(v, str):
        return None, "invalid_type"
    v = v.strip()
    limit = f.question.max_length if f.kind == "question" else 500
    return (v, None) if len(v) <= (limit or 500) else (None, "too_long")


def _clean_checklist(f: FormField, v: object) -> Cleaned:
    if isinstance(v, bool):
        return v, None
    if isinstance(v, str) and v.strip().lower() in _YES:
        return True, None
    if isinstance(v, str) and v.strip().lower() in _NO:
        return False, None
    return None, "invalid_type"


#: The cleaner of each answer type (a field's ``type``: matrix rows are ``likert``).
_CLEANERS: dict[str, Callable[[FormField, object], Cleaned]] = {
    "likert": _clean_likert,
    "single": _clean_single,
    "multiple": _clean_choices,
    "ranking": _clean_choices,
    "rating": _clean_number,
    "number": _clean_number,
    "text": _clean_text,
    "checklist": _clean_checklist,
}


def _clean(f: FormField, v: object) -> Cleaned:
    """(cleaned value, error key or None) for a non-empty answer."""
    cleaner = _CLEANERS.get(f.type)
    return cleaner(f, v) if cleaner is not None else (None, "invalid_type")


def validate_answers(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, str]]:
    """Check one submission.

    Returns ``(cleaned, errors)``: ``cleaned`` maps field id to the cleaned answer (codes,
    lists of codes, int/float, stripped text, bool for checklist items) for answered, relevant,
    valid fields only; ``errors`` maps field id to a key of :data:`MESSAGES`. Fields are
    visited in form order and each ``relevant`` is evaluated on the cleaned earlier answers;
    answers to non-relevant questions are dropped silently. ``required`` is enforced only
    when the question is relevant. Unknown field ids give ``unknown_field``.
    """
    cleaned: dict[str, object] = {}
    errors: dict[str, str] = {}
    fields = questionnaire.fields()
    known = {f.id for f in fields}
    for key in answers:
        if key not in known:
            errors[str(key)] = "unknown_field"
    relevance: dict[str, bool] = {}
    for f in fields:
        q = f.question
        if q.id not in relevance:
            relevance[q.id] = (
                q.relevant is None
                or expressions.parse(q.relevant).evaluate(cleaned, questionnaire)
            )
        if not relevance[q.id]:
            continue
        v = answers.get(f.id)
        if _empty(v):
            if q.required and f.kind != "evidence":
                errors[f.id] = "required"
            continue
        value, err = _clean(f, v)
        if err is not None:
            errors[f.id] = err
        else:
            cleaned[f.id] = value
    return cleaned, errors


__all__ = ["MESSAGES", "NA_CODE", "validate_answers"]
