"""The demo tree and accounts with two small published member campaigns (2025, 2026):
DEMO-G01 has 40 responses a year, DEMO-G02 3 (below the minimum of 5: withheld)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import insert, select

COUNTS = {"DEMO-G01": 40, "DEMO-G02": 3, "DEMO-G03": 30}


def add_member_campaign(year: int, effect: float, seed: int) -> None:
    from analysis.synthetic import synthetic_answers
    from questionnaires.loader import library
    from survey_app.answering import pack_item_values
    from survey_app.extensions import db
    from survey_app.models import Campaign, CampaignTarget, Organisation, RaterGroup, Response
    from survey_app.models.response import new_response_id
    from survey_app.questionnaire_versions import publish_questionnaire

    q = library()["member_evaluation"]
    version = publish_questionnaire(q)
    city = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-CITY"))
    campaign = Campaign(code=f"TEST-MEMBER-{year}", name=f"{year}年度会员评家（测试）",
                        kind="member", year=year, status="published", min_group_size=5,
                        owner=city, opens_on=date(year, 10, 1), closes_on=date(year, 12, 31))
    group = RaterGroup(key="members", name="会员", weight=1.0, questionnaire_version=version,
                       anonymous=True, rule="members")
    campaign.rater_groups.append(group)
    units = {code: db.session.scalar(select(Organisation).where(Organisation.code == code))
             for code in COUNTS}
    campaign.targets.extend(CampaignTarget(organisation=u) for u in units.values())
    db.session.add(campaign)
    db.session.flush()
    rng = np.random.default_rng(seed)
    rows = []
    for code, n in COUNTS.items():
        for i in range(n):
            answers = synthetic_answers(q, rng, effect)
            rows.append({"id": new_response_id(), "campaign_id": campaign.id,
                         "target_id": units[code].id, "rater_group_id": group.id,
                         "questionnaire_version_id": version.id,
                         "submitted_on": date(year, 10, 8) + timedelta(days=i % 20),
                         "answers": answers, "item_values": pack_item_values(q, answers)})
    db.session.execute(insert(Response), rows)
    db.session.commit()


@pytest.fixture
def results(demo, tmp_path):
    """The demo tree with the two published campaigns; evidence files under ``tmp_path``."""
    from survey_app.reports import queries

    queries._reports.clear()  # ids repeat from one test database to the next
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with demo.app_context():
        add_member_campaign(2025, -0.3, seed=1)
        add_member_campaign(2026, 0.4, seed=2)
    return demo
