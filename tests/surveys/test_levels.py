"""A multi-level campaign: with one code a member rates their union group, then the branch
union above it; both answers are stored together, and the code is used once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from questionnaires import load_questionnaire_text
from survey_app.extensions import db
from survey_app.member_surveys.operations import issue_codes
from survey_app.models import (
    AccessCode,
    Campaign,
    CampaignTarget,
    Organisation,
    RaterGroup,
    Response,
)
from survey_app.questionnaire_versions import publish_questionnaire
from tests.conftest import csrf_token_from
from tests.surveys.conftest import SMALL, VALID

GROUP, BRANCH = "DEMO-G02-B1-T1", "DEMO-G02-B1"
BRANCH_Q = SMALL.replace("key: small_test", "key: small_branch").replace("测试问卷", "分工会问卷")


def _org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def make_levels_campaign(status: str = "open") -> Campaign:
    """Union groups of DEMO-G02 rated with one questionnaire, their branches with another."""
    owner = _org("DEMO-G02")
    campaign = Campaign(code="TEST-LEVELS", name="测试分层评议", kind="member",
                        year=date.today().year, status=status, owner=owner, min_group_size=5,
                        opens_on=date.today() - timedelta(days=1),
                        closes_on=date.today() + timedelta(days=30))
    campaign.rater_groups.append(RaterGroup(
        key="group_members", name="会员评小组", weight=1.0, anonymous=True, rule="members",
        questionnaire_version=publish_questionnaire(load_questionnaire_text(SMALL, "s.yaml")),
        settings={"then_parent": "branch_members"}))
    campaign.rater_groups.append(RaterGroup(
        key="branch_members", name="会员评分工会", weight=1.0, anonymous=True, rule="members",
        questionnaire_version=publish_questionnaire(load_questionnaire_text(BRANCH_Q, "b.yaml"))))
    for code in (GROUP, BRANCH):
        campaign.targets.append(CampaignTarget(organisation=_org(code)))
    db.session.add(campaign)
    db.session.commit()
    return campaign


@pytest.fixture
def level_codes(demo):
    with demo.app_context():
        campaign = make_levels_campaign()
        return issue_codes(campaign, _org(GROUP), 3)


def _post(client, code: str, step: int, answers: dict, action: str = "submit"):
    page = client.get(f"/s/{code}?step={step}")
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "action": action,
            **answers}
    return client.post(f"/s/{code}?step={step}", data=data)


def _stored(app) -> dict[str, list[dict]]:
    with app.app_context():
        rows = db.session.execute(select(Organisation.code, Response.answers).join(
            Organisation, Organisation.id == Response.target_id)).all()
        out: dict[str, list[dict]] = {}
        for code, answers in rows:
            out.setdefault(code, []).append(dict(answers))
        return out


def test_one_code_rates_the_group_then_the_branch(demo, client, level_codes):
    code = level_codes[0]
    first = client.get(f"/s/{code}").get_data(as_text=True)
    assert "测试问卷" in first and "第 1 步，共 2 步" in first and "下一步" in first
    step1 = _post(client, code, 1, dict(VALID, keep="小组读书角"))
    assert step1.status_code == 302 and step1.location.endswith("step=2")
    assert _stored(demo) == {}  # nothing is stored before the last step
    second = client.get(f"/s/{code}?step=2").get_data(as_text=True)
    assert "分工会问卷" in second and "第 2 步，共 2 步" in second
    assert "生产车间分工会" in second  # the branch above the member's group
    done = _post(client, code, 2, dict(VALID, q1="basic", keep="分工会培训"))
    assert done.status_code == 302 and done.location.endswith("/thanks")
    stored = _stored(demo)
    assert [a["keep"] for a in stored[GROUP]] == ["小组读书角"]
    assert [a["keep"] for a in stored[BRANCH]] == ["分工会培训"]
    assert stored[BRANCH][0]["q1"] == "basic"
    with demo.app_context():
        code_row = db.session.scalars(select(AccessCode).where(AccessCode.used.is_(True))).all()
        assert len(code_row) == 1 and code_row[0].draft is None
    # the code is used: a second try stores nothing
    other = demo.test_client()
    again = other.get(f"/s/{code}?step=2")
    assert again.status_code == 409
    assert sum(len(v) for v in _stored(demo).values()) == 2


def test_errors_and_saving_keep_each_steps_answers(demo, client, level_codes):
    code = level_codes[1]
    missing = _post(client, code, 1, {"q1": "satisfied", "keep": "保留这句"})
    assert missing.status_code == 422
    assert "保留这句" in missing.get_data(as_text=True)
    assert _post(client, code, 1, VALID).status_code == 302
    saved = _post(client, code, 2, {"keep": "稍后再填"}, action="save")
    assert saved.status_code == 302 and "saved=1" in saved.location
    later = demo.test_client()  # another browser, the same code
    assert "稍后再填" in later.get(f"/s/{code}?step=2").get_data(as_text=True)
    with demo.app_context():
        draft = db.session.scalar(select(AccessCode.draft).where(AccessCode.used.is_(False),
                                                                 AccessCode.draft.isnot(None)))
        assert draft["steps"]["1"]["keep"] == VALID["keep"]
        assert draft["steps"]["2"]["keep"] == "稍后再填"
    assert _stored(demo) == {}


def test_the_last_step_sends_back_to_an_unfinished_first_step(demo, client, level_codes):
    code = level_codes[2]
    response = _post(client, code, 2, VALID)  # step 1 never answered
    assert response.status_code == 302 and response.location.endswith("step=1")
    assert _stored(demo) == {}
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True))) == 0


def test_a_step_out_of_range_is_the_nearest_step(demo, client, level_codes):
    assert "第 2 步" in client.get(f"/s/{level_codes[0]}?step=9").get_data(as_text=True)
    assert "第 1 步" in client.get(f"/s/{level_codes[0]}?step=x").get_data(as_text=True)


def test_codes_are_issued_for_the_lowest_level_only(demo):
    from survey_app.member_surveys.operations import InvalidRequest

    with demo.app_context():
        campaign = make_levels_campaign()
        with pytest.raises(InvalidRequest, match="工会小组"):
            issue_codes(campaign, _org(BRANCH), 2)
        assert len(issue_codes(campaign, _org(GROUP), 2)) == 2
