"""An assessors' checklist campaign (第三方评议) has no satisfaction scale: its report pages
show each assessed unit's checklist total and findings instead of "no responses"."""

from __future__ import annotations

import re

import yaml
from sqlalchemy import select

from questionnaires import library_dir

THIRD = "DEMO-THIRD-2025"  # published; 42 of its 44 units assessed, six revisions superseded


def _expected_totals(demo_app) -> dict[str, float]:
    """Each unit's total straight from the sheet's points and the current answers."""
    from survey_app.extensions import db
    from survey_app.models import Assignment, Campaign, Organisation, Response, Submission

    sheet = yaml.safe_load((library_dir() / "third_party.yaml").read_text(encoding="utf-8"))
    points = {it["id"]: it["points"] for s in sheet["sections"] for q in s["questions"]
              for it in q.get("items", ())}
    with demo_app.app_context():
        rows = db.session.execute(
            select(Organisation.code, Response.answers)
            .join(Response, Response.target_id == Organisation.id)
            .join(Submission, Submission.response_id == Response.id)
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(Campaign.code == THIRD, Submission.current.is_(True))).all()
    totals: dict[str, list[float]] = {}
    for code, answers in rows:
        got = sum(p for item, p in points.items() if answers.get(item) is True)
        totals.setdefault(code, []).append(100.0 * got / sum(points.values()))
    return {code: sum(v) / len(v) for code, v in totals.items()}


def test_third_party_overview_shows_every_assessed_unit(as_user, demo_app):
    html = as_user("admin").get(f"/reports/{THIRD}/").get_data(as_text=True)
    assert "尚无答卷" not in html
    expected = _expected_totals(demo_app)
    assert len(expected) == 42
    rows = re.findall(r'/units/(DEMO-[A-Z0-9-]+)".*?<td class="num">(\d+)</td>\s*'
                      r'<td class="num">([\d.]+)</td>', html, re.S)
    assert len(rows) == 42
    for code, n, total in rows:
        assert int(n) == 1  # one assessment each: superseded revisions are not counted again
        assert abs(float(total) - expected[code]) < 0.05


def test_a_unit_sees_its_own_checklist_findings(as_user, demo_app):
    html = as_user("g01_admin").get(f"/reports/{THIRD}/units/DEMO-G01").get_data(as_text=True)
    assert "尚无答卷" not in html
    total = _expected_totals(demo_app)["DEMO-G01"]
    assert f"{total:.1f}" in html
    assert "工会主席由会员（代表）大会民主选举产生" in html  # an indicator, by its label
    assert as_user("g01_admin").get(f"/reports/{THIRD}/units/DEMO-G02").status_code == 403
