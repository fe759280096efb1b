"""Hostile text typed or imported anywhere comes out escaped on every page that shows it."""

import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Campaign
from tests.conftest import csrf_token_from
from tests.surveys.conftest import SMALL, VALID, make_campaign

PAYLOADS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(\'x2\')>',
    "<svg onload=alert('x3')>",
    "javascript:alert('x4')",
    "<a href=\"javascript:alert('x5')\">点我</a>",
]


class _LiveMarkup(HTMLParser):
    """Collects what a browser would execute: script bodies, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag in ("svg", "img") and any(k.startswith("on") for k, _ in attrs):
            self.found.append(f"<{tag} on...>")
        for key, value in attrs:
            if key.startswith("on"):
                self.found.append(f"{tag} {key}")
            if key in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {key}=javascript:")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append("script body")


def assert_escaped(html: str) -> None:
    """No payload survives as live markup (parsed as a browser would, not by substring)."""
    parser = _LiveMarkup()
    parser.feed(html)
    assert parser.found == []


def _login(auth, user="admin", password="demo-admin-2026"):
    auth.login(user, password)


def test_organisation_names_from_csv_are_escaped(demo, client, auth):
    _login(auth)
    rows = "code,name,kind,parent_code,members\n" + "".join(
        f"XSS-{i},\"{p.replace(chr(34), chr(34) * 2)}\",grassroots_union,DEMO-D01,10\n" for i, p in enumerate(PAYLOADS))
    token = csrf_token_from(client.get("/orgs/import").get_data(as_text=True))
    response = client.post("/orgs/import", data={"csrf_token": token, "file": (io.BytesIO(rows.encode()), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get("/orgs/").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x1&#39;)&lt;/script&gt;" in html
    assert_escaped(html)


def test_questionnaire_labels_from_yaml_are_escaped(demo, client, auth, app):
    import yaml

    data = yaml.safe_load(SMALL)
    data["title"]["zh"] = PAYLOADS[0]
    data["sections"][0]["questions"][0]["label"]["zh"] = PAYLOADS[1]
    data["sections"][1]["questions"][0]["items"][0]["label"]["zh"] = PAYLOADS[2]
    data["sections"][1]["title"]["en"] = PAYLOADS[3]
    text = yaml.safe_dump(data, allow_unicode=True)
    with app.app_context():
        from questionnaires import load_questionnaire_text

        q = load_questionnaire_text(text, "x.yaml")
        campaign = make_campaign(code="XSS-Q", questionnaire=q)
        from survey_app.member_surveys.operations import issue_codes
        from survey_app.models import Organisation

        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        code = issue_codes(campaign, g01, 1)[0]
    member_page = client.get(f"/s/{code}").get_data(as_text=True)
    assert "&lt;script&gt;" in member_page
    assert_escaped(member_page)
    _login(auth)
    token = csrf_token_from(client.get("/questionnaires/").get_data(as_text=True))
    preview = client.post("/questionnaires/", data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "x.yaml")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert_escaped(preview)


def test_questionnaire_labels_from_xlsform_are_escaped(demo, client, auth):
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Chinese (zh)", "label::English (en)", "required"])
    survey.append(["begin_group", "g1", PAYLOADS[1], "Group", ""])
    survey.append(["select_one yn", "q1", PAYLOADS[2], "Question", "yes"])
    survey.append(["end_group", "", "", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Chinese (zh)", "label::English (en)"])
    choices.append(["yn", "y", PAYLOADS[0], "Yes"])
    choices.append(["yn", "n", "否", "No"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append([PAYLOADS[4], "xss_form", "1"])
    buffer = io.BytesIO()
    book.save(buffer)
    _login(auth)
    token = csrf_token_from(client.get("/questionnaires/").get_data(as_text=True))
    response = client.post("/questionnaires/", data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "x.xlsx")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert_escaped(html)
    if response.status_code == 200:
        assert "&lt;svg onload" in html


def test_free_text_answers_are_stored_verbatim_and_shown_escaped(demo, client, codes, app):
    token = csrf_token_from(client.get(f"/s/{codes[0]}").get_data(as_text=True))
    answers = dict(VALID, keep=PAYLOADS[0])
    # A failed submission re-shows the text the member typed: escaped.
    partial = dict(answers)
    del partial["q1"]
    html = client.post(f"/s/{codes[0]}", data={"csrf_token": token, "action": "submit", **partial}).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x1&#39;)&lt;/script&gt;" in html
    assert_escaped(html)
    # The draft page, after leaving and coming back, too.
    html = app.test_client().get(f"/s/{codes[0]}").get_data(as_text=True)
    assert_escaped(html)


def test_campaign_names_are_escaped(demo, client, codes, campaign):
    with demo.app_context():
        c = db.session.get(Campaign, campaign)
        c.name = PAYLOADS[0]
        db.session.commit()
    html = client.get(f"/s/{codes[0]}").get_data(as_text=True)
    assert "&lt;script&gt;" in html
    assert_escaped(html)


@pytest.mark.parametrize("path", ["/", "/auth/login", "/thanks", "/privacy"])
def test_security_headers_on_pages(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert re.search(r"script-src 'self'(;|$)", csp)  # no 'unsafe-inline', no nonce needed
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
