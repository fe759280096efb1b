"""Shared plumbing: database URLs, machine facts, load average, JSON results."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
#: The benchmark's own PostgreSQL database (never the test suite's ``test`` database).
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/pingjia_bench"


def database_url(db: str, url: str | None = None) -> str:
    """``--db sqlite|postgresql`` (or an explicit ``--url``) as an SQLAlchemy URL."""
    if url:
        return url
    if db == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{RESULTS / 'bench.sqlite'}"
    if db == "postgresql":
        return os.environ.get("PINGJIA_BENCH_PG_URL", DEFAULT_PG_URL)
    raise ValueError(f"unknown database kind {db!r} (sqlite or postgresql)")


def db_kind(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB.

    ``VmHWM`` from ``/proc/self/status`` where there is one: ``getrusage``'s ``ru_maxrss``
    keeps, across ``exec``, the high-water mark of the forked parent's memory, so a child
    started by a parent that had just generated a large dataset reported the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Timer:
    """``with Timer() as t: ...`` then ``t.s`` (wall seconds) and ``t.cpu`` (this process's
    CPU seconds: on a shared machine, CPU time is what the work cost, wall time what it took)."""

    def __enter__(self) -> Timer:
        self.c0 = time.process_time()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self.c0


def machine() -> dict[str, Any]:
    """The facts the README's Performance section records."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    mem = ""
    try:
        mem = subprocess.run(["free", "-h"], capture_output=True, text=True,
                             check=False).stdout.splitlines()[1].split()[1]
    except (OSError, IndexError):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


def postgres_version(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(url)
        with eng.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())
    except Exception:  # noqa: BLE001 - only a fact for the report
        return None


def emit(result: dict[str, Any], as_json: bool, name: str | None = None) -> None:
    """Print the result (one JSON object with ``--json``) and keep a copy in results/."""
    if name:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    if as_json:
        print(json.dumps(result, default=str))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    sys.stdout.flush()


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
