"""The standard benchmark set (``make bench``): results in ``benchmarks/results/``.

    python -m benchmarks.run                 # analysis at 10k, 100k, 1M and ingest, both DBs
    python -m benchmarks.run --quick         # a small smoke run (10k, 5 s of ingest)
    python -m benchmarks.run --db postgresql --sizes 1000000 --no-ingest

Each benchmark runs in its own process (``python -m benchmarks.analysis|ingest --json``),
so one's memory does not count against another. Data are generated on the first run and
reused afterwards. Prints a Markdown table and writes ``results/run-<time>.json`` and
``results/latest.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import RESULTS, ROOT, database_url, machine, postgres_version

SIZES = (10_000, 100_000, 1_000_000)
DATABASES = ("sqlite", "postgresql")
#: The benchmark targets (2-core machine).
TARGET_TOTAL_S = 5.0
TARGET_RSS_MB = 1000.0
TARGET_LOAD_OVER_FLOOR = 1.5
TARGET_SUBMISSIONS = 600.0
TARGET_P99_MS = 100.0


def _run(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", *args, "--json"]
    print("$", " ".join(cmd[1:]), file=sys.stderr, flush=True)
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed",
                "command": " ".join(cmd[1:])}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def analysis_table(rows: list[dict[str, Any]]) -> str:
    head = ("| db | responses | load_s | floor_read_s | load/floor | compute_s | total_s | "
            "peak_rss_mb | targets met | load avg (1 min) |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
    lines = []
    for r in rows:
        if "error" in r:
            lines.append(f"| {r.get('db', '?')} | {r.get('responses', '?')} | error: "
                         f"{r['error']} |||||||")
            continue
        met = ""
        if r["responses"] >= 1_000_000:
            met = _ok(r["total_s"] <= TARGET_TOTAL_S and r["peak_rss_mb"] <= TARGET_RSS_MB
                      and r["load_s"] <= TARGET_LOAD_OVER_FLOOR * r["floor_read_s"])
        lines.append(
            f"| {r['db']} | {r['responses']:,} | {r['load_s']:.2f} | {r['floor_read_s']:.2f} | "
            f"{r['load_over_floor']:.1f} | {r['compute_s']:.2f} | {r['total_s']:.2f} | "
            f"{r['peak_rss_mb']:,.0f} | {met} | {r['loadavg_before'][0]:.1f} |")
    return head + "\n".join(lines) + "\n"


def ingest_table(rows: list[dict[str, Any]]) -> str:
    head = ("| db | clients | submissions_per_s | p50_ms | p99_ms | errors | acknowledged | "
            "stored | floor app per s | ratio to floor app | floor_inserts_per_s | "
            "codes in access log | targets met | load avg (1 min) |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
    lines = []
    for r in rows:
        if "error" in r:
            lines.append(f"| {r.get('db', '?')} | error: {r['error']} ||||||||||||")
            continue
        correct = r["errors"] == 0 and r["acknowledged"] == r["stored"]
        met = correct and r["access_log_codes_found"] == 0
        if r["db"] == "postgresql":
            met = met and (r["submissions_per_s"] >= TARGET_SUBMISSIONS
                           and (r["p99_ms"] or 1e9) <= TARGET_P99_MS)
        lines.append(
            f"| {r['db']} | {r['clients']} | {r['submissions_per_s']:.0f} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['errors']} | {r['acknowledged']} | {r['stored']} | "
            f"{r.get('floor_app_per_s') or 0:.0f} | {r.get('ratio_to_floor_app') or '—'} | "
            f"{r.get('floor_inserts_per_s', 0):.0f} | {r['access_log_codes_found']} | "
            f"{_ok(met)} | {r['loadavg_before'][0]:.1f} |")
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Run the standard benchmark set.")
    p.add_argument("--db", action="append", choices=DATABASES,
                   help="database(s) to run on (default both)")
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--repeat", type=int, default=1, help="report runs per size (best counts)")
    p.add_argument("--servers", type=int, nargs="+", default=[1],
                   help="ingest: gunicorn server groups, one run per value (e.g. 1 2)")
    p.add_argument("--no-analysis", action="store_true")
    p.add_argument("--no-ingest", action="store_true")
    p.add_argument("--quick", action="store_true", help="10k responses, 8 clients for 5 s")
    a = p.parse_args(argv)
    dbs = a.db or list(DATABASES)
    if a.quick:
        a.sizes, a.clients, a.seconds = [10_000], 8, 5.0
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    facts = machine()
    if "postgresql" in dbs:
        facts["postgresql"] = postgres_version(database_url("postgresql"))
    analysis_rows: list[dict[str, Any]] = []
    ingest_rows: list[dict[str, Any]] = []
    if not a.no_analysis:
        for db in dbs:
            for n in a.sizes:
                row = _run(["benchmarks.analysis", "--db", db, "--responses", str(n),
                            "--repeat", str(a.repeat)])
                row.setdefault("db", db)
                row.setdefault("responses", n)
                analysis_rows.append(row)
    if not a.no_ingest:
        for db in dbs:
            for servers in a.servers:
                row = _run(["benchmarks.ingest", "--db", db, "--clients", str(a.clients),
                            "--seconds", str(a.seconds), "--servers", str(servers)])
                row.setdefault("db", db)
                ingest_rows.append(row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"started": started, "machine": facts, "analysis": analysis_rows,
              "ingest": ingest_rows}
    (RESULTS / f"run-{started}.json").write_text(json.dumps(record, indent=2, default=str))
    facts_line = ", ".join(f"{k} {v}" for k, v in facts.items())
    md = f"Benchmarks {started} ({facts_line})\n\n"
    if analysis_rows:
        md += "### Analysis (full campaign report)\n\n" + analysis_table(analysis_rows) + "\n"
    if ingest_rows:
        md += ("### Ingest (member submissions under gunicorn)\n\n"
               + ingest_table(ingest_rows) + "\n")
    (RESULTS / "latest.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
