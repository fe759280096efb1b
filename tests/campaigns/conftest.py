"""Campaign fixtures: the demo tree, an assessor pool, and campaign files."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Campaign, Organisation, User

CROSS_YAML = textwrap.dedent("""\
    code: T-CROSS
    name: 测试上下级互评
    kind: cross
    cycle: annual
    year: 2026
    opens_on: 2026-01-01
    closes_on: 2099-12-31
    owner: DEMO-D01
    targets:
      subtree: DEMO-D01
    rater_groups:
      - key: upper
        name: 上级评下级
        weight: 0.5
        questionnaire: cross_upper_to_lower
        rule: upper
      - key: lower
        name: 下级评上级
        weight: 0.3
        questionnaire: cross_lower_to_upper
        rule: lower
      - key: peer
        name: 同级互评
        weight: 0.2
        questionnaire: peer_evaluation
        rule: peer
        peers_per_target: 3
        seed: 7
    """)

THIRD_YAML = textwrap.dedent("""\
    code: T-THIRD
    name: 测试第三方评议
    kind: third_party
    year: 2026
    owner: DEMO-CITY
    targets:
      level: grassroots_union
    rater_groups:
      - key: assessors
        name: 第三方
        weight: 1
        questionnaire: third_party
        rule: third_party
        assessors: [assessor, assessor_b, assessor_c]
        conflicts:
          assessor_b: [DEMO-D01]
    """)


def org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def campaign_by_code(code: str) -> Campaign:
    return db.session.scalar(select(Campaign).where(Campaign.code == code))


@pytest.fixture
def assessors(demo):
    """Two more assessor accounts beside the demo's ``assessor``."""
    from survey_app.models import Role

    with demo.app_context():
        for name in ("assessor_b", "assessor_c"):
            account = User(username=name, role=Role.ASSESSOR.value)
            account.set_password("pw-" + name)
            db.session.add(account)
        db.session.commit()
    return demo


@pytest.fixture
def cross(demo):
    """A draft cross campaign over DEMO-D01's subtree, with generated assignments."""
    import yaml

    from survey_app.campaigns.operations import create_campaign, generate_assignments

    with demo.app_context():
        c = create_campaign(yaml.safe_load(CROSS_YAML))
        generate_assignments(c)
        return c.id


@pytest.fixture
def open_cross(demo, cross):
    from survey_app.campaigns.operations import transition

    with demo.app_context():
        transition(db.session.get(Campaign, cross), "open")
    return cross
