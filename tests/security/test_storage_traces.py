"""What the database files keep: read the raw SQLite files (the database and its
write-ahead log) as someone with a copy of them would, and look for a draft's text, a code
next to its response, and the order in which responses arrived.

SQLite only (the files are the point); PostgreSQL's side is the xmin and heap-order check
at the end, which reads the system columns a database superuser sees.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from demo import load_demo
from survey_app import create_app
from survey_app.campaigns.operations import transition
from survey_app.config import TestConfig
from survey_app.database import checkpoint
from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from survey_app.member_surveys.operations import issue_codes
from survey_app.models import Campaign, Organisation
from tests.conftest import csrf_token_from, on_postgresql
from tests.surveys.conftest import VALID, make_campaign

N = 60
sqlite_only = pytest.mark.skipif(on_postgresql(), reason="reads SQLite's files")


def _submit(client, code: str, action: str = "submit", **answers) -> int:
    token = csrf_token_from(client.get(f"/s/{code}").get_data(as_text=True))
    data = {"csrf_token": token, "action": action, **answers}
    return client.post(f"/s/{code}", data=data).status_code


@pytest.fixture
def files(tmp_path):
    """An app on an SQLite file with an open campaign and N codes; the file's path."""
    path = tmp_path / "traces.sqlite"
    app = create_app(TestConfig(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        load_demo(campaigns=False)
        campaign = make_campaign()
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        codes = issue_codes(campaign, g01, N)
        campaign_id = campaign.id
    yield app, path, codes, campaign_id
    with app.app_context():
        db.engine.dispose()


def _raw(path: Path) -> tuple[bytes, bytes]:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else b""


def _pages(data: bytes, size: int = 4096) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@sqlite_only
def test_connections_overwrite_deleted_content(files):
    app, _path, _codes, _campaign = files
    with app.app_context():
        assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1


@sqlite_only
def test_no_draft_text_and_no_code_next_to_its_response_in_the_files(files):
    app, path, codes, _campaign = files
    client = app.test_client()
    assert _submit(client, codes[0], action="save", keep="DRAFT-TEXT-4711") == 302
    with app.app_context():
        assert checkpoint(db.engine)
    database, _wal = _raw(path)
    assert b"DRAFT-TEXT-4711" in database  # the draft is on disk while it is kept
    assert _submit(client, codes[0], **dict(VALID, keep="ANSWER-0815")) == 302
    hashed = code_tools.code_hash(codes[0]).encode()
    database, wal = _raw(path)
    # the log holds the transaction's pages side by side: the code's row and the response
    assert hashed in wal and b"ANSWER-0815" in wal
    assert b"DRAFT-TEXT-4711" not in wal  # the cleared draft was zeroed in the new page
    with app.app_context():
        assert checkpoint(db.engine)
    database, wal = _raw(path)
    assert wal == b""  # truncated: no frames of that transaction, side by side
    assert b"DRAFT-TEXT-4711" not in database  # overwritten with zeros, not left in the page
    assert hashed in database  # the code's row: the hash, used, no draft
    response_pages = [p for p in _pages(database) if b"ANSWER-0815" in p]
    assert len(response_pages) == 1 and hashed not in response_pages[0]


@sqlite_only
def test_the_sweeper_truncates_the_log_soon_after_a_write(files):
    app, path, codes, _campaign = files
    swept = create_app(TestConfig(app.config["SQLALCHEMY_DATABASE_URI"]).as_dict()
                       | {"SQLITE_CHECKPOINT_SECONDS": 0.2})
    client = swept.test_client()
    assert _submit(client, codes[1], **dict(VALID, keep="SWEPT-1")) == 302
    assert _raw(path)[1] != b""
    deadline = time.monotonic() + 10
    while _raw(path)[1] and time.monotonic() < deadline:
        time.sleep(0.1)
    database, wal = _raw(path)
    assert wal == b"" and b"SWEPT-1" in database
    with swept.app_context():
        db.engine.dispose()


def _later_rows_sit_lower(database: bytes, markers: dict[bytes, int]) -> tuple[int, int]:
    """Pairs of responses in one page, and how many of them have the later arrival at the
    lower offset (SQLite fills a page's cell area from its end towards its start)."""
    found = [(markers[m.group(0)], m.start()) for m in re.finditer(rb"ARRIVAL-\d{3}", database)]
    same = later_lower = 0
    for a, (i, at_i) in enumerate(found):
        for j, at_j in found[a + 1:]:
            if at_i // 4096 == at_j // 4096:
                same += 1
                later_lower += (i < j) == (at_i > at_j)
    return same, later_lower


@sqlite_only
def test_closing_the_campaign_leaves_no_arrival_order_in_the_file(files):
    """While answers arrive, the position of a response inside its page partly follows its
    arrival (SQLite fills a page's cell area from the end; a page split re-sorts it by key):
    in measured runs 54-82% of same-page pairs had the later arrival at the lower offset.
    Closing rewrites the rows in random-id order: a coin toss (50%) is left."""
    app, path, codes, campaign_id = files
    client = app.test_client()
    markers = {}
    for i, code in enumerate(codes):
        markers[f"ARRIVAL-{i:03d}".encode()] = i
        assert _submit(client, code, **dict(VALID, keep=f"ARRIVAL-{i:03d}")) == 302
    with app.app_context():
        transition(db.session.get(Campaign, campaign_id), "closed")
    database, wal = _raw(path)
    assert wal == b""
    assert sum(database.count(m) for m in markers) == N  # one copy of each, nothing left over
    same, later_lower = _later_rows_sit_lower(database, markers)
    # random ids: the share has mean 0.5 and a standard deviation near 0.05 at N = 60
    assert same > 50 and 0.3 < later_lower / same < 0.7


@pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's system columns")
def test_closing_gives_every_response_one_transaction_id_and_id_order(demo, client, codes,
                                                                     campaign):
    """On PostgreSQL the statement that uses a code stores its response: both rows carry
    that transaction's id (xmin), and the heap keeps arrival order. After closing, the
    campaign's responses share one xmin, and their physical order follows the random id."""
    for i, code in enumerate(codes):
        assert _submit(client, code, **dict(VALID, keep=f"P{i}")) == 302
    with demo.app_context():
        before = db.session.execute(text(
            "SELECT r.xmin::text FROM responses r")).scalars().all()
        codes_xmin = set(db.session.execute(text(
            "SELECT xmin::text FROM access_codes WHERE used")).scalars())
        assert set(before) == codes_xmin  # the link a superuser sees while answers arrive
        transition(db.session.get(Campaign, campaign), "closed")
        rows = db.session.execute(text(
            "SELECT xmin::text, id FROM responses ORDER BY ctid")).all()
    assert len({x for x, _ in rows}) == 1 and not {x for x, _ in rows} & codes_xmin
    assert [i for _, i in rows] == sorted(i for _, i in rows)


def test_sealing_again_from_the_command_line_refuses_an_open_campaign(demo, client, codes,
                                                                     campaign):
    for code in codes[:3]:
        assert _submit(client, code, **VALID) == 302
    runner = demo.test_cli_runner()
    refused = runner.invoke(args=["codes", "seal", "--campaign", "TEST-MEMBER"])
    assert refused.exit_code != 0 and "still takes answers" in refused.output
    with demo.app_context():
        transition(db.session.get(Campaign, campaign), "closed")
    sealed = runner.invoke(args=["codes", "seal", "--campaign", "TEST-MEMBER"])
    assert sealed.exit_code == 0 and sealed.output.strip() == "3 responses rewritten"
    with demo.app_context():
        assert db.session.execute(text("SELECT count(*) FROM responses")).scalar() == 3


@sqlite_only
def test_a_busy_checkpoint_gives_up_quickly_and_the_sweeper_tries_again(files):
    """While it waits for readers a checkpoint holds new writers back, so the sweeper
    waits briefly, reports the log not truncated, and schedules another sweep."""
    import sqlite3

    from survey_app.database import SWEEP_BUSY_MS, WalSweeper

    app, path, codes, _campaign = files
    assert _submit(app.test_client(), codes[2], **VALID) == 302
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM responses").fetchone()  # holds a snapshot
    assert _submit(app.test_client(), codes[3], **VALID) == 302  # a frame the reader lacks
    with app.app_context():
        started = time.monotonic()
        assert checkpoint(db.engine, busy_ms=SWEEP_BUSY_MS) is False
        assert time.monotonic() - started < 2
        sweeper = WalSweeper(db.engine, interval=60)
        sweeper.sweep()
        assert sweeper._timer is not None  # another sweep is scheduled
        sweeper.cancel()
        reader.execute("COMMIT")
        reader.close()
        assert checkpoint(db.engine, busy_ms=SWEEP_BUSY_MS) is True
    assert _raw(path)[1] == b""
