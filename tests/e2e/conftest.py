"""Browser tests: a real server on a free port, Debian's chromium driven by Playwright.

* ``live_server``: the app with the full demo (tree, accounts, campaigns) on a fresh database,
  served by werkzeug's threaded server in a thread; stopped after the test. On SQLite the demo
  is loaded once per session into a template file, copied for every test; on a server database
  (``TEST_DATABASE_URL``) it is loaded for every test and the tables are emptied afterwards by
  the ``app`` fixture of ``tests/conftest.py``. A test fails if the server raised.
* ``browser``: one chromium per session (``/usr/bin/chromium``, never downloaded).
* ``open_page``: a page in a new browser context; every console error (CSP violations are
  console errors) and uncaught page error fails the test.
* ``shot``: full-page screenshots in ``tests/e2e/artifacts/``.

``make system-deps`` installs chromium, the CJK font and poppler-utils, and vendors axe-core.
"""

from __future__ import annotations

import re
import shutil
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import got_request_exception
from playwright.sync_api import expect
from sqlalchemy import Integer, insert, select, text
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from tests.conftest import SERVER_DB_URL

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
AXE_JS = next(iter(sorted((HERE / "vendor").glob("axe-core-*/axe.min.js"))), None)

# A busy 2-core CI machine is slow: assertions wait up to 10 s, like actions.
expect.set_options(timeout=10_000)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
OPEN_CAMPAIGN = "DEMO-MEMBER-2026"


# ---------------------------------------------------------------- database and server


def _load_full_demo() -> None:
    """The demo with its campaigns; the open member campaign is kept open whatever today is."""
    from demo import load_demo
    from survey_app.models import Campaign

    load_demo()
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == OPEN_CAMPAIGN))
    today = date.today()
    if not (campaign.opens_on <= today <= campaign.closes_on):
        campaign.opens_on, campaign.closes_on = today - timedelta(days=7), today + timedelta(30)
    db.session.commit()


@pytest.fixture(scope="session")
def _sqlite_demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("e2e-template") / "demo.sqlite"
    app = create_app(TestConfig(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        _load_full_demo()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path, _server_schema, request) -> str:
    """Overrides tests/conftest.py: on SQLite, a copy of the demo template."""
    if _server_schema:
        return _server_schema
    target = tmp_path / "e2e.sqlite"
    shutil.copyfile(request.getfixturevalue("_sqlite_demo_template"), target)
    return f"sqlite:///{target}"


class LiveServer:
    """The app in werkzeug's threaded server, on a free port of 127.0.0.1."""

    def __init__(self, app):
        self.app = app
        self.errors: list[BaseException] = []
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="e2e-server")

    def _record(self, sender, exception, **extra):
        self.errors.append(exception)

    def start(self) -> LiveServer:
        got_request_exception.connect(self._record, self.app)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        got_request_exception.disconnect(self._record, self.app)
        assert not self._thread.is_alive(), "the test server did not stop"

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def _server_demo_snapshot(_server_schema) -> dict[str, list[dict]]:
    """On a server database: the demo loaded once, kept as rows, and the tables emptied."""
    app = create_app(TestConfig(_server_schema))
    with app.app_context():
        _load_full_demo()
        snapshot = {t.name: [dict(row._mapping) for row in db.session.execute(select(t))]
                    for t in db.metadata.sorted_tables}
        db.session.remove()
        _truncate_all()
        db.engine.dispose()
    return snapshot


def _truncate_all() -> None:
    """The clean-up of tests/conftest.py's ``app`` fixture."""
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _restore(snapshot: dict[str, list[dict]]) -> None:
    """Put the snapshot's rows back (parents first) and move the id sequences past them."""
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            rows = _parents_first(table, snapshot.get(table.name) or [])
            if rows:
                conn.execute(insert(table), rows)
            for column in table.primary_key.columns:
                if isinstance(column.type, Integer) and rows:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                        f"'{column.name}'), (SELECT MAX(\"{column.name}\") FROM \"{table.name}\"))"))


def _parents_first(table, rows: list[dict]) -> list[dict]:
    """Rows of a self-referencing table (organisations: parent_id) with parents first."""
    links = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys
             if fk.column.table is table]
    if not links:
        return rows
    placed: set = set()
    ordered: list[dict] = []
    pending = list(rows)
    while pending:
        ready = [r for r in pending
                 if all(r[col] is None or r[col] in placed for col, _ in links)]
        assert ready, f"{table.name}: rows reference each other in a cycle"
        for r in ready:
            placed.add(r[links[0][1]])
        ordered.extend(ready)
        pending = [r for r in pending if r not in ready]
    return ordered


@pytest.fixture
def live_server(app, request):
    if SERVER_DB_URL:
        snapshot = request.getfixturevalue("_server_demo_snapshot")
        with app.app_context():
            _restore(snapshot)
    server = LiveServer(app).start()
    yield server
    server.stop()
    assert not server.errors, f"the server raised: {server.errors!r}"


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class ConsoleWatch:
    """Console errors and uncaught exceptions of one page.

    Chromium logs "Failed to load resource: ... status of 4xx" for a page that answered with
    an error status. Those are expected where the test navigates to a refusal (409) or posts
    an invalid form (422): such main-document responses are recorded and their messages
    ignored. Anything else (a CSP violation, a script error, a missing asset) is an error.
    """

    def __init__(self, page):
        self.page = page
        self.messages: list[str] = []
        self._error_documents: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.messages.append(f"pageerror: {exc}"))
        page.on("response", self._response)

    def _response(self, response):
        if response.status >= 400 and response.request.is_navigation_request():
            self._error_documents.add(response.url)

    def _console(self, msg):
        if msg.type not in ("error", "assert"):
            return
        text = msg.text
        url = (msg.location or {}).get("url", "")
        if text.startswith("Failed to load resource: the server responded with a status of 4") \
                and url in self._error_documents:
            return
        self.messages.append(f"console {msg.type}: {text} ({url})")

    def errors(self) -> list[str]:
        return list(self.messages)


@pytest.fixture
def open_page(browser, request):
    """open_page(viewport=PHONE) -> a Page in a new context, with its console watched."""
    contexts = []
    watches = []

    def _open(viewport=None, **context_args):
        context = browser.new_context(viewport=viewport or PHONE, locale="zh-CN",
                                      **context_args)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.console_watch = ConsoleWatch(page)
        watches.append(page.console_watch)
        return page

    yield _open
    for context in contexts:
        context.close()
    errors = [e for w in watches for e in w.errors()]
    assert not errors, "browser console errors:\n" + "\n".join(errors)


@pytest.fixture
def shot(request):
    """shot(page, "name") -> a full-page screenshot in tests/e2e/artifacts/<test>-NN-name.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    counter = {"n": 0}
    taken: list[Path] = []

    def _shot(page, name: str, full_page: bool = True) -> Path:
        counter["n"] += 1
        path = ARTIFACTS / f"{stem}-{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        taken.append(path)
        return path

    _shot.taken = taken
    return _shot


# ---------------------------------------------------------------- demo helpers


@pytest.fixture
def issue(live_server):
    """issue(n, unit="DEMO-G01", campaign=OPEN_CAMPAIGN) -> n fresh access codes."""
    from survey_app.member_surveys.operations import issue_codes
    from survey_app.models import Campaign, Organisation

    def _issue(n: int, unit: str = "DEMO-G01", campaign: str = OPEN_CAMPAIGN) -> list[str]:
        with live_server.app.app_context():
            c = db.session.scalar(select(Campaign).where(Campaign.code == campaign))
            org = db.session.scalar(select(Organisation).where(Organisation.code == unit))
            codes = issue_codes(c, org, n)
            db.session.remove()
            return codes

    return _issue


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/auth/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.form [type=submit]").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, f"login as {username} failed"


def campaign_id(app, code: str = OPEN_CAMPAIGN) -> int:
    from survey_app.models import Campaign

    with app.app_context():
        found = db.session.scalar(select(Campaign.id).where(Campaign.code == code))
        db.session.remove()
        return found


# ---------------------------------------------------------------- accessibility (axe-core)

AXE_PATH = "/__e2e__/axe.min.js"


def run_axe(page, base_url: str, context: str = "document") -> list[dict]:
    """axe-core's violations on the page. axe is served from the page's own origin by a
    Playwright route (from the vendored file, never the network), so the page's CSP stays on
    and still allows it: ``script-src 'self'``."""
    if AXE_JS is None:
        pytest.skip("axe-core is not vendored: run `make system-deps`")
    page.route(f"**{AXE_PATH}", lambda route: route.fulfill(
        path=str(AXE_JS), content_type="application/javascript; charset=utf-8"))
    page.add_script_tag(url=base_url + AXE_PATH)
    return page.evaluate(
        "async (context) => (await axe.run(context === 'document' ? document : context, "
        "{resultTypes: ['violations']})).violations", context)


def serious(violations: list[dict]) -> list[str]:
    """Serious and critical violations, one readable line per affected element."""
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {n['target']}: {n.get('failureSummary', '')}"
            for v in violations if v["impact"] in ("serious", "critical") for n in v["nodes"]]


def zh(app, text: str, **values) -> str:
    """``text`` as the Chinese UI shows it now (the English text where no translation exists
    yet): tests of pages still being translated find their labels either way."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh"):
        return gettext(text, **values)
