"""Benchmark plumbing at tiny sizes (no timing assertions)."""

from __future__ import annotations

import pytest

from benchmarks import analysis as bench_analysis
from benchmarks import common, ingest, run


def test_percentile_and_urls():
    assert common.percentile([], 50) is None
    assert common.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert common.percentile(list(map(float, range(101))), 99) == 99.0
    assert common.database_url("sqlite").startswith("sqlite:///")
    assert "pingjia_bench" in common.database_url("postgresql") or common.database_url(
        "postgresql").startswith("postgresql")
    assert common.database_url("sqlite", "sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(ValueError):
        common.database_url("mysql")


def test_small_campaign_report_and_floor(tmp_path, monkeypatch):
    from benchmarks import generate as g

    monkeypatch.setattr(g, "LEVEL_SIZES", (1, 3, 12, 40))
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    first = g.ensure_member_campaign(url, 300, seed=11, quiet=True)
    assert first["generated"] and first["responses"] == 300
    again = g.ensure_member_campaign(url, 300, seed=11, quiet=True)
    assert again == {"campaign": g.member_campaign_code(300, 11), "generated": False,
                     "responses": 300}
    code = g.member_campaign_code(300, 11)
    stages, summary, cpu = bench_analysis.campaign_report(url, code)
    assert set(cpu) == set(stages)
    assert summary["responses"] == 300 and summary["units"] > 0
    assert summary["suppressed_units"] >= 0 and summary["alpha_min"] > 0.5
    assert set(stages) == {"load_s", "score_s", "indices_s", "rollup_s", "reliability_s",
                           "disclosure_s"}
    floor = bench_analysis.floor_read(url, code)
    assert floor["rows"] == 300 and floor["fetchall_s"] >= 0
    from survey_app.reports.loading import load_campaign

    assert len(load_campaign(url, "BENCH-CROSS").responses) > 0
    four = load_campaign(url, "BENCH-FOUR").responses
    assert set(four["rater_group"]) == {"members", "party", "upper", "management"}


def test_ingest_forms_are_valid_and_log_check(tmp_path):
    from questionnaires import library, validate_answers

    q = library()["member_evaluation"]
    codes = [(5, "ABCDEFGHJKMNPQ"), (6, "BCDEFGHJKMNPQR")] * 10
    for fields in ingest.form_bodies(codes, 50):
        answers: dict = {}
        for k, v in fields:
            if k == "action":
                continue
            if k == "overall_why":
                answers.setdefault(k, []).append(v)
            else:
                answers[k] = v
        _cleaned, errors = validate_answers(q, answers)
        assert errors == {}
    log = tmp_path / "access.log"
    log.write_text('127.0.0.1 - - "GET /s/[redacted] HTTP/1.1" 200\n'
                   '127.0.0.1 - - "POST /s/ABCDEFGHJKMNPQ HTTP/1.1" 302\n')
    found = ingest.check_log(log, ["ABCDEFGHJKMNPQ"])
    assert found == {"access_log_lines": 2, "access_log_redacted_lines": 1,
                     "access_log_codes_found": 1}


def test_tables_render():
    a = {"db": "sqlite", "responses": 1_000_000, "load_s": 3.0, "floor_read_s": 2.0,
         "load_over_floor": 1.5, "compute_s": 1.9, "total_s": 4.9, "peak_rss_mb": 990.0,
         "loadavg_before": [1.0, 1.0, 1.0]}
    assert "| sqlite | 1,000,000 | 3.00 |" in run.analysis_table([a])
    assert "yes" in run.analysis_table([a])
    assert "**no**" in run.analysis_table([{**a, "total_s": 5.1}])
    assert "**no**" in run.analysis_table([{**a, "peak_rss_mb": 1100.0}])
    i = {"db": "postgresql", "clients": 32, "submissions_per_s": 120.0, "p50_ms": 100.0,
         "p99_ms": 300.0, "errors": 0, "acknowledged": 10, "stored": 10,
         "floor_inserts_per_s": 500.0, "access_log_codes_found": 0,
         "loadavg_before": [1.0, 1.0, 1.0]}
    assert "**no**" in run.ingest_table([i])
    fast = {**i, "submissions_per_s": 650.0, "p99_ms": 90.0, "floor_app_per_s": 800.0,
            "ratio_to_floor_app": 0.81}
    assert "| 800 | 0.81 |" in run.ingest_table([fast]) and "yes" in run.ingest_table([fast])
    assert "error" in run.analysis_table([{"db": "sqlite", "responses": 5, "error": "x"}])


def test_peak_rss_of_a_child_is_its_own_not_its_parents():
    """A benchmark child started by a parent that holds a lot of memory (data generation)
    must report its own peak, not the parent's high-water mark carried across exec."""
    import subprocess
    import sys

    parent = (
        "import subprocess, sys\n"
        "big = bytearray(400 * 2**20)\n"  # 400 MiB resident in the parent
        "big[::4096] = b'x' * len(big[::4096])\n"
        "out = subprocess.run([sys.executable, '-c', 'from benchmarks.common import peak_rss_mb;"
        " print(peak_rss_mb())'], capture_output=True, text=True, check=True).stdout\n"
        "print(out.strip())\n"
    )
    done = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True,
                          check=True, cwd=common.ROOT)
    assert 5 < float(done.stdout.strip()) < 200


def test_the_rules_benchmark_counts_the_pairs_it_makes():
    from benchmarks.rules import run
    from survey_app.campaigns.rules import random_tree, upper_pairs

    result = run(300)
    tree = random_tree(300, seed=11, max_children=30)
    assert result["units"] == 300
    assert result["pairs"] > len(upper_pairs(tree, [n for n, _ in tree]))
    assert result["cpu_seconds"] >= 0 and isinstance(result["target_met"], bool)


def _canned_server(replies: list[bytes]):
    """A one-connection-at-a-time server on 127.0.0.1 that answers each request with the
    next canned reply, closing after a reply that says ``Connection: close``. Returns
    (port, the requests it received, each as bytes)."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve():
        queue = list(replies)
        while queue:
            conn, _addr = listener.accept()
            with conn:
                data = b""
                while queue:
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    head, _, rest = data.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    while len(rest) < length:
                        rest += conn.recv(65536)
                    received.append(head + b"\r\n\r\n" + rest[:length])
                    data = rest[length:]
                    reply = queue.pop(0)
                    conn.sendall(reply)
                    if b"Connection: close" in reply:
                        break
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], received


def test_the_load_generators_connection_reads_each_kind_of_response():
    page = '<input name="csrf_token" type="hidden" value="tok-1">表'.encode()
    replies = [
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nSet-Cookie: lang=zh; Path=/\r\n"
        b"Set-Cookie: session=abc.def; HttpOnly; Path=/\r\n\r\n" % len(page) + page,
        b"HTTP/1.1 302 FOUND\r\nTransfer-Encoding: chunked\r\nLocation: /thanks\r\n"
        b"Connection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        b"HTTP/1.1 302 FOUND\r\nLocation: /done\r\n\r\n",  # no length: read to the close
    ]
    port, received = _canned_server(replies)
    conn = ingest.MemberConnection(port, "127.0.0.1", timeout=5)
    try:
        error, _get_ms, _post_ms = ingest.submit_one(conn, f"127.0.0.1:{port}", "CODE",
                                                     [("q1", "满意")])
        assert error is None
        assert conn.sock is None  # the server said close: the next request reconnects
        status, headers, body = conn.request("POST", "/floor", [], b"x=1")
        assert (status, headers["location"], body) == (302, ["/done"], b"")
    finally:
        conn.close()
    get, post, floor = received
    assert get.startswith(b"GET /s/CODE HTTP/1.1\r\n") and b"Content-Length" not in get
    assert b"\r\nCookie: session=abc.def\r\n" in post
    assert post.endswith(b"\r\n\r\ncsrf_token=tok-1&q1=%E6%BB%A1%E6%84%8F")
    assert b"\r\nContent-Length: 3\r\n" in floor and floor.endswith(b"x=1")
