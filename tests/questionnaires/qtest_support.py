"""Shared test data for tests/questionnaires (a plain module, so no conftest is needed)."""

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from questionnaires import load_questionnaire_text  # noqa: E402

BASE = """\
key: demo
version: "1"
title: {zh: 演示, en: Demo}
sections:
  - id: services
    title: {zh: 服务, en: Services}
    weight: 0.6
    questions:
      - id: q1
        type: likert
        scale: sat3
        required: true
        label: {zh: 总体满意吗, en: Satisfied overall}
      - id: q2
        type: single
        choices: kinds
        label: {zh: 类型, en: Kind}
      - id: q3
        type: matrix
        scale: sat3_na
        label: {zh: 各项服务, en: Services}
        items:
          - {id: m1, label: {zh: 法律援助, en: Legal aid}}
          - {id: m2, label: {zh: 困难帮扶, en: Hardship aid}, reverse: true, weight: 2}
  - id: activities
    title: {zh: 活动, en: Activities}
    weight: 0.4
    questions:
      - id: q4
        type: likert
        scale: sat5
        label: {zh: 文体活动, en: Activities}
      - id: why
        type: text
        relevant: q1 == '不满意'
        required: true
        label: {zh: 为什么, en: Why}
      - id: picks
        type: multiple
        min_choices: 1
        max_choices: 2
        choices: kinds
        label: {zh: 多选, en: Pick}
      - id: more
        type: number
        min: 0
        max: 100
        integer: true
        relevant: selected(picks, 'legal') and q4 >= 4
        label: {zh: 次数, en: Times}
      - id: score
        type: rating
        label: {zh: 推荐, en: Recommend}
choice_lists:
  kinds:
    - {code: legal, label: {zh: 法律援助, en: Legal aid}}
    - {code: aid, label: {zh: 困难帮扶, en: Hardship aid}}
    - {code: jobs, label: {zh: 就业, en: Jobs}}
"""


def demo():
    return load_questionnaire_text(BASE, "demo.yaml")


def dedent(s: str) -> str:
    return textwrap.dedent(s)
