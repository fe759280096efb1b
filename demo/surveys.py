"""Demo member and daily-evaluation campaigns, with synthetic responses.

``DEMO-MEMBER-2026`` is open: its target ``DEMO-G01`` has no responses yet (issue codes for
it and answer on a phone); the other grassroots units have synthetic responses.
``DEMO-MEMBER-2025`` is last year's published campaign, for trends. ``DEMO-G01-2026`` is
DEMO-G01's own published mid-year evaluation (回头看) after its improvement actions: the
before and after of its 你说我改 page. ``DEMO-DAILY-2026`` is a rolling daily evaluation
with an open link per service point, with answers from January to November 2026: its
reports show each ended month on its own.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import numpy as np
from sqlalchemy import insert, select

from analysis.synthetic import synthetic_answers
from questionnaires import library
from survey_app.answering import pack_item_values
from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models import (
    Campaign,
    CampaignTarget,
    OpenLink,
    Organisation,
    OrgKind,
    RaterGroup,
    Response,
)
from survey_app.models.response import new_response_id
from survey_app.questionnaire_versions import publish_questionnaire

SERVICE_POINTS = [
    ("DEMO-CITY", "市总工会职工服务中心 法律援助窗口"),
    ("DEMO-CITY", "市总工会职工服务中心 困难帮扶窗口"),
    ("DEMO-D01", "江滨区职工服务站 就业服务窗口"),
    ("DEMO-D02", "青山区职工服务站 劳动保护咨询"),
]


def _unit_effects(units: list[Organisation], seed: int) -> dict[int, float]:
    rng = np.random.default_rng(seed)
    return {u.id: float(rng.normal(0.0, 0.45)) for u in units}


def _member_campaign(code: str, year: int, status: str, seed: int, skip: set[str], *,
                     owner: str = "DEMO-CITY", only: set[str] | None = None,
                     name: str | None = None, opens_on: date | None = None,
                     closes_on: date | None = None) -> int:
    if db.session.scalar(select(Campaign.id).where(Campaign.code == code)):
        return 0
    questionnaire = library()["member_evaluation"]
    version = publish_questionnaire(questionnaire)
    units = list(db.session.scalars(
        select(Organisation).where(Organisation.code.startswith("DEMO-"),
                                   Organisation.kind == OrgKind.GRASSROOTS_UNION.value)
        .order_by(Organisation.code)))
    if only is not None:
        units = [u for u in units if u.code in only]
    owner_unit = db.session.scalar(select(Organisation).where(Organisation.code == owner))
    campaign = Campaign(code=code, name=name or f"{year}年度会员评家（演示）", kind="member",
                        cycle="annual", year=year, opens_on=opens_on or date(year, 10, 1),
                        closes_on=closes_on or date(year, 12, 31),
                        status=status, min_group_size=5, owner=owner_unit)
    group = RaterGroup(key="members", name="会员", weight=1.0, questionnaire_version=version,
                       anonymous=True, rule="members")
    campaign.rater_groups.append(group)
    campaign.targets.extend(CampaignTarget(organisation=u) for u in units)
    db.session.add(campaign)
    db.session.flush()

    rng = np.random.default_rng(seed)
    effects = _unit_effects(units, seed=7)  # the same units are strong in both years
    # (a campaign of a few units draws their effects from the same list, by position)
    if only is not None:
        every = list(db.session.scalars(
            select(Organisation).where(Organisation.code.startswith("DEMO-"),
                                       Organisation.kind == OrgKind.GRASSROOTS_UNION.value)
            .order_by(Organisation.code)))
        effects = _unit_effects(every, seed=7)
    rows = []
    for unit in units:
        if unit.code in skip:
            continue
        # 30 % to 75 % of members answer; the tiny units stay under the reporting minimum.
        n = max(2, round(unit.members * rng.uniform(0.3, 0.75)))
        trend = 0.15 if year >= 2026 else 0.0
        for _ in range(n):
            answers = synthetic_answers(questionnaire, rng, effects[unit.id] + trend)
            rows.append({
                "campaign_id": campaign.id, "target_id": unit.id, "rater_group_id": group.id,
                "questionnaire_version_id": version.id,
                "submitted_on": (date(year, 10, 8) + timedelta(days=int(rng.integers(0, 45))))
                if opens_on is None else opens_on + timedelta(days=int(rng.integers(0, 20))),
                "answers": answers, "item_values": pack_item_values(questionnaire, answers),
            })
    order = rng.permutation(len(rows))  # storage order says nothing about units or dates
    if rows:
        db.session.execute(insert(Response), [rows[i] | {"id": new_response_id()} for i in order])
    return len(rows)


def _daily_campaign(year: int) -> None:
    code = f"DEMO-DAILY-{year}"
    if db.session.scalar(select(Campaign.id).where(Campaign.code == code)):
        return
    questionnaire = library()["daily_service"]
    version = publish_questionnaire(questionnaire)
    city = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-CITY"))
    campaign = Campaign(code=code, name=f"{year}年日常服务评价（演示）", kind="daily",
                        cycle="rolling", year=year, opens_on=date(year, 1, 1),
                        closes_on=date(year, 12, 31), status="open", owner=city,
                        allow_open_link=True)
    group = RaterGroup(key="service_users", name="服务对象", weight=1.0,
                       questionnaire_version=version, anonymous=True, rule="members")
    campaign.rater_groups.append(group)
    db.session.add(campaign)
    db.session.flush()
    for unit_code, label in SERVICE_POINTS:
        unit = db.session.scalar(select(Organisation).where(Organisation.code == unit_code))
        if not any(t.organisation_id == unit.id for t in campaign.targets):
            campaign.targets.append(CampaignTarget(organisation=unit))
        db.session.add(OpenLink(token=secrets.token_urlsafe(12), campaign=campaign,
                                rater_group=group, target=unit, label=label))
    db.session.flush()
    _daily_answers(campaign, group, questionnaire, version, year)


def _daily_answers(campaign: Campaign, group: RaterGroup, questionnaire, version,
                   year: int) -> None:
    """Answers of the months January to November: each month is released on its own once
    it has ended (release policy), and a service point with fewer than ``k`` answers in a
    month shows nothing for that month."""
    rng = np.random.default_rng(year + 1)
    rows = []
    for target in campaign.targets:
        effect = float(rng.normal(0.2, 0.4))
        for month in range(1, 12):
            for _ in range(int(rng.integers(2, 14))):
                answers = synthetic_answers(questionnaire, rng, effect)
                rows.append({
                    "campaign_id": campaign.id, "target_id": target.organisation_id,
                    "rater_group_id": group.id, "questionnaire_version_id": version.id,
                    "submitted_on": date(year, month, int(rng.integers(1, 29))),
                    "answers": answers,
                    "item_values": pack_item_values(questionnaire, answers),
                })
    order = rng.permutation(len(rows))
    db.session.execute(insert(Response), [rows[i] | {"id": new_response_id()} for i in order])


def load_demo_surveys() -> int:
    """Create the demo member and daily campaigns if missing; return responses created."""
    created = _member_campaign("DEMO-MEMBER-2025", 2025, "published", seed=2025, skip=set())
    created += _member_campaign("DEMO-MEMBER-2026", 2026, "open", seed=2026, skip={"DEMO-G01"})
    # DEMO-G01 checks its improvement actions with its own mid-year evaluation (回头看), so
    # its 你说我改 page shows the 2025 and 2026 figures side by side
    closes = today() - timedelta(days=5)  # after the demo's actions were done (see improvement)
    created += _member_campaign(
        "DEMO-G01-2026", max(2026, closes.year), "published", seed=2601, skip=set(),
        owner="DEMO-G01", only={"DEMO-G01"}, name="会员评家回头看（演示）",
        opens_on=closes - timedelta(days=20), closes_on=closes)
    _daily_campaign(2026)
    db.session.commit()
    return created
