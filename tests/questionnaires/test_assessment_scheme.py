"""Assessment schemes: the shipped default validates; errors carry file, line and path."""

from __future__ import annotations

import textwrap

import pytest

from questionnaires.assessment import (
    SchemeError,
    get_scheme,
    load_scheme_text,
    schemes,
    schemes_dir,
)

MINIMAL = textwrap.dedent("""\
    key: mini
    version: "1"
    name: 测试方案
    campaigns:
      - {key: member, kind: member, name: 会员评家}
    objective_indicators:
      - {key: coverage, name: 覆盖率, kind: rate}
    indicators:
      - key: sat
        name: 满意率
        points: 60
        source: {type: satisfaction, campaign: member, measure: satisfaction_rate}
        rule: {piecewise: [[0.6, 0], [0.8, 0.8], [0.9, 1]], below: 0}
      - key: cov
        name: 覆盖率
        points: 40
        source: {type: objective, objective: coverage}
        rule: {tiers: [[0.8, 40], [0.7, 20]]}
    grades:
      - {key: a, name: 优秀, min: 90}
      - {key: d, name: 不合格, min: 0}
    """)


def errors_of(text: str) -> list:
    with pytest.raises(SchemeError) as info:
        load_scheme_text(text, "s.yaml")
    return info.value.errors


def test_default_scheme_is_valid_and_adds_up_to_100():
    s = get_scheme("default")
    assert s.key == "default"
    assert sum(i.points for i in s.indicators if not i.bonus) == 100
    assert s.bonus_max == 5
    assert [g.key for g in s.grades] == ["excellent", "good", "qualified", "unqualified"]
    assert [g.min for g in s.grades] == [90, 80, 60, 0]
    assert s.participation.min_rate == 0.30 and s.participation.min_frontline_share == 0.60
    assert s.bottom_count == 2
    assert {v.key for v in s.veto} >= {"leader_violation", "major_incident"}
    sat = s.indicator("member_satisfaction")
    assert sat.rule.breakpoints == ((0.6, 0.0), (0.8, 0.8), (0.9, 1.0))
    assert s.indicator("contract_coverage").rule.tiers[0] == (0.8, 4.0)
    assert "default" in schemes()
    assert (schemes_dir() / "default.yaml").exists()


def test_minimal_scheme_and_hash_is_stable_and_content_sensitive():
    a = load_scheme_text(MINIMAL)
    b = load_scheme_text("# a comment changes nothing\n" + MINIMAL)
    assert a.content_hash == b.content_hash and len(a.content_hash) == 64
    c = load_scheme_text(MINIMAL.replace("min: 90", "min: 85"))
    assert c.content_hash != a.content_hash
    assert a.figure_columns == ["member.satisfaction_rate"]


def test_points_must_add_up_to_max_score_with_line():
    errs = errors_of(MINIMAL.replace("points: 60", "points: 50"))
    assert any("add up to 90" in e.message for e in errs)
    assert errs[0].line == 8 and errs[0].path == "indicators"


def test_rate_given_in_percent_is_rejected_with_its_line():
    errs = errors_of(MINIMAL.replace("[[0.6, 0], [0.8, 0.8], [0.9, 1]]",
                                     "[[60, 0], [80, 0.8], [90, 1]]"))
    assert any("proportion in [0, 1]" in e.message for e in errs)
    assert {e.line for e in errs} == {13}
    assert str(errs[0]).startswith("s.yaml:13 indicators[0].rule.piecewise[0]")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[[0.6, 0], [0.8, 0.8], [0.9, 1]]", "[[0.8, 0], [0.6, 0.8]]", "strictly increasing"),
        ("[[0.6, 0], [0.8, 0.8], [0.9, 1]]", "[[0.6, 0], [0.9, 1.5]]", "between 0 and 1"),
        ("[[0.8, 40], [0.7, 20]]", "[[0.7, 20], [0.8, 40]]", "strictly decreasing"),
        ("[[0.8, 40], [0.7, 20]]", "[[0.8, 50], [0.7, 20]]", "tier points"),
        ("campaign: member, measure", "campaign: nope, measure", "unknown campaign"),
        ("objective: coverage}", "objective: nope}", "unknown objective"),
        ("type: satisfaction", "type: magic", "unknown source type"),
        ("measure: satisfaction_rate", "measure: happiness", "unknown measure"),
        ("{key: d, name: 不合格, min: 0}", "{key: d, name: 不合格, min: 10}", "min 0"),
        ("{key: a, name: 优秀, min: 90}", "{key: a, name: 优秀, min: -1}", "at least 0"),
        ("key: mini", "key: Mini!", "invalid key"),
        ("points: 60", "pionts: 60", "did you mean 'points'"),
        ("kind: rate}", "kind: percent}", "unknown kind"),
    ],
)
def test_errors_are_reported(old, new, message):
    assert old in MINIMAL
    errs = errors_of(MINIMAL.replace(old, new, 1))
    assert any(message in e.message for e in errs), [str(e) for e in errs]
    assert all(e.file == "s.yaml" for e in errs)
    assert any(e.line is not None for e in errs)


def test_yaml_syntax_error_has_line():
    errs = errors_of("key: x\nname: [unclosed\n")
    assert errs[0].line is not None


def test_honours_mandatory_and_veto_references_are_checked():
    text = MINIMAL + textwrap.dedent("""\
        mandatory:
          - {key: m1, name: 必备, objective: nope}
        veto:
          - {key: v1, name: 否决}
        veto_grade: zz
        honours:
          - {key: h1, name: 模范, grades: [a, zz], minimums: {member.nope: 1}}
          - {key: h2, name: 更高, grades: [a], requires: [h3]}
        """)
    msgs = " | ".join(e.message for e in errors_of(text))
    for expected in ("unknown objective indicator 'nope'", "unknown grade 'zz'",
                     "non-empty list of grade keys", "unknown figure 'member.nope'",
                     "honours defined above"):
        assert expected in msgs


def test_duplicate_keys_are_errors():
    text = MINIMAL.replace("  - key: cov\n", "  - key: sat\n")
    assert any("duplicate indicator key 'sat'" in e.message for e in errors_of(text))
