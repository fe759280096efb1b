"""The demo multi-party campaigns: deterministic, idempotent, stored like the survey path."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from demo.campaigns import load_demo_campaigns
from survey_app.extensions import db
from survey_app.models import (
    Assignment,
    AuditEntry,
    Campaign,
    RaterGroup,
    Response,
    Submission,
    User,
)
from survey_app.questionnaire_versions import questionnaire_of


def summary():
    out = {}
    for c in db.session.scalars(select(Campaign).order_by(Campaign.code)):
        groups = Counter(db.session.scalars(
            select(RaterGroup.key).join(Assignment, Assignment.rater_group_id == RaterGroup.id)
            .where(Assignment.campaign_id == c.id)))
        responses = db.session.scalar(select(func.count()).select_from(Response)
                                      .where(Response.campaign_id == c.id))
        out[c.code] = (c.status, dict(groups), responses)
    return out


def test_demo_campaigns(demo):
    with demo.app_context():
        created = load_demo_campaigns()
        first = summary()
        assert created == sum(r for _, _, r in first.values())
        assert set(first) == {f"DEMO-{k}-{y}" for k in ("CROSS", "FOUR", "THIRD")
                              for y in (2025, 2026)}
        for year, status in ((2025, "published"), (2026, "open")):
            assert first[f"DEMO-CROSS-{year}"][:2] == (
                status, {"upper": 78, "lower": 78, "peer": 185})
            assert first[f"DEMO-FOUR-{year}"][1] == {"management": 6, "party": 6, "upper": 6}
            assert first[f"DEMO-THIRD-{year}"][1] == {"assessors": 44}
        assert load_demo_campaigns() == 0 and summary() == first  # idempotent
        # Stored as the survey path stores them: item_values packed from the answers.
        for response in db.session.scalars(select(Response).limit(50)):
            version = db.session.get(RaterGroup, response.rater_group_id).questionnaire_version
            from survey_app.answering import pack_item_values

            assert response.item_values == pack_item_values(questionnaire_of(version),
                                                            response.answers)
        # Some named submissions were revised: one current revision per assignment.
        revised = db.session.scalar(select(func.count()).select_from(Submission)
                                    .where(Submission.revision == 2))
        assert revised > 0
        per = db.session.execute(select(Submission.assignment_id, func.count())
                                 .where(Submission.current.is_(True))
                                 .group_by(Submission.assignment_id)).all()
        assert all(n == 1 for _, n in per)
        # The conflict of interest holds: assessor_2 rates nothing in 青山区 (DEMO-D02).
        third = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-THIRD-2026"))
        rows = db.session.scalars(select(Assignment).where(
            Assignment.campaign_id == third.id)).all()
        assert not [a for a in rows if a.rater_user.username == "assessor_2"
                    and a.target.parent.code == "DEMO-D02"]
        loads = Counter(a.rater_user.username for a in rows)
        assert max(loads.values()) - min(loads.values()) <= 1
        assert (db.session.scalar(
            select(Campaign).where(Campaign.code == "DEMO-CROSS-2026"))).accepting_answers() is (
            third.opens_on <= __import__("datetime").date.today() <= third.closes_on)
        assert db.session.scalar(select(User).where(User.username == "mgmt_g01")).role == \
            "evaluator"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "campaign.publish")) == 3
