"""The improvement pages and the public 你说我改 page: bad input refused in Chinese with the
typed text kept, the path from suggestion to verified action, disclosure on the public page,
and the export's columns."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.improvement import queries as q
from survey_app.models import Campaign, Organisation
from survey_app.models.improvement import ImprovementAction
from tests.conftest import csrf_token_from

PDF = b"%PDF-1.4\n% evidence\n"


def _login(app, username, password):
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                "csrf_token": token})
    assert response.status_code == 302
    return client


def _suggest(client, app) -> list[int]:
    page = client.get("/improvement/unit/DEMO-G01").get_data(as_text=True)
    with app.app_context():
        cid = db.session.scalar(select(Campaign.id).where(Campaign.code == "TEST-MEMBER-2025"))
    response = client.post("/improvement/unit/DEMO-G01/suggest",
                           data={"s-csrf_token": csrf_token_from(page), "s-campaign": str(cid)})
    assert response.status_code == 302
    with app.app_context():
        return list(db.session.scalars(select(ImprovementAction.id)
                                       .order_by(ImprovementAction.id)))


def _plan_data(client, action_id, **over):
    page = client.get(f"/improvement/action/{action_id}").get_data(as_text=True)
    unit = re.search(r'name="p-owner_unit"[^>]*>\s*<option[^>]*value="(\d+)"', page).group(1)
    data = {"p-csrf_token": csrf_token_from(page), "p-title": "每月一次会员座谈",
            "p-owner_name": "张三", "p-owner_unit": unit,
            "p-due_on": (date.today() + timedelta(days=90)).isoformat(), "p-target": "85"}
    data.update(over)
    return data


def _errors(html):
    return re.findall(r'class="error-text"[^>]*>([^<]+)<', html)


def test_a_plan_without_an_owner_is_refused_in_chinese_and_keeps_the_typing(results):
    client = _login(results, "g01_admin", "demo-g01-2026")
    first = _suggest(client, results)[0]
    response = client.post(f"/improvement/action/{first}/plan",
                           data=_plan_data(client, first, **{"p-owner_name": ""}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写责任人。" in _errors(html)
    assert 'value="每月一次会员座谈"' in html
    response = client.post(f"/improvement/action/{first}/plan",
                           data=_plan_data(client, first, **{"p-due_on": ""}))
    assert "请填写完成时限。" in _errors(response.get_data(as_text=True))
    past = (date.today() - timedelta(days=3)).isoformat()
    response = client.post(f"/improvement/action/{first}/plan",
                           data=_plan_data(client, first, **{"p-due_on": past}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any(e.startswith("完成时限不能早于整改事项的创建日期") for e in _errors(html))
    assert f'value="{past}"' in html
    with results.app_context():
        assert db.session.get(ImprovementAction, first).status == "suggested"


def test_suggestion_to_verified_action_and_the_public_page(results):
    client = _login(results, "g01_admin", "demo-g01-2026")
    first, second, *_ = _suggest(client, results)
    for action_id in (first, second):
        response = client.post(f"/improvement/action/{action_id}/plan",
                               data=_plan_data(client, action_id))
        assert response.status_code == 302
    page = client.get(f"/improvement/action/{first}").get_data(as_text=True)
    bad = client.post(f"/improvement/action/{first}/progress", content_type="multipart/form-data",
                      data={"g-csrf_token": csrf_token_from(page), "g-status": "done",
                            "g-text": "座谈会已开三次", "g-evidence": (io.BytesIO(b"MZ..."),
                                                                   "纪要.pdf")})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "佐证材料必须是 PDF、PNG 或 JPEG 文件。" in _errors(html)
    assert "座谈会已开三次" in html
    done = client.post(f"/improvement/action/{first}/progress", content_type="multipart/form-data",
                       data={"g-csrf_token": csrf_token_from(page), "g-status": "done",
                             "g-text": "座谈会已开三次", "g-evidence": (io.BytesIO(PDF), "纪要.pdf")})
    assert done.status_code == 302
    refused = client.post(f"/improvement/action/{first}/verify",
                          data={"v-csrf_token": csrf_token_from(page)})
    assert refused.status_code == 403
    assert "承办整改的工会不能自己验收" in refused.get_data(as_text=True)

    district = _login(results, "district_admin", "demo-district-2026")
    board = district.get("/improvement/").get_data(as_text=True)
    assert "每月一次会员座谈" in board  # done, waiting for verification
    page = district.get(f"/improvement/action/{first}").get_data(as_text=True)
    evidence = re.search(r'/improvement/evidence/(\d+)', page).group(0)
    assert district.get(evidence).data == PDF
    ok = district.post(f"/improvement/action/{first}/verify",
                       data={"v-csrf_token": csrf_token_from(page), "v-text": "验收合格"})
    assert ok.status_code == 302

    public = results.test_client().get("/u/DEMO-G01/you-said-we-did")
    html = public.get_data(as_text=True)
    assert public.status_code == 200
    assert "每月一次会员座谈" in html and "已验收" in html
    assert "座谈会已开三次" not in html and "纪要.pdf" not in html  # notes stay internal
    assert results.test_client().get("/u/DEMO-G01/you-said-we-did/qr.svg").mimetype == (
        "image/svg+xml")
    assert results.test_client().get("/y/DEMO-G01").status_code == 302


def test_public_page_publishes_nothing_the_report_suppresses(results):
    with results.test_request_context():
        g02 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G02"))
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "TEST-MEMBER-2026"))
        from survey_app.reports.queries import campaign_report

        report = campaign_report(campaign, language="zh")
        assert not report.is_published(report.unit_id("DEMO-G02"))
        db.session.add(ImprovementAction(organisation_id=g02.id, campaign_id=campaign.id,
                                         source_kind="item", source_ref="overall_sat",
                                         baseline=0.5, title="改进食堂", status="planned",
                                         owner_name="李四", due_on=date.today()))
        db.session.commit()
        page = q.public_page(g02)
        assert page.latest is None and page.previous is None and page.withheld
        assert page.effects == {next(iter(page.effects)): None}
    html = results.test_client().get("/u/DEMO-G02/you-said-we-did").get_data(as_text=True)
    assert "参评人数太少" in html and "改进食堂" in html
    assert not re.search(r"\d+\.\d%", html)  # no rate at all
    assert "50.0" not in html  # not even the baseline typed into the action

    shown = results.test_client().get("/u/DEMO-G01/you-said-we-did").get_data(as_text=True)
    with results.test_request_context():
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        latest = q.public_page(g01).latest
        assert f"{latest.overall:.1f}" in shown
        assert latest.campaign.code == "TEST-MEMBER-2026"


def test_export_columns_and_formula_neutralising(results, runner, tmp_path):
    client = _login(results, "g01_admin", "demo-g01-2026")
    first = _suggest(client, results)[0]
    client.post(f"/improvement/action/{first}/plan",
                data=_plan_data(client, first, **{"p-title": "=HYPERLINK(\"x\")"}))
    out = tmp_path / "actions.csv"
    result = results.test_cli_runner().invoke(
        args=["actions", "export", "--format", "csv", "--org", "DEMO-D01", "--year", "2025",
              "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == q.EXPORT_COLUMNS
    planned = next(r for r in rows if r["status"] == "planned")
    assert planned["title"].startswith("'=")
    assert planned["overdue"] == "False" and planned["owner"].startswith("张三")
    assert planned["after"] != ""  # TEST-MEMBER-2026 is published
    xlsx = tmp_path / "actions.xlsx"
    result = results.test_cli_runner().invoke(
        args=["actions", "export", "--format", "xlsx", "--out", str(xlsx)])
    assert result.exit_code == 0 and xlsx.read_bytes().startswith(b"PK")
    none = results.test_cli_runner().invoke(args=["actions", "export", "--format", "csv",
                                                  "--org", "NOPE"])
    assert none.exit_code != 0 and "unknown unit" in none.output


def test_digest_reminders_show_to_the_upper_union(results):
    client = _login(results, "g01_admin", "demo-g01-2026")
    first = _suggest(client, results)[0]
    client.post(f"/improvement/action/{first}/plan", data=_plan_data(client, first))
    with results.app_context():
        due = db.session.get(ImprovementAction, first).due_on
    result = results.test_cli_runner().invoke(args=["actions", "digest"])
    assert result.exit_code == 0 and "0 notifications" in result.output  # due in 90 days
    with results.test_request_context():
        from survey_app.improvement.operations import record_digest

        # the unit's union admins (g01_admin and the partnering demo's partner_g01) and the
        # district's admin above it
        assert record_digest(due + timedelta(days=1)) == 3
        db.session.commit()
    district = _login(results, "district_admin", "demo-district-2026")
    page = district.get("/improvement/notifications").get_data(as_text=True)
    assert "每月一次会员座谈" in page and "已逾期" in page and "<strong>新</strong>" in page
    district.post("/improvement/notifications/read",
                  data={"n-csrf_token": csrf_token_from(page)})
    assert "<strong>新</strong>" not in district.get("/improvement/notifications").get_data(
        as_text=True)
    assert "每月一次会员座谈" not in _login(results, "city_admin", "demo-city-2026").get(
        "/improvement/notifications").get_data(as_text=True)


def test_a_new_action_from_a_veto_finding_and_its_refusals(results):
    client = _login(results, "g01_admin", "demo-g01-2026")
    page = client.get("/improvement/unit/DEMO-G01").get_data(as_text=True)
    unit = re.search(r'name="n-owner_unit"[^>]*>\s*<option[^>]*value="(\d+)"', page).group(1)
    data = {"n-csrf_token": csrf_token_from(page), "n-source_kind": "veto",
            "n-source_label": "安全生产一票否决整改", "n-title": "完善劳动保护监督检查制度",
            "n-owner_name": "", "n-owner_unit": unit,
            "n-due_on": (date.today() + timedelta(days=30)).isoformat()}
    refused = client.post("/improvement/unit/DEMO-G01/new", data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "请填写责任人。" in _errors(html)
    assert 'value="完善劳动保护监督检查制度"' in html and 'value="安全生产一票否决整改"' in html
    figure = client.post("/improvement/unit/DEMO-G01/new",
                         data=data | {"n-owner_name": "王五", "n-source_kind": "item"})
    assert figure.status_code == 400  # survey figures come from the suggestions only
    created = client.post("/improvement/unit/DEMO-G01/new", data=data | {"n-owner_name": "王五"})
    assert created.status_code == 302
    with results.app_context():
        action = db.session.scalar(select(ImprovementAction))
        assert (action.source_kind, action.status, action.owner_name) == ("veto", "planned",
                                                                           "王五")
    other = client.post("/improvement/unit/DEMO-G03/new", data=data | {"n-owner_name": "王五"})
    assert other.status_code == 403
