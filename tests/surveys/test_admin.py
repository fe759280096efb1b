"""Code administration: issuing (CLI and page), printable sheets, participation, scope."""

import csv
import io

from pypdf import PdfReader
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from survey_app.models import AccessCode, AuditEntry, Campaign, Organisation
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID


def test_cli_prints_exactly_n_codes_and_nothing_else(demo, campaign):
    result = demo.test_cli_runner().invoke(
        args=["codes", "issue", "--campaign", "TEST-MEMBER", "--unit", "DEMO-G02", "--count", "7"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 7 and len(set(lines)) == 7
    assert all(code_tools.is_well_formed(line) for line in lines)
    with demo.app_context():
        g02 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G02"))
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.target_id == g02.id)) == 7


def test_cli_refuses_a_unit_that_is_not_a_target(demo, campaign):
    result = demo.test_cli_runner().invoke(
        args=["codes", "issue", "--campaign", "TEST-MEMBER", "--unit", "DEMO-D01", "--count", "2"])
    assert result.exit_code != 0
    assert "not a target" in result.output


def _issue(client, campaign, target_code, fmt, count=10):
    page = client.get(f"/surveys/{campaign}/codes")
    html = page.get_data(as_text=True)
    with client.application.app_context():
        target = db.session.scalar(select(Organisation).where(Organisation.code == target_code))
    return client.post(f"/surveys/{campaign}/codes", data={
        "csrf_token": csrf_token_from(html), "target": target.id, "count": count, "fmt": fmt})


def test_admin_downloads_printable_sheet_with_qr_codes(demo, client, auth, campaign):
    auth.login("city_admin", "demo-city-2026")
    response = _issue(client, campaign, "DEMO-G01", "pdf", count=10)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2  # eight slips a page
    text = "".join(page.extract_text() for page in reader.pages)
    assert "参评码" in text and "测试会员评家" in text
    assert sum(len(page.images) for page in reader.pages) == 10  # one QR code per slip
    printed = set()
    for line in text.split():
        candidate = code_tools.normalise(line)
        if code_tools.is_well_formed(candidate):
            printed.add(candidate)
    with demo.app_context():
        stored = set(db.session.scalars(select(AccessCode.code_hash)))
        assert {code_tools.code_hash(c) for c in printed} <= stored
        assert len(printed) == 10
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "codes.issue"))


def test_admin_downloads_csv_and_a_code_from_it_works(demo, client, auth, campaign, app):
    auth.login("city_admin", "demo-city-2026")
    response = _issue(client, campaign, "DEMO-G03", "csv", count=3)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and rows[0]["unit_code"] == "DEMO-G03"
    assert rows[0]["url"].startswith("http://localhost/s/")
    member = app.test_client()
    code = rows[0]["code"]
    token = csrf_token_from(member.get(f"/s/{code}").get_data(as_text=True))
    assert member.post(f"/s/{code}", data={"csrf_token": token, "action": "submit", **VALID}).status_code == 302


def test_participation_counts(demo, client, auth, campaign, codes, app):
    member = app.test_client()
    token = csrf_token_from(member.get(f"/s/{codes[0]}").get_data(as_text=True))
    member.post(f"/s/{codes[0]}", data={"csrf_token": token, "action": "submit", **VALID})
    auth.login("city_admin", "demo-city-2026")
    html = client.get(f"/surveys/{campaign}/participation").get_data(as_text=True)
    with demo.app_context():
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        members = g01.members
    row = html[html.index("DEMO-G01"):].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split('class="num">')[1:]]
    # open: no used-code count, and today's answer is not counted yet (release policy)
    assert cells[:4] == ["5", "—", "≥ 0", str(members)]
    assert cells[4] == "0.0%"
    with demo.app_context():
        c = db.session.get(Campaign, campaign)
        c.status = "closed"
        db.session.commit()
    html = client.get(f"/surveys/{campaign}/participation").get_data(as_text=True)
    row = html[html.index("DEMO-G01"):].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split('class="num">')[1:]]
    assert cells[:4] == ["5", "1", "1", str(members)]  # closed: exact
    assert cells[4] == f"{100 / members:.1f}%"


def test_admin_of_another_subtree_is_refused(demo, client, auth, campaign):
    """The city's campaign covers DEMO-G01..G03; without G01 among its targets, G01's admin
    has nothing there (with it, see test_delegation.py)."""
    with demo.app_context():
        c = db.session.get(Campaign, campaign)
        for target in list(c.targets):
            if target.organisation.code == "DEMO-G01":
                db.session.delete(target)
        db.session.commit()
    auth.login("g01_admin", "demo-g01-2026")  # DEMO-G01 does not own the city's campaign
    assert client.get(f"/surveys/{campaign}/codes").status_code == 403
    assert client.get(f"/surveys/{campaign}/participation").status_code == 403


def test_members_and_evaluators_cannot_issue_codes(demo, client, auth, campaign):
    assert client.get(f"/surveys/{campaign}/codes").status_code == 302  # to login
    auth.login("evaluator_g01", "demo-eval-2026")
    assert client.get(f"/surveys/{campaign}/codes").status_code == 403


def test_unknown_campaign_is_404(demo, client, auth):
    auth.login("admin", "demo-admin-2026")
    assert client.get("/surveys/9999/codes").status_code == 404


def test_codes_csv_neutralises_unit_names_against_formulas(demo, client, auth, campaign, app):
    """A unit named like a formula (typed by whoever imported the tree) stays text in the
    code list that staff open in a spreadsheet."""
    evil = "\t=HYPERLINK(\"http://x.example\",\"点击\")"
    with app.app_context():
        unit = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G03"))
        unit.name = evil
        db.session.commit()
    auth.login("city_admin", "demo-city-2026")
    response = _issue(client, campaign, "DEMO-G03", "csv", count=2)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["unit_name"] for r in rows] == ["'" + evil] * 2
