"""Assessment fixtures: the demo tree and accounts, a small objective-only scheme."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Organisation, User

#: A scheme scored from objective indicators only (no campaign needed), for app tests.
OBJECTIVE_SCHEME = textwrap.dedent("""\
    key: objective_only
    version: "t1"
    name: {zh: 客观指标考核（测试）, en: Objective-only assessment (test)}
    bottom_count: 1
    objective_indicators:
      - {key: coverage, name: 集体合同覆盖率, kind: rate}
      - {key: six, name: 六有达标项数, kind: count, min: 0, max: 6}
    indicators:
      - key: coverage
        name: 集体合同覆盖率
        points: 40
        source: {type: objective, objective: coverage}
        rule: {tiers: [[0.8, 40], [0.75, 30], [0.7, 20], [0.65, 10]]}
      - key: six
        name: 六有建设
        points: 60
        source: {type: objective, objective: six}
        rule: {piecewise: [[0, 0], [6, 1]]}
    veto:
      - {key: violation, name: 严重违纪}
    grades:
      - {key: excellent, name: 优秀, min: 90}
      - {key: good, name: 良好, min: 80}
      - {key: qualified, name: 合格, min: 60}
      - {key: unqualified, name: 不合格, min: 0}
    honours:
      - {key: model, name: 模范职工之家, grades: [excellent]}
    """)


@pytest.fixture
def schemes_dir(tmp_path):
    folder = tmp_path / "schemes"
    folder.mkdir()
    (folder / "objective_only.yaml").write_text(OBJECTIVE_SCHEME, encoding="utf-8")
    from questionnaires.assessment import schemes_dir as shipped

    (folder / "default.yaml").write_bytes((shipped() / "default.yaml").read_bytes())
    return folder


@pytest.fixture
def aapp(demo, schemes_dir, tmp_path):
    """The demo tree and accounts, the test schemes and a private upload folder."""
    demo.config["ASSESSMENT_SCHEMES_DIR"] = str(schemes_dir)
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return demo


def org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))
