"""A target's results page shows the figure the reports show: the 0-100 satisfaction index
with its n, and for third-party checklists the checklist total with the named assessors."""

from __future__ import annotations

import re

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Campaign, Organisation
from tests.conftest import csrf_token_from


def ids(code: str, unit: str) -> tuple[int, int]:
    return (db.session.scalar(select(Campaign.id).where(Campaign.code == code)),
            db.session.scalar(select(Organisation.id).where(Organisation.code == unit)))


def figures(html: str) -> list[tuple[str, str]]:
    """(score, n) pairs of the results table."""
    return re.findall(r"([0-9]+\.[0-9]) <span class=\"muted\">\(n=([0-9]+)\)", html)


def test_member_and_third_party_results_show_the_report_figures(demo, client, auth):
    from analysis.indices import unit_indices
    from analysis.scoring import score_campaign
    from demo import load_demo
    from survey_app.reports.loading import load_checklist_totals
    from survey_app.reports.queries import campaign_data

    with demo.app_context():
        load_demo()
        member_id, g03 = ids("DEMO-MEMBER-2025", "DEMO-G03")
        c = db.session.get(Campaign, member_id)
        expected = unit_indices(score_campaign(campaign_data(c)),
                                by=["target_id", "rater_group"]).loc[(g03, "members")]
        third_id, _ = ids("DEMO-THIRD-2025", "DEMO-G03")
        totals = load_checklist_totals(db.engine, "DEMO-THIRD-2025")
        unit = totals.index[0]
        _, unit_id = ids("DEMO-THIRD-2025", unit)
    page = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"username": "admin", "password": "demo-admin-2026",
                                     "csrf_token": csrf_token_from(page)})
    html = client.get(f"/campaigns/{member_id}/results/{g03}").get_data(as_text=True)
    assert figures(html) == [(f"{expected['overall']:.1f}", str(int(expected["n"])))]

    html = client.get(f"/campaigns/{third_id}/results/{unit_id}").get_data(as_text=True)
    row = totals.loc[unit]
    assert figures(html) == [(f"{row['checklist_total']:.1f}", str(int(row["n"])))]
    assert "assessor" in html  # assessors are named
