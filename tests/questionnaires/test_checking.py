"""The one checker behind questionnaire and assessment-scheme files: errors carry their line."""

import textwrap

import pytest

from questionnaires import QuestionnaireError, load_questionnaire_text
from questionnaires.assessment import SchemeError, load_scheme_text
from questionnaires.checking import Checker
from questionnaires.yamlio import load_yaml
from tests.questionnaires.qtest_support import BASE

SCHEME = textwrap.dedent("""\
    key: mini
    version: "1"
    name: 测试方案
    campaigns:
      - {key: member, kind: member, name: 会员评家}
    indicators:
      - key: sat
        name: 满意率
        points: 100
        source: {type: satisfaction, campaign: member, measure: satisfaction_rate}
        rule: {piecewise: [[0.6, 0], [0.9, 1]]}
    grades:
      - {key: a, name: 优秀, min: 90}
      - {key: d, name: 不合格, min: 0}
    """)


def _misspell(text: str, line_text: str, bad: str) -> tuple[str, int]:
    """``text`` with the first ``line_text`` line's key misspelled, and that line's number."""
    lines = text.splitlines()
    number = lines.index(line_text) + 1
    lines[number - 1] = line_text.replace(line_text.strip().split(":")[0], bad, 1)
    return "\n".join(lines) + "\n", number


def test_questionnaire_bad_key_is_reported_on_its_line():
    text, line = _misspell(BASE, "        required: true", "requird")
    assert line == 12
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire_text(text, "q.yaml")
    hits = [e for e in info.value.errors if "unknown key 'requird'" in e.message]
    assert len(hits) == 1, [str(e) for e in info.value.errors]
    assert (hits[0].file, hits[0].line, hits[0].path) == ("q.yaml", 12,
                                                          "sections[0].questions[0].requird")
    assert "did you mean 'required'" in hits[0].message


def test_scheme_bad_key_is_reported_on_its_line():
    assert load_scheme_text(SCHEME).key == "mini"
    text, line = _misspell(SCHEME, "    points: 100", "pionts")
    assert line == 9
    with pytest.raises(SchemeError) as info:
        load_scheme_text(text, "s.yaml")
    hits = [e for e in info.value.errors if "unknown key 'pionts'" in e.message]
    assert len(hits) == 1, [str(e) for e in info.value.errors]
    assert (hits[0].file, hits[0].line, hits[0].path) == ("s.yaml", 9, "indicators[0].pionts")
    assert "did you mean 'points'" in hits[0].message
    # The required key it replaced is missing: reported on the line of its mapping.
    missing = [e for e in info.value.errors if e.path == "indicators[0].points"]
    assert [(e.line, e.message) for e in missing] == [(7, "missing 'points'")]


def test_checker_reads_values_and_records_each_error_with_its_line():
    d = load_yaml(textwrap.dedent("""\
        name: {zh: 名称, en: Name, fr: Nom}
        size: -3
        flag: "yes"
        code: Bad-Id
        items: 7
        """))
    c = Checker("x.yaml")
    assert c.text(d, "name", "") is not None
    assert c.number(d, "size", "", lo=0) is None
    assert c.boolean(d, "flag", "", True) is True
    assert c.ident(d, "code", "") is None
    assert c.seq(d, "items", "") == []
    assert c.seq(d, "absent", "", required=False) == []
    assert [(e.line, e.path) for e in c.errors] == [
        (1, "name.fr"), (2, "size"), (3, "flag"), (4, "code"), (5, "items")]
    assert str(c.errors[1]) == "x.yaml:2 size: must be at least 0, got -3"
