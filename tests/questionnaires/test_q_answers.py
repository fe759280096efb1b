import pytest

from questionnaires import MESSAGES, load_questionnaire_text, validate_answers
from tests.questionnaires.qtest_support import BASE, demo

GOOD = {"q1": "basic", "q2": "legal", "m1": "na", "m2": "satisfied", "q4": "satisfied",
        "picks": ["legal"], "more": "12", "score": 8}


@pytest.fixture(scope="module")
def q():
    return demo()


def test_valid_answers_are_cleaned(q):
    cleaned, errors = validate_answers(q, GOOD)
    assert errors == {}
    assert cleaned["more"] == 12 and isinstance(cleaned["more"], int)
    assert cleaned["m1"] == "na"
    assert "why" not in cleaned


def test_required_only_when_relevant(q):
    _, errors = validate_answers(q, {**GOOD, "q1": "dissatisfied"})
    assert errors == {"why": "required"}
    cleaned, errors = validate_answers(q, {**GOOD, "q1": "dissatisfied", "why": "  太慢 "})
    assert errors == {} and cleaned["why"] == "太慢"


def test_missing_required(q):
    _, errors = validate_answers(q, {k: v for k, v in GOOD.items() if k != "q1"})
    assert errors == {"q1": "required"}


def test_non_relevant_answers_dropped(q):
    cleaned, errors = validate_answers(q, {**GOOD, "why": "x", "picks": ["aid"], "more": 5})
    assert errors == {}
    assert "why" not in cleaned and "more" not in cleaned


@pytest.mark.parametrize(
    "field, value, key",
    [
        ("q1", "na", "invalid_choice"),  # sat3 has no 不了解
        ("q1", "满意", "invalid_choice"),  # answers are codes, not labels
        ("m2", 3, "invalid_choice"),
        ("q2", "nope", "invalid_choice"),
        ("picks", ["legal", "legal"], "duplicate_choice"),
        ("picks", ["legal", "aid", "jobs"], "too_many_choices"),
        ("picks", ["zzz"], "invalid_choice"),
        ("picks", [1], "invalid_type"),
        ("more", "abc", "not_a_number"),
        ("more", "2.5", "not_an_integer"),
        ("more", 101, "too_large"),
        ("more", -1, "too_small"),
        ("more", True, "not_a_number"),
        ("score", 11, "too_large"),
        ("score", "nan", "not_a_number"),
        ("score", 10**400, "not_a_number"),
        ("score", "1e999", "not_a_number"),
        ("score", "9" * 41, "not_a_number"),
        ("why", "x" * 501, "too_long"),
        ("why", 5, "invalid_type"),
        ("bogus", "1", "unknown_field"),
    ],
)
def test_answer_errors(q, field, value, key):
    answers = {**GOOD, field: value}
    if field == "why":
        answers["q1"] = "dissatisfied"
    cleaned, errors = validate_answers(q, answers)
    assert errors.get(field) == key
    assert field not in cleaned
    assert key in MESSAGES


def test_min_choices():
    text = BASE.replace("min_choices: 1", "min_choices: 2")
    q = load_questionnaire_text(text)
    _, errors = validate_answers(q, {**GOOD, "picks": ["legal"]})
    assert errors == {"picks": "too_few_choices"}


def test_checklist_and_evidence():
    from questionnaires import library

    q = library()["third_party"]
    ids = [f.id for f in q.fields() if f.type == "checklist"]
    answers = {i: "yes" for i in ids}
    answers["tp_chair_elected"] = False
    answers["tp_chair_elected_evidence"] = "选举记录缺失"
    cleaned, errors = validate_answers(q, answers)
    assert errors == {}
    assert cleaned["tp_chair_elected"] is False and cleaned["tp_chair_term"] is True
    assert cleaned["tp_chair_elected_evidence"] == "选举记录缺失"
    _, errors = validate_answers(q, {**answers, "tp_chair_term": "maybe"})
    assert errors == {"tp_chair_term": "invalid_type"}
    _, errors = validate_answers(q, {k: v for k, v in answers.items() if k != "tp_funds_use"})
    assert errors == {"tp_funds_use": "required"}
