import pytest

from questionnaires import (
    Questionnaire,
    QuestionnaireError,
    load_questionnaire,
    load_questionnaire_text,
    validate_paths,
)
from questionnaires.yamlio import MAX_BYTES
from tests.questionnaires.qtest_support import BASE, demo


def errors_of(text, filename="t.yaml"):
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire_text(text, filename)
    return info.value.errors


def one_error(text):
    errs = errors_of(text)
    assert len(errs) == 1, [str(e) for e in errs]
    return errs[0]


def test_base_loads():
    q = demo()
    assert q.key == "demo"
    assert [s.id for s in q.sections] == ["services", "activities"]
    assert [f.id for f in q.fields()] == ["q1", "q2", "m1", "m2", "q4", "why", "picks", "more",
                                          "score"]
    items = q.scored_items()
    assert [(i.id, i.dimension, i.scale.id, i.reverse, i.weight) for i in items] == [
        ("q1", "services", "sat3", False, 1.0),
        ("m1", "services", "sat3_na", False, 1.0),
        ("m2", "services", "sat3_na", True, 2.0),
        ("q4", "activities", "sat5", False, 1.0),
    ]
    assert q.dimension_weights() == {"services": 0.6, "activities": 0.4}
    assert set(q.scales) == {"sat3", "sat3_na", "sat5"}  # only the scales used
    assert q.field("q2").question.choices[0].code == "legal"


def test_error_has_file_line_path_and_message():
    text = BASE.replace("scale: sat5", "scale: likert9")
    err = one_error(text)
    line = text.splitlines().index("        scale: likert9") + 1
    assert (err.file, err.line, err.path) == ("t.yaml", line, "sections[1].questions[0].scale")
    assert "unknown scale 'likert9'" in err.message
    assert str(err).startswith(f"t.yaml:{line} sections[1].questions[0].scale: unknown scale")


def test_all_errors_reported_not_just_first():
    text = BASE.replace("scale: sat5", "scale: nope").replace("type: rating", "type: stars")
    text = text.replace("lable", "label").replace("    weight: 0.4", "    weight: 0.5")
    errs = errors_of(text)
    msgs = " | ".join(e.message for e in errs)
    assert "unknown scale" in msgs and "unknown question type 'stars'" in msgs
    assert "must sum to 1" in msgs


@pytest.mark.parametrize(
    "old, new, path, fragment",
    [
        ("type: rating", "type: stars", "sections[1].questions[4].type", "unknown question type"),
        ("        integer: true", "        integr: true", "sections[1].questions[3].integr",
         "did you mean 'integer'"),
        ("id: q4", "id: q1", "sections[1].questions[0].id", "duplicate id 'q1'"),
        ("{id: m2,", "{id: q1,", "sections[0].questions[2].items[1].id", "duplicate id 'q1'"),
        ("relevant: q1 == '不满意'", "relevant: score > 3", "sections[1].questions[1].relevant",
         "not an earlier question"),
        ("relevant: q1 == '不满意'", "relevant: zz > 3", "sections[1].questions[1].relevant",
         "unknown question 'zz'"),
        ("relevant: q1 == '不满意'", "relevant: q1 = 3", "sections[1].questions[1].relevant",
         "does not parse"),
        ("relevant: q1 == '不满意'", "relevant: q1 == '不满易'",
         "sections[1].questions[1].relevant", "not a code or label"),
        ("relevant: q1 == '不满意'", "relevant: picks == 'legal'",
         "sections[1].questions[1].relevant", "not an earlier question"),
        ("relevant: selected(picks, 'legal')", "relevant: selected(q2, 'legal')",
         "sections[1].questions[3].relevant", "needs a multiple question"),
        ("relevant: selected(picks, 'legal')", "relevant: selected(picks, 'zzz')",
         "sections[1].questions[3].relevant", "not a choice"),
        ("    weight: 0.4", "    weight: 0.5", "sections", "must sum to 1"),
        ("    weight: 0.4", "    weight: -0.4", "sections[1].weight", "must be positive"),
        ("weight: 2}", "weight: 0}", "sections[0].questions[2].items[1].weight",
         "must be positive"),
        ("scale: sat5", "scale: likert9", "sections[1].questions[0].scale", "unknown scale"),
        ("choices: kinds\n        label: {zh: 类型", "choices: kindz\n        label: {zh: 类型",
         "sections[0].questions[1].choices", "unknown choice list 'kindz'"),
        ("min: 0\n", "min: 200\n", "sections[1].questions[3].min", "min (200) > max (100)"),
        ("min_choices: 1", "min_choices: 3", "sections[1].questions[2].min_choices",
         "min_choices (3) > max_choices (2)"),
        ("label: {zh: 文体活动, en: Activities}", "label: {en: Activities}",
         "sections[1].questions[0].label.zh", "missing zh"),
        ("id: q4", "id: Q4", "sections[1].questions[0].id", "invalid question id"),
        ("key: demo", "kee: demo", "kee", "unknown key 'kee'"),
    ],
)
def test_each_error_class(old, new, path, fragment):
    assert old in BASE
    text = BASE.replace(old, new, 1)
    errs = errors_of(text)
    hits = [e for e in errs if e.path == path and fragment in e.message]
    assert hits, [str(e) for e in errs]
    assert hits[0].line is not None


def test_scale_without_satisfied_points():
    text = BASE + """\
scales:
  mine:
    label: {zh: 自定义, en: Mine}
    points:
      - {code: good, value: 2, label: {zh: 好, en: Good}}
      - {code: bad, value: 1, label: {zh: 差, en: Bad}}
    satisfied: []
"""
    err = one_error(text)
    assert err.path == "scales.mine.satisfied"
    assert "at least one satisfied point" in err.message


def test_local_scale_and_satisfied_override():
    text = BASE.replace("scale: sat5", "scale: mine") + """\
scales:
  mine:
    label: {zh: 自定义, en: Mine}
    points:
      - {code: good, value: 2, label: {zh: 好, en: Good}}
      - {code: bad, value: 1, label: {zh: 差, en: Bad}}
    satisfied: [good]
satisfied:
  sat3: [satisfied]
"""
    q = load_questionnaire_text(text)
    assert q.scales["mine"].satisfied == {"good"}
    assert q.scales["sat3"].satisfied == {"satisfied"}
    assert demo().scales["sat3"].satisfied == {"satisfied", "basic"}


def test_satisfied_override_unknown_code():
    errs = errors_of(BASE + "satisfied:\n  sat3: [happy]\n")
    assert any(e.path == "satisfied.sat3[0]" and "unknown point code" in e.message for e in errs)


def test_unscored_section_needs_no_weight():
    text = BASE + ""
    text = text.replace("""      - id: score
        type: rating""", """      - id: score
        type: rating""")
    q = load_questionnaire_text(text)
    assert "activities" in q.dimension_weights()


def test_yaml_syntax_error_has_line():
    err = one_error("key: demo\ntitle: [unclosed\n")
    assert err.line is not None and "invalid YAML" in err.message


def test_duplicate_yaml_key_rejected():
    err = one_error(BASE.replace("key: demo", "key: demo\nkey: demo2"))
    assert "duplicate key 'key'" in err.message and err.line == 2


def test_oversized_rejected(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_BYTES)
    with pytest.raises(QuestionnaireError, match="too large"):
        load_questionnaire(big)
    with pytest.raises(QuestionnaireError, match="too large"):
        load_questionnaire_text("# " + "x" * MAX_BYTES)


def test_too_deep_rejected_cleanly():
    err = one_error("key: " + "[" * 5000 + "]" * 5000)
    assert "too deep" in err.message


def test_aliases_rejected():
    err = one_error("a: &x [1]\nb: *x\n")
    assert "not supported" in err.message


def test_yes_no_stay_text():
    text = BASE.replace("code: legal", "code: no").replace("'legal'", "'no'")
    q = load_questionnaire_text(text)
    assert q.field("q2").question.choices[0].code == "no"


def test_not_a_mapping():
    assert "must be a mapping" in one_error("- 1\n- 2\n").message


def test_validate_paths_recurses_and_skips(tmp_path):
    (tmp_path / "ok.yaml").write_text(BASE)
    (tmp_path / "scales.yaml").write_text("this: [is not a questionnaire")
    (tmp_path / "assessment").mkdir()
    (tmp_path / "assessment" / "x.yaml").write_text("garbage: [")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "bad.yml").write_text(BASE.replace("scale: sat5", "scale: nope"))
    errs = validate_paths([tmp_path])
    assert [(e.file, e.path) for e in errs] == [("bad.yml", "sections[1].questions[0].scale")]


def test_english_required_in_library_mode(tmp_path):
    text = BASE.replace("label: {zh: 文体活动, en: Activities}", "label: 文体活动")
    load_questionnaire_text(text)  # uploads may be Chinese only
    with pytest.raises(QuestionnaireError, match="missing en"):
        load_questionnaire_text(text, require_en=True)


def test_round_trip_to_dict_from_dict():
    q = demo()
    d = q.to_dict()
    q2 = Questionnaire.from_dict(d)
    assert q2 == q
    assert q2.to_dict() == d
    assert q2.content_hash() == q.content_hash()


def test_hash_ignores_formatting_and_comments():
    q = demo()
    reformatted = "# a comment\n" + BASE.replace("weight: 0.6", "weight: 0.60  # sixty") \
        .replace("title: {zh: 演示, en: Demo}", "title:\n  en: Demo\n  zh: 演示")
    reformatted = reformatted.replace("choices: kinds\n        label: {zh: 类型", """choices:
          - {code: legal, label: {zh: 法律援助, en: Legal aid}}
          - {code: aid, label: {zh: 困难帮扶, en: Hardship aid}}
          - {code: jobs, label: {zh: 就业, en: Jobs}}
        label: {zh: 类型""")
    q2 = load_questionnaire_text(reformatted)
    assert q2.content_hash() == q.content_hash()
    assert q2.canonical_json() == q.canonical_json()


@pytest.mark.parametrize(
    "old, new",
    [
        ("label: {zh: 文体活动, en: Activities}", "label: {zh: 文体活动！, en: Activities}"),
        ("    weight: 0.6", "    weight: 0.5\n    "),
        ("reverse: true", "reverse: false"),
        ("max: 100", "max: 99"),
        ("relevant: q1 == '不满意'", "relevant: q1 == '基本满意'"),
        ("version: \"1\"", "version: \"2\""),
    ],
)
def test_hash_detects_change(old, new):
    base = demo().content_hash()
    text = BASE.replace(old, new, 1)
    if "weight: 0.5" in new:
        text = text.replace("    weight: 0.4", "    weight: 0.5")
    assert load_questionnaire_text(text).content_hash() != base


def test_scale_score_and_points():
    sc = demo().scales["sat3"]
    assert (sc.min_value, sc.max_value) == (1, 3)
    assert sc.score("satisfied") == 100.0
    assert sc.score("basic") == 50.0
    assert sc.score("dissatisfied") == 0.0
    assert sc.score("na") is None
    assert sc.point("basic").label.zh == "基本满意"
    assert demo().scales["sat3_na"].codes[-1] == "na"


def test_package_is_pure():
    import subprocess
    import sys

    code = (
        "import sys, questionnaires, questionnaires.xlsform;"
        "bad=[m for m in sys.modules if m.split('.')[0] in "
        "('flask','sqlalchemy','survey_app','analysis')];"
        "assert not bad, bad"
    )
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_questionnaire_is_hashable_and_equal_by_content():
    a, b = demo(), demo()
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1


def test_condition_errors_reported_alongside_other_errors():
    text = BASE.replace("scale: sat5", "scale: nope").replace(
        "relevant: q1 == '不满意'", "relevant: score > 3")
    msgs = [e.message for e in errors_of(text)]
    assert any("unknown scale" in m for m in msgs)
    assert any("not an earlier question" in m for m in msgs)
