"""The loader never crashes: any input gives a Questionnaire or a QuestionnaireError."""

import copy

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires import QuestionnaireError, build_questionnaire, load_questionnaire_text
from tests.questionnaires.qtest_support import BASE

EXTRA = """\
scales:
  mine:
    label: {zh: 自定义, en: Mine}
    points:
      - {code: good, value: 2, label: {zh: 好, en: Good}}
      - {code: bad, value: 1, label: {zh: 差, en: Bad}}
    satisfied: [good]
    na: true
satisfied:
  sat3: [satisfied]
"""
BASE_DICT = yaml.safe_load(BASE.replace("scale: sat5", "scale: mine") + EXTRA)

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=8)
    | st.sampled_from(["sat3", "q1", "likert", "matrix", "", "na", "zh", "en"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "type", "label", "zh", "en", "scale", "items", "code", "weight",
                         "choices", "relevant", "points", "x"]), inner, max_size=3),
    max_leaves=8,
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(BASE_DICT) if p]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), JUNK), min_size=1, max_size=3))
def test_mutated_questionnaires_only_raise_questionnaire_error(mutations):
    d = copy.deepcopy(BASE_DICT)
    for path, value in mutations:
        target = d
        try:
            for k in path[:-1]:
                target = target[k]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        q = build_questionnaire(d, "fuzz.yaml")
    except QuestionnaireError as exc:
        assert exc.errors and all(e.file == "fuzz.yaml" for e in exc.errors)
        return
    q.content_hash()
    q.scored_items()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_only_raises_questionnaire_error(text):
    try:
        load_questionnaire_text(text)
    except QuestionnaireError:
        pass


NASTY = [None, [], ["x"], {}, {"a": 1}, 5, -1, 1.5, float("nan"), float("inf"), True, "",
         "中" * 20001, [None], [{"id": []}], {"zh": 5}, {"zh": "x", "en": None, "fr": "y"}]


def test_every_path_with_every_nasty_value():
    for path in ALL_PATHS:
        for value in NASTY:
            d = copy.deepcopy(BASE_DICT)
            target = d
            for k in path[:-1]:
                target = target[k]
            target[path[-1]] = value
            try:
                build_questionnaire(d, "fuzz.yaml")
            except QuestionnaireError:
                pass
