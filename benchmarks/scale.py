"""Benchmark: the campaign report on Dask over a Parquet dataset of N responses.

    python -m benchmarks.scale --responses 10000000 [--check-equal] [--json]

Streams N simulated responses (30 items, 50,000 units by default) to the hive-partitioned
Parquet dataset of :mod:`analysis.parquet` in chunks (never all in memory), then runs the
report of :func:`analysis.distributed.campaign_report` (unit indices and satisfaction
rates, item satisfaction, roll-up through the tree) on a ``LocalCluster`` of ``--workers``
processes, or on ``--scheduler tcp://HOST:PORT``. It reports the wall time, the peak memory
(``VmHWM``) of each worker and of the driver, and the bytes read: the compressed size of
the columns the report reads (from the Parquet footers), the bytes the workers read through
system calls (``rchar``) and from storage (``read_bytes``), beside the size of the dataset.

``--check-equal`` compares the Dask figures with the pandas functions on the first million
responses (to 1e-9). The data are generated once per size and reused; the report and the
check run in fresh child processes, so their memory is their own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, ROOT, Timer, emit, loadavg, machine, peak_rss_mb

SEED = 20_261_202
UNITS = 50_000
ITEMS = 30
CHUNK = 1_000_000
#: Rows per Parquet file, hence per Dask partition (several per worker even at 1M).
ROWS_PER_FILE = 250_000
#: Responses compared with pandas by ``--check-equal``.
CHECK_ROWS = 1_000_000
TOLERANCE = 1e-9


def _synthetic() -> Any:
    from analysis import synthetic

    return synthetic


def dataset_root(responses: int, units: int, items: int, data_dir: Path | None = None,
                 rows_per_file: int = ROWS_PER_FILE) -> Path:
    base = data_dir or RESULTS / "scale"
    return base / f"n{responses}-u{units}-i{items}-f{rows_per_file}"


def generate(root: Path, responses: int, units: int, items: int, chunk: int = CHUNK,
             seed: int = SEED, quiet: bool = False,
             rows_per_file: int = ROWS_PER_FILE) -> dict[str, Any]:
    """Write ``responses`` simulated responses to the dataset at ``root`` chunk by chunk.

    The organisation tree and the questionnaire come from one small synthetic campaign;
    each chunk is a synthetic campaign of its own seed on a tree of the same size, whose
    targets (ids of the two lowest levels) are valid in the first tree. Reused when the
    dataset is already complete.
    """
    from analysis.parquet import CampaignDatasetWriter, campaign_directories, read_facts

    if responses < 1 or chunk < 1:
        raise ValueError("need responses >= 1 and chunk >= 1")
    dirs = campaign_directories(root) if root.exists() else {}
    if len(dirs) == 1 and read_facts(next(iter(dirs.values()))).get("rows") == responses:
        return {"generated": False}
    synthetic = _synthetic()
    template = synthetic.synthetic_campaign(1, units, items, seed=seed)
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(total=responses, desc="generate", unit="rows", unit_scale=True,
                   file=sys.stderr)
    writer = CampaignDatasetWriter(root, template, rows_per_file=rows_per_file)
    with Timer() as tm, writer:
        for i, start in enumerate(range(0, responses, chunk)):
            n = min(chunk, responses - start)
            part = synthetic.synthetic_campaign(n, units, items, seed=seed + 1 + i).responses
            part["response_id"] = ("r" + part.index.to_series().add(start).astype(str)).to_numpy()
            writer.write(part)
            if bar is not None:
                bar.update(n)
    if bar is not None:
        bar.close()
    return {"generated": True, "generate_s": round(tm.s, 2),
            "generate_peak_rss_mb": peak_rss_mb()}


def _warm_up() -> bool:
    """In a worker: import what the report uses, so that neither the time nor the bytes
    read of the report count loading the libraries."""
    import dask.dataframe  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import analysis.distributed  # noqa: F401
    import analysis.rollup  # noqa: F401
    import analysis.trends  # noqa: F401

    return True


def _worker_facts() -> dict[str, float]:
    """In a worker: its peak memory and its read counters (``/proc/self``)."""
    facts: dict[str, float] = {"peak_rss_mb": peak_rss_mb()}
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            key, value = line.split(":")
            if key in ("rchar", "read_bytes"):
                facts[key] = int(value)
    except OSError:
        pass
    return facts


def column_bytes(files: list[Path], columns: list[str]) -> int:
    """Compressed bytes of ``columns`` in ``files`` (from the footers): what a reader that
    projects those columns must read."""
    import pyarrow.parquet as pq

    total = 0
    wanted = set(columns)
    for f in files:
        meta = pq.ParquetFile(f).metadata
        for g in range(meta.num_row_groups):
            rg = meta.row_group(g)
            for c in range(rg.num_columns):
                col = rg.column(c)
                if col.path_in_schema in wanted:
                    total += col.total_compressed_size
    return total


def report(root: Path, workers: int, scheduler: str | None, processes: bool,
           progress: bool) -> dict[str, Any]:
    """The report on the cluster, with its time, memory and bytes read."""
    import analysis.rollup  # noqa: F401 - as in the workers: imports are not timed
    import analysis.trends  # noqa: F401
    from analysis import distributed as D
    from analysis.parquet import campaign_directory, data_files

    with D.cluster(scheduler, n_workers=workers, processes=processes) as client:
        client.run(_warm_up)
        before = client.run(_worker_facts)
        with Timer() as tm:
            camp = D.open_campaign(root, columns=["target_id"])
            tables = D.campaign_report(camp, progress=progress)
        after = client.run(_worker_facts)
    files = data_files(campaign_directory(root))
    read_columns = list(camp.responses.columns)
    per_worker = [after[w]["peak_rss_mb"] for w in sorted(after)]
    delta = {k: sum(after[w].get(k, 0) - before[w].get(k, 0) for w in after)
             for k in ("rchar", "read_bytes")}
    root_row = tables["rollup"].loc[tables["rollup"]["parent_id"].isna()].iloc[0]
    return {
        "report_s": round(tm.s, 2), "report_cpu_s_driver": round(tm.cpu, 2),
        "workers": len(after), "partitions": camp.responses.npartitions,
        "worker_peak_rss_mb": per_worker, "driver_peak_rss_mb": peak_rss_mb(),
        "dataset_bytes": sum(f.stat().st_size for f in files),
        "columns_read": len(read_columns),
        "column_bytes": column_bytes(files, read_columns),
        "workers_rchar": delta["rchar"], "workers_read_bytes": delta["read_bytes"],
        "units_reported": len(tables["units"]), "units_rolled_up": len(tables["rollup"]),
        "root_overall": round(float(root_row["overall"]), 4),
        "root_satisfaction_rate": round(float(root_row["satisfaction_rate"]), 5),
    }


def check_equal(root: Path, rows: int = CHECK_ROWS) -> dict[str, Any]:
    """Dask against pandas on the first files holding at least ``rows`` responses."""
    import dask
    import dask.dataframe as dd
    import pandas as pd

    from analysis import distributed as D
    from analysis import indices, rollup, scoring
    from analysis.parquet import campaign_directory, campaign_from_facts, data_files, read_facts

    directory = campaign_directory(root)
    facts = read_facts(directory)
    files, n = [], 0
    for f in data_files(directory):
        if n >= rows:
            break
        import pyarrow.parquet as pq

        files.append(f)
        n += pq.ParquetFile(f).metadata.num_rows
    data = campaign_from_facts(facts, pd.read_parquet(files))
    scored = scoring.score_campaign(data)
    expected = {"units": indices.unit_indices(scored),
                "rollup": rollup.rollup(scored, data.organisations)}
    spec = data.items[1]
    expected["items"] = indices.item_satisfaction(data.responses[list(spec.index)], spec)
    camp = D.DaskCampaign(
        dd.read_parquet([str(f) for f in files],
                        columns=["target_id", "questionnaire_version_id", *data.item_columns]),
        campaign_from_facts(facts, data.responses.head(0)))
    with dask.config.set(scheduler="threads", num_workers=2):
        summary = D.summarise(camp)
    got = {"units": D.unit_indices(summary), "rollup": D.rollup(summary, data.organisations),
           "items": D.item_satisfaction(summary, camp.facts)[1]}
    worst = 0.0
    for key, frame in expected.items():
        pd.testing.assert_frame_equal(got[key], frame, rtol=TOLERANCE, atol=TOLERANCE)
        num = frame.select_dtypes("number").columns
        diff = (got[key][num].astype(float) - frame[num].astype(float)).abs().max().max()
        worst = max(worst, float(diff) if pd.notna(diff) else 0.0)
    return {"check_rows": n, "equal_to_pandas": True, "max_abs_diff": worst}


def _child(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.scale", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    sys.stderr.write(done.stderr[-4000:] if done.returncode else "")
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description="The report on Dask over a Parquet dataset.")
    p.add_argument("--responses", type=int, default=1_000_000)
    p.add_argument("--units", type=int, default=UNITS)
    p.add_argument("--items", type=int, default=ITEMS)
    p.add_argument("--chunk", type=int, default=CHUNK, help="rows generated at a time")
    p.add_argument("--rows-per-file", type=int, default=ROWS_PER_FILE,
                   help="rows per Parquet file (a Dask partition)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--scheduler", help="tcp://HOST:PORT of a running cluster")
    p.add_argument("--in-process", action="store_true",
                   help="threads in this process instead of worker processes")
    p.add_argument("--data", type=Path, help="where datasets are kept (default results/scale)")
    p.add_argument("--check-equal", action="store_true",
                   help="compare with pandas on the first million responses")
    p.add_argument("--check-rows", type=int, default=CHECK_ROWS, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--child", choices=["report", "check"], help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    root = dataset_root(a.responses, a.units, a.items, a.data, a.rows_per_file)
    if a.child == "report":
        print(json.dumps(report(root, a.workers, a.scheduler, not a.in_process,
                                progress=not a.json)))
        return {}
    if a.child == "check":
        print(json.dumps(check_equal(root, a.check_rows)))
        return {}
    result: dict[str, Any] = {"responses": a.responses, "units": a.units, "items": a.items,
                              "loadavg_before": loadavg()}
    result.update(generate(root, a.responses, a.units, a.items, a.chunk, quiet=a.json,
                           rows_per_file=a.rows_per_file))
    common = ["--responses", str(a.responses), "--units", str(a.units), "--items", str(a.items),
              "--rows-per-file", str(a.rows_per_file), "--workers", str(a.workers), "--json"]
    if a.data:
        common += ["--data", str(a.data)]
    if a.scheduler:
        common += ["--scheduler", a.scheduler]
    if a.in_process:
        common.append("--in-process")
    result.update(_child(["--child", "report", *common]))
    if a.check_equal:
        result.update(_child(["--child", "check", "--check-rows", str(a.check_rows), *common]))
    result["loadavg_after"] = loadavg()
    result["machine"] = machine()
    emit(result, a.json, name=None if a.data else f"scale-{a.responses}")
    return result


if __name__ == "__main__":
    main()
