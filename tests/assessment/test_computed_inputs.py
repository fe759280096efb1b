"""The assessment follows the records: the partnering indicator is computed from confirmed
activities and the follow-through indicator from verified improvement actions; a typed value
is an audited override, shown as such."""

from __future__ import annotations

import json
import textwrap
from datetime import timedelta

import numpy as np
import pytest
import yaml
from sqlalchemy import select

from analysis.assessment import tier_points
from questionnaires.assessment import get_scheme, load_scheme_text
from survey_app.assessment.operations import AssessmentError, compute, set_objective
from survey_app.assessment.queries import follow_through_rates, result_for
from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models import AuditEntry
from survey_app.models.improvement import ImprovementAction
from survey_app.partnering import operations as partnering
from tests.assessment.conftest import org, user
from tests.conftest import Auth
from tests.partnering.conftest import make_admin

DEFAULT = get_scheme("default")


def _indicator_yaml(key: str) -> str:
    """The default scheme's own indicator, so that the test scores exactly as it does."""
    source = next(i for i in DEFAULT.source_data["indicators"] if i["key"] == key)
    return yaml.safe_dump([json.loads(json.dumps(source))], allow_unicode=True)


def _objective_yaml(key: str) -> str:
    source = next(o for o in DEFAULT.source_data["objective_indicators"] if o["key"] == key)
    return yaml.safe_dump([json.loads(json.dumps(source))], allow_unicode=True)


SCHEME_TEXT = textwrap.dedent("""\
    key: follows_the_log
    version: "t1"
    name: {zh: 联手兴家计分（测试）, en: Partnering scoring (test)}
    bonus_max: 5
    objective_indicators:
      - {key: six, name: 六有达标项数, kind: count, min: 0, max: 6}
    """) + textwrap.indent(_objective_yaml("partnering"), "  ") \
    + textwrap.indent(_objective_yaml("follow_through"), "  ") + textwrap.dedent("""\
    indicators:
      - key: six
        name: 六有建设
        points: 100
        source: {type: objective, objective: six}
        rule: {piecewise: [[0, 0], [6, 1]]}
    """) + textwrap.indent(_indicator_yaml("partnering_bonus"), "  ") \
    + textwrap.indent(_indicator_yaml("follow_through"), "  ") + textwrap.dedent("""\
    grades:
      - {key: excellent, name: 优秀, min: 90}
      - {key: unqualified, name: 不合格, min: 0}
    honours:
      - {key: model, name: 模范职工之家, grades: [excellent]}
    """)


@pytest.fixture
def scheme(aapp, schemes_dir):
    (schemes_dir / "follows_the_log.yaml").write_text(SCHEME_TEXT, encoding="utf-8")
    return load_scheme_text(SCHEME_TEXT)


@pytest.fixture
def pair(aapp, scheme):
    """G02 (a city model home) leads G01; both have their 六有 entered (5 of 6)."""
    with aapp.app_context():
        admin = user("admin")
        partnering.add_honour(admin, unit=org("DEMO-G02"), awarding=org("DEMO-CITY"),
                              level="city", year=2024, document_number="东工发〔2024〕8号")
        make_admin("g02_admin", "DEMO-G02")
        for code in ("DEMO-G01", "DEMO-G02"):
            set_objective(scheme, today().year, org(code), "six", 5, "台账", admin)
        p = partnering.propose_pair(user("g02_admin"), lead=org("DEMO-G02"),
                                    partner=org("DEMO-G01"))
        partnering.confirm_pair(user("g01_admin"), p)
        p.since = today() - timedelta(days=40)
        db.session.commit()
        return p.id


def _result(scheme, code):
    run = compute(scheme, today().year)
    db.session.commit()
    return result_for(run, org(code).id)


def _log(pair_id, n, tmp_path):
    from survey_app.models.partnering import Pair

    pair = db.session.get(Pair, pair_id)
    out = []
    for k in range(n):
        out.append(partnering.log_activity(
            user("g02_admin"), pair, held_on=today() - timedelta(days=k), form="guidance",
            content=f"上门指导第{k + 1}次", participants=10, folder=str(tmp_path)))
    return out


def test_the_default_scheme_computes_partnering_and_follow_through():
    objectives = {o.key: o for o in DEFAULT.objectives}
    assert objectives["partnering"].computed == "partnering_activities"
    assert objectives["follow_through"].computed == "action_follow_through"
    follow = DEFAULT.indicator("follow_through")
    assert follow.bonus and follow.optional and follow.points == 2  # a modest weight
    assert sum(i.points for i in DEFAULT.indicators if i.bonus) <= DEFAULT.bonus_max


def test_confirming_an_activity_changes_the_score_as_the_scheme_says(aapp, scheme, pair,
                                                                    tmp_path):
    rule = scheme.indicator("partnering_bonus")
    with aapp.app_context():
        before = _result(scheme, "DEMO-G01")
        start = before.score  # results are replaced on recomputation: keep the number
        base = 100 * 5 / 6
        assert before.details["values"]["partnering_bonus"] == 0.0  # no activity: 0, not missing
        assert before.score == round(base, 2) and before.status == "complete"
        assert before.details["computed"]["partnering"] == {"computed": 0.0, "override": False}

        first, *rest = _log(pair, 6, tmp_path)
        db.session.commit()
        assert _result(scheme, "DEMO-G01").score == start  # logged is not confirmed

        partnering.confirm_activity(user("g01_admin"), first)
        db.session.commit()
        one = _result(scheme, "DEMO-G01")
        expected = float(tier_points(np.array([1.0]), rule.rule.tiers)[0])
        assert expected == 1.0
        assert one.score == round(start + expected, 2)
        assert one.details["points"]["partnering_bonus"] == expected
        # the lead is credited for the same activity
        assert _result(scheme, "DEMO-G02").details["values"]["partnering_bonus"] == 1.0

        for activity in rest:
            partnering.confirm_activity(user("g01_admin"), activity)
        db.session.commit()
        six = _result(scheme, "DEMO-G01")
        expected = float(tier_points(np.array([6.0]), rule.rule.tiers)[0])
        assert expected == 2.0 and six.score == round(start + expected, 2)


def test_an_activity_of_another_year_does_not_count(aapp, scheme, pair, tmp_path):
    from survey_app.models.partnering import Pair

    with aapp.app_context():
        p = db.session.get(Pair, pair)
        p.since = today().replace(year=today().year - 1, month=1, day=1)
        activity = partnering.log_activity(
            user("g02_admin"), p, held_on=today().replace(year=today().year - 1, month=6,
                                                         day=1),
            form="guidance", content="去年的活动", participants=3, folder=str(tmp_path))
        partnering.confirm_activity(user("g01_admin"), activity)
        db.session.commit()
        assert _result(scheme, "DEMO-G01").details["values"]["partnering_bonus"] == 0.0


def test_a_typed_value_is_an_audited_override(aapp, scheme, pair, tmp_path):
    with aapp.app_context():
        (activity,) = _log(pair, 1, tmp_path)
        partnering.confirm_activity(user("g01_admin"), activity)
        district = user("district_admin")
        with pytest.raises(AssessmentError, match="理由"):
            set_objective(scheme, today().year, org("DEMO-G01"), "partnering", 12, "  ",
                          district)
        set_objective(scheme, today().year, org("DEMO-G01"), "partnering", 12,
                      "十二次活动记录在纸质台账中，系统上线前未录入", district)
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "assessment.objective_override"))
        assert entry is not None and entry.user_id == district.id
        r = _result(scheme, "DEMO-G01")
        assert r.details["values"]["partnering_bonus"] == 12.0
        assert r.details["points"]["partnering_bonus"] == 3.0
        assert r.details["computed"]["partnering"] == {"computed": 1.0, "override": True}

        # the unit's page says which figure was typed over which computed one
        client = aapp.test_client()
        Auth(client).login("district_admin", "demo-district-2026")
        page = client.get(f"/assessment/follows_the_log/{today().year}/unit/DEMO-G01")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "人工调整" in html and "按系统记录计算" in html

        set_objective(scheme, today().year, org("DEMO-G01"), "partnering", None, "", district)
        db.session.commit()
        r = _result(scheme, "DEMO-G01")
        assert r.details["values"]["partnering_bonus"] == 1.0
        assert r.details["computed"]["partnering"]["override"] is False


def _action(code, status, due, done=None, title="整改"):
    a = ImprovementAction(organisation_id=org(code).id, source_kind="manual", title=title,
                          owner_name="张三", due_on=due, status=status, done_on=done)
    db.session.add(a)
    return a


def test_follow_through_counts_actions_done_on_time_and_verified(aapp, scheme):
    year = today().year
    due = max(today() - timedelta(days=20), today().replace(month=1, day=1))
    with aapp.app_context():
        set_objective(scheme, year, org("DEMO-G01"), "six", 6, "台账", user("admin"))
        set_objective(scheme, year, org("DEMO-G03"), "six", 6, "台账", user("admin"))
        _action("DEMO-G01", "verified", due, done=due)                       # kept
        _action("DEMO-G01", "verified", due, done=due + timedelta(days=3))   # late
        _action("DEMO-G01", "done", due, done=due)                           # not verified
        _action("DEMO-G01", "in_progress", due)                              # overdue
        _action("DEMO-G01", "dismissed", due)                                # not counted
        _action("DEMO-G01", "planned", today() + timedelta(days=400))        # not due yet
        db.session.commit()
        assert follow_through_rates(year)[org("DEMO-G01").id] == 0.25
        g01 = _result(scheme, "DEMO-G01")
        assert g01.details["values"]["follow_through"] == 0.25
        assert g01.details["points"]["follow_through"] == 0.0
        # a unit with no action due: the bonus does not apply, nothing is missing
        g03 = _result(scheme, "DEMO-G03")
        assert g03.details["values"]["follow_through"] is None
        assert g03.status == "complete" and g03.score == 100.0
        assert "follow_through" not in g03.details["missing"] and g03.honours == "model"

        for a in db.session.scalars(select(ImprovementAction).where(
                ImprovementAction.status.in_(("done", "in_progress")))):
            a.status, a.done_on = "verified", a.due_on
        db.session.commit()
        g01 = _result(scheme, "DEMO-G01")
        assert g01.details["values"]["follow_through"] == 0.75
        assert g01.details["points"]["follow_through"] == 1.0


def test_scheme_checker_refuses_unknown_computed_figures_and_optional_base_indicators():
    from questionnaires.assessment import SchemeError

    bad = SCHEME_TEXT.replace("computed: partnering_activities", "computed: guessed") \
        .replace("  - bonus: true\n    key: follow_through", "  - bonus: false\n    key: follow_through")
    with pytest.raises(SchemeError) as err:
        load_scheme_text(bad)
    text = str(err.value)
    assert "unknown computed figure 'guessed'" in text
    assert "only a bonus indicator may be optional" in text
