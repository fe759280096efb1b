"""The member's POST is read without binding a form: the answers must be exactly what the
bound WTForms form gives, for every field type of every library questionnaire."""

import random

import pytest
from werkzeug.datastructures import MultiDict

from questionnaires import library, load_questionnaire_text
from survey_app.answering import answers_from, form_class, posted_answers

#: Every answer type, with evidence, beside the library (which has no ranking or number).
ALL_TYPES = load_questionnaire_text("""
key: all_types
version: "1"
title: {zh: 全部题型}
sections:
  - id: s
    title: {zh: 题}
    weight: 1
    questions:
      - {id: lk, type: likert, scale: sat3_na, label: {zh: 满意吗}}
      - id: mx
        type: matrix
        scale: sat3
        label: {zh: 矩阵}
        items:
          - {id: mx_a, label: {zh: 甲}}
          - {id: mx_b, label: {zh: 乙}}
      - {id: rt, type: rating, label: {zh: 推荐}}
      - id: sg
        type: single
        label: {zh: 单选}
        choices: [{code: a, label: {zh: 甲}}, {code: b, label: {zh: 乙}}]
      - id: mu
        type: multiple
        label: {zh: 多选}
        choices: [{code: a, label: {zh: 甲}}, {code: b, label: {zh: 乙}}, {code: c, label: {zh: 丙}}]
      - id: rk
        type: ranking
        label: {zh: 排序}
        choices: [{code: a, label: {zh: 甲}}, {code: b, label: {zh: 乙}}, {code: c, label: {zh: 丙}}]
      - {id: nm, type: number, min: 0, max: 100, label: {zh: 数字}}
      - {id: tx, type: text, label: {zh: 文字}}
""")

NOISE = ["", " ", "  x ", "satisfied", "na", "3", "读书角", "yes", "\t多 余\n"]


def _values(ff, rng: random.Random) -> list[str]:
    """Posted values for one field: its real codes, blanks, padding and junk, sometimes
    several (a forged post may repeat any field), sometimes none."""
    codes = []
    if ff.scale is not None:
        codes = [p.code for p in ff.scale.points] + ["na"]
    elif ff.question.choices:
        codes = [c.code for c in ff.question.choices]
    pool = codes + NOISE
    return [rng.choice(pool) for _ in range(rng.choice([0, 1, 1, 1, 2, 3]))]


@pytest.mark.parametrize("key", [*sorted(library()), "all_types"])
def test_posted_answers_equal_the_bound_forms_answers(app, key):
    questionnaire = ALL_TYPES if key == "all_types" else library()[key]
    rng = random.Random(key)
    cls = form_class(questionnaire, "zh")
    for _ in range(40):
        posted = MultiDict()
        for ff in questionnaire.fields():
            for value in _values(ff, rng):
                posted.add(ff.id, value)
        with app.test_request_context("/", method="POST", data=posted):
            form = cls(meta={"csrf": False})
            assert posted_answers(posted, questionnaire) == answers_from(form, questionnaire)


def test_every_field_type_and_kind_is_exercised():
    kinds = {(ff.kind, ff.type) for q in [*library().values(), ALL_TYPES] for ff in q.fields()}
    assert {"likert", "checklist", "rating", "single", "multiple", "ranking", "number",
            "text"} <= {t for _k, t in kinds}
    assert {"question", "item", "evidence"} <= {k for k, _t in kinds}
