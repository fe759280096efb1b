"""The campaign analysis on Dask: the same figures as the pandas functions, over a Parquet
dataset larger than one machine's memory (a national campaign).

Each partition of the response rows is scored with :func:`analysis.scoring.score_campaign`
and reduced to additive sufficient statistics: :func:`analysis.indices.sufficient_stats`
(counts, sums and sums of squares of the indices; valid and satisfied answer counts) per
unit, and valid / satisfied counts per item (:func:`analysis.indices.item_satisfaction`).
Those are summed along a tree of tasks and finished by the pandas functions themselves
(:func:`~analysis.indices.finalise`, :func:`~analysis.rollup.rollup_from_stats`,
:func:`~analysis.trends.year_over_year_from_stats`,
:func:`~analysis.indices.rate_table`). So the results equal the pandas
results up to the order of floating-point additions (about 1e-12 relative).

One pass over the data gives every table (:func:`summarise`); only the columns the
analysis needs are read (the unit, the version and the items: no ids, codes or dates).

The computation runs on whatever Dask scheduler is current: a ``distributed.Client`` (see
:func:`cluster`: a ``LocalCluster`` by default, or ``scheduler="tcp://HOST:PORT"`` for a
real cluster), else Dask's local scheduler.

Examples
--------
>>> from analysis import distributed as D                      # doctest: +SKIP
>>> with D.cluster():                                           # doctest: +SKIP
...     camp = D.open_campaign("report.parquet")
...     tables = D.campaign_report(camp, progress=True)
>>> tables["units"].loc[:, ["n", "overall", "satisfaction_rate"]]  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import indices, trends
from analysis import rollup as _rollup
from analysis.data import CampaignData
from analysis.scoring import MISSING, score_campaign

#: Partial results summed by one task of the reduction tree.
SPLIT_EVERY = 8


@dataclasses.dataclass
class DaskCampaign:
    """A campaign whose response rows are a Dask DataFrame.

    Attributes
    ----------
    responses : dask.dataframe.DataFrame
        The response rows (at least the grouping column, ``questionnaire_version_id`` and
        the item columns).
    facts : CampaignData
        Everything else: item specs, dimension weights, organisations, groups, minimum group
        size, code and year (its ``responses`` frame is empty).
    """

    responses: Any
    facts: CampaignData


def open_campaign(
    root: str | Path, campaign: str | None = None, *, columns: Sequence[str] | None = None
) -> DaskCampaign:
    """Open one campaign of a Parquet dataset (:func:`analysis.parquet.to_parquet`) lazily.

    Parameters
    ----------
    root : path
        Dataset root (or the campaign's own directory).
    campaign : str, optional
        Campaign code, needed when the dataset holds several.
    columns : sequence of str, optional
        Columns to read besides ``questionnaire_version_id`` and the items (default
        ``target_id`` and ``target_code``).
    """
    import dask.dataframe as dd

    from analysis.parquet import campaign_directory, campaign_from_facts, data_files, read_facts

    directory = campaign_directory(root, campaign)
    facts = read_facts(directory)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in facts["columns"]})
    data = campaign_from_facts(facts, empty)
    wanted = list(dict.fromkeys([*(columns or ("target_id", "target_code")),
                                 "questionnaire_version_id", *data.item_columns]))
    files = [str(f) for f in data_files(directory)]
    frame = dd.read_parquet(files, columns=wanted)
    return DaskCampaign(responses=frame, facts=data)


# ---------------------------------------------------------------- per partition


@dataclasses.dataclass
class _Scoring:
    """What :func:`score_campaign` reads of a campaign: rows, item specs, dimension weights
    (the rows of a partition lack the ids and dates a full :class:`CampaignData` demands)."""

    responses: pd.DataFrame
    items: dict[int, pd.DataFrame]
    dimension_weights: dict[int, pd.Series]


@dataclasses.dataclass
class Summary:
    """Additive statistics of (part of) a campaign.

    Attributes
    ----------
    stats : DataFrame or None
        :func:`analysis.indices.sufficient_stats` of the scored rows, per ``by`` value.
    items : dict
        Per questionnaire version: ``n_valid`` / ``n_satisfied`` per item and ``dim:<d>``
        (with ``item_by``: per ``(group, item)``).
    """

    stats: pd.DataFrame | None
    items: dict[int, pd.DataFrame]


def _partition_summary(
    part: pd.DataFrame, scoring: _Scoring, by: list[str], item_by: str | None,
    columns: list[str],
) -> Summary:
    if part.empty:
        return Summary(None, {})
    scored = score_campaign(dataclasses.replace(scoring, responses=part))
    st = indices.sufficient_stats(scored, by if len(by) > 1 else by[0])
    stats = st.reindex(columns=columns, fill_value=0)
    counts = {}
    vids = part["questionnaire_version_id"].to_numpy()
    for vid in np.unique(vids).tolist():
        spec = scoring.items[int(vid)]
        rows = part.loc[vids == vid]
        group = None if item_by is None else rows[item_by].to_numpy()
        got = indices.item_satisfaction(rows[list(spec.index)], spec, by=group,
                                        cluster_stats=True)
        counts[int(vid)] = got[["n_valid", "n_satisfied", *indices.CLUSTER_COLUMNS]]
    return Summary(stats, counts)


def _combine(*parts: Summary) -> Summary:
    """Sum partial summaries (the groups are the index; a group missing from a part adds 0)."""
    frames = [p.stats for p in parts if p.stats is not None]
    stats = None
    if frames:
        stats = frames[0] if len(frames) == 1 else pd.concat(frames).groupby(
            level=list(range(frames[0].index.nlevels)), sort=True).sum()
    counts: dict[int, pd.DataFrame] = {}
    for vid in sorted({v for p in parts for v in p.items}):
        got = [p.items[vid] for p in parts if vid in p.items]
        counts[vid] = got[0] if len(got) == 1 else pd.concat(got).groupby(
            level=list(range(got[0].index.nlevels)), sort=False).sum()
    return Summary(stats, counts)


def _stat_columns(facts: CampaignData, by: list[str]) -> list[str]:
    """The columns ``sufficient_stats`` gives for a whole campaign, in the pandas order:
    found by scoring one unanswered row per questionnaire version through the same code."""
    vids = sorted(facts.items)
    probe = pd.DataFrame({c: np.zeros(len(vids), dtype=np.int64) for c in by})
    probe["questionnaire_version_id"] = np.asarray(vids, dtype=np.int64)
    for item in facts.item_columns:
        probe[item] = np.int8(MISSING)
    scoring = _Scoring(probe, facts.items, facts.dimension_weights)
    return list(indices.sufficient_stats(score_campaign(scoring), by if len(by) > 1 else by[0])
                .columns)


# ---------------------------------------------------------------- running


@contextmanager
def cluster(
    scheduler: str | None = None, *, n_workers: int = 2, threads_per_worker: int = 1,
    processes: bool = True, memory_limit: str | float | None = "auto",
) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` (``"tcp://HOST:PORT"``) or, by default, to
    a new ``LocalCluster`` of ``n_workers`` processes (closed on exit)."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if "://" not in scheduler:
            raise ValueError(f"scheduler must be an address like tcp://HOST:PORT, got "
                             f"{scheduler!r}")
        with Client(scheduler) as client:
            yield client
        return
    if n_workers < 1 or threads_per_worker < 1:
        raise ValueError("n_workers and threads_per_worker must be >= 1")
    with LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                      processes=processes, memory_limit=memory_limit,
                      dashboard_address=None) as local, Client(local) as client:
        yield client


def _current_client() -> Any:
    try:
        from distributed import get_client
    except ImportError:  # pragma: no cover - distributed is a dependency
        return None
    try:
        return get_client()
    except ValueError:
        return None


def _compute(obj: Any, progress: bool) -> Any:
    """Compute a Dask object on the current client (with its progress bar) or scheduler."""
    client = _current_client()
    if client is not None:
        future = client.compute(obj)
        if progress:
            from distributed import progress as show

            show(future)
        return future.result()
    import dask
    from dask.diagnostics import ProgressBar

    with ProgressBar() if progress else nullcontext():
        return dask.compute(obj)[0]


def summarise(
    campaign: DaskCampaign, by: str | Sequence[str] = "target_id", *,
    item_by: str | None = None, progress: bool = False,
) -> Summary:
    """One pass over the rows: the sufficient statistics per ``by`` and the item counts.

    Parameters
    ----------
    campaign : DaskCampaign
        From :func:`open_campaign`.
    by : str or list of str
        Grouping of the unit statistics (``target_id`` for unit indices and the roll-up,
        ``target_code`` to match units across years).
    item_by : str, optional
        Grouping of the item counts (default: the whole campaign).
    progress : bool
        Show a progress bar.
    """
    import dask

    keys = [by] if isinstance(by, str) else list(by)
    frame = campaign.responses
    absent = [c for c in [*keys, *([item_by] if item_by else []), "questionnaire_version_id",
                          *campaign.facts.item_columns] if c not in frame.columns]
    if absent:
        raise ValueError(f"responses lack columns {absent}")
    facts = campaign.facts
    # the specs travel once to each worker; the rows are set per partition
    scoring = dask.delayed(_Scoring(pd.DataFrame(), facts.items, facts.dimension_weights),
                           pure=True)
    columns = _stat_columns(facts, keys)
    level = [dask.delayed(_partition_summary)(p, scoring, keys, item_by, columns)
             for p in frame.to_delayed()]
    while len(level) > 1:
        level = [dask.delayed(_combine)(*level[i : i + SPLIT_EVERY])
                 for i in range(0, len(level), SPLIT_EVERY)]
    total = _compute(level[0], progress)
    if total.stats is None:
        raise ValueError("campaign has no responses")
    return total


# ---------------------------------------------------------------- the analysis


def unit_indices(summary: Summary, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`analysis.indices.unit_indices` (indices and satisfaction rates per unit) from
    a :class:`Summary`."""
    return indices.finalise(summary.stats, confidence)


def rollup(
    summary: Summary, organisations: pd.DataFrame, *, weight_by_members: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`analysis.rollup.rollup` from a :class:`Summary` made ``by="target_id"``."""
    return _rollup.rollup_from_stats(summary.stats, organisations,
                                     weight_by_members=weight_by_members, confidence=confidence)


def item_satisfaction(
    summary: Summary, facts: CampaignData, confidence: float = 0.95
) -> dict[int, pd.DataFrame]:
    """:func:`analysis.indices.item_satisfaction` per questionnaire version from a
    :class:`Summary`, in the pandas function's row order."""
    out = {}
    for vid, counts in summary.items.items():
        spec = facts.items[vid]
        labels = [str(i) for i in spec.index] + [
            "dim:" + d for d in dict.fromkeys(spec["dimension"])]
        if counts.index.nlevels == 1:
            order = pd.Index(labels, name=counts.index.name)
        else:
            groups = np.sort(counts.index.get_level_values(0).unique())
            order = pd.MultiIndex.from_product([groups, labels], names=counts.index.names)
        out[vid] = indices.rate_table(counts.reindex(order), confidence).drop(
            columns=list(indices.CLUSTER_COLUMNS))
    return out


def year_over_year(
    previous: Summary, current: Summary, *, alpha: float = 0.05,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """:func:`analysis.trends.year_over_year` from the summaries of two campaigns (make them
    ``by="target_code"`` when unit ids can change between years)."""
    return trends.year_over_year_from_stats(previous.stats, current.stats, alpha=alpha,
                                            metrics=metrics)


def campaign_report(
    campaign: DaskCampaign, *, confidence: float = 0.95, progress: bool = False
) -> dict[str, Any]:
    """The report tables of a campaign in one pass: ``units`` (unit indices and
    satisfaction rates, with ``participation_rate``), ``items`` (item satisfaction per
    version), ``rollup`` (pooled figures of every unit's subtree)."""
    summary = summarise(campaign, "target_id", progress=progress)
    orgs = campaign.facts.organisations
    units = unit_indices(summary, confidence)
    units["participation_rate"] = indices.participation_rate(
        units["n"], orgs.set_index("id")["members"])
    return {
        "units": units,
        "items": item_satisfaction(summary, campaign.facts, confidence),
        "rollup": rollup(summary, orgs, confidence=confidence),
    }
