import openpyxl
import pytest

import questionnaires as Q
from questionnaires import QuestionnaireError, build_questionnaire, dump_yaml
from questionnaires.xlsform import export_xlsform, import_xlsform, xpath_to_condition
from questionnaires.yamlio import load_yaml
from tests.questionnaires.qtest_support import BASE

ZH, EN = "label::Chinese (zh)", "label::English (en)"

SURVEY = [
    ["type", "name", ZH, EN, "hint::Chinese (zh)", "required", "relevant", "constraint",
     "parameters"],
    ["begin_group", "services", "服务", "Services", None, None, None, None, None],
    ["select_one sat", "q1", "您对服务满意吗", "Satisfied with services?", "请选择", "yes", None,
     None, None],
    ["select_one kind", "q2", "服务类型", "Service type", None, None, None, None, None],
    ["select_multiple kind", "q3", "还用过哪些", "Which others?", None, None,
     "${q1} = 'dissatisfied' or ${q2} != 'legal'", None, None],
    ["end_group", None, None, None, None, None, None, None, None],
    [None] * 9,  # blank rows are allowed and still count
    ["begin group", "more", "更多", "More", None, None, None, None, None],
    ["integer", "times", "次数", "Times", None, None, "selected(${q3}, 'aid') and not(${q1} = 'satisfied')",
     ". >= 0 and . <= 50", None],
    ["decimal", "amount", "金额", "Amount", None, None, None, None, None],
    ["range", "nps", "推荐", "Recommend", None, None, None, None, "start=0 end=10 step=1"],
    ["text", "why", "原因", "Why", None, None, "${nps} <= 6", "string-length(.) <= 200", None],
    ["note", "thanks", "谢谢", "Thanks", None, None, None, None, None],
    ["end group", None, None, None, None, None, None, None, None],
]
CHOICES = [
    ["list_name", "name", ZH, EN],
    ["sat", "satisfied", "满意", "Satisfied"],
    ["sat", "basic", "基本满意", "Basically satisfied"],
    ["sat", "dissatisfied", "不满意", "Dissatisfied"],
    ["kind", "legal", "法律援助", "Legal aid"],
    ["kind", "aid", "困难帮扶", "Hardship aid"],
]
SETTINGS = [["form_title", "form_id", "version", "default_language"],
            ["服务评价", "svc", "3", "Chinese (zh)"]]


def write_form(path, survey=SURVEY, choices=CHOICES, settings=SETTINGS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in survey:
        ws.append(r)
    for name, rows in (("choices", choices), ("settings", settings)):
        sh = wb.create_sheet(name)
        for r in rows:
            sh.append(r)
    wb.save(path)
    return path


def test_import_maps_types_labels_and_relevant(tmp_path):
    d = import_xlsform(write_form(tmp_path / "svc.xlsx"))
    assert d["key"] == "svc" and d["version"] == "3" and d["title"]["zh"] == "服务评价"
    assert [s["id"] for s in d["sections"]] == ["services", "more"]
    qs = {q["id"]: q for s in d["sections"] for q in s["questions"]}
    assert qs["q1"]["type"] == "likert" and qs["q1"]["scale"] == "sat3"  # codes match sat3
    assert qs["q1"]["required"] is True
    assert qs["q1"]["label"] == {"zh": "您对服务满意吗", "en": "Satisfied with services?"}
    assert qs["q1"]["hint"] == {"zh": "请选择", "en": ""}
    assert qs["q2"]["type"] == "single" and [c["code"] for c in qs["q2"]["choices"]] == [
        "legal", "aid"]
    assert qs["q3"]["type"] == "multiple"
    assert qs["q3"]["relevant"] == "q1 == 'dissatisfied' or q2 != 'legal'"
    assert qs["times"] == {**qs["times"], "type": "number", "integer": True, "min": 0, "max": 50}
    assert qs["times"]["relevant"] == "selected(q3, 'aid') and not (q1 == 'satisfied')"
    assert qs["amount"]["integer"] is False
    assert qs["nps"]["type"] == "rating"
    assert qs["why"]["max_length"] == 200
    assert qs["thanks"]["type"] == "note"
    q = build_questionnaire(d)
    assert [i.id for i in q.scored_items()] == ["q1"]
    assert q.dimension_weights() == {"services": 1.0}  # no weight column: the one section


def test_xlsform_round_trip_same_hash(tmp_path):
    d1 = import_xlsform(write_form(tmp_path / "svc.xlsx"))
    q1 = build_questionnaire(d1)
    export_xlsform(q1, tmp_path / "out.xlsx")
    d2 = import_xlsform(tmp_path / "out.xlsx")
    q2 = build_questionnaire(d2)
    assert q2.content_hash() == q1.content_hash()
    assert q2 == q1


@pytest.mark.parametrize("key", ["member_evaluation", "third_party", "daily_service"])
def test_library_forms_round_trip_through_xlsform(tmp_path, key):
    q = Q.library()[key]
    export_xlsform(q, tmp_path / f"{key}.xlsx")
    back = build_questionnaire(import_xlsform(tmp_path / f"{key}.xlsx"))
    assert back.content_hash() == q.content_hash()


def test_export_is_a_valid_pyxform_form(tmp_path):
    from pyxform.xls2json import parse_file_to_json

    export_xlsform(Q.library()["member_evaluation"], tmp_path / "m.xlsx")
    d = parse_file_to_json(str(tmp_path / "m.xlsx"))
    names = [c["name"] for c in d["children"]]
    assert "organisation" in names and "overall" in names
    wb = openpyxl.load_workbook(tmp_path / "m.xlsx")
    assert wb.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in wb["survey"][1]]
    assert ZH in header and EN in header


def test_yaml_dump_round_trip_keeps_chinese(tmp_path):
    d = import_xlsform(write_form(tmp_path / "svc.xlsx"))
    text = dump_yaml(d)
    assert "您对服务满意吗" in text
    assert build_questionnaire(load_yaml(text)).content_hash() == build_questionnaire(
        d).content_hash()


def _with(rows_to_add, at=3):
    survey = [list(r) for r in SURVEY]
    for offset, r in enumerate(rows_to_add):
        survey.insert(at + offset, r + [None] * (9 - len(r)))
    return survey


@pytest.mark.parametrize(
    "extra, row, fragment",
    [
        (["calculate", "c1", None, None, None, None, None, None], 4, "calculation"),
        (["geopoint", "where", "位置", "Where"], 4, "type 'geopoint' is not supported"),
        ([["begin repeat", "rep", "重复", "Repeat"], ["text", "rt", "文", "T"], ["end repeat"]],
         4, "type 'begin repeat' is not supported"),
        (["integer", "n2", "数", "N", None, None, "count-selected(${q3}) > 1"], 4,
         "unsupported function 'count-selected'"),
        (["integer", "n3", "数", "N", None, None, None, ". > 5 or . < 1"], 4,
         "constraint"),
        (["text", "Bad-Name", "数", "N"], 4, "not a valid question id"),
        (["select_one nolist", "s9", "单选", "One"], 4, "nolist"),
        (["range", "r2", "范围", "Range", None, None, None, None, "start=0 end=10 step=2"], 4,
         "range step"),
    ],
)
def test_rejections_name_the_row(tmp_path, extra, row, fragment):
    rows = extra if isinstance(extra[0], list) else [extra]
    path = write_form(tmp_path / "bad.xlsx", survey=_with(rows))
    with pytest.raises(QuestionnaireError) as info:
        import_xlsform(path)
    errs = info.value.errors
    assert any(e.line == row and e.path == f"survey row {row}" and fragment in e.message
               for e in errs), [str(e) for e in errs]


def test_unknown_column_rejected(tmp_path):
    survey = [list(r) for r in SURVEY]
    survey[0].append("default")
    survey[2].append("basic")
    with pytest.raises(QuestionnaireError, match="survey row 3: column 'default'"):
        import_xlsform(write_form(tmp_path / "bad.xlsx", survey=survey))


def test_unsupported_language_rejected(tmp_path):
    survey = [list(r) for r in SURVEY]
    survey[0].append("label::French (fr)")
    survey[2].append("Satisfait ?")
    with pytest.raises(QuestionnaireError, match="unsupported language"):
        import_xlsform(write_form(tmp_path / "bad.xlsx", survey=survey))


def test_pyxform_errors_are_wrapped(tmp_path):
    survey = [list(r) for r in SURVEY]
    survey[3][1] = "q1"  # duplicate name
    with pytest.raises(QuestionnaireError, match="pyxform rejected"):
        import_xlsform(write_form(tmp_path / "bad.xlsx", survey=survey))


@pytest.mark.parametrize(
    "xpath, ours",
    [
        ("${a} = 'x'", "a == 'x'"),
        ("${a} != 2 and ${b} >= 3.5", "a != 2 and b >= 3.5"),
        ("not(selected(${m}, 'k')) or (${a} < 1)", "not (selected(m, 'k')) or a < 1"),
    ],
)
def test_xpath_translation(xpath, ours):
    assert xpath_to_condition(xpath) == ours


@pytest.mark.parametrize("xpath", ["${a} = 'x' | ${b}", "today() > 1", ". = 1", "${a} + 1 = 2",
                                   "count(${a}) = 1", "${a} = true()"])
def test_xpath_rejections(xpath):
    with pytest.raises(ValueError):
        xpath_to_condition(xpath)


def test_export_rejects_local_scale(tmp_path):
    text = BASE.replace("scale: sat5", "scale: mine") + """\
scales:
  mine:
    label: {zh: 自定义, en: Mine}
    points:
      - {code: good, value: 2, label: {zh: 好, en: Good}}
      - {code: bad, value: 1, label: {zh: 差, en: Bad}}
    satisfied: [good]
"""
    q = Q.load_questionnaire_text(text)
    with pytest.raises(ValueError, match="not a library scale"):
        export_xlsform(q, tmp_path / "x.xlsx")


def test_satisfied_override_survives_xlsform(tmp_path):
    q = Q.load_questionnaire_text(BASE + "satisfied:\n  sat3: [satisfied]\n")
    export_xlsform(q, tmp_path / "x.xlsx")
    back = build_questionnaire(import_xlsform(tmp_path / "x.xlsx"))
    assert back.scales["sat3"].satisfied == {"satisfied"}
    assert back.content_hash() == q.content_hash()


def test_table_list_group_becomes_matrix_and_checklist_group(tmp_path):
    header = ["type", "name", ZH, EN, "appearance", "required", "pingjia::type",
              "pingjia::points", "pingjia::reverse"]
    survey = [
        header,
        ["begin group", "svc", "服务", "Services", None, None, None, None, None],
        ["begin group", "grid", "各项服务", "Each service", "table-list", "yes", None, None, None],
        ["select_one s3", "legal", "法律援助", "Legal aid", None, "yes", None, None, None],
        ["select_one s3", "aid", "困难帮扶", "Hardship aid", None, "yes", None, None, "yes"],
        ["end group", None, None, None, None, None, None, None, None],
        ["end group", None, None, None, None, None, None, None, None],
        ["begin group", "sheet", "指标", "Indicators", None, None, None, None, None],
        ["begin group", "six", "六有", "Six haves", None, None, "checklist", None, None],
        ["select_one yn", "chair", "主席依法选举", "Chair elected", None, None, None, "60", None],
        ["text", "chair_evidence", "依据", "Evidence", None, None, None, None, None],
        ["select_one yn", "funds", "经费独立", "Own funds", None, None, None, "40", None],
        ["end group", None, None, None, None, None, None, None, None],
        ["end group", None, None, None, None, None, None, None, None],
    ]
    choices = [["list_name", "name", ZH, EN],
               ["s3", "satisfied", "满意", "Satisfied"], ["s3", "basic", "基本满意", "Basic"],
               ["s3", "dissatisfied", "不满意", "Dissatisfied"], ["s3", "na", "不了解", "N/A"],
               ["yn", "yes", "是", "Yes"], ["yn", "no", "否", "No"]]
    d = import_xlsform(write_form(tmp_path / "m.xlsx", survey=survey, choices=choices))
    q = build_questionnaire(d)
    grid = q.field("legal").question
    assert grid.type == "matrix" and grid.scale == "sat3_na" and grid.required
    assert [(i.id, i.reverse) for i in grid.items] == [("legal", False), ("aid", True)]
    assert q.checklist_points() == 100
    chair = q.field("chair").item
    assert chair.points == 60 and chair.evidence and not q.field("funds").item.evidence
    assert q.dimension_weights() == {"svc": 1.0}


def test_plain_nested_group_rejected(tmp_path):
    survey = [list(r) for r in SURVEY]
    survey.insert(3, ["begin group", "inner", "内", "Inner"] + [None] * 5)
    survey.insert(5, ["end group"] + [None] * 8)
    with pytest.raises(QuestionnaireError, match="survey row 4: nested groups"):
        import_xlsform(write_form(tmp_path / "bad.xlsx", survey=survey))
