"""Synthetic answers for the demo and benchmarks: realistic, not uniform noise.

Each respondent has a latent satisfaction (unit effect + personal effect); each scored item
adds its own noise and the latent is cut into the scale's points, so items correlate within
a respondent and units differ. Some answers are "don't know" and some are left out.
"""

from __future__ import annotations

import numpy as np

from questionnaires.model import NA_CODE, Questionnaire

COMMENTS_KEEP = ["职工书屋很好", "夏送清凉活动", "法律咨询及时", "技能培训实用", "困难帮扶到位",
                 "文体活动丰富", "食堂改善了"]
COMMENTS_IMPROVE = ["希望多组织培训", "厂务公开要更及时", "加班费问题希望关注", "活动场地太小",
                    "希望增加心理疏导", "集体协商要让职工参与", "反映的问题要有回音"]


def synthetic_answers(
    questionnaire: Questionnaire, rng: np.random.Generator, unit_effect: float = 0.0,
    na_rate: float = 0.04, missing_rate: float = 0.02,
) -> dict[str, object]:
    """One respondent's answers, valid for ``questionnaire`` (conditions respected)."""
    from questionnaires import validate_answers

    latent = unit_effect + rng.normal(0.0, 0.8)
    answers: dict[str, object] = {}
    for field in questionnaire.fields():
        question = field.question
        if field.type == "likert" and field.scale is not None:
            draw = rng.random()
            if field.scale.na and draw < na_rate:
                answers[field.id] = NA_CODE
                continue
            if not question.required and draw > 1 - missing_rate:
                continue
            points = sorted(field.scale.points, key=lambda p: p.value)
            score = latent + rng.normal(0.6, 0.7)  # most members are at least basically satisfied
            position = int(np.clip(np.floor((score + 1.2) / 2.4 * len(points) + 0.5), 0,
                                   len(points) - 1))
            if field.item is not None and getattr(field.item, "reverse", False):
                position = len(points) - 1 - position
            answers[field.id] = points[position].code
        elif field.type == "rating":
            answers[field.id] = int(np.clip(round(7.5 + 2 * latent + rng.normal(0, 1.2)), 0, 10))
        elif field.type == "single" and question.choices:
            answers[field.id] = question.choices[int(rng.integers(len(question.choices)))].code
        elif field.type == "multiple" and question.choices:
            k = max(question.min_choices or 1, 1)
            k = min(k, question.max_choices or len(question.choices), len(question.choices))
            picked = rng.choice(len(question.choices), size=k, replace=False)
            answers[field.id] = [question.choices[int(i)].code for i in sorted(picked)]
        elif field.type == "checklist":
            answers[field.id] = "yes" if rng.random() < 0.8 + 0.1 * np.tanh(latent) else "no"
        elif field.type == "number":
            low = question.min if question.min is not None else 0
            high = question.max if question.max is not None else low + 100
            answers[field.id] = int(rng.integers(int(low), int(high) + 1))
        elif field.type == "ranking" and question.choices:
            order = rng.permutation(len(question.choices))
            answers[field.id] = [question.choices[int(i)].code for i in order]
        elif field.type == "text" and field.kind == "question":
            pool = COMMENTS_IMPROVE if "improve" in question.id or latent < 0 else COMMENTS_KEEP
            if question.required or rng.random() < 0.3:
                answers[field.id] = pool[int(rng.integers(len(pool)))]
    cleaned, _errors = validate_answers(questionnaire, answers)
    # Answers to questions whose condition does not hold are dropped; a conditional
    # required question that is now relevant gets a short text.
    for field_id, key in _errors.items():
        if key == "required" and questionnaire.field(field_id).type == "text":
            answers[field_id] = COMMENTS_IMPROVE[int(rng.integers(len(COMMENTS_IMPROVE)))]
    cleaned, _errors = validate_answers(questionnaire, answers)
    return cleaned
