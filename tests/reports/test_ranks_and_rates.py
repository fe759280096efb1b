"""The ranks page and ``flask report ranks`` give the same list; the three rates card."""

from __future__ import annotations

import csv
import io
import re

import pytest

CAMPAIGN = "DEMO-MEMBER-2025"  # published


def _page_rows(html: str) -> list[dict[str, str]]:
    found = re.search(r'<table class="table" id="ranks">.*?</table>', html, re.S)
    table = found.group(0) if found else ""
    rows = []
    for unit, body in re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', table, re.S):
        cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
        low, high = (x.strip() for x in cells[1].split("–"))
        rows.append({"unit_code": unit, "n": cells[3], "index": cells[4],
                     "index_shrunk": cells[5], "rank": cells[0], "rank_low": low,
                     "rank_high": high})
    return rows


@pytest.mark.parametrize("query, options", [
    ("", []),
    ("?level=grassroots_union&unit=DEMO-D01", ["--level", "grassroots_union",
                                                "--unit", "DEMO-D01"]),
])
def test_the_ranks_export_matches_the_page(as_user, demo_app, query, options):
    page = as_user("city_admin").get(f"/reports/{CAMPAIGN}/ranks{query}")
    assert page.status_code == 200
    shown = _page_rows(page.get_data(as_text=True))
    result = demo_app.test_cli_runner().invoke(
        args=["report", "ranks", "--campaign", CAMPAIGN, "--format", "csv", *options])
    assert result.exit_code == 0, result.output
    exported = list(csv.DictReader(io.StringIO(result.output)))
    assert list(exported[0]) == ["unit_code", "n", "index", "index_shrunk", "rank",
                                 "rank_low", "rank_high"]
    assert len(shown) >= 10
    assert shown == exported


def test_small_units_get_wide_intervals_and_are_marked(as_user):
    html = as_user("admin").get(f"/reports/{CAMPAIGN}/ranks").get_data(as_text=True)
    rows = _page_rows(html)
    total = len(rows)
    small = [r for r in rows if int(r["n"]) < 10]
    large = [r for r in rows if int(r["n"]) >= 60]
    assert small and large
    width = {r["unit_code"]: int(r["rank_high"]) - int(r["rank_low"]) for r in rows}
    assert min(width[r["unit_code"]] for r in small) > max(width[r["unit_code"]] for r in large)
    assert all(int(r["rank_low"]) <= int(r["rank"]) <= int(r["rank_high"]) for r in rows)
    assert "无法区分" in html
    for r in small:  # shrunk toward the list's mean: never further from it than the raw index
        mean = sum(float(x["index"]) for x in rows) / total
        assert abs(float(r["index_shrunk"]) - mean) <= abs(float(r["index"]) - mean) + 0.05


@pytest.mark.parametrize("code", ["TEST-DISC", "DEMO-GROUP-2026"])
def test_no_suppressed_unit_is_ranked(as_user, demo_app, code):
    from survey_app.extensions import db
    from survey_app.models import Campaign
    from survey_app.reports import queries as U

    with demo_app.app_context():
        campaign = db.session.scalar(db.select(Campaign).where(Campaign.code == code))
        units = U.campaign_report(campaign, None, language="zh").units
        hidden = set(units.loc[units["suppressed"].astype(bool), "code"])
    assert hidden  # TEST-DISC: DEMO-G01 (3 answers); DEMO-GROUP-2026: its small union group
    html = as_user("admin").get(f"/reports/{code}/ranks").get_data(as_text=True)
    assert not {r["unit_code"] for r in _page_rows(html)} & hidden
    result = demo_app.test_cli_runner().invoke(args=["report", "ranks", "--campaign", code])
    assert not any(line.split(",")[0] in hidden for line in result.output.splitlines())


def test_an_open_campaign_ranks_nothing_for_a_target_unit(as_user):
    assert as_user("district_admin").get("/reports/DEMO-MEMBER-2026/ranks").status_code == 403
    assert as_user("evaluator_g01").get(f"/reports/{CAMPAIGN}/ranks").status_code == 403


def test_the_three_rates_card_on_the_unit_page_and_the_overview(as_user):
    client = as_user("city_admin")
    unit = client.get(f"/reports/{CAMPAIGN}/units/DEMO-G02").get_data(as_text=True)
    card = re.search(r'<section class="card three-rates".*?</section>', unit, re.S).group(0)
    text = re.sub(r"<[^>]+>|\s+", " ", card)
    assert "参评率" in text and "满意率" in text and "贡献率" in text
    assert "答卷人数 ÷ 会员数（94）" in text and "未录入" in text
    assert re.search(r"参评率\s+\d+\.\d%", text)
    overview = client.get(f"/reports/{CAMPAIGN}/").get_data(as_text=True)
    assert 'id="three-rates"' in overview
