"""The contribution rate comes from the objective indicators a union recorded for the year."""

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Campaign, Organisation
from survey_app.models.assessment import ObjectiveValue
from survey_app.reports.ranks import unit_three_rates


def test_contribution_and_activity_rates_from_recorded_indicators(demo):
    with demo.app_context():
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        for year, key, value in [(2026, "proposals_adopted", 0.5),
                                 (2026, "hardship_closed", 0.9),
                                 (2026, "activity_participation", 0.4),
                                 (2025, "contest_participation", 0.1)]:  # another year
            db.session.add(ObjectiveValue(scheme_key="default", year=year, organisation_id=g01.id,
                                          indicator=key, value=value))
        db.session.commit()
        rates = unit_three_rates(Campaign(code="X", name="X", kind="member", year=2026),
                                 None, g01)
        assert abs(rates.contribution - 0.7) < 1e-12
        assert rates.contribution_missing == ("contest_participation",)
        assert rates.activity_participation == 0.4
        assert rates.participation is None and rates.satisfaction is None  # no report
