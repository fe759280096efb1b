"""Faults: a database that is briefly unavailable, and a server killed in the middle of a load."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from survey_app.extensions import db
from survey_app.models import Response
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID

ROOT = Path(__file__).parents[2]


def test_database_outage_gives_a_clear_503(demo, client, codes, monkeypatch):
    token = csrf_token_from(client.get(f"/s/{codes[0]}").get_data(as_text=True))

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    monkeypatch.setattr(db.session, "scalar", down)
    monkeypatch.setattr(db.session, "connection", down)
    with demo.app_context():  # the member path's statements run on the driver's connection
        monkeypatch.setattr(db.engine, "raw_connection", down)
    response = client.post(f"/s/{codes[0]}", data={"csrf_token": token, "action": "submit", **VALID})
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "服务暂时不可用" in html and "Traceback" not in html and "OperationalError" not in html
    monkeypatch.undo()
    # The code is still unused, so the member can resubmit the answers the browser kept.
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    again = client.post(f"/s/{codes[0]}", data={"csrf_token": token, "action": "submit", **VALID})
    assert again.status_code == 302


class BrokenCursor:
    """A driver cursor whose statements fail the way a lost server connection does."""

    def __init__(self, error):
        self.error = error

    def execute(self, *args, **kwargs):
        raise self.error

    def close(self):
        pass


def test_a_driver_error_mid_statement_is_a_503_and_stores_nothing(demo, client, codes,
                                                                  monkeypatch):
    """An error the driver raises (not SQLAlchemy) on the member path still gives the 503
    page, leaves the code unused, and the connection it came from is not reused if the
    error says it is dead."""
    token = csrf_token_from(client.get(f"/s/{codes[0]}").get_data(as_text=True))
    with demo.app_context():
        engine = db.engine
        dbapi = engine.dialect.loaded_dbapi
        real_raw = engine.raw_connection
        handed_out = []

        def raw_connection():
            raw = real_raw()
            handed_out.append(raw.dbapi_connection)
            monkeypatch.setattr(raw, "cursor", lambda: BrokenCursor(
                dbapi.OperationalError("server closed the connection unexpectedly")))
            return raw

        monkeypatch.setattr(engine, "raw_connection", raw_connection)
        monkeypatch.setattr(engine.dialect, "is_disconnect", lambda *a: True)
    response = client.post(f"/s/{codes[0]}", data={"csrf_token": token, "action": "submit", **VALID})
    assert response.status_code == 503
    assert "服务暂时不可用" in response.get_data(as_text=True)
    monkeypatch.undo()
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
        with db.engine.connect() as conn:  # the dead connection left the pool
            assert conn.connection.dbapi_connection not in handed_out
    assert client.post(f"/s/{codes[0]}", data={"csrf_token": token, "action": "submit",
                                               **VALID}).status_code == 302


def test_unreachable_database_server_is_503_not_a_stack_trace(tmp_path):
    from survey_app import create_app
    from survey_app.config import TestConfig

    app = create_app(TestConfig("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1"))
    response = app.test_client().get("/s/ABCDEFGHJKMNPQ")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.get_data(as_text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(db_url: str, port: int, log) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_url, PINGJIA_ENV="production",
               SECRET_KEY="test-secret-for-the-kill-test", SESSION_COOKIE_SECURE="0",
               RATELIMIT_ENABLED="0")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}",
         "survey_app:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


@pytest.mark.slow
def test_sigkill_mid_load_loses_no_acknowledged_submission(app, runner, tmp_path, database_url):
    """Submit from 8 threads, kill -9 the server in the middle, restart it: every submission
    that got its thank-you redirect is in the database, and the app starts cleanly."""
    from demo import load_demo
    from survey_app.member_surveys.operations import issue_codes
    from survey_app.models import Organisation
    from tests.surveys.conftest import make_campaign

    with app.app_context():
        load_demo(campaigns=False)
        campaign = make_campaign()
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        codes = issue_codes(campaign, g01, 400)
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")
    server = _start_server(database_url, port, log)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def member(batch: list[str]) -> None:
        for code in batch:
            if stop.is_set():
                return
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            try:
                html = opener.open(f"http://127.0.0.1:{port}/s/{code}", timeout=5).read().decode()
                body = urllib.parse.urlencode({"csrf_token": csrf_token_from(html), "action": "submit", **VALID}).encode()
                reply = opener.open(f"http://127.0.0.1:{port}/s/{code}", body, timeout=5)
                if reply.status == 200 and reply.geturl().endswith("/thanks"):
                    with lock:
                        acknowledged.append(code)
            except (OSError, http.client.HTTPException, AssertionError):
                continue

    threads = [threading.Thread(target=member, args=(codes[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    deadline = time.time() + 20
    while len(acknowledged) < 30 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=20)
    assert len(acknowledged) >= 30
    from survey_app.member_surveys.codes import code_hash

    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM responses")).scalar()
        used = {row[0] for row in conn.execute(text("SELECT code_hash FROM access_codes WHERE used"))}
    engine.dispose()
    assert {code_hash(c) for c in acknowledged} <= used  # every acknowledged code is consumed...
    assert stored == len(used)  # ...and each consumed code has exactly one stored response
    assert stored >= len(acknowledged)
    restarted = _start_server(database_url, port, log)
    try:
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).status == 200
    finally:
        os.killpg(restarted.pid, signal.SIGKILL)
        restarted.wait(timeout=10)
        log.close()
    server_log = (tmp_path / "server.log").read_text(errors="replace")
    assert not re.search("|".join(codes[:50]), server_log)
