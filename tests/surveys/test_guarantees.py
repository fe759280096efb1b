"""Guarantees of the member path: one response per code under concurrency, no code in any
log, nothing identifying in the stored response."""

import logging
import re
import threading
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import func, inspect, select
from werkzeug.serving import make_server

from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from survey_app.models import AccessCode, Response
from survey_app.security import RedactCodesFilter, redact
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID


def test_code_alphabet_and_entropy():
    assert code_tools.ENTROPY_BITS >= 64
    assert not set("0O1IL") & set(code_tools.ALPHABET)
    codes = {code_tools.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(code_tools.is_well_formed(c) for c in codes)


def test_codes_are_stored_only_as_hashes(demo, codes):
    with demo.app_context():
        stored = [row.code_hash for row in db.session.scalars(select(AccessCode))]
        assert len(stored) == 5
        for code in codes:
            assert code not in stored
            assert code_tools.code_hash(code) in stored
        # Nothing in any table holds a plain code.
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                text = " ".join(str(v) for v in row)
                assert not any(code in text for code in codes), table.name


def test_twenty_concurrent_submissions_of_one_code_store_one_response(demo, codes):
    code = codes[3]
    clients, tokens = [], []
    for _ in range(20):
        c = demo.test_client()
        tokens.append(csrf_token_from(c.get(f"/s/{code}").get_data(as_text=True)))
        clients.append(c)
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def submit(client, token):
        barrier.wait()
        response = client.post(f"/s/{code}", data={"csrf_token": token, "action": "submit", **VALID})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(c, t)) for c, t in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [302] + [409] * 19
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_responses_table_keeps_no_identity(demo, client, codes):
    client.post(f"/s/{codes[0]}", data={
        "csrf_token": csrf_token_from(client.get(f"/s/{codes[0]}").get_data(as_text=True)),
        "action": "submit", **VALID}, headers={"User-Agent": "IdentifyingBrowser/1.0"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    with demo.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
        assert columns == {"id", "campaign_id", "target_id", "rater_group_id",
                           "questionnaire_version_id", "submitted_on", "answers", "item_values"}
        row = db.session.execute(select(Response.__table__)).one()
        text = " ".join(str(v) for v in row)
        for needle in (codes[0], "IdentifyingBrowser", "10.1.2.3", "demo-"):
            assert needle not in text
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(row.submitted_on))


def test_redaction_filter_for_werkzeug_and_gunicorn_records():
    code = "ABCDEFGHJKMNPQ"
    werkzeug = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                                 ("127.0.0.1", "24/Nov/2026", f"GET /s/{code} HTTP/1.1", "200", "-"), None)
    gunicorn = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(s)s",
                                 None, None)
    gunicorn.args = {"r": f"POST /s/{code}?x=1 HTTP/1.1", "s": "302", "U": f"/s/{code}"}
    flt = RedactCodesFilter()
    assert flt.filter(werkzeug) and flt.filter(gunicorn)
    assert code not in werkzeug.getMessage() and "/s/[redacted]" in werkzeug.getMessage()
    assert code not in gunicorn.getMessage() and code not in str(gunicorn.args)
    assert redact(f"Exception on /s/{code} [POST]") == "Exception on /s/[redacted] [POST]"
    # percent-encoded member paths reach the member page too, so they are redacted as well
    for path in (f"/%73/{code}", f"/s%2F{code}", f"/s/%{ord(code[0]):02X}{code[1:]}"):
        assert code[1:] not in redact(f"GET {path} HTTP/1.1"), path
        assert "/s/[redacted]" in redact(f"GET {path} HTTP/1.1")
    assert redact("ua 100%25 sure") == "ua 100%25 sure"  # other values are left as they are


def test_percent_encoded_member_paths_are_routed_to_the_member_page(demo, client, codes):
    """Why redaction decodes: the encoded path opens the same form."""
    assert client.get(f"/%73/{codes[0]}").status_code == 200


@pytest.fixture
def live_server(demo):
    server = make_server("127.0.0.1", 0, demo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_no_code_reaches_the_server_log(live_server, codes, caplog):
    """A real HTTP server: open, fail validation, save, submit, reuse; grep every log line."""
    caplog.set_level(logging.DEBUG)
    code = codes[4]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(path, data=None):
        body = None if data is None else urllib.parse.urlencode(data).encode()
        try:
            with opener.open(live_server + path, body, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    status, html = request(f"/s/{code}")
    assert status == 200
    token = csrf_token_from(html)
    assert request(f"/s/{code}", {"csrf_token": token, "action": "submit", "q1": "basic"})[0] == 422
    assert request(f"/s/{code}", {"csrf_token": token, "action": "save", "q1": "basic"})[0] == 200
    assert request(f"/s/{code}", {"csrf_token": token, "action": "submit", **VALID})[0] == 200
    fresh = urllib.request.build_opener()
    try:
        fresh.open(live_server + f"/s/{code}", timeout=10)
    except urllib.error.HTTPError as e:
        assert e.code == 409
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/s/[redacted]" in logged  # the requests were logged...
    assert code not in logged and code_tools.display(code) not in logged  # ...without the code
