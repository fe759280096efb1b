"""Results are attributed to the unit they are about. An evaluator sees only campaigns in
which its own unit was evaluated, and only what was said of that unit itself, never a pool
of the units below it (DEMO-D01 rates its grassroots unions in the cross evaluation, and
the member survey of those unions is not a survey of DEMO-D01)."""

from __future__ import annotations

import re


def _table_numbers(html: str) -> list[str]:
    return re.findall(r'<td class="num">([^<]+)</td>', html)


def test_evaluator_lists_only_campaigns_that_evaluated_its_unit(as_user):
    client = as_user("evaluator_d01")
    html = client.get("/reports/").get_data(as_text=True)
    assert "DEMO-CROSS-2025" in html  # DEMO-D01 is a target of the cross evaluation
    for code in ("DEMO-MEMBER-2025", "DEMO-FOUR-2025", "DEMO-THIRD-2025"):
        assert code not in html  # grassroots unions' surveys, not DEMO-D01's
        assert client.get(f"/reports/{code}/units/DEMO-D01").status_code == 403
    assert "/evaluations/" in html  # whom the evaluator rated is on “My evaluations”


def test_evaluator_sees_what_was_said_of_its_own_unit_only(as_user, demo_app):
    from survey_app.extensions import db  # noqa: F401 - app context below
    from survey_app.models import Campaign
    from survey_app.reports import queries as U

    with demo_app.test_request_context():
        campaign = U.campaign_by_code("DEMO-CROSS-2025")
        assert isinstance(campaign, Campaign)
        report = U.campaign_report(campaign)
        d01 = report.unit_id("DEMO-D01")
        pooled = int(report.units.at[d01, "n"])
        own = report.group_cells[report.group_cells["target_id"] == d01]
        own_n = sorted(int(n) for n in own["n"])
    assert pooled > sum(own_n)  # the pool holds DEMO-D01's own ratings of its unions
    html = as_user("evaluator_d01").get("/reports/DEMO-CROSS-2025/units/DEMO-D01"
                                        ).get_data(as_text=True)
    numbers = _table_numbers(html)
    assert str(pooled) not in numbers
    assert all(str(n) in numbers for n in own_n)
    assert "本单位本身" in html


def test_a_unit_that_was_not_evaluated_is_labelled_as_a_pool(as_user):
    html = as_user("district_admin").get("/reports/DEMO-MEMBER-2025/units/DEMO-D01"
                                         ).get_data(as_text=True)
    assert "本单位不是此次评议的被评单位" in html
    own = as_user("g01_admin").get("/reports/DEMO-MEMBER-2025/units/DEMO-G01"
                                   ).get_data(as_text=True)
    assert "以下是对本单位的评议结果" in own
