import pytest

import questionnaires as Q
from questionnaires import Questionnaire, library, library_dir, validate_paths
from tests.questionnaires.qtest_support import demo

EXPECTED = {
    "member_evaluation", "small_home", "cross_upper_to_lower", "cross_lower_to_upper",
    "peer_evaluation", "third_party", "four_party_members", "four_party_management",
    "four_party_party", "four_party_upper", "daily_service", "committee_duties",
}


@pytest.fixture(scope="module")
def lib():
    return library()


def test_library_validates_with_no_errors():
    assert validate_paths([library_dir()]) == []


def test_library_has_every_form(lib):
    assert set(lib) == EXPECTED


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_form_round_trips_and_is_bilingual(lib, key):
    q = lib[key]
    assert Questionnaire.from_dict(q.to_dict()).content_hash() == q.content_hash()
    for f in q.fields():
        assert f.question.label.zh and f.question.label.en
        if f.item is not None:
            assert f.item.label.zh and f.item.label.en
    if q.dimension_weights():
        assert abs(sum(q.dimension_weights().values()) - 1) < 1e-6


def test_member_evaluation_shape(lib):
    q = lib["member_evaluation"]
    assert 25 <= len(q.fields()) <= 35
    assert 7 <= len(q.dimension_weights()) <= 9
    assert len(q.scored_items()) == 30
    assert {i.scale.id for i in q.scored_items()} <= {"sat3", "sat3_na"}
    assert q.scales["sat3"].satisfied == {"satisfied", "basic"}
    conditional = [x for x in q.questions() if x.relevant]
    assert conditional
    types = {x.type for x in q.questions()}
    assert {"matrix", "likert", "rating", "text"} <= types
    assert sum(1 for x in q.questions() if x.type == "text") == 2


def test_member_evaluation_condition_works(lib):
    q = lib["member_evaluation"]
    answers = {f.id: "satisfied" for f in q.fields() if f.type == "likert"}
    answers["overall_why"] = ["no_voice"]
    cleaned, errors = Q.validate_answers(q, answers)
    assert errors == {} and "overall_why" not in cleaned
    answers["overall_sat"] = "dissatisfied"
    cleaned, errors = Q.validate_answers(q, answers)
    assert errors == {} and cleaned["overall_why"] == ["no_voice"]


def test_small_home_is_short(lib):
    assert 10 <= len(lib["small_home"].fields()) <= 12


def test_third_party_checklist_totals_100_and_covers_six_standards(lib):
    q = lib["third_party"]
    assert q.checklist_points() == 100
    checklists = [x for x in q.questions() if x.type == "checklist"]
    assert len(checklists) == 6
    assert any(it.veto for x in checklists for it in x.items)
    assert all(it.evidence for x in checklists for it in x.items)
    assert q.scored_items() == []


def test_four_party_forms_share_dimensions(lib):
    forms = [lib[f"four_party_{p}"] for p in ("members", "management", "party", "upper")]
    weights = [f.dimension_weights() for f in forms]
    assert all(w == weights[0] for w in weights)
    assert {"organisation", "democracy", "rights", "services"} <= set(weights[0])


def test_daily_service_is_short_with_service_type(lib):
    q = lib["daily_service"]
    assert 3 <= len(q.questions()) <= 5
    st = q.field("service_type").question
    assert st.type == "single"
    assert {"legal_aid", "hardship_aid", "employment", "labour_protection", "activity"} <= {
        c.code for c in st.choices
    }


def test_library_scales():
    scales = Q.library_scales()
    assert {"sat3", "sat4", "sat5", "agree4", "agree5", "likely11"} <= set(scales)
    assert [p.label.zh for p in scales["sat3"].points] == ["满意", "基本满意", "不满意"]
    assert [p.code for p in scales["sat3"].points] == ["satisfied", "basic", "dissatisfied"]
    assert scales["likely11"].min_value == 0 and scales["likely11"].max_value == 10
    assert scales["sat3_na"].na and not scales["sat3"].na
    for s in scales.values():
        assert s.satisfied and s.satisfied <= {p.code for p in s.points}


def test_demo_fixture_not_in_library(lib):
    assert demo().key not in lib
