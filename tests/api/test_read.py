"""The read side of the open API on the demo: the document, conventions (paging, ETag,
problem documents), scope, and published figures equal to the report pages'."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from tests.api.conftest import bearer
from tests.reports.conftest import login


def test_the_document_is_openapi_3_1_and_covers_every_route(api, demo_app):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    documented = {p for p in doc["paths"]}
    routes = {re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", r.rule)
              for r in demo_app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert routes and routes == documented
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "delete"):
                assert "default" in op["responses"], (path, method)
    problem = doc["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(problem) == ["application/problem+json"]
    assert "Set-Cookie" not in response.headers


def test_the_reference_page_lists_the_paths_and_loads_nothing_from_elsewhere(api):
    response = api.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/api/v1/campaigns/{code}/results/{unit_code}" in page
    assert "/api/v1/organisations/{code}/open-campaigns" in page
    assert not re.search(r"""(src|href)=["']https?://""", page)


def test_organisations_are_the_tokens_subtree_page_by_page(api, demo_app, tokens):
    from survey_app.models import Organisation

    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/organisations?limit=7" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url, headers=bearer(tokens["district"])).get_json()
        seen += [o["code"] for o in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    with demo_app.app_context():
        d01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-D01"))
        subtree = db.session.scalars(d01.subtree_query().order_by(Organisation.id)).all()
        assert seen == [o.code for o in subtree]
    assert pages == -(-len(seen) // 7)
    assert "DEMO-CITY" not in seen and "DEMO-D02" not in seen


def test_reads_carry_an_etag_and_answer_304_when_unchanged(api, tokens):
    first = api.get("/api/v1/organisations/DEMO-G01", headers=bearer(tokens["city"]))
    assert first.status_code == 200 and first.headers["ETag"]
    again = api.get("/api/v1/organisations/DEMO-G01",
                    headers={**bearer(tokens["city"]), "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = api.get("/api/v1/organisations/DEMO-G02",
                    headers={**bearer(tokens["city"]), "If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


@pytest.mark.parametrize(("query", "status"), [
    ("cursor=not-a-cursor", 400), ("cursor=eyJhZnRlciI6LTF9", 400),  # {"after":-1}
    ("cursor=W10", 400), ("limit=0", 422), ("limit=abc", 422), ("limit=100000", 422),
])
def test_bad_paging_is_a_problem_document_in_two_languages(api, tokens, query, status):
    response = api.get(f"/api/v1/organisations?{query}", headers=bearer(tokens["city"]))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert re.search(r"[\u4e00-\u9fff]", body["title_zh"] + body["detail_zh"])


def test_an_unknown_path_under_the_api_is_a_problem_document(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def _ui_rows(demo_app, username: str, campaign: str) -> dict[str, list[str]]:
    """The overview table of the report page as its cells' text, by unit code."""
    client = demo_app.test_client()
    login(client, username)
    page = client.get(f"/reports/{campaign}/").get_data(as_text=True)
    rows = {}
    for row in re.findall(r"<tr[^>]*>\s*<td>.*?</tr>", page, flags=re.S):
        code = re.search(r"/units/([A-Z0-9-]+)", row)
        if code:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
            rows[code.group(1)] = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
    return rows


def _as_ui(value, fmt="%.1f", percent=False):
    if value is None:
        return "—不公布"  # the page's mark of a withheld figure (Chinese by default)
    return ("%.1f%%" % (value * 100)) if percent else fmt % value


@pytest.mark.parametrize(("username", "token", "campaign"), [
    ("district_admin", "district", "TEST-DISC"),
    ("city_admin", "city", "DEMO-MEMBER-2025"),
])
def test_published_figures_equal_the_report_page(api, demo_app, tokens, username, token,
                                                 campaign):
    ui = _ui_rows(demo_app, username, campaign)
    body = api.get(f"/api/v1/campaigns/{campaign}/results",
                   headers=bearer(tokens[token])).get_json()
    assert ui and {u["code"] for u in body["units"]} == set(ui)
    for unit in body["units"]:
        cells = ui[unit["code"]]
        assert cells[0] == (str(unit["rank"]) if unit["rank"] else "—")
        assert cells[3] == _as_ui(unit["responses"], "%d")
        assert cells[4] == _as_ui(unit["overall"])
        assert cells[6] == _as_ui(unit["satisfaction_rate"], percent=True)


def test_a_suppressed_unit_has_null_figures_and_no_items(api, tokens):
    """TEST-DISC: DEMO-G01 has 3 answers, below the minimum of 5."""
    headers = bearer(tokens["district"])
    small = api.get("/api/v1/campaigns/TEST-DISC/results/DEMO-G01", headers=headers).get_json()
    assert small["suppressed"] is True and small["suppression"]
    assert small["overall"] is None and small["satisfaction_rate"] is None
    assert small["responses"] is None and small["rank"] is None
    assert small["items"] == []
    assert all(d["index"] is None and d["satisfaction_rate"] is None
               for d in small["dimensions"])
    shown = api.get("/api/v1/campaigns/TEST-DISC/results/DEMO-G03", headers=headers).get_json()
    assert shown["suppressed"] is False and shown["overall"] is not None
    assert shown["items"] and all(i["answers"] for i in shown["items"])


def test_unit_figures_equal_the_report_functions(api, demo_app, tokens):
    from analysis import reports as R
    from survey_app.models import Campaign, Organisation
    from survey_app.reports import queries as U

    body = api.get("/api/v1/campaigns/DEMO-MEMBER-2025/results/DEMO-G02",
                   headers=bearer(tokens["city"])).get_json()
    with demo_app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2025"))
        unit = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G02"))
        report = U.campaign_report(campaign, None, "zh")
        row = R.unit_summary(report, unit.id)
        items = R.item_table(report, unit.id)
    assert body["overall"] == pytest.approx(float(row["overall"]), abs=1e-12)
    assert body["responses"] == int(row["n"])
    assert [i["item"] for i in body["items"]] == list(items["item"])


def test_no_figures_of_a_campaign_that_is_not_published(api, tokens):
    for path in ("/api/v1/campaigns/DEMO-MEMBER-2026/results",
                 "/api/v1/campaigns/DEMO-MEMBER-2026/results/DEMO-G02"):
        assert api.get(path, headers=bearer(tokens["city"])).status_code == 403


def test_results_outside_the_subtree_are_refused(api, tokens):
    response = api.get("/api/v1/campaigns/DEMO-MEMBER-2025/results/DEMO-D02",
                       headers=bearer(tokens["district"]))
    assert response.status_code == 403


def test_open_campaigns_for_a_unit_give_a_public_entry_never_a_code(api, demo_app, tokens):
    from survey_app.models import AccessCode, Campaign

    with demo_app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2026"))
        today = date.today()
        if not (campaign.opens_on <= today <= campaign.closes_on):
            campaign.opens_on, campaign.closes_on = today - timedelta(7), today + timedelta(30)
            db.session.commit()
        hashes = set(db.session.scalars(select(AccessCode.code_hash)).all())
    response = api.get("/api/v1/organisations/DEMO-G01/open-campaigns",
                       headers=bearer(tokens["g01"]))
    body = response.get_json()
    entries = {c["code"]: c for c in body["items"]}
    assert "DEMO-MEMBER-2026" in entries
    assert "DEMO-MEMBER-2025" not in entries  # published, not taking answers
    entry = entries["DEMO-MEMBER-2026"]
    assert entry["entry"] in ("open_link", "access_code")
    assert re.fullmatch(r"http://localhost/(s/|o/[A-Za-z0-9_-]+)", entry["entry_url"])
    assert not any(h in response.get_data(as_text=True) for h in hashes)


def test_assessment_results_are_published_runs_of_the_subtree(api, demo_app, tokens):
    from survey_app.models import Organisation
    from survey_app.models.assessment import AssessmentResult, AssessmentRun

    items, cursor = [], None
    while True:
        url = "/api/v1/assessment/results?limit=50" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url, headers=bearer(tokens["district"])).get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    with demo_app.app_context():
        d01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-D01"))
        expected = db.session.scalars(
            select(Organisation.code).join(AssessmentResult,
                                           AssessmentResult.organisation_id == Organisation.id)
            .join(AssessmentRun, AssessmentRun.id == AssessmentResult.run_id)
            .where(AssessmentRun.published_at.is_not(None),
                   Organisation.path.startswith(d01.path))).all()
        unpublished_years = set(db.session.scalars(
            select(AssessmentRun.year).where(AssessmentRun.published_at.is_(None))).all())
    assert sorted(i["unit_code"] for i in items) == sorted(expected) and items
    assert not {i["year"] for i in items} & unpublished_years


def test_honours_of_the_subtree(api, demo_app, tokens):
    from survey_app.models import Organisation
    from survey_app.models.partnering import Honour

    body = api.get("/api/v1/honours?limit=200", headers=bearer(tokens["district"])).get_json()
    with demo_app.app_context():
        d01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-D01"))
        expected = db.session.scalars(
            select(Honour.id).join(Organisation, Organisation.id == Honour.organisation_id)
            .where(Organisation.path.startswith(d01.path))).all()
    assert sorted(h["id"] for h in body["items"]) == sorted(expected)


def test_campaigns_list_only_what_the_unit_may_read(api, tokens):
    codes = {c["code"] for c in api.get("/api/v1/campaigns?limit=200",
                                        headers=bearer(tokens["g01"])).get_json()["items"]}
    assert "DEMO-MEMBER-2025" in codes  # published, DEMO-G01 a target
    body = api.get("/api/v1/campaigns/DEMO-MEMBER-2025", headers=bearer(tokens["g01"]))
    assert body.status_code == 200
    assert body.get_json()["opens_on"] == "2025-" + body.get_json()["opens_on"][5:]
