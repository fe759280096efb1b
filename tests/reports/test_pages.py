"""Report pages by role: who sees what (200 / 403 / 404), charts as non-empty images with
alt text, suppressed cells shown as suppressed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Campaign
from tests.reports.conftest import images_of

PNG = b"\x89PNG\r\n\x1a\n"

# (user, url, status). DEMO-MEMBER-2025 is published, DEMO-MEMBER-2026 open (owner DEMO-CITY):
# nobody sees an open campaign's figures, its owner and the platform admins included.
ACCESS = [
    ("admin", "/reports/", 200),
    ("admin", "/reports/DEMO-MEMBER-2026/", 403),
    ("admin", "/reports/DEMO-MEMBER-2025/units/DEMO-G02", 200),
    ("admin", "/reports/DEMO-MEMBER-2025/heatmap", 200),
    ("city_admin", "/reports/DEMO-MEMBER-2026/", 403),  # owner side, but still open
    ("analyst", "/reports/DEMO-MEMBER-2026/units/DEMO-G05", 403),
    ("district_admin", "/reports/DEMO-MEMBER-2026/", 403),  # target side: not published
    ("district_admin", "/reports/DEMO-MEMBER-2025/", 200),
    ("district_admin", "/reports/DEMO-MEMBER-2025/units/DEMO-G02", 200),
    ("district_admin", "/reports/DEMO-MEMBER-2025/units/DEMO-G20", 403),  # other district
    ("g01_admin", "/reports/DEMO-MEMBER-2025/units/DEMO-G01", 200),
    ("g01_admin", "/reports/DEMO-MEMBER-2025/units/DEMO-G02", 403),
    ("g01_admin", "/reports/DEMO-MEMBER-2026/units/DEMO-G01", 403),
    ("evaluator_g01", "/reports/", 200),
    ("evaluator_g01", "/reports/DEMO-MEMBER-2025/units/DEMO-G01", 200),  # own unit, published
    ("evaluator_g01", "/reports/DEMO-MEMBER-2026/units/DEMO-G01", 403),  # not published
    ("evaluator_g01", "/reports/DEMO-MEMBER-2025/units/DEMO-G02", 403),
    ("evaluator_g01", "/reports/DEMO-MEMBER-2025/", 403),  # no dashboards
    ("evaluator_g01", "/reports/DEMO-MEMBER-2025/heatmap", 403),
    ("assessor", "/reports/", 403),
    ("assessor", "/reports/DEMO-MEMBER-2025/units/DEMO-G01", 403),
    ("admin", "/reports/NO-SUCH/", 404),
    ("admin", "/reports/DEMO-MEMBER-2025/units/NO-SUCH", 404),
    ("admin", "/reports/DEMO-MEMBER-2025/?group=nobody", 404),
]


@pytest.mark.parametrize(("user", "url", "status"), ACCESS)
def test_access_by_role_and_scope(as_user, user, url, status):
    assert as_user(user).get(url).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(as_user):
    r = as_user(None).get("/reports/DEMO-MEMBER-2025/")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert as_user(None).get("/reports/DEMO-MEMBER-2025/charts/radar.png?unit=DEMO-G01"
                             ).status_code == 302


@pytest.mark.parametrize(("user", "url"), [
    ("admin", "/reports/DEMO-MEMBER-2025/"),
    ("district_admin", "/reports/DEMO-MEMBER-2025/units/DEMO-G02"),
    ("admin", "/reports/DEMO-FOUR-2025/units/DEMO-G02"),
    ("analyst", "/reports/DEMO-MEMBER-2025/heatmap"),
    ("evaluator_g01", "/reports/DEMO-MEMBER-2025/units/DEMO-G01"),
])
def test_pages_have_a_heading_and_charts_that_are_images_with_alt_text(as_user, user, url):
    client = as_user(user)
    r = client.get(url)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert re.search(r"<h1>[^<]+", html)
    imgs = images_of(html)
    assert imgs, "no chart on the page"
    for src, alt in imgs:
        assert alt.strip(), f"chart {src} has no alt text"
        img = client.get(src)
        assert img.status_code == 200, src
        assert img.mimetype == "image/png" and img.data.startswith(PNG) and len(img.data) > 5000
    assert "style=" not in html and "<script>" not in html  # CSP: no inline style or script


def test_chart_routes_check_scope_and_cache(as_user, demo_app):
    from survey_app.reports import queries as util

    district = as_user("district_admin")
    assert district.get("/reports/DEMO-MEMBER-2025/charts/radar.png?unit=DEMO-G20"
                        ).status_code == 403
    evaluator = as_user("evaluator_g01")
    assert evaluator.get("/reports/DEMO-MEMBER-2025/charts/ranking.png?unit=DEMO-G01"
                         ).status_code == 403
    assert evaluator.get("/reports/DEMO-MEMBER-2025/charts/nothing.png?unit=DEMO-G01"
                         ).status_code == 404
    before = len(util.charts.items)
    url = "/reports/DEMO-MEMBER-2025/charts/dimensions.svg?unit=DEMO-G02"
    first = district.get(url)
    assert first.status_code == 200 and first.mimetype == "image/svg+xml"
    assert len(util.charts.items) == before + 1
    assert district.get(url).data == first.data
    assert len(util.charts.items) == before + 1  # served from the cache


def test_suppressed_units_show_as_suppressed_never_as_zero(as_user):
    html = as_user("admin").get("/reports/TEST-DISC/").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*DEMO-G01|<tr[^>]*>(?:(?!</tr>).)*江滨机械", html,
                    re.S)
    rows = re.findall(r"<tr class=\"suppressed-row\">(.*?)</tr>", html, re.S)
    assert len(rows) == 2  # G01 (3 responses) and its complementary partner G02 (8)
    for r in rows:
        assert "—" in r and "suppressed" in r
        assert ">0.0<" not in r and ">0<" not in r
    assert row is not None
    unit = as_user("admin").get("/reports/TEST-DISC/units/DEMO-G01").get_data(as_text=True)
    assert "suppressed" in unit and "<img" not in unit


def test_unit_page_shows_items_trend_ipa_and_comments_only_when_large_enough(as_user,
                                                                              demo_app):
    admin = as_user("admin")
    assert admin.get("/reports/DEMO-MEMBER-2026/units/DEMO-G02").status_code == 403  # open
    with demo_app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2026"))
        campaign.status = "closed"
        db.session.commit()
    try:
        html = admin.get("/reports/DEMO-MEMBER-2026/units/DEMO-G02").get_data(as_text=True)
    finally:
        with demo_app.app_context():
            campaign = db.session.scalar(select(Campaign).where(
                Campaign.code == "DEMO-MEMBER-2026"))
            campaign.status = "open"
            db.session.commit()
    assert "charts/trend.png" in html and "charts/ipa.png" in html and "charts/radar.png" in html
    assert "工会主席、委员由会员（代表）大会民主选举产生" in html  # item table, Chinese labels
    disc = admin.get("/reports/TEST-DISC/units/DEMO-G03").get_data(as_text=True)
    assert "食堂饭菜要改进（DEMO-G03-" not in disc  # 9 responses, but nobody released them
    small = admin.get("/reports/TEST-DISC/units/DEMO-G01").get_data(as_text=True)
    assert "食堂饭菜要改进" not in small


def test_multi_party_breakdown_by_rater_group(as_user):
    html = as_user("admin").get("/reports/DEMO-FOUR-2025/units/DEMO-G02").get_data(as_text=True)
    assert "charts/groups.png" in html
    for name in ("会员", "企业行政", "党组织", "上级工会"):
        assert name in html


def test_filters_by_group_level_year_and_kind(as_user):
    admin = as_user("admin")
    r = admin.get("/reports/DEMO-FOUR-2025/?group=members&level=grassroots_union")
    assert r.status_code == 200
    listing = admin.get("/reports/?year=2025&kind=member").get_data(as_text=True)
    assert "DEMO-MEMBER-2025" in listing and "DEMO-MEMBER-2026" not in listing
    assert "DEMO-FOUR-2025" not in listing
    assert admin.get("/reports/DEMO-MEMBER-2025/?level=nonsense").status_code == 404


def test_evaluator_listing_links_to_own_unit_only(as_user):
    html = as_user("evaluator_g01").get("/reports/").get_data(as_text=True)
    assert "DEMO-MEMBER-2025" in html and "DEMO-MEMBER-2026" not in html
    assert "/units/DEMO-G01" in html and "/heatmap" not in html
