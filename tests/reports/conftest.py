"""The full demo (tree, accounts, campaigns) built once per test module, plus a small
campaign made for disclosure checks (TEST-DISC: DEMO-G01 3 responses, DEMO-G02 8, DEMO-G03
9, all under DEMO-D01, minimum group size 5).

Building the demo takes ~20 s, so these tests share one database per module (SQLite file,
or TEST_DATABASE_URL on PostgreSQL, emptied at the end of the module) and never write to it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import insert, select, text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db as _db
from tests.conftest import SERVER_DB_URL, csrf_token_from

DISC_COUNTS = {"DEMO-G01": 3, "DEMO-G02": 8, "DEMO-G03": 9}
COMMENT = "食堂饭菜要改进"
PASSWORDS = {
    "admin": "demo-admin-2026", "city_admin": "demo-city-2026",
    "district_admin": "demo-district-2026", "g01_admin": "demo-g01-2026",
    "evaluator_d01": "demo-eval-2026", "evaluator_g01": "demo-eval-2026",
    "assessor": "demo-assessor-2026", "analyst": "demo-analyst-2026",
}


def add_disclosure_campaign() -> None:
    from analysis.synthetic import synthetic_answers
    from questionnaires.loader import library
    from survey_app.answering import pack_item_values
    from survey_app.models import Campaign, CampaignTarget, Organisation, RaterGroup, Response
    from survey_app.questionnaire_versions import publish_questionnaire

    q = library()["member_evaluation"]
    version = publish_questionnaire(q)
    city = _db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-CITY"))
    campaign = Campaign(code="TEST-DISC", name="测试披露控制", kind="member", year=2024,
                        status="published", min_group_size=5, owner=city,
                        opens_on=date(2024, 10, 1), closes_on=date(2024, 12, 31))
    group = RaterGroup(key="members", name="会员", weight=1.0, questionnaire_version=version,
                       anonymous=True, rule="members")
    campaign.rater_groups.append(group)
    rng = np.random.default_rng(5)
    units = {}
    for code in DISC_COUNTS:
        units[code] = _db.session.scalar(select(Organisation).where(Organisation.code == code))
        campaign.targets.append(CampaignTarget(organisation=units[code]))
    _db.session.add(campaign)
    _db.session.flush()
    rows = []
    for code, n in DISC_COUNTS.items():
        for i in range(n):
            answers = synthetic_answers(q, rng, 0.2)
            answers["improve"] = f"{COMMENT}（{code}-{i}）"
            rows.append({"id": f"00000000-0000-4000-8000-{len(rows):012d}",
                         "campaign_id": campaign.id, "target_id": units[code].id,
                         "rater_group_id": group.id, "questionnaire_version_id": version.id,
                         "submitted_on": date(2024, 10, 8) + timedelta(days=i),
                         "answers": answers, "item_values": pack_item_values(q, answers)})
    _db.session.execute(insert(Response), rows)
    _db.session.commit()


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory, _server_schema):
    url = _server_schema or f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    app = create_app(TestConfig(url))
    with app.app_context():
        if not SERVER_DB_URL:
            _db.create_all()
        from demo import load_demo

        load_demo()
        add_disclosure_campaign()
        _db.session.remove()
    yield url
    with app.app_context():
        if SERVER_DB_URL:
            tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


@pytest.fixture(scope="module")
def demo_app(demo_url):
    from survey_app.reports import queries as util

    util._reports.clear()
    util.charts.clear()
    app = create_app(TestConfig(demo_url))
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def login(client, username: str) -> None:
    page = client.get("/auth/login")
    token = csrf_token_from(page.get_data(as_text=True))
    r = client.post("/auth/login", data={"username": username, "password": PASSWORDS[username],
                                         "csrf_token": token})
    assert r.status_code in (302, 303), f"login of {username} failed"


@pytest.fixture
def as_user(demo_app):
    def make(username: str | None):
        client = demo_app.test_client()
        if username:
            login(client, username)
        return client

    return make


def images_of(html: str) -> list[tuple[str, str]]:
    """(src, alt) of every <img> of a page."""
    out = []
    for tag in re.findall(r"<img\b[^>]*>", html):
        src = re.search(r'src="([^"]+)"', tag)
        alt = re.search(r'alt="([^"]*)"', tag)
        out.append((src.group(1).replace("&amp;", "&") if src else "",
                    alt.group(1) if alt else ""))
    return out
