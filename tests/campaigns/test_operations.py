"""Campaign definitions, assignment generation, lifecycle, revisions, audit entries."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
import yaml
from sqlalchemy import func, select

from survey_app.answering import pack_item_values
from survey_app.campaigns import operations as ops
from survey_app.campaigns.queries import export_csv
from survey_app.evaluations import operations as evaluation_ops
from survey_app.extensions import db
from survey_app.models import (
    Assignment,
    AuditEntry,
    Campaign,
    CampaignStatus,
    QuestionnaireVersion,
    RaterGroup,
    Response,
    Submission,
)
from tests.campaigns.conftest import CROSS_YAML, THIRD_YAML, campaign_by_code, org, user


def spec(text=CROSS_YAML, **changes):
    data = yaml.safe_load(text)
    data.update(changes)
    return data


def audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_create_publishes_questionnaires_once_and_records(demo):
    with demo.app_context():
        c = ops.create_campaign(spec())
        assert c.status == "draft" and c.owner.code == "DEMO-D01"
        assert len(c.targets) == 42  # D01, 12 grassroots, 12 branches, 17 groups
        assert [g.key for g in c.rater_groups] == ["upper", "lower", "peer"]
        assert c.rater_groups[2].settings == {"peers_per_target": 3, "seed": 7}
        assert not any(g.anonymous for g in c.rater_groups)
        ops.create_campaign(spec(code="T-CROSS-2"))
        # The same library content is stored once.
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 3
        entry = audit("campaign.create")[0]
        assert entry.object_id == "T-CROSS" and entry.detail["targets"] == 42


@pytest.mark.parametrize("changes,message", [
    ({"code": None}, "code: missing"),
    ({"kind": "survey"}, "kind: 'survey' is not one of"),
    ({"year": None}, "year: an annual campaign needs a year"),
    ({"closes_on": "2025-01-01"}, "closes_on: 2025-01-01 is before opens_on"),
    ({"opens_on": "first of may"}, "opens_on: 'first of may' is not a date"),
    ({"owner": "NOPE"}, "owner: no unit with code 'NOPE'"),
    ({"targets": {"subtree": "NOPE"}}, "targets: no unit with code 'NOPE'"),
    ({"targets": {"level": "club"}}, "targets.level: 'club' is not one of"),
    ({"targets": {"list": ["DEMO-G01"], "level": "grassroots_union"}}, "exactly one of"),
    ({"targets": {"list": ["DEMO-G01", "DEMO-G99"]}}, "no unit with code DEMO-G99"),
    ({"targets": {"subtree": "DEMO-D02"}}, "not in the owner's subtree"),
    ({"min_group_size": 0}, "min_group_size: 0 "),
    ({"min_group_size": 4}, "min_group_size: 4 "),  # below the platform's floor of 5
    ({"colour": "red"}, "colour: unknown key"),
    ({"rater_groups": []}, "rater_groups: missing"),
])
def test_bad_definitions_name_the_problem_and_write_nothing(demo, changes, message):
    with demo.app_context():
        with pytest.raises(ops.CampaignSpecError) as error:
            ops.create_campaign(spec(**changes))
        assert message in str(error.value)
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 0


@pytest.mark.parametrize("mutate,message", [
    (lambda g: g[0].update(weight=0.6), "weights sum to 1.1 (upper 0.6 + lower 0.3 + peer 0.2)"),
    (lambda g: g[0].update(weight=-0.1), "weight -0.1 must be a number from 0 to 1"),
    (lambda g: g[0].update(weight="half"), "weight: missing or not a number"),
    (lambda g: g[1].update(key="upper"), "key: 'upper' is used twice"),
    (lambda g: g[1].update(questionnaire="nope"), "no questionnaire 'nope' in the library"),
    (lambda g: g[1].update(rule="sideways"), "rule: 'sideways' is not one of"),
    (lambda g: g[1].update(anonymous=True), "only the members rule is anonymous"),
    (lambda g: g[1].update(peers_per_target=2), "peers_per_target: does not apply to rule lower"),
    (lambda g: g[2].update(peers_per_target=0), "peers_per_target: 0 must be a whole number"),
])
def test_bad_rater_groups(demo, mutate, message):
    data = spec()
    groups = copy.deepcopy(data["rater_groups"])
    mutate(groups)
    data["rater_groups"] = groups
    with demo.app_context():
        with pytest.raises(ops.CampaignSpecError) as error:
            ops.create_campaign(data)
        assert message in str(error.value)
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_weights_tolerance():
    ops.validate_weights({"a": 0.1, "b": 0.2, "c": 0.7000000001})
    ops.validate_weights({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    with pytest.raises(ops.CampaignSpecError, match="sum to 0.99999"):
        ops.validate_weights({"a": 0.5, "b": 0.49999})


def test_generated_cross_assignments_follow_the_tree(demo, cross):
    with demo.app_context():
        c = db.session.get(Campaign, cross)
        rows = db.session.scalars(select(Assignment).where(Assignment.campaign_id == c.id)).all()
        by_group = Counter(a.rater_group.key for a in rows)
        # upper: every target is rated by its parent, D01 by the city (outside the targets);
        # lower: each child of a target rates it (41 edges inside D01's subtree).
        assert by_group["upper"] == 42 and by_group["lower"] == 41
        for a in rows:
            assert a.rater_org_id != a.target_id and a.rater_user_id is None
            if a.rater_group.key == "upper":
                assert a.rater_org_id == a.target.parent_id
            elif a.rater_group.key == "lower":
                assert a.target_id == a.rater_org.parent_id
            else:
                assert a.rater_org.parent_id == a.target.parent_id
        # peers: 12 grassroots under D01 rate 3 each; 3 branches under G01..G04 rate 2 each;
        # the union groups of G02's branches (3, 3 and 2 of them) rate 2, 2 and 1 each.
        assert by_group["peer"] == 12 * 3 + 4 * 3 * 2 + (3 * 2 + 3 * 2 + 2 * 1)
        assert [e.detail["counts"] for e in audit("assignments.generate")] == [dict(by_group)]


def test_third_party_generation_respects_conflicts(assessors):
    with assessors.app_context():
        c = ops.create_campaign(spec(THIRD_YAML))
        report = ops.generate_assignments(c)
        assert report.total == 44  # grassroots units in the demo
        rows = db.session.scalars(select(Assignment).where(Assignment.campaign_id == c.id)).all()
        load = Counter(a.rater_user.username for a in rows)
        assert max(load.values()) - min(load.values()) <= 1 and len(load) == 3
        d01 = org("DEMO-D01")
        assert not [a for a in rows if a.rater_user.username == "assessor_b"
                    and a.target.is_within(d01)]
        text = export_csv(c)
        lines = text.splitlines()
        assert lines[0] == "rater_code,target_code,rater_group"
        assert len(lines) == 45
        assert all(line.split(",")[0] in load and line.endswith(",assessors")
                   for line in lines[1:])


def test_third_party_unknown_or_wrong_accounts(demo):
    with demo.app_context():
        with pytest.raises(ops.CampaignSpecError) as error:
            ops.create_campaign(spec(THIRD_YAML))
        assert "no account named assessor_b, assessor_c" in str(error.value)
        data = spec(THIRD_YAML)
        data["rater_groups"][0]["assessors"] = ["assessor", "evaluator_d01"]
        data["rater_groups"][0]["conflicts"] = {}
        with pytest.raises(ops.CampaignSpecError, match="evaluator_d01 must have the role"):
            ops.create_campaign(data)


def test_impossible_conflicts_are_a_clear_error(assessors):
    data = spec(THIRD_YAML)
    data["rater_groups"][0]["conflicts"] = {
        "assessor_b": ["DEMO-CITY"], "assessor_c": ["DEMO-CITY"]}
    with assessors.app_context():
        c = ops.create_campaign(data)
        with pytest.raises(ops.CampaignError, match="balanced within ±1"):
            ops.generate_assignments(c)
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_hand_edits_before_opening_only(demo, cross):
    with demo.app_context():
        c = db.session.get(Campaign, cross)
        peer = next(g for g in c.rater_groups if g.key == "peer")
        added = ops.add_assignment(c, peer, org("DEMO-G05"), rater_org=org("DEMO-G06"))
        assert added.source == "manual"
        with pytest.raises(ops.CampaignError, match="cannot rate itself"):
            ops.add_assignment(c, peer, org("DEMO-G05"), rater_org=org("DEMO-G05"))
        with pytest.raises(ops.CampaignError, match="not a target"):
            ops.add_assignment(c, peer, org("DEMO-G20"), rater_org=org("DEMO-G06"))
        # Regenerating keeps hand-made rows.
        ops.generate_assignments(c)
        assert db.session.get(Assignment, added.id) is not None
        victim = db.session.scalar(select(Assignment).where(Assignment.source == "rule"))
        ops.remove_assignment(victim)
        assert [e.action for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action.like("assignment.%")).order_by(AuditEntry.id))] == [
            "assignment.add", "assignment.remove"]
        ops.transition(c, "open")
        with pytest.raises(ops.IllegalTransition):
            ops.remove_assignment(db.session.get(Assignment, added.id))
        with pytest.raises(ops.IllegalTransition):
            ops.add_assignment(c, peer, org("DEMO-G07"), rater_org=org("DEMO-G06"))
        with pytest.raises(ops.IllegalTransition):
            ops.generate_assignments(c)


ALL = ["draft", "open", "closed", "published"]
LEGAL = {("draft", "open"), ("open", "closed"), ("closed", "published"), ("closed", "open"),
         ("published", "closed")}


@pytest.mark.parametrize("start", ALL)
@pytest.mark.parametrize("to", ALL)
def test_each_transition(demo, cross, start, to):
    with demo.app_context():
        c = db.session.get(Campaign, cross)
        c.status = start
        db.session.commit()
        admin = user("admin")
        if (start, to) in LEGAL:
            ops.transition(c, to, admin, reason="late ballots from two units")
            assert c.status == to
            entry = db.session.scalars(select(AuditEntry).where(
                AuditEntry.action.like("campaign.%"),
                AuditEntry.action != "campaign.results_frozen")
                .order_by(AuditEntry.id.desc())).first()
            assert entry.detail["from"] == start and entry.detail["to"] == to
            assert entry.user_id == admin.id
        else:
            with pytest.raises(ops.IllegalTransition, match=f"cannot go from {start} to {to}"):
                ops.transition(c, to, admin)
            assert db.session.get(Campaign, cross).status == start


def test_reopen_needs_platform_admin_and_reason(demo, cross):
    with demo.app_context():
        c = db.session.get(Campaign, cross)
        c.status = "closed"
        db.session.commit()
        with pytest.raises(ops.NotAllowed):
            ops.transition(c, "open", user("city_admin"), reason="x")
        with pytest.raises(ops.CampaignError, match="needs a reason"):
            ops.transition(c, "open", user("admin"), reason="  ")
        ops.transition(c, "open", user("admin"), reason="a unit's ballots arrived late")
        [entry] = audit("campaign.reopen")
        assert entry.detail["reason"] == "a unit's ballots arrived late"


def test_cannot_open_without_assignments_or_with_bad_weights(demo):
    with demo.app_context():
        c = ops.create_campaign(spec())
        with pytest.raises(ops.CampaignError, match="rater group upper has no assignments"):
            ops.transition(c, "open")
        ops.generate_assignments(c)
        c.rater_groups[0].weight = 0.9
        db.session.commit()
        with pytest.raises(ops.CampaignError, match="weights sum to 1.4"):
            ops.transition(c, "open")
        assert c.status == "draft"


def test_update_campaign_weights_and_freezing(demo, cross):
    with demo.app_context():
        c = db.session.get(Campaign, cross)
        with pytest.raises(ops.CampaignSpecError, match="sum to"):
            ops.update_campaign(c, {"weights": {"upper": 0.5, "lower": 0.5, "peer": 0.5}})
        ops.update_campaign(c, {"weights": {"upper": 0.4, "lower": 0.4, "peer": 0.2}})
        [entry] = audit("campaign.update")
        assert entry.detail["before"] == {"weight.upper": 0.5, "weight.lower": 0.3}
        assert entry.detail["after"] == {"weight.upper": 0.4, "weight.lower": 0.4}
        ops.transition(c, "open")
        with pytest.raises(ops.IllegalTransition, match="only its name and closing date"):
            ops.update_campaign(c, {"weights": {"upper": 0.2, "lower": 0.6, "peer": 0.2}})
        ops.update_campaign(c, {"name": "改名"})
        ops.transition(c, "closed")
        with pytest.raises(ops.IllegalTransition, match="frozen"):
            ops.update_campaign(c, {"name": "again"})


def _first(campaign_id, group="upper"):
    return db.session.scalar(select(Assignment).join(RaterGroup).where(
        Assignment.campaign_id == campaign_id, RaterGroup.key == group).order_by(Assignment.id))


def test_revisions_keep_history_and_closing_freezes(demo, open_cross):
    from survey_app.questionnaire_versions import questionnaire_of

    with demo.app_context():
        c = db.session.get(Campaign, open_cross)
        assert c.accepting_answers()
        a = _first(c.id)
        q = questionnaire_of(a.rater_group.questionnaire_version)
        item = q.scored_items()[0]
        points = item.scale.points
        first = evaluation_ops.submit_evaluation(a, {item.id: points[0].code},
                                      pack_item_values(q, {item.id: points[0].code}))
        second = evaluation_ops.submit_evaluation(a, {item.id: points[-1].code},
                                       pack_item_values(q, {item.id: points[-1].code}))
        assert (first.revision, second.revision) == (1, 2)
        subs = db.session.scalars(select(Submission).where(
            Submission.assignment_id == a.id).order_by(Submission.revision)).all()
        assert [s.current for s in subs] == [False, True]
        assert subs[0].response_id != subs[1].response_id
        assert db.session.get(Response, subs[1].response_id).answers == {
            item.id: points[-1].code}
        assert db.session.get(Response, subs[1].response_id).item_values[0] == points[-1].value
        ops.transition(c, "closed")
        assert not c.accepting_answers()
        with pytest.raises(evaluation_ops.NotAccepting):
            evaluation_ops.submit_evaluation(a, {}, b"")
        assert len(audit("evaluation.submit")) == 2


def test_accepts_answers_respects_window(demo, open_cross):
    from datetime import date, timedelta

    with demo.app_context():
        c = db.session.get(Campaign, open_cross)
        c.closes_on = date.today() - timedelta(days=2)
        assert not c.accepting_answers()
        c.closes_on, c.opens_on = None, date.today() + timedelta(days=2)
        assert not c.accepting_answers()
        c.status = CampaignStatus.DRAFT.value
        c.opens_on = None
        assert not c.accepting_answers()


def test_named_rule_and_export(demo):
    data = {
        "code": "T-FOUR", "name": "四方", "kind": "four_party", "year": 2026,
        "owner": "DEMO-CITY", "targets": {"list": ["DEMO-G01", "DEMO-G02"]},
        "rater_groups": [
            {"key": "members", "name": "会员", "weight": 0.4, "questionnaire":
             "four_party_members"},
            {"key": "upper", "name": "上级工会", "weight": 0.3,
             "questionnaire": "four_party_upper", "rule": "upper"},
            {"key": "management", "name": "行政", "weight": 0.3,
             "questionnaire": "four_party_management", "rule": "named",
             "accounts": {"DEMO-G01": ["evaluator_g01"], "DEMO-G02": "evaluator_g01"}},
        ]}
    with demo.app_context():
        c = ops.create_campaign(data)
        assert c.rater_groups[0].anonymous
        report = ops.generate_assignments(c)
        assert report.by_group == {"members": 0, "upper": 2, "management": 2}
        assert sorted(export_csv(c).splitlines()[1:]) == [
            "DEMO-D01,DEMO-G01,upper", "DEMO-D01,DEMO-G02,upper",
            "evaluator_g01,DEMO-G01,management", "evaluator_g01,DEMO-G02,management"]
        assert campaign_by_code("T-FOUR").id == c.id


def test_a_conflicted_assessor_cannot_be_added_by_hand(assessors):
    """The conflict-of-interest rule of generated assignments holds on the hand path too:
    assessor_b is tied to DEMO-D01, so no unit in D01's subtree."""
    with assessors.app_context():
        c = ops.create_campaign(spec(THIRD_YAML))
        group = c.rater_groups[0]
        inside = next(t.organisation for t in c.targets
                      if t.organisation.is_within(org("DEMO-D01")))
        outside = next(t.organisation for t in c.targets
                       if not t.organisation.is_within(org("DEMO-D01")))
        with pytest.raises(ops.CampaignError, match="利益冲突") as refused:
            ops.add_assignment(c, group, inside, rater_user=user("assessor_b"))
        assert "DEMO-D01" in str(refused.value) and inside.code in str(refused.value)
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
        assert ops.add_assignment(c, group, outside, rater_user=user("assessor_b"))
        assert ops.add_assignment(c, group, inside, rater_user=user("assessor_c"))


def test_an_owner_can_only_raise_the_minimum_group_size(demo):
    with demo.app_context():
        campaign = ops.create_campaign(spec(min_group_size=6))
        for lower in (5, 1):
            with pytest.raises(ops.CampaignSpecError, match="min_group_size"):
                ops.update_campaign(campaign, {"min_group_size": lower})
        assert campaign.min_group_size == 6
        ops.update_campaign(campaign, {"min_group_size": 8})
        assert campaign.min_group_size == 8


def test_a_configured_floor_is_the_default_and_the_minimum(demo):
    demo.config["MIN_GROUP_SIZE_FLOOR"] = 7
    with demo.app_context():
        with pytest.raises(ops.CampaignSpecError, match="min_group_size: 6 "):
            ops.create_campaign(spec(min_group_size=6))
        data = spec()
        data.pop("min_group_size", None)
        assert ops.create_campaign(data).min_group_size == 7


def test_the_app_refuses_a_group_size_floor_below_three():
    from survey_app import InsecureConfigError, create_app
    from survey_app.config import TestConfig

    config = TestConfig("sqlite://")
    config.MIN_GROUP_SIZE_FLOOR = 2
    with pytest.raises(InsecureConfigError, match="MIN_GROUP_SIZE_FLOOR"):
        create_app(config)
