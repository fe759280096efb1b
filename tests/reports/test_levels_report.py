"""The multi-level demo campaign DEMO-GROUP-2026 (published): each level is its own table
with k = 5; the small union group (3 answers) shows no figure at any level, and the two
levels are never pooled (a pooled branch minus the published branch-level figure and the
published sibling group would give the small group's mean)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from survey_app.extensions import db
from survey_app.models import Campaign
from survey_app.reports import queries as U

CODE = "DEMO-GROUP-2026"
SMALL, SIBLING, BRANCH = "DEMO-G02-B3-T2", "DEMO-G02-B3-T1", "DEMO-G02-B3"


def _units(demo_app, group):
    with demo_app.app_context():
        campaign = db.session.scalar(db.select(Campaign).where(Campaign.code == CODE))
        report = U.campaign_report(campaign, group, language="zh")
        return report.rater_group, report.units.set_index("code")


def test_the_demo_group_union_has_three_branches_and_eight_groups(demo_app):
    _, units = _units(demo_app, "group_members")
    kinds = units["kind"].value_counts()
    assert kinds["branch_union"] == 3 and kinds["union_group"] == 8


def test_the_group_level_hides_the_small_group_and_its_sibling(demo_app):
    group, units = _units(demo_app, "group_members")
    assert group == "group_members"
    assert units.at[SMALL, "suppression"] == "small"
    # the branch's figure is published, so its other group is hidden too
    assert units.at[SIBLING, "suppression"] == "complementary"
    assert units.loc[[SMALL, SIBLING], ["n", "overall", "satisfaction_rate"]].isna().all().all()
    published = units[~units["suppressed"].astype(bool)]
    assert (published["n"].astype(int) >= 5).all()
    assert not units.at[BRANCH, "suppressed"]


def test_the_branch_level_is_its_own_table(demo_app):
    _, units = _units(demo_app, "branch_members")
    assert set(units["kind"]) == {"branch_union", "grassroots_union", "district_federation",
                                  "federation"}
    assert (units.loc[units["kind"] == "branch_union", "n"].astype(int) >= 5).all()


def test_without_a_choice_the_report_is_the_first_level_never_both_pooled(demo_app):
    group, pooled = _units(demo_app, None)
    assert group == "group_members"
    _, first = _units(demo_app, "group_members")
    np.testing.assert_allclose(pooled["overall"].astype(float), first["overall"].astype(float))
    assert int(pooled.at[BRANCH, "n"]) == int(first.at[BRANCH, "n"])


@pytest.mark.parametrize("group", ["", "group_members", "branch_members"])
def test_the_raw_export_has_no_answer_of_a_hidden_group(as_user, group):
    response = as_user("admin").get(f"/reports/{CODE}/export.csv?group={group}")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    codes = {row["target_code"] for row in rows}
    assert codes and not codes & {SMALL, SIBLING}
    assert {row["rater_group"] for row in rows} == {group or "group_members"}


def test_the_unit_page_of_the_small_group_says_not_published(as_user):
    html = as_user("city_admin").get(f"/reports/{CODE}/units/{SMALL}").get_data(as_text=True)
    assert "不公布" in html
    assert "All rater groups" not in html and "全部评议方" not in html


def test_every_demo_campaigns_published_tables_pass_the_joint_audit(demo_app):
    """What the pages serve, for every released demo campaign: the unit table of each report
    the app offers (all answers unless the levels may not be pooled, and each rater group)
    and the rater-group cells, as one system: no hidden cell of fewer than k answers, and no
    pool of hidden cells, can be narrowed down by linear programming (Hundepool et al. 2012,
    section 4.3; analysis.disclosure_audit.audit)."""
    from analysis.disclosure_audit import audit, campaign_system
    from analysis.scoring import score_campaign
    from survey_app.release_policy import figures_released

    audited = []
    with demo_app.app_context():
        for campaign in db.session.scalars(db.select(Campaign).order_by(Campaign.code)):
            if not figures_released(campaign) or U.campaign_report(campaign) is None:
                continue
            base = U.campaign_report(campaign)
            data = base.data
            scored = score_campaign(data)
            scored = scored[scored["overall"].notna()]
            keys = [g.key for g in campaign.rater_groups if (scored["rater_group"] == g.key).any()]
            trees = len(keys) > 1
            unit_hidden = base.units["suppressed"].astype(bool)
            if campaign.multi_level:  # the pooled tree is never shown: all of it hidden
                unit_hidden = unit_hidden | True
            cells, rel = campaign_system(
                scored, data.organisations, anonymous=data.groups.set_index("key")["anonymous"],
                unit_hidden=unit_hidden,
                group_hidden=base.group_cells.set_index(["target_id", "rater_group"])["suppressed"],
                group_trees=trees)
            if trees:
                for g in keys:
                    units = U.campaign_report(campaign, g).units
                    hidden = {("unit_group", u, g) for u in units.index[units["suppressed"]]}
                    # a unit with answers of g that the group's report leaves out is hidden
                    shown = {("unit_group", u, g) for u in units.index[~units["suppressed"]]}
                    mine = [c for c in cells.index if c[0] == "unit_group" and c[2] == g]
                    hidden |= set(mine) - shown
                    cells.loc[[c in hidden for c in cells.index], "hidden"] = True
            result = audit(cells, rel, campaign.min_group_size)
            assert result.recoverable.empty, (campaign.code, result.recoverable)
            audited.append(campaign.code)
    assert {"DEMO-MEMBER-2025", "DEMO-FOUR-2025", "DEMO-GROUP-2026", "TEST-DISC"} <= set(audited)
