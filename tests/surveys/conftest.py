"""A small questionnaire and an open member campaign over the demo tree."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from questionnaires import load_questionnaire_text
from survey_app.extensions import db
from survey_app.member_surveys.operations import issue_codes
from survey_app.models import Campaign, CampaignTarget, Organisation, RaterGroup
from survey_app.questionnaire_versions import publish_questionnaire

SMALL = """
key: small_test
version: "1"
title: {zh: 测试问卷, en: "Test questionnaire"}
sections:
  - id: services
    title: {zh: 服务, en: "Services"}
    weight: 0.5
    questions:
      - id: q1
        type: likert
        scale: sat3
        required: true
        label: {zh: 您对工会的法律援助满意吗？, en: "Are you satisfied with legal aid?"}
      - id: q2
        type: text
        max_length: 200
        relevant: "q1 == '不满意'"
        required: true
        label: {zh: 请说明不满意的原因, en: "Why are you dissatisfied?"}
  - id: home
    title: {zh: 职工之家, en: "Workers' home"}
    weight: 0.5
    questions:
      - id: m
        type: matrix
        scale: sat3_na
        required: true
        label: {zh: 请评价职工之家, en: "Rate the workers' home"}
        items:
          - {id: m1, label: {zh: 活动场地, en: "Venues"}}
          - {id: m2, label: {zh: 文体活动, en: "Activities"}}
      - id: nps
        type: rating
        label: {zh: 您向同事推荐本工会的可能性有多大？, en: "How likely are you to recommend your union?"}
      - id: keep
        type: text
        max_length: 500
        label: {zh: 您希望保留什么？, en: "What should be kept?"}
"""


@pytest.fixture
def questionnaire():
    return load_questionnaire_text(SMALL, "small_test.yaml", require_en=True)


def make_campaign(status="open", code="TEST-MEMBER", questionnaire=None, **kwargs) -> Campaign:
    questionnaire = questionnaire or load_questionnaire_text(SMALL, "small_test.yaml")
    version = publish_questionnaire(questionnaire)
    city = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-CITY"))
    campaign = Campaign(code=code, name="测试会员评家", kind="member", year=date.today().year,
                        status=status, owner=city,
                        opens_on=kwargs.get("opens_on", date.today() - timedelta(days=1)),
                        closes_on=kwargs.get("closes_on", date.today() + timedelta(days=30)))
    campaign.rater_groups.append(RaterGroup(key="members", name="会员", weight=1.0,
                                            questionnaire_version=version, anonymous=True))
    for unit in ("DEMO-G01", "DEMO-G02", "DEMO-G03"):
        org = db.session.scalar(select(Organisation).where(Organisation.code == unit))
        campaign.targets.append(CampaignTarget(organisation=org))
    db.session.add(campaign)
    db.session.commit()
    return campaign


@pytest.fixture
def campaign(demo):
    with demo.app_context():
        return make_campaign().id


@pytest.fixture
def codes(demo, campaign):
    with demo.app_context():
        c = db.session.get(Campaign, campaign)
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        return issue_codes(c, g01, 5)


VALID = {"q1": "satisfied", "m1": "satisfied", "m2": "basic", "nps": "9", "keep": "读书角"}
