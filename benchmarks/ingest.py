"""Benchmark 2: members submitting forms through the real app under gunicorn.

    python -m benchmarks.ingest --db postgresql --clients 32 --seconds 20 --json
    python -m benchmarks.ingest --db postgresql --servers 2 --json   # two server groups

A fresh open member campaign (``BENCH-INGEST-...``) gets one-time codes from
:func:`survey_app.member_surveys.operations.issue_codes`, in blocks per unit (a workplace hands
its codes out at a meeting, so answers come in bursts). gunicorn serves the app with
production settings (``gunicorn.conf.py``; ``PINGJIA_ENV=production``, a random
``SECRET_KEY``, ``SESSION_COOKIE_SECURE=0`` because the benchmark speaks plain HTTP).

Rate limits stay on, counted in Redis (``--redis``, default ``redis://127.0.0.1:6379/0``,
under a key prefix of the run's own). Every member comes from its own loopback address
(``127.x.y.z``: Linux routes the whole 127/8 to the loopback interface), like members on
their own phones: a new connection bound to that address carries the member's GET and POST.
``--rate-limits off`` turns them off, for comparison only.

Each client (a thread; the threads are spread over ``--client-processes`` load-generator
processes, 4 by default) takes a fresh code, GETs the form (CSRF token and session cookie),
and POSTs a complete member form with realistic answers (from :mod:`benchmarks.generate`),
expecting ``302`` to ``/thanks``. With ``--servers N`` the app runs as N gunicorn server
groups on N ports (each with ``--workers`` workers), all on the same database, and member
*i* goes to server *i mod N* (round-robin, like a load balancer).

Reported: ``submissions_per_s`` (acknowledged submissions / measured seconds), ``p50_ms``
and ``p99_ms`` of the submission (the POST), the same for the form GET and the whole
member round (GET + POST), ``errors``, ``acknowledged`` (302 to /thanks, warm-up included),
``stored`` (responses counted in the database afterwards), the access-log check (no code
may appear in it) and two floors measured in the same run after Pingjia's server has
stopped:

* ``floor_app_per_s``: the same gunicorn settings serving :mod:`benchmarks.floor_app`, a
  minimal Flask view that inserts the posted form as one row, driven by the same clients
  from the same addresses (one POST per member); ``ratio_to_floor_app`` is Pingjia's
  submissions per second over it;
* ``floor_inserts_per_s``: plain SQLAlchemy Core inserts of the same rows from one process,
  one transaction per row like a submission (plus a batched variant).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import queue
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

from benchmarks.common import (
    RESULTS,
    ROOT,
    Timer,
    cpu_seconds,
    database_url,
    db_kind,
    emit,
    loadavg,
    percentile,
)
from benchmarks.generate import (
    COMMENTS_IMPROVE,
    SEED,
    answer_matrix,
    ensure_schema,
    ensure_tree,
    item_table,
    make_app,
    unit_effects,
)

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CODE_RE = re.compile(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{14}")
N_TARGETS = 200
#: Load-generator processes the clients are spread over (see ``run_clients``).
CLIENT_PROCESSES = 4


# ---------------------------------------------------------------- setup


def setup_campaign(url: str, n_codes: int, seed: int = SEED) -> dict[str, Any]:
    """A new open member campaign over 200 units, ``n_codes`` codes issued through the app.

    Returns the campaign id and code, and the codes as ``(target_id, code)`` in issue order.
    """
    from sqlalchemy import select

    from benchmarks.generate import _campaign, _publish
    from survey_app.extensions import db
    from survey_app.member_surveys.operations import issue_codes
    from survey_app.models import Campaign, Organisation

    app = make_app(url)
    ensure_schema(app)
    tree = ensure_tree(app, seed)
    rng = np.random.default_rng([seed, 9])
    low = tree[tree["depth"] >= 2]
    targets = low.iloc[np.sort(rng.choice(len(low), min(N_TARGETS, len(low)), replace=False))]
    today = date.today()
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    with app.app_context():
        _questionnaire, version = _publish("member_evaluation")
        campaign = _campaign(f"BENCH-INGEST-{stamp}-{secrets.token_hex(2)}", "基准提交", "member",
                             int(tree["id"].iloc[0]), [
                                 {"key": "members", "name": "会员", "weight": 1.0,
                                  "questionnaire_version_id": version.id, "anonymous": True,
                                  "rule": "members"}], targets["id"].tolist())
        campaign.opens_on = today - timedelta(days=2)
        campaign.closes_on = today + timedelta(days=30)
        db.session.commit()
        codes: list[tuple[int, str]] = []
        per = -(-n_codes // len(targets))
        with Timer() as tm:
            for tid in targets["id"]:
                unit = db.session.get(Organisation, int(tid))
                camp = db.session.scalar(select(Campaign).where(Campaign.id == campaign.id))
                codes += [(int(tid), c) for c in issue_codes(camp, unit, per)]
        return {"campaign_id": campaign.id, "campaign": campaign.code, "codes": codes,
                "issue_s": tm.s, "version_id": version.id}


def form_bodies(codes: list[tuple[int, str]], tree_size: int, seed: int = SEED
                ) -> list[list[tuple[str, str]]]:
    """Complete, valid member forms (field, value pairs), one per code, realistic answers."""
    from questionnaires import library

    q = library()["member_evaluation"]
    table = item_table(q)
    rng = np.random.default_rng([seed, 10])
    tids = np.array([t for t, _c in codes])
    effects = unit_effects(max(tree_size, int(tids.max()) + 1), seed)
    # every item is required: no missing answers, "don't know" where the scale offers it
    matrix = answer_matrix(table, effects[tids % len(effects)], rng, missing_rate=0.0)
    why = [c.code for c in q.field("overall_why").question.choices]
    bodies = []
    for row in matrix:
        fields = []
        for j, item_id in enumerate(table.ids):
            v = int(row[j])
            fields.append((item_id, "na" if v == -2 else table.codes[j][v]))
        if row[table.ids.index("overall_sat")] == 1:
            fields += [("overall_why", why[int(i)]) for i in
                       sorted(rng.choice(len(why), int(rng.integers(1, 4)), replace=False))]
        mean = row[row > 0].mean() if (row > 0).any() else 2.0
        fields.append(("recommend", str(int(np.clip(round(2.2 + 2.7 * mean
                                                          + rng.normal(0, 1.3)), 0, 10)))))
        if rng.random() < 0.15:
            fields.append(("improve", COMMENTS_IMPROVE[int(rng.integers(len(COMMENTS_IMPROVE)))]))
        fields.append(("action", "submit"))
        bodies.append(fields)
    return bodies


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, access_log: Path, error_log: Path, workers: int,
                 threads: int, worker_class: str, limits: dict[str, str] | None = None,
                 app: str | None = None) -> subprocess.Popen:
    """gunicorn with the project's settings on ``port``; ``app`` replaces Pingjia (the
    floor); ``limits`` are the rate-limit settings (``RATELIMIT_*`` variables)."""
    env = dict(os.environ)
    env.update({
        "PINGJIA_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "SESSION_COOKIE_SECURE": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_WORKER_CLASS": worker_class,
        "GUNICORN_ACCESSLOG": str(access_log),
        "GUNICORN_ERRORLOG": str(error_log),
        **(limits or {"RATELIMIT_ENABLED": "0"}),
    })
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"),
                             *([app] if app else [])], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    probe = "/done" if app else "/thanks"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {error_log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", probe)
            if conn.getresponse().status == 200:
                conn.close()
                # every worker imports the app lazily; give them a moment
                time.sleep(1.0)
                return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("gunicorn did not answer within 60 s")


def member_address(i: int) -> str:
    """The loopback address of member ``i``: distinct for the first 16 million members."""
    return f"127.{1 + i // 65024 % 254}.{i // 254 % 256}.{1 + i % 254}"


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the master (our own child) stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def backend_cpu(url: str) -> float:
    """CPU seconds of the PostgreSQL backends serving the benchmark's database (their
    lifetime: they start with the server's first connections); 0 on SQLite."""
    if db_kind(url) != "postgresql":
        return 0.0
    try:
        import psutil
    except ImportError:  # optional: only the CPU accounting needs it
        return 0.0
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND pid <> pg_backend_pid()")).scalars()
        pids = list(pids)
    eng.dispose()
    total = 0.0
    for pid in pids:
        try:
            total += sum(psutil.Process(pid).cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def server_cpu(proc: subprocess.Popen) -> float:
    """CPU seconds of gunicorn's master and workers so far (0 without psutil)."""
    try:
        import psutil
    except ImportError:
        return 0.0

    try:
        master = psutil.Process(proc.pid)
        total = sum(master.cpu_times()[:2])
        for child in master.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0.0


# ---------------------------------------------------------------- clients


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.post_ms: list[float] = []
        self.get_ms: list[float] = []
        self.round_ms: list[float] = []
        self.acknowledged = 0
        self.measured = 0
        self.errors: dict[str, int] = {}
        self.cpu_s = 0.0  # the load generator's own CPU seconds

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def state(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "lock"}

    def merge(self, state: dict[str, Any]) -> None:
        for name in ("post_ms", "get_ms", "round_ms"):
            getattr(self, name).extend(state[name])
        self.acknowledged += state["acknowledged"]
        self.measured += state["measured"]
        self.cpu_s += state["cpu_s"]
        for kind, n in state["errors"].items():
            self.errors[kind] = self.errors.get(kind, 0) + n


class MemberConnection:
    """One member's HTTP/1.1 connection, from the member's own address, kept alive for
    its GET and POST (opened again, from the same address, if the server closes it).

    The load generator runs on the machine it measures, so it is kept cheap: a request is
    written in one ``sendall`` and a response read by its ``Content-Length`` (or chunked,
    or to the end when the server closes), with only the status and the headers the
    member needs parsed. ``http.client`` spent about twice as much CPU per submission,
    most of it in parsing every header through the ``email`` package."""

    def __init__(self, port: int, source: str, timeout: float = 60.0) -> None:
        self.port, self.source, self.timeout = port, source, timeout
        self.host = f"127.0.0.1:{port}".encode()
        self.sock: socket.socket | None = None
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer = b""

    def request(self, method: str, path: str, headers: list[tuple[str, str]],
                body: bytes = b"") -> tuple[int, dict[str, list[str]], bytes]:
        """Send one request; the status, the response's headers (lower-case names, every
        value) and its body."""
        head = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + self.host]
        head += [f"{k}: {v}".encode() for k, v in headers]
        if body or method == "POST":
            head.append(b"Content-Length: " + str(len(body)).encode())
        message = b"\r\n".join(head) + b"\r\n\r\n" + body
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), self.timeout,
                                                 source_address=(self.source, 0))
        self.sock.sendall(message)
        status, fields, content = self._response(method)
        if "close" in ",".join(fields.get("connection", ())).lower():
            self.close()
        return status, fields, content

    def _read(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def _until(self, mark: bytes) -> bytes:
        while (end := self.buffer.find(mark)) < 0:
            self.buffer += self._read()
        line, self.buffer = self.buffer[:end], self.buffer[end + len(mark):]
        return line

    def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.buffer += self._read()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _response(self, method: str) -> tuple[int, dict[str, list[str]], bytes]:
        lines = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields: dict[str, list[str]] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields.setdefault(name.strip().lower(), []).append(value.strip())
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return status, fields, b""
        if "chunked" in ",".join(fields.get("transfer-encoding", ())).lower():
            parts = []
            while size := int(self._until(b"\r\n").split(b";")[0], 16):
                parts.append(self._exactly(size))
                self._until(b"\r\n")
            while self._until(b"\r\n"):  # trailers, up to the empty line
                pass
            return status, fields, b"".join(parts)
        if "content-length" in fields:
            return status, fields, self._exactly(int(fields["content-length"][0]))
        try:  # neither: the body ends when the server closes
            while True:
                self.buffer += self._read()
        except ConnectionError:
            pass
        content, self.buffer = self.buffer, b""
        fields["connection"] = ["close"]
        return status, fields, content


def _cookie(fields: dict[str, list[str]]) -> str | None:
    for value in fields.get("set-cookie", ()):
        if value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def submit_one(conn: MemberConnection, host: str, code: str,
               fields: list[tuple[str, str]]) -> tuple[str | None, float, float]:
    """One member: GET the form, POST the answers. Returns (error or None, get, post ms)."""
    path = f"/s/{code}"
    t0 = time.perf_counter()
    status, headers, content = conn.request("GET", path, [("Accept-Language", "zh-CN")])
    t1 = time.perf_counter()
    if status != 200:
        return f"get_{status}", (t1 - t0) * 1000, 0.0
    match = CSRF_RE.search(content.decode("utf-8", "replace"))
    cookie = _cookie(headers)
    if match is None or cookie is None:
        return "get_no_token", (t1 - t0) * 1000, 0.0
    body = urlencode([("csrf_token", match.group(1)), *fields]).encode()
    t2 = time.perf_counter()
    status, headers, _content = conn.request("POST", path, [
        ("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", cookie),
        # a browser's referrer carries the code: the access log must still not show it
        ("Referer", f"http://{host}{path}"), ("Accept-Language", "zh-CN")], body)
    t3 = time.perf_counter()
    location = (headers.get("location") or [""])[0]
    if status != 302 or not location.rstrip("/").endswith("/thanks"):
        return f"post_{status}", (t1 - t0) * 1000, (t3 - t2) * 1000
    return None, (t1 - t0) * 1000, (t3 - t2) * 1000


def floor_one(conn: MemberConnection, fields: list[tuple[str, str]]
              ) -> tuple[str | None, float, float]:
    """One member on the floor app: POST the answers, expect 302."""
    body = urlencode(fields).encode()
    t0 = time.perf_counter()
    status, _headers, _content = conn.request(
        "POST", "/floor", [("Content-Type", "application/x-www-form-urlencoded")], body)
    ms = (time.perf_counter() - t0) * 1000
    return (None if status == 302 else f"post_{status}"), 0.0, ms


def client(ports: list[int], work: queue.Queue, stats: Stats, measure_from: float,
           stop_at: float, floor: bool = False) -> None:
    """Members one after another, each on a new connection from its own address to the
    server ``index mod len(ports)``."""
    while time.monotonic() < stop_at:
        try:
            index, code, fields = work.get_nowait()
        except queue.Empty:
            stats.error("codes_exhausted")
            break
        port = ports[index % len(ports)]
        start = time.monotonic()
        conn = MemberConnection(port, member_address(index))
        try:
            if floor:
                err, get_ms, post_ms = floor_one(conn, fields)
            else:
                err, get_ms, post_ms = submit_one(conn, f"127.0.0.1:{port}", code, fields)
        except (OSError, ValueError, IndexError) as exc:
            err, get_ms, post_ms = f"exception_{type(exc).__name__}", 0.0, 0.0
        finally:
            conn.close()
        measured = start >= measure_from
        if err:
            stats.error(err)
            continue
        with stats.lock:
            stats.acknowledged += 1
            if measured:
                stats.measured += 1
                stats.get_ms.append(get_ms)
                stats.post_ms.append(post_ms)
                stats.round_ms.append(get_ms + post_ms)


def client_process(ports: list[int], items: list, n_threads: int, measure_from: float,
                   stop_at: float, out, floor: bool = False) -> None:
    """One load-generator process: ``n_threads`` clients, each with its own connection,
    taking codes from this process's share. Sends its :class:`Stats` back through ``out``."""
    work: queue.Queue = queue.Queue()
    for item in items:
        work.put(item)
    stats = Stats()
    cpu0 = cpu_seconds()
    threads = [threading.Thread(target=client, daemon=True, args=(
        ports, work, stats, measure_from, stop_at, floor)) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.cpu_s = cpu_seconds() - cpu0
    out.send(stats.state())
    out.close()


def run_clients(ports: list[int], items: list, n_clients: int, seconds: float,
                warmup: float, processes: int = CLIENT_PROCESSES, floor: bool = False
                ) -> tuple[Stats, float]:
    """``n_clients`` clients in ``processes`` processes (threads in each). One Python
    process of 32 client threads queues for its own interpreter lock and adds that wait
    to the latencies it measures; a few processes keep the load generator's share of the
    tail small. The codes are dealt out round-robin, so every process has enough."""
    processes = max(1, min(processes, n_clients))
    ctx = multiprocessing.get_context("fork")
    t0 = time.monotonic()
    measure_from = t0 + warmup
    stop_at = measure_from + seconds
    pipes, procs = [], []
    for i in range(processes):
        receive, send = ctx.Pipe(duplex=False)
        n_threads = n_clients // processes + (i < n_clients % processes)
        proc = ctx.Process(target=client_process, args=(
            ports, items[i::processes], n_threads, measure_from, stop_at, send, floor),
            daemon=True)
        proc.start()
        send.close()
        pipes.append(receive)
        procs.append(proc)
    stats = Stats()
    for receive in pipes:
        stats.merge(receive.recv())
    for proc in procs:
        proc.join()
    # submissions started in the window, over the time until the last of them finished
    elapsed = time.monotonic() - measure_from
    return stats, elapsed


# ---------------------------------------------------------------- checks and floor


def count_stored(url: str, campaign_id: int) -> tuple[int, int]:
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM responses WHERE campaign_id = :c"),
                              {"c": campaign_id}).scalar()
        used = conn.execute(text("SELECT count(*) FROM access_codes WHERE campaign_id = :c "
                                 "AND used = :t"), {"c": campaign_id, "t": True}).scalar()
    eng.dispose()
    return int(stored), int(used)


def check_log(path: Path, codes: list[str]) -> dict[str, int]:
    """Access-log lines, lines with a redacted member path, and issued codes found."""
    issued = set(codes)
    lines = redacted = found = 0
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            lines += 1
            redacted += "/s/[redacted]" in line
            found += sum(1 for tok in CODE_RE.findall(line) if tok in issued)
    return {"access_log_lines": lines, "access_log_redacted_lines": redacted,
            "access_log_codes_found": found}


def floor_inserts(url: str, campaign_id: int, seconds: float = 5.0, batch: int = 2000
                  ) -> dict[str, float]:
    """Plain SQLAlchemy Core inserts of the same rows (copies of the stored responses,
    new ids) from one process: one transaction per row, then one batched transaction.
    The copies are deleted afterwards."""
    from sqlalchemy import create_engine, delete, event, insert, select

    from survey_app.database import _sqlite_pragmas
    from survey_app.models import Response

    table = Response.__table__
    eng = create_engine(url)
    if eng.dialect.name == "sqlite":  # the app's settings: WAL, synchronous=FULL
        event.listen(eng, "connect", _sqlite_pragmas)
    with eng.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            select(table).where(table.c.campaign_id == campaign_id).limit(batch))]
    if not rows:
        return {}
    new_ids: list[str] = []

    def fresh(r: dict) -> dict:
        rid = str(uuid.uuid4())
        new_ids.append(rid)
        return {**r, "id": rid}

    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        with eng.begin() as conn:
            conn.execute(insert(table), fresh(rows[n % len(rows)]))
        n += 1
    single = n / (time.perf_counter() - t0)
    with Timer() as tm, eng.begin() as conn:
        conn.execute(insert(table), [fresh(r) for r in rows])
    batched = len(rows) / tm.s
    with eng.begin() as conn:
        for i in range(0, len(new_ids), 500):
            conn.execute(delete(table).where(table.c.id.in_(new_ids[i:i + 500])))
    eng.dispose()
    return {"floor_inserts_per_s": round(single, 1), "floor_batch_inserts_per_s":
            round(batched, 1), "floor_rows": n}


# ---------------------------------------------------------------- the run


def start_profile(proc: subprocess.Popen, seconds: float, warmup: float) -> subprocess.Popen:
    """py-spy sampling gunicorn's workers (``--subprocesses``) through the measured window,
    as collapsed stacks in ``results/ingest-profile.txt`` (``benchmarks.profile`` sums
    them). py-spy must be installed and allowed to trace (root, or ptrace_scope 0)."""
    out = RESULTS / "ingest-profile.txt"
    spy = Path(sys.executable).with_name("py-spy")
    cmd = [str(spy), "record", "--pid", str(proc.pid), "--subprocesses", "--nonblocking",
           "--rate", "200", "--duration", str(int(seconds)), "--format", "raw",
           "--output", str(out)]
    return subprocess.Popen(["sh", "-c", f"sleep {warmup}; exec " + " ".join(cmd)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ms(xs: list[float], q: float) -> float | None:
    v = percentile(xs, q)
    return None if v is None else round(v, 1)


def _limit_settings(mode: str, redis_url: str) -> dict[str, str]:
    if mode == "off":
        return {"RATELIMIT_ENABLED": "0"}
    return {"RATELIMIT_ENABLED": "1", "RATELIMIT_STORAGE_URI": redis_url,
            "RATELIMIT_KEY_PREFIX": f"pingjia-bench-{uuid.uuid4().hex[:12]}"}


def floor_app_run(url: str, items: list, clients: int, seconds: float, warmup: float,
                  workers: int, threads: int, worker_class: str, client_processes: int,
                  first_address: int) -> dict[str, Any]:
    """The same gunicorn settings serving the minimal insert view (benchmarks.floor_app),
    the same clients and bodies, from addresses no member of this run used."""
    from sqlalchemy import create_engine

    from benchmarks.floor_app import metadata

    eng = create_engine(url)
    metadata.drop_all(eng)
    metadata.create_all(eng)
    port = free_port()
    log = RESULTS / "ingest-floor-error.log"
    proc = start_server(url, port, Path(os.devnull), log, workers, threads, worker_class,
                        app="benchmarks.floor_app:create_app()")
    try:
        floor_items = [(first_address + i, "", fields) for i, (_n, _c, fields)
                       in enumerate(items)]
        srv0, db0 = server_cpu(proc), backend_cpu(url)
        stats, elapsed = run_clients([port], floor_items, clients, seconds, warmup,
                                     client_processes, floor=True)
        srv1, db1 = server_cpu(proc), backend_cpu(url)
    finally:
        stop_server(proc)
    with eng.connect() as conn:
        from sqlalchemy import func, select

        from benchmarks.floor_app import floor_rows
        stored = conn.execute(select(func.count()).select_from(floor_rows)).scalar()
    metadata.drop_all(eng)
    eng.dispose()
    return {"floor_app_per_s": round(stats.measured / elapsed, 1),
            "floor_app_p50_ms": ms(stats.post_ms, 50), "floor_app_p99_ms": ms(stats.post_ms, 99),
            "floor_app_errors": sum(v for k, v in stats.errors.items()
                                    if k != "codes_exhausted"),
            "floor_app_acknowledged_equals_stored": stats.acknowledged == stored,
            # CPU per stored row (one POST), as for Pingjia's submissions (a GET and a POST)
            "floor_app_cpu_ms_per_request": round((srv1 - srv0) * 1000
                                                  / max(stats.acknowledged, 1), 2),
            "floor_db_cpu_ms_per_request": round(max(db1 - db0, 0.0) * 1000
                                                 / max(stats.acknowledged, 1), 2),
            "floor_client_cpu_ms_per_request": round(stats.cpu_s * 1000
                                                     / max(stats.acknowledged, 1), 2)}


def run(db: str, clients: int = 32, seconds: float = 20.0, url: str | None = None,
        warmup: float = 3.0, workers: int = 4, threads: int = 4,
        worker_class: str = "gthread", codes: int | None = None,
        seed: int = SEED, client_processes: int = CLIENT_PROCESSES, servers: int = 1,
        rate_limits: str = "redis", redis_url: str = "redis://127.0.0.1:6379/0",
        floor_app: bool = True, profile: bool = False) -> dict[str, Any]:
    url = database_url(db, url)
    kind = db_kind(url)
    n_codes = codes or int(max(2000, (seconds + warmup) * 900))
    setup = setup_campaign(url, n_codes, seed)
    from survey_app.extensions import db as _db  # noqa: F401 - app imported already

    bodies = form_bodies(setup["codes"], 5000, seed)
    # member i: its code, its answers and its own address (see member_address)
    items = [(i, code, fields) for i, ((_tid, code), fields)
             in enumerate(zip(setup["codes"], bodies, strict=True))]
    RESULTS.mkdir(parents=True, exist_ok=True)
    access_logs = [RESULTS / f"ingest-{kind}-access-{i}.log" for i in range(servers)]
    error_log = RESULTS / f"ingest-{kind}-error.log"
    for p in (*access_logs, error_log):
        p.unlink(missing_ok=True)
    limits = _limit_settings(rate_limits, redis_url)
    ports = [free_port() for _ in range(servers)]
    procs: list[subprocess.Popen] = []
    try:
        for port, access_log in zip(ports, access_logs, strict=True):
            procs.append(start_server(url, port, access_log, error_log, workers, threads,
                                      worker_class, limits))
        load_before = loadavg()
        srv0 = sum(server_cpu(p) for p in procs)
        spy = start_profile(procs[0], seconds, warmup) if profile else None
        stats, elapsed = run_clients(ports, items, clients, seconds, warmup, client_processes)
        if spy is not None:
            spy.wait(timeout=60)
        srv1 = sum(server_cpu(p) for p in procs)
        load_after = loadavg()
        db_cpu = backend_cpu(url)
    finally:
        for proc in procs:
            stop_server(proc)
    time.sleep(0.5)
    stored, used = count_stored(url, setup["campaign_id"])
    log: dict[str, int] = {}
    for access_log in access_logs:
        for k, v in check_log(access_log, [c for _t, c in setup["codes"]]).items():
            log[k] = log.get(k, 0) + v
    floor: dict[str, Any] = {}
    if floor_app:
        floor = floor_app_run(url, items, clients, seconds, warmup, workers, threads, worker_class,
                              client_processes, first_address=len(items))
    floor.update(floor_inserts(url, setup["campaign_id"]))
    errors = sum(v for k, v in stats.errors.items() if k != "codes_exhausted")
    total_s = elapsed + warmup
    rate = stats.measured / elapsed

    result: dict[str, Any] = {
        "benchmark": "ingest",
        "db": kind,
        "clients": clients,
        "seconds": seconds,
        "servers": servers,
        "rate_limits": "redis" if rate_limits != "off" else "off",
        "submissions_per_s": round(rate, 1),
        "p50_ms": ms(stats.post_ms, 50),
        "p99_ms": ms(stats.post_ms, 99),
        "get_p50_ms": ms(stats.get_ms, 50),
        "get_p99_ms": ms(stats.get_ms, 99),
        "round_p50_ms": ms(stats.round_ms, 50),
        "round_p99_ms": ms(stats.round_ms, 99),
        "errors": errors,
        "error_kinds": {k: v for k, v in stats.errors.items() if k != "codes_exhausted"},
        "codes_exhausted": "codes_exhausted" in stats.errors,
        "acknowledged": stats.acknowledged,
        "stored": stored,
        "codes_used": used,
        "acknowledged_equals_stored": stats.acknowledged == stored,
        **floor,
        "ratio_to_floor_app": (round(rate / floor["floor_app_per_s"], 2)
                               if floor.get("floor_app_per_s") else None),
        **log,
        "measured_submissions": stats.measured,
        "warmup_s": warmup,
        "server": f"{servers} x gunicorn {worker_class} workers={workers} threads={threads}",
        "server_cpu_util": round((srv1 - srv0) / total_s, 2),
        "client_processes": client_processes,
        "client_cpu_util": round(stats.cpu_s / total_s, 2),
        # CPU cost per acknowledged submission (GET + POST), robust to other load: the
        # 2-core capacity is about 2000 / (app + db) submissions per second
        "app_cpu_ms_per_submission": round((srv1 - srv0) * 1000 / max(stats.acknowledged, 1),
                                           2),
        "db_cpu_ms_per_submission": round(db_cpu * 1000 / max(stats.acknowledged, 1), 2),
        "client_cpu_ms_per_submission": round(stats.cpu_s * 1000
                                              / max(stats.acknowledged, 1), 2),
        "codes_issued": len(setup["codes"]),
        "issue_codes_s": round(setup["issue_s"], 2),
        "campaign": setup["campaign"],
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Members submitting forms under gunicorn.")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--url", help="an explicit SQLAlchemy URL instead of --db")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 4)))
    p.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", 4)))
    p.add_argument("--worker-class", default="gthread")
    p.add_argument("--codes", type=int, help="codes to issue (default ~700 per second)")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--client-processes", type=int, default=CLIENT_PROCESSES,
                   help="load-generator processes the clients are spread over")
    p.add_argument("--servers", type=int, default=1,
                   help="gunicorn server groups on as many ports (round-robin)")
    p.add_argument("--rate-limits", choices=["redis", "off"], default="redis")
    p.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--no-floor-app", action="store_true",
                   help="skip the minimal insert view's run")
    p.add_argument("--profile", action="store_true",
                   help="sample the server with py-spy into results/ingest-profile.txt")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args(argv)
    result = run(a.db, a.clients, a.seconds, a.url, a.warmup, a.workers, a.threads,
                 a.worker_class, a.codes, a.seed, a.client_processes, a.servers,
                 a.rate_limits, a.redis, not a.no_floor_app, a.profile)
    emit(result, a.json, name=f"ingest-{result['db']}")


if __name__ == "__main__":
    main()
