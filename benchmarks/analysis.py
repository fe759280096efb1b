"""Benchmark 1: the full report of a member campaign of N responses.

    python -m benchmarks.analysis --responses 1000000 --db sqlite|postgresql --json

The report: load the campaign into the tidy frame (the app's loader,
:func:`survey_app.reports.loading.load_campaign`); score every response; indices and
satisfaction rates of every unit (and per item, and the participation rate); roll-up
through the tree; Cronbach's alpha per dimension; disclosure control (primary suppression
of the unit table, complementary suppression of the roll-up).

``floor_read_s`` is the database's own fastest read of the same rows and columns in the
same run: a raw DB-API ``fetchall`` (both databases) and ``COPY (SELECT ...) TO STDOUT``
(PostgreSQL), whichever is faster. On SQLite the loader reads through the ADBC driver into
Arrow; that driver's bare read of the same query (``floor_arrow_s``, no conversion to
frames) is reported beside it, with ``load_over_arrow_floor``. The report and the floor
reads run in fresh child processes, so ``peak_rss_mb`` is the report's alone and data
generation is not counted. The data are generated once and reused (see
:mod:`benchmarks.generate`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import (
    ROOT,
    Timer,
    database_url,
    db_kind,
    emit,
    loadavg,
    peak_rss_mb,
)
from benchmarks.generate import SEED, ensure_member_campaign, member_campaign_code

#: The columns load_campaign reads from ``responses``.
FLOOR_COLUMNS = ("id, target_id, rater_group_id, questionnaire_version_id, submitted_on, "
                 "item_values")


def campaign_report(engine: Any, code: str
                    ) -> tuple[dict[str, float], dict[str, Any], dict[str, float]]:
    """Compute the whole report; return per-stage seconds and a summary of the results.

    ``engine`` is an SQLAlchemy engine (as a running app holds one) or a URL."""
    from analysis import disclosure, indices, reliability, rollup, scoring
    from survey_app.reports.loading import load_campaign

    t: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with Timer() as tm:
        data = load_campaign(engine, code)
    t["load_s"], cpu["load_s"] = tm.s, tm.cpu
    with Timer() as tm:
        scored = scoring.score_campaign(data)
    t["score_s"], cpu["score_s"] = tm.s, tm.cpu
    with Timer() as tm:
        units = indices.unit_indices(scored, "target_id")
        members = data.organisations.set_index("id")["members"]
        units["participation_rate"] = indices.participation_rate(units["n"], members)
        per_item = {vid: indices.item_satisfaction(rows, data.items[vid])
                    for vid, rows in scoring.version_parts(data.responses)}
    t["indices_s"], cpu["indices_s"] = tm.s, tm.cpu
    with Timer() as tm:
        tree = rollup.rollup(scored, data.organisations)
    t["rollup_s"], cpu["rollup_s"] = tm.s, tm.cpu
    with Timer() as tm:
        alphas: dict[str, float] = {}
        for vid, rows in scoring.version_parts(data.responses):
            spec = data.items[vid]
            for dim, items in spec.groupby("dimension", sort=False).groups.items():
                if len(items) >= 2:  # one scale's item scores at a time
                    scores = scoring.item_scores(rows[list(items)], spec.loc[items])
                    alphas[f"{vid}:{dim}"] = reliability.cronbach_alpha(scores)
    t["reliability_s"], cpu["reliability_s"] = tm.s, tm.cpu
    with Timer() as tm:
        k = data.min_group_size
        published_units = disclosure.suppress_small(units, "n", k)
        published_tree = disclosure.complementary_suppression(tree, "n", k)
    t["disclosure_s"], cpu["disclosure_s"] = tm.s, tm.cpu
    summary = {
        "responses": int(len(data.responses)),
        "units": int(len(units)),
        "rolled_up_units": int(len(tree)),
        "suppressed_units": int(published_units["suppressed"].sum()),
        "suppressed_rollup": int(published_tree["suppressed"].sum()),
        "overall_index": round(float(scored["overall"].mean()), 3),
        "satisfaction_rate": round(float(tree.loc[tree["n"].idxmax(), "satisfaction_rate"]), 4),
        "items_reported": int(sum(len(v) for v in per_item.values())),
        "alpha_min": round(min(alphas.values()), 3) if alphas else None,
        "alpha_max": round(max(alphas.values()), 3) if alphas else None,
    }
    return t, summary, cpu


def app_report(engine: Any, code: str) -> dict[str, float]:
    """The app's own report assembly (:func:`analysis.reports.build_report`: scoring,
    roll-up, suppression, item tables, rater-group cells) on a fresh load, for reference;
    not part of ``total_s``."""
    try:
        from analysis.reports import build_report
        from survey_app.reports.loading import load_campaign
    except ImportError:  # an older tree without analysis.reports
        return {}
    data = load_campaign(engine, code)
    with Timer() as tm:
        build_report(data)
    out = {"app_build_report_s": tm.s, "app_build_report_cpu_s": tm.cpu,
           "app_build_report_peak_rss_mb": peak_rss_mb()}
    try:
        from survey_app.reports.snapshots import from_bytes, to_bytes
    except ImportError:  # an older tree without result snapshots
        return out
    # A closed campaign's pages read its result snapshot (frozen once, at close), not the
    # responses table: the freeze's cost, the snapshot's size, and the report from it.
    with Timer() as tm:
        content = to_bytes(data)
    out.update(app_snapshot_freeze_s=tm.s, app_snapshot_mb=round(len(content) / 2**20, 1))
    del data
    with Timer() as tm:
        frozen = from_bytes(content)
    read_s, read_cpu = tm.s, tm.cpu
    with Timer() as tm:
        build_report(frozen)
    out.update(app_snapshot_read_s=read_s,
               app_report_from_snapshot_s=read_s + tm.s,
               app_report_from_snapshot_cpu_s=read_cpu + tm.cpu,
               app_report_from_snapshot_peak_rss_mb=peak_rss_mb())
    return out


def floor_read(url: str, code: str) -> dict[str, float]:
    """The database's fastest read of the rows load_campaign reads (seconds per method)."""
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    out: dict[str, float] = {}
    with eng.connect() as conn:
        cid = conn.execute(text("SELECT id FROM campaigns WHERE code = :c"), {"c": code}).scalar()
        dbapi = conn.connection.dbapi_connection
        sql = f"SELECT {FLOOR_COLUMNS} FROM responses WHERE campaign_id = "
        if eng.dialect.name == "postgresql":
            with Timer() as tm:
                cur = dbapi.cursor(binary=True)
                cur.execute(sql + "%s", (cid,))
                rows = cur.fetchall()
                cur.close()
            out["fetchall_s"] = tm.s
            n = len(rows)
            del rows
            with Timer() as tm:
                cur = dbapi.cursor()
                size = 0
                with cur.copy(f"COPY ({sql}{int(cid)}) TO STDOUT (FORMAT binary)") as copy:
                    for block in copy:
                        size += len(block)
                cur.close()
            out["copy_s"] = tm.s
            out["copy_mb"] = round(size / 2**20, 1)
        else:
            with Timer() as tm:
                cur = dbapi.cursor()
                cur.execute(sql + "?", (cid,))
                rows = cur.fetchall()
                cur.close()
            out["fetchall_s"] = tm.s
            n = len(rows)
            del rows
            out.update(_arrow_floor(conn, sql + "?", cid))
        dbapi.commit()
    out["rows"] = n
    eng.dispose()
    return out


def _arrow_floor(conn: Any, sql: str, cid: int) -> dict[str, float]:
    """SQLite through the ADBC driver into one Arrow table (what the loader reads with)."""
    from sqlalchemy import text

    try:
        import adbc_driver_sqlite.dbapi as adbc

        from survey_app.reports.loading import sqlite_file_uri
    except ImportError:  # an older tree without the driver
        return {}
    uri = sqlite_file_uri(conn)
    if uri is None:
        return {}
    with Timer() as tm:
        with adbc.connect(uri) as reader, reader.cursor() as cur:
            cur.execute(sql, (cid,))
            table = cur.fetch_arrow_table()
    if table.num_rows != conn.execute(text(
            "SELECT count(*) FROM responses WHERE campaign_id = :c"), {"c": cid}).scalar():
        raise RuntimeError("the ADBC floor read a different number of rows")
    return {"arrow_s": tm.s}


def _child(kind: str, url: str, code: str, app: bool = False) -> dict[str, Any]:
    """Run ``kind`` (report | floor) in a fresh interpreter; return its JSON."""
    cmd = [sys.executable, "-m", "benchmarks.analysis", "--child", kind, "--url", url,
           "--code", code] + (["--app-report"] if app else [])
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(responses: int, db: str, url: str | None = None, seed: int = SEED,
        repeat: int = 1) -> dict[str, Any]:
    """Generate (once) and measure; the result object of ``--json``."""
    url = database_url(db, url)
    gen = ensure_member_campaign(url, responses, seed, quiet=True)
    code = member_campaign_code(responses, seed)
    floors = [_child("floor", url, code)]
    reports = []
    for i in range(repeat):
        reports.append(_child("report", url, code, app=i == repeat - 1))
        floors.append(_child("floor", url, code))
    best = min(reports, key=lambda r: r["total_s"])
    fetch = min(f["fetchall_s"] for f in floors)
    copy = min((f["copy_s"] for f in floors if "copy_s" in f), default=None)
    arrow = min((f["arrow_s"] for f in floors if "arrow_s" in f), default=None)
    floor = min(x for x in (fetch, copy) if x is not None)
    result: dict[str, Any] = {
        "benchmark": "analysis",
        "responses": responses,
        "db": db_kind(url),
        "load_s": round(best["load_s"], 3),
        "compute_s": round(best["total_s"] - best["load_s"], 3),
        "total_s": round(best["total_s"], 3),
        "peak_rss_mb": best["peak_rss_mb"],
        "floor_read_s": round(floor, 3),
        "load_over_floor": round(best["load_s"] / floor, 2),
        "floor_fetchall_s": round(fetch, 3),
        "floor_copy_s": None if copy is None else round(copy, 3),
        "floor_arrow_s": None if arrow is None else round(arrow, 3),
        "load_over_arrow_floor": None if arrow is None else round(best["load_s"] / arrow, 2),
        "stages_s": {k: round(v, 3) for k, v in best.items() if k in best["cpu"]},
        "total_cpu_s": round(best["total_cpu_s"], 3),
        "stages_cpu_s": {k: round(v, 3) for k, v in best["cpu"].items()},
        "runs_total_s": [round(r["total_s"], 3) for r in reports],
        **{k: round(v, 3) for k, v in reports[-1].items() if k.startswith("app_")},
        "summary": best["summary"],
        "generated": gen["generated"],
        "loadavg_before": best["loadavg_before"],
        "loadavg_after": best["loadavg_after"],
        "campaign": code,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if gen.get("generate_s"):
        result["generate_s"] = gen["generate_s"]
    if floors[0]["rows"] != responses:
        raise RuntimeError(f"floor read {floors[0]['rows']} rows, expected {responses}")
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Time the full campaign report.")
    p.add_argument("--responses", type=int, default=1_000_000)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--url", help="an explicit SQLAlchemy URL instead of --db")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--repeat", type=int, default=1, help="report runs; the fastest counts")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--child", choices=["report", "floor"], help=argparse.SUPPRESS)
    p.add_argument("--code", help=argparse.SUPPRESS)
    p.add_argument("--app-report", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child == "report":
        from sqlalchemy import create_engine

        import survey_app.reports.loading  # noqa: F401 - imports are not part of the report's time
        from analysis import disclosure, indices, reliability, rollup, scoring  # noqa: F401

        engine = create_engine(a.url)  # an app holds its engine; connecting is timed
        before = loadavg()
        with Timer() as tm:
            stages, summary, cpu = campaign_report(engine, a.code)
        rss = peak_rss_mb()
        app = app_report(engine, a.code) if a.app_report else {}
        print(json.dumps({**stages, "total_s": tm.s, "total_cpu_s": tm.cpu, "cpu": cpu,
                          "peak_rss_mb": rss, **app,
                          "summary": summary, "loadavg_before": before,
                          "loadavg_after": loadavg()}))
        return
    if a.child == "floor":
        print(json.dumps(floor_read(a.url, a.code)))
        return
    result = run(a.responses, a.db, a.url, a.seed, a.repeat)
    emit(result, a.json, name=f"analysis-{result['db']}-{a.responses}")


if __name__ == "__main__":
    main()
