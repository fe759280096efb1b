"""The curious administrator: nothing a staff role can reach changes when one member submits.

For every staff role of the demo, the test reads every page it can reach by following links
from its home page (and every chart and export of the open campaign, asked for directly),
then one member answers the open member campaign with a code, then it reads them all again.
Only CSRF tokens and CSP nonces may differ: the release policy
(:mod:`survey_app.release_policy`) shows no figure of an open campaign to anyone, and the
participation counts are a day old and rounded to bands of five, so one submission moves
nothing (docs/anonymity.md, "Release policy").
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import numpy as np
import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db as _db
from survey_app.models import Campaign, Organisation, Response
from tests.conftest import SERVER_DB_URL, csrf_token_from

OPEN = "DEMO-MEMBER-2026"
TARGET = "DEMO-G01"  # no responses yet in the demo: one answer is the whole group

ROLES = {
    "admin": "demo-admin-2026",
    "city_admin": "demo-city-2026",
    "district_admin": "demo-district-2026",
    "g01_admin": "demo-g01-2026",
    "analyst": "demo-analyst-2026",
    "evaluator_g01": "demo-eval-2026",
}
#: Links a crawl must not follow: they change state or the session (all POST-only anyway,
#: or GET pages whose content is not about answers).
#: Downloads that are themselves audited (the audit log's and the security events' CSV) are
#: left out: each one adds an entry, so the logs would never read the same twice.
SKIP = re.compile(r"^/(static/|auth/logout|s/|o/|lang|thanks|privacy)|/export\.(pdf|sav)"
                  r"|^/(audit|admin/security-events)[^?]*\.csv")
#: Other campaigns' charts, exports and unit pages: their figures were frozen when they
#: closed (their overview pages are still read); reading them all would take minutes.
OTHER = re.compile(rf"^/reports/(?!{OPEN}/)[^/]+/(export|charts|units|heatmap)")
MAX_PAGES = 150
#: The audit log and the security events (compared separately, see the test).
LOGS = re.compile(r"^/(audit/|admin/security-events)")

# Markup that legitimately differs between two reads of the same page.
NOISE = [
    (re.compile(r'name="([\w-]*csrf_token)"[^>]*value="[^"]+"'), r'name="\1"'),
    (re.compile(r'value="[^"]+"([^>]*name="[\w-]*csrf_token")'), r"\1"),
    (re.compile(r'<meta name="csrf-token" content="[^"]+"'), "<meta csrf>"),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
]


def _normal(body: bytes, mimetype: str) -> bytes:
    if "spreadsheetml" in mimetype:  # the workbook's cells, not its zip (creation times)
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(body), read_only=True)
        return repr([list(ws.iter_rows(values_only=True)) for ws in book.worksheets]).encode()
    if not mimetype.startswith("text/"):
        return body
    out = body.decode("utf-8", "replace")
    for pattern, repl in NOISE:
        out = pattern.sub(repl, out)
    return out.encode()


@pytest.fixture(scope="module")
def world(tmp_path_factory, _server_schema):
    url = _server_schema or f"sqlite:///{tmp_path_factory.mktemp('curious') / 'demo.sqlite'}"
    app = create_app(TestConfig(url))
    with app.app_context():
        if not SERVER_DB_URL:
            _db.create_all()
        from demo import load_demo

        load_demo()
        campaign = _db.session.scalar(select(Campaign).where(Campaign.code == OPEN))
        extra = [f"/reports/{OPEN}/", f"/reports/{OPEN}/units/{TARGET}",
                 f"/reports/{OPEN}/heatmap", f"/campaigns/{campaign.id}",
                 f"/surveys/{campaign.id}/participation", f"/surveys/{campaign.id}/codes",
                 f"/campaigns/{campaign.id}/reminders", f"/campaigns/{campaign.id}/progress",
                 f"/campaigns/{campaign.id}/comments"]
        target = _db.session.scalar(select(Organisation).where(Organisation.code == TARGET))
        extra.append(f"/campaigns/{campaign.id}/results/{target.id}")
        for fmt in ("csv", "xlsx", "parquet"):
            extra.append(f"/reports/{OPEN}/export.{fmt}")
            extra.append(f"/reports/{OPEN}/export.{fmt}?unit={TARGET}")
        for chart in ("participation", "dimensions", "distribution", "ranking", "groups"):
            extra.append(f"/reports/{OPEN}/charts/{chart}.png?unit={TARGET}")
        _db.session.remove()
    yield app, extra
    with app.app_context():
        if SERVER_DB_URL:
            tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _db.session.remove()
        _db.engine.dispose()


def _login(app, username: str):
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    r = client.post("/auth/login", data={"username": username, "password": ROLES[username],
                                         "csrf_token": token})
    assert r.status_code in (302, 303), username
    return client


def _links(html: str, here: str) -> list[str]:
    out = []
    for href in re.findall(r'(?:href|src)="([^"#]+)"', html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(urljoin("http://localhost" + here, href))
        if parts.netloc not in ("", "localhost"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(parts.path) and not OTHER.search(parts.path):
            out.append(path)
    return out


def _crawl(client, extra: list[str]) -> dict[str, tuple[int, bytes]]:
    """Every page reachable from ``/`` (breadth first, at most MAX_PAGES), plus ``extra``.
    Pages about the open campaign are read first, so the cap never leaves them out."""
    seen: dict[str, tuple[int, bytes]] = {}
    queue = deque(["/", *extra])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        r = client.get(url)
        seen[url] = (r.status_code, _normal(r.get_data(), r.mimetype or ""))
        if r.mimetype == "text/html" and r.status_code == 200:
            found = _links(r.get_data(as_text=True), url)
            first = [u for u in found if OPEN in u]
            queue.extendleft(reversed(first))
            queue.extend(u for u in found if OPEN not in u)
    return seen


def _hand_out_one_code(app) -> tuple[str, dict]:
    """A code for the target, issued (a staff action, audited) before anything is read, and
    one member's answers with a comment."""
    from analysis.synthetic import synthetic_answers
    from survey_app.member_surveys.operations import issue_codes
    from survey_app.questionnaire_versions import questionnaire_of

    with app.app_context():
        campaign = _db.session.scalar(select(Campaign).where(Campaign.code == OPEN))
        target = _db.session.scalar(select(Organisation).where(Organisation.code == TARGET))
        code = issue_codes(campaign, target, 1)[0]
        questionnaire = questionnaire_of(campaign.rater_groups[0].questionnaire_version)
        answers = synthetic_answers(questionnaire, np.random.default_rng(1), 0.0,
                                    na_rate=0.0, missing_rate=0.0)
        answers["improve"] = "食堂饭菜太贵，主席张三从来不管"  # a comment, too
        _db.session.commit()
        before = _db.session.scalar(select(Response.id).where(
            Response.campaign_id == campaign.id, Response.target_id == target.id))
        assert before is None, "the target must have no response before the test's"
    return code, answers


def _submit_one_member(app, code: str, answers: dict) -> None:
    with app.app_context():
        campaign = _db.session.scalar(select(Campaign).where(Campaign.code == OPEN))
        target = _db.session.scalar(select(Organisation).where(Organisation.code == TARGET))
    member = app.test_client()
    token = csrf_token_from(member.get(f"/s/{code}").get_data(as_text=True))
    form = MultiDict([("csrf_token", token), ("action", "submit")])
    for key, value in answers.items():
        for v in value if isinstance(value, list) else [value]:
            form.add(key, str(v))
    r = member.post(f"/s/{code}", data=form)
    assert r.status_code == 302 and r.headers["Location"].endswith("/thanks"), r.status_code
    with app.app_context():
        assert _db.session.scalar(select(Response.id).where(
            Response.campaign_id == campaign.id, Response.target_id == target.id)) is not None


def test_one_submission_changes_nothing_any_staff_role_can_read(world):
    app, extra = world
    code, answers = _hand_out_one_code(app)
    clients = {name: _login(app, name) for name in ROLES}
    # a first crawl finds the pages (and lets any page that records its own reading do so)
    found = {name: list(_crawl(client, extra)) for name, client in clients.items()}
    # Reading a page outside one's scope is itself logged (a security event): the logs are
    # read right before and right after the submission, with nothing else in between.
    logs = {name: [u for u in urls if LOGS.search(u)] for name, urls in found.items()}
    pages = {name: [u for u in urls if not LOGS.search(u)] for name, urls in found.items()}
    before = {name: {url: _read(client, url) for url in pages[name]}
              for name, client in clients.items()}
    logs_before = {name: {url: _read(client, url) for url in logs[name]}
                   for name, client in clients.items()}
    _submit_one_member(app, code, answers)
    for name, client in clients.items():
        changed = sorted(url for url in logs[name] if _read(client, url) != logs_before[name][url])
        assert not changed, f"{name} sees a change after one submission: {changed[:10]}"
    assert any(logs.values())  # the platform admin's audit log and security events were read
    for name, client in clients.items():
        changed = sorted(url for url in pages[name] if _read(client, url) != before[name][url])
        assert not changed, f"{name} sees a change after one submission: {changed[:10]}"
    # the crawl was not vacuous: the owner reached the open campaign's pages
    city = before["city_admin"]
    assert len(city) > 60
    assert city[extra[4]][0] == 200  # the participation page itself is readable
    assert city[f"/reports/{OPEN}/"][0] == 403  # and the report is not


def _read(client, url: str) -> tuple[int, bytes]:
    r = client.get(url)
    return r.status_code, _normal(r.get_data(), r.mimetype or "")
