"""Deterministic synthetic campaigns for tests, benchmarks and notebooks.

Run as a script to measure the analysis path at scale::

    python -m analysis._synthetic 1000000 5000 30
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from analysis.data import CampaignData


def synthetic_tree(n_units: int, rng: np.random.Generator, levels: int = 4) -> pd.DataFrame:
    """A ``levels``-deep organisation tree of ``n_units`` units (1 root, widening levels)."""
    if n_units < levels:
        raise ValueError(f"need at least {levels} units for a {levels}-level tree")
    # level sizes grow geometrically: 1, ~r, ~r^2, rest
    r = max(2.0, (n_units) ** (1 / (levels - 1)) / 1.5)
    sizes = [1]
    for _ in range(1, levels - 1):
        sizes.append(max(1, int(round(sizes[-1] * r))))
    sizes.append(n_units - sum(sizes))
    if sizes[-1] < 1:
        raise ValueError("too few units for the tree")
    ids = np.arange(1, n_units + 1)
    level = np.repeat(np.arange(levels), sizes)
    parent = np.full(n_units, -1, dtype=np.int64)
    path = np.empty(n_units, dtype=object)
    path[0] = "/1/"
    start = 1
    for lv in range(1, levels):
        prev = ids[level == lv - 1]
        cur = slice(start, start + sizes[lv])
        par = rng.choice(prev, size=sizes[lv])
        parent[cur] = par
        own = pd.Series(ids[cur]).astype(str).to_numpy()
        path[cur] = path[par - 1] + own + "/"
        start += sizes[lv]
    kinds = np.array(["federation", "district", "grassroots", "branch", "group"])[level]
    members = np.maximum(5, rng.lognormal(4.0, 0.8, n_units)).astype(np.int64)
    return pd.DataFrame(
        {
            "id": ids,
            "code": pd.Series(ids).map("U{:05d}".format).to_numpy(),
            "name": pd.Series(ids).map("Unit {}".format).to_numpy(),
            "kind": kinds,
            "parent_id": pd.array(np.where(parent > 0, parent, 0), dtype="Int64"),
            "path": path.astype(str),
            "depth": level,
            "members": members,
        }
    ).assign(parent_id=lambda d: d["parent_id"].where(d["parent_id"] > 0, pd.NA))


def synthetic_campaign(
    n_responses: int,
    n_units: int,
    n_items: int,
    seed: int = 0,
    *,
    n_dimensions: int = 5,
    rater_groups: tuple[str, ...] = ("member",),
    year: int = 2026,
) -> CampaignData:
    """A realistic synthetic campaign on a 1-5 scale (satisfied = 4, 5).

    Answers come from a latent model: unit effect + respondent general factor + correlated
    dimension factors + item noise, cut at thresholds into 1..5. One item per dimension is
    reverse-coded. About 3 % of answers are "don't know" (-2) and 2 % are missing (-1).
    Responses target units of the two lowest levels, in proportion to their members.
    Deterministic for a given ``seed``.
    """
    if n_responses < 1 or n_items < n_dimensions or n_dimensions < 1:
        raise ValueError("need n_responses >= 1 and n_items >= n_dimensions >= 1")
    rng = np.random.default_rng(seed)
    orgs = synthetic_tree(n_units, rng)
    low = orgs["depth"].to_numpy() >= 2
    cand = orgs["id"].to_numpy()[low]
    p = orgs["members"].to_numpy()[low].astype(float)
    target = rng.choice(cand, size=n_responses, p=p / p.sum())

    unit_effect = rng.normal(0, 0.5, n_units + 1).astype(np.float32)
    dim_of_item = np.arange(n_items) % n_dimensions
    # correlated dimension factors: shared general factor + dimension-specific part
    general = rng.standard_normal(n_responses, dtype=np.float32)
    latent = np.empty((n_responses, n_items), dtype=np.float32)
    base = unit_effect[target] + 0.5 + 0.8 * general
    for d in range(n_dimensions):
        f = base + 0.5 * rng.standard_normal(n_responses, dtype=np.float32)
        cols = np.flatnonzero(dim_of_item == d)
        latent[:, cols] = f[:, None] + 0.7 * rng.standard_normal(
            (n_responses, len(cols)), dtype=np.float32
        )
    values = (np.digitize(latent, np.array([-1.5, -0.7, 0.0, 0.9], dtype=np.float32)) + 1)
    values = values.astype(np.int8)
    reverse = np.zeros(n_items, dtype=bool)
    reverse[[int(np.flatnonzero(dim_of_item == d)[-1]) for d in range(n_dimensions)]] = True
    values[:, reverse] = 6 - values[:, reverse]
    u = rng.random((n_responses, n_items), dtype=np.float32)
    values[u < 0.03] = -2
    values[(u >= 0.03) & (u < 0.05)] = -1
    del latent, u

    item_ids = [f"q{i + 1:02d}" for i in range(n_items)]
    dims = [f"d{d + 1}" for d in range(n_dimensions)]
    spec = pd.DataFrame(
        {
            "dimension": [dims[d] for d in dim_of_item],
            "min": 1,
            "max": 5,
            "reverse": reverse,
            "weight": 1.0,
            "satisfied_values": [(2, 1) if r else (4, 5) for r in reverse],
        },
        index=pd.Index(item_ids, name="item"),
    )
    spec["satisfied_values"] = [tuple(sorted(s)) for s in spec["satisfied_values"]]
    gw = np.full(len(rater_groups), 1.0 / len(rater_groups))
    if len(rater_groups) > 1:
        gw = np.r_[0.4, np.full(len(rater_groups) - 1, 0.6 / (len(rater_groups) - 1))]
        gp = np.r_[0.85, np.full(len(rater_groups) - 1, 0.15 / (len(rater_groups) - 1))]
        group = np.asarray(rater_groups, dtype=object)[
            rng.choice(len(rater_groups), n_responses, p=gp)
        ]
    else:
        group = np.full(n_responses, rater_groups[0], dtype=object)
    codes = orgs["code"].to_numpy()
    meta = pd.DataFrame(
        {
            "response_id": pd.RangeIndex(n_responses).astype(str).to_numpy(),
            "target_id": target.astype(np.int64),
            "target_code": codes[target - 1],
            "rater_group": group,
            "questionnaire_version_id": np.int64(1),
            "submitted_on": pd.Timestamp(f"{year}-10-01")
            + pd.to_timedelta(rng.integers(0, 30, n_responses), unit="D"),
        }
    )
    responses = pd.concat([meta, pd.DataFrame(values, columns=item_ids)], axis=1)
    groups = pd.DataFrame(
        {
            "key": list(rater_groups),
            "name": list(rater_groups),
            "weight": gw,
            "anonymous": [g == "member" for g in rater_groups],
            "questionnaire_version_id": 1,
        }
    )
    return CampaignData(
        responses=responses,
        items={1: spec},
        organisations=orgs,
        groups=groups,
        min_group_size=5,
        campaign_code=f"SYN-{year}",
        year=year,
        dimension_weights={1: pd.Series(1.0, index=pd.Index(dims, name="dimension"))},
    )


def _benchmark(n_responses: int, n_units: int, n_items: int) -> None:  # pragma: no cover
    import resource
    import time

    from analysis.disclosure import complementary_suppression, suppress_small
    from analysis.indices import unit_indices
    from analysis.rollup import rollup
    from analysis.scoring import score_campaign

    t0 = time.perf_counter()
    data = synthetic_campaign(n_responses, n_units, n_items, seed=1)
    t1 = time.perf_counter()
    scored = score_campaign(data)
    t2 = time.perf_counter()
    units = unit_indices(scored)
    t3 = time.perf_counter()
    tree = rollup(scored, data.organisations)
    t4 = time.perf_counter()
    suppress_small(units, "n", data.min_group_size)
    published = complementary_suppression(tree, "n", data.min_group_size)
    t5 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"generate {t1 - t0:.2f}s  score {t2 - t1:.2f}s  unit_indices {t3 - t2:.2f}s  "
          f"rollup {t4 - t3:.2f}s  disclosure {t5 - t4:.2f}s  "
          f"analysis total {t5 - t1:.2f}s  peak RSS {rss:.0f} MiB")
    print(f"units {len(units)}  rolled-up {len(tree)}  suppressed "
          f"{int(published['suppressed'].sum())}")


if __name__ == "__main__":  # pragma: no cover
    args = [int(a) for a in sys.argv[1:4]] or [1_000_000, 5000, 30]
    _benchmark(*args)
