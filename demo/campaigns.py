"""Demo multi-party campaigns (评议) with synthetic submissions, for 2025 and 2026.

- ``DEMO-CROSS-<year>``: cross evaluation over the whole demo tree: upper rates lower, lower
  rates upper, and peers under one parent rate three of each other (seeded).
- ``DEMO-FOUR-<year>``: four-party evaluation of six grassroots unions in 江滨区: members
  (anonymous, access codes), management and Party organisation (a named account per unit),
  and the upper-level union (the district federation).
- ``DEMO-THIRD-<year>``: third-party evaluation of every grassroots union by three
  assessors, one of them tied to 青山区 (a conflict of interest: it rates no unit there).

2025 campaigns are published (for trends); 2026 campaigns are open with about three
quarters submitted, so the demo evaluators have something left to fill. Everything is
seeded: loading twice, or on another machine, gives the same answers. Idempotent: an
existing campaign (by code) or account (by username) is left alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import insert, select

from analysis.synthetic import synthetic_answers
from questionnaires import library
from survey_app.answering import pack_item_values
from survey_app.campaigns.operations import (
    create_campaign,
    generate_assignments,
    transition,
)
from survey_app.evaluations.operations import store_submission
from survey_app.extensions import db
from survey_app.member_surveys.codes import code_hash, new_code
from survey_app.models import (
    AccessCode,
    Assignment,
    Campaign,
    Organisation,
    Response,
    Role,
    User,
)
from survey_app.models.response import new_response_id

YEARS = (2025, 2026)
FOUR_PARTY_UNITS = [f"DEMO-G{n:02d}" for n in range(1, 7)]
ASSESSORS = ["assessor", "assessor_2", "assessor_3"]  # "assessor" comes with demo.py

#: Demo accounts of the multi-party campaigns: username, role, unit code, password.
DEMO_CAMPAIGN_USERS = [
    ("evaluator_city", Role.EVALUATOR, "DEMO-CITY", "demo-eval-2026"),
    ("evaluator_d02", Role.EVALUATOR, "DEMO-D02", "demo-eval-2026"),
    ("assessor_2", Role.ASSESSOR, None, "demo-assessor-2026"),
    ("assessor_3", Role.ASSESSOR, None, "demo-assessor-2026"),
    *[(f"mgmt_{c[5:].lower()}", Role.EVALUATOR, c, "demo-four-2026") for c in FOUR_PARTY_UNITS],
    *[(f"party_{c[5:].lower()}", Role.EVALUATOR, c, "demo-four-2026") for c in FOUR_PARTY_UNITS],
]


def _window(year: int) -> dict:
    return {"year": year, "opens_on": date(year, 3, 1), "closes_on": date(year, 12, 31)}


def campaign_definitions(year: int) -> list[dict]:
    """The three campaigns of ``year`` as campaign-file mappings (see docs/campaigns.md)."""
    return [
        {
            "code": f"DEMO-CROSS-{year}", "name": f"{year}年度上下级工会互评（演示）",
            "kind": "cross", "owner": "DEMO-CITY", **_window(year),
            "targets": {"subtree": "DEMO-CITY"},
            "rater_groups": [
                {"key": "upper", "name": "上级评下级", "weight": 0.4,
                 "questionnaire": "cross_upper_to_lower", "rule": "upper"},
                {"key": "lower", "name": "下级评上级", "weight": 0.3,
                 "questionnaire": "cross_lower_to_upper", "rule": "lower"},
                {"key": "peer", "name": "同级互评", "weight": 0.3,
                 "questionnaire": "peer_evaluation", "rule": "peer",
                 "peers_per_target": 3, "seed": year},
            ],
        },
        {
            "code": f"DEMO-FOUR-{year}", "name": f"{year}年度基层工会四方评议（演示）",
            "kind": "four_party", "owner": "DEMO-D01", **_window(year),
            "targets": {"list": FOUR_PARTY_UNITS},
            "rater_groups": [
                {"key": "members", "name": "会员", "weight": 0.4,
                 "questionnaire": "four_party_members", "rule": "members"},
                {"key": "management", "name": "企业行政", "weight": 0.2,
                 "questionnaire": "four_party_management", "rule": "named",
                 "accounts": {c: [f"mgmt_{c[5:].lower()}"] for c in FOUR_PARTY_UNITS}},
                {"key": "party", "name": "党组织", "weight": 0.2,
                 "questionnaire": "four_party_party", "rule": "named",
                 "accounts": {c: [f"party_{c[5:].lower()}"] for c in FOUR_PARTY_UNITS}},
                {"key": "upper", "name": "上级工会", "weight": 0.2,
                 "questionnaire": "four_party_upper", "rule": "upper"},
            ],
        },
        {
            "code": f"DEMO-THIRD-{year}", "name": f"{year}年度第三方评估（演示）",
            "kind": "third_party", "owner": "DEMO-CITY", **_window(year),
            "targets": {"level": "grassroots_union", "within": "DEMO-CITY"},
            "rater_groups": [
                {"key": "assessors", "name": "第三方评估员", "weight": 1.0,
                 "questionnaire": "third_party", "rule": "third_party",
                 "assessors": ASSESSORS, "conflicts": {"assessor_2": ["DEMO-D02"]},
                 "seed": year},
            ],
        },
    ]


def _ensure_accounts() -> None:
    for username, role, org_code, password in DEMO_CAMPAIGN_USERS:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        org = None
        if org_code:
            org = db.session.scalar(select(Organisation).where(Organisation.code == org_code))
        account = User(username=username, role=role.value, organisation=org)
        account.set_password(password)
        db.session.add(account)
    db.session.commit()


def _unit_effects(seed: int = 11) -> dict[int, float]:
    """A stable latent quality per unit (the same units are strong in both years)."""
    ids = db.session.scalars(select(Organisation.id).order_by(Organisation.code)).all()
    rng = np.random.default_rng(seed)
    return {i: float(rng.normal(0.0, 0.45)) for i in ids}


def _fill(campaign: Campaign, share: float, seed: int, effects: dict[int, float]) -> int:
    """Synthetic named submissions for ``share`` of the assignments (a few revised twice)."""
    from survey_app.questionnaire_versions import questionnaire_of

    rng = np.random.default_rng(seed)
    year = campaign.year or 2026
    trend = 0.15 if year >= 2026 else 0.0
    assignments = db.session.scalars(select(Assignment).where(
        Assignment.campaign_id == campaign.id).order_by(Assignment.id)).all()
    created = 0
    for a in assignments:
        if rng.random() >= share:
            continue
        q = questionnaire_of(a.rater_group.questionnaire_version)
        revisions = 2 if rng.random() < 0.08 else 1
        for revision in range(revisions):
            answers = synthetic_answers(q, rng, effects.get(a.target_id, 0.0) + trend)
            day = date(year, 4, 1) + timedelta(days=int(rng.integers(0, 120)) + 7 * revision)
            store_submission(a, answers, pack_item_values(q, answers), user=None,
                             submitted_on=day,
                             submitted_at=datetime.combine(day, time(10, 0), tzinfo=UTC))
            created += 1
    return created


def _members(campaign: Campaign, seed: int, effects: dict[int, float]) -> int:
    """Anonymous member responses for the four-party member group, stored as the survey
    path stores them (random ids, shuffled order, date only), with matching used codes."""
    from survey_app.questionnaire_versions import questionnaire_of

    group = next(g for g in campaign.rater_groups if g.anonymous)
    q = questionnaire_of(group.questionnaire_version)
    rng = np.random.default_rng(seed)
    year = campaign.year or 2026
    rows, codes = [], []
    for t in campaign.targets:
        n = int(rng.integers(12, 40))
        issued = n + int(rng.integers(5, 20))
        for i in range(issued):
            codes.append({"campaign_id": campaign.id, "rater_group_id": group.id,
                          "target_id": t.organisation_id, "code_hash": code_hash(new_code()),
                          "used": i < n, "issued_on": date(year, 3, 1)})
        for _ in range(n):
            answers = synthetic_answers(q, rng, effects.get(t.organisation_id, 0.0))
            rows.append({"campaign_id": campaign.id, "target_id": t.organisation_id,
                         "rater_group_id": group.id,
                         "questionnaire_version_id": group.questionnaire_version_id,
                         "submitted_on": date(year, 4, 1) + timedelta(
                             days=int(rng.integers(0, 90))),
                         "answers": answers, "item_values": pack_item_values(q, answers)})
    order = rng.permutation(len(rows))
    if rows:
        db.session.execute(insert(Response), [rows[i] | {"id": new_response_id()}
                                              for i in order])
    if codes:
        db.session.execute(insert(AccessCode), codes)
    return len(rows)


def load_demo_campaigns() -> int:
    """Create the demo multi-party campaigns that are missing; return responses created."""
    if db.session.scalar(select(Organisation.id).where(Organisation.code == "DEMO-CITY")) is None:
        return 0  # the demo tree is not loaded
    _ensure_accounts()
    library()  # fail early if the questionnaire library is broken
    effects = _unit_effects()
    created = 0
    for year in YEARS:
        for number, definition in enumerate(campaign_definitions(year)):
            if db.session.scalar(select(Campaign.id).where(Campaign.code == definition["code"])):
                continue
            campaign = create_campaign(definition)
            generate_assignments(campaign)
            transition(campaign, "open")
            seed = year * 10 + number
            share = 0.97 if year < 2026 else 0.75
            created += _fill(campaign, share, seed, effects)
            if any(g.anonymous for g in campaign.rater_groups):
                created += _members(campaign, seed, effects)
            db.session.commit()
            if year < 2026:
                transition(campaign, "closed")
                transition(campaign, "published")
    return created
