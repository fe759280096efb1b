"""Deterministic synthetic federations, answers and campaigns (合成数据).

The one generator of synthetic data, for tests, notebooks, the demo and the benchmarks.
Everything is drawn from a :class:`numpy.random.Generator`, so one seed gives the same data.

Trees
    :func:`federation_tree` builds a federation from its level sizes (uneven fan-out,
    eligible members log-normal: many small units, a few large ones); :func:`synthetic_tree`
    sizes the levels of ``n`` units geometrically. Unit kinds are the platform's
    (:class:`questionnaires.vocabulary.OrgKind`), each under a parent kind it allows.
Answers
    A latent model: unit effect + respondent general factor + correlated dimension factors +
    item noise, cut into the scale's points, so items correlate within a respondent (more
    within a dimension) and units differ. :func:`answer_matrix` gives the ``int8`` item matrix
    of many respondents (vectorised); :func:`synthetic_answers` one respondent's answers to
    every field of a questionnaire (the demo's form submissions).
Campaigns
    :func:`synthetic_campaign` gives a :class:`analysis.data.CampaignData` ready to analyse.

Run as a script to measure the analysis path at scale::

    python -m analysis.synthetic 1000000 5000 30
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.data import CampaignData
from questionnaires.vocabulary import OrgKind

COMMENTS_KEEP = ["职工书屋很好", "夏送清凉活动", "法律咨询及时", "技能培训实用", "困难帮扶到位",
                 "文体活动丰富", "食堂改善了"]
COMMENTS_IMPROVE = ["希望多组织培训", "厂务公开要更及时", "加班费问题希望关注", "活动场地太小",
                    "希望增加心理疏导", "集体协商要让职工参与", "反映的问题要有回音"]

#: Short Chinese names of the kinds below the root, used in synthetic unit names.
_KIND_LABEL = {OrgKind.DISTRICT_FEDERATION: "区总工会", OrgKind.INDUSTRY_UNION: "产业工会",
               OrgKind.GRASSROOTS_UNION: "基层工会", OrgKind.BRANCH_UNION: "分工会",
               OrgKind.UNION_GROUP: "工会小组"}


# ---------------------------------------------------------------- trees


def unit_kinds(depth: np.ndarray) -> np.ndarray:
    """The unit kind (:class:`~questionnaires.vocabulary.OrgKind` value) of each depth.

    The root is a federation; its children are district federations, every third an
    industry union; then grassroots unions, branch unions and union groups.
    """
    depth = np.asarray(depth)
    if (depth < 0).any():
        raise ValueError("depths must be >= 0")
    kinds = np.full(len(depth), OrgKind.UNION_GROUP.value, dtype=object)
    kinds[depth == 0] = OrgKind.FEDERATION.value
    lvl1 = np.flatnonzero(depth == 1)
    kinds[lvl1] = np.where(np.arange(len(lvl1)) % 3 == 2, OrgKind.INDUSTRY_UNION.value,
                           OrgKind.DISTRICT_FEDERATION.value)
    kinds[depth == 2] = OrgKind.GRASSROOTS_UNION.value
    kinds[depth == 3] = OrgKind.BRANCH_UNION.value
    return kinds


def federation_tree(
    level_sizes: tuple[int, ...] | list[int],
    rng: np.random.Generator,
    *,
    first_id: int = 1,
    total_members: int | None = None,
    code_prefixes: tuple[str, ...] | None = None,
    root_name: str = "合成市总工会",
) -> pd.DataFrame:
    """A federation with the given number of units per level.

    Parameters
    ----------
    level_sizes : sequence of int
        Units per level, top first; the first must be 1 (the root).
    rng : numpy.random.Generator
        The source of every random draw.
    first_id : int, optional
        Ids are consecutive from ``first_id`` in level order, so paths can be built before
        the rows exist.
    total_members : int, optional
        Eligible members of the units of the two lowest levels together (about; each has at
        least 3); default 300 per unit. Upper units have 15-80 (their own staff).
    code_prefixes : sequence of str, optional
        A code prefix per level: the root's code is its prefix, other units' codes are the
        prefix and a five-digit number within the level. Default: ``U`` and the id.
    root_name : str, optional
        The root's name; other units are named ``合成<kind><number>``.

    Returns
    -------
    DataFrame
        ``id, code, name, kind, parent_id, path, depth, members`` (``parent_id`` Int64).

    Raises
    ------
    ValueError
        A first level that is not one root, an empty level, or too few code prefixes.
    """
    sizes = [int(s) for s in level_sizes]
    if not sizes or sizes[0] != 1 or min(sizes) < 1:
        raise ValueError("level_sizes must start with the root (1) and have no empty level")
    if code_prefixes is not None and len(code_prefixes) < len(sizes):
        raise ValueError("need one code prefix per level")
    n = sum(sizes)
    total_members = int(total_members or 300 * n)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    depth = np.repeat(np.arange(len(sizes)), sizes)
    parent = np.zeros(n, dtype=np.int64)
    path = np.empty(n, dtype=object)
    path[0] = f"/{ids[0]}/"
    start = sizes[0]
    for lv in range(1, len(sizes)):
        prev = np.arange(start - sizes[lv - 1], start)  # positions of the level above
        size = sizes[lv]
        # uneven fan-out: some parents have many children
        weights = rng.lognormal(0.0, 0.6, len(prev))
        par = np.sort(rng.choice(prev, size=size, p=weights / weights.sum()))
        par[: len(prev)] = prev[: min(len(prev), size)]  # every parent gets a child
        par = np.sort(par)
        cur = np.arange(start, start + size)
        parent[cur] = ids[par]
        path[cur] = path[par] + pd.Series(ids[cur]).astype(str).to_numpy() + "/"
        start += size
    kinds = unit_kinds(depth)
    raw = rng.lognormal(5.0, 1.1, n)
    low = depth >= len(sizes) - 2 if len(sizes) > 2 else depth >= 0
    members = np.zeros(n, dtype=np.int64)
    members[low] = np.maximum(3, np.round(raw[low] * total_members / raw[low].sum()))
    members[~low] = np.round(rng.uniform(15, 80, (~low).sum()))
    codes = np.empty(n, dtype=object)
    if code_prefixes is None:
        codes[:] = [f"U{i:05d}" for i in ids]
    else:
        codes[0] = code_prefixes[0]
        for lv in range(1, len(sizes)):
            sel = np.flatnonzero(depth == lv)
            codes[sel] = [f"{code_prefixes[lv]}{i + 1:05d}" for i in range(len(sel))]
    names = np.empty(n, dtype=object)
    names[0] = root_name
    for i in range(1, n):
        names[i] = f"合成{_KIND_LABEL[OrgKind(kinds[i])]}{codes[i][-5:]}"
    return pd.DataFrame({
        "id": ids, "code": codes, "name": names, "kind": kinds,
        "parent_id": pd.array(np.where(parent > 0, parent, 0), dtype="Int64"),
        "path": path, "depth": depth.astype(np.int64), "members": members,
    }).assign(parent_id=lambda d: d["parent_id"].where(d["parent_id"] > 0, pd.NA))


def synthetic_tree(n_units: int, rng: np.random.Generator, levels: int = 4) -> pd.DataFrame:
    """A ``levels``-deep federation of ``n_units`` units (1 root, widening levels).

    Level sizes grow geometrically (1, ~r, ~r², the rest); the tree is
    :func:`federation_tree`'s, with codes ``U00001``...

    Raises
    ------
    ValueError
        Fewer units than levels.
    """
    if levels < 2 or n_units < levels:
        raise ValueError(f"need at least {levels} units (and 2 levels) for a {levels}-level tree")
    r = max(2.0, n_units ** (1 / (levels - 1)) / 1.5)
    sizes = [1]
    for _ in range(1, levels - 1):
        sizes.append(max(1, int(round(sizes[-1] * r))))
    sizes.append(n_units - sum(sizes))
    if sizes[-1] < 1:
        raise ValueError("too few units for the tree")
    return federation_tree(sizes, rng, total_members=60 * n_units)


def unit_effects(n_units: int, rng: np.random.Generator) -> np.ndarray:
    """A satisfaction effect per unit (``float32``, normal with sd 0.5)."""
    return rng.normal(0.0, 0.5, n_units).astype(np.float32)


def allocate(n: int, members: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Respondents per unit: in proportion to members × a unit's turnout, never above its
    members.

    Raises
    ------
    ValueError
        More respondents than members.
    """
    if n > members.sum():
        raise ValueError(f"{n} responses but only {members.sum()} eligible members")
    turnout = rng.beta(6.0, 3.0, len(members))
    weights = members * turnout
    counts = rng.multinomial(n, weights / weights.sum())
    for _ in range(100):
        excess = np.maximum(counts - members, 0)
        if not excess.any():
            break
        counts -= excess
        room = (members - counts).astype(float)
        counts += rng.multinomial(int(excess.sum()), room / room.sum())
    else:  # pragma: no cover - never for sane inputs
        raise RuntimeError("could not allocate responses within member counts")
    return counts


# ---------------------------------------------------------------- answers


@dataclass(frozen=True)
class ItemTable:
    """What the answer model needs of a questionnaire's scored items."""

    ids: list[str]
    dimensions: list[str]
    values: list[list[int]]  # scale values, ascending
    codes: list[dict[int, str]]  # value -> answer code
    na: list[bool]  # the scale has "don't know"


def item_table(questionnaire: Any) -> ItemTable:
    """The :class:`ItemTable` of a :class:`questionnaires.Questionnaire`'s scored items."""
    items = questionnaire.scored_items()
    return ItemTable(
        ids=[i.id for i in items],
        dimensions=[i.dimension for i in items],
        values=[sorted(p.value for p in i.scale.points) for i in items],
        codes=[{p.value: p.code for p in i.scale.points} for i in items],
        na=[bool(i.scale.na) for i in items],
    )


#: Cut points of the latent satisfaction for a scale of k points (ascending values).
CUTS = {2: [-0.2], 3: [-1.0, 0.25], 4: [-1.3, -0.4, 0.6], 5: [-1.6, -0.8, 0.0, 0.9]}
#: "Don't know" is more frequent for services few members use.
NA_PRONE = ("legal", "employment", "hardship", "collective", "disputes", "online", "women")


def answer_matrix(table: ItemTable, unit_effect: np.ndarray, rng: np.random.Generator,
                  *, na_rate: float = 0.03, missing_rate: float = 0.005,
                  general_sd: float = 0.75) -> np.ndarray:
    """The ``(n, k)`` int8 item matrix: scale values, -2 don't know, -1 missing.

    Parameters
    ----------
    table : ItemTable
        The scored items.
    unit_effect : array of float
        Each respondent's unit effect (its length is the number of respondents).
    rng : numpy.random.Generator
    na_rate, missing_rate : float, optional
        Share of "don't know" (items whose scale has it; three times more for the services
        of :data:`NA_PRONE`, and varying by respondent) and of unanswered items.
    general_sd : float, optional
        Standard deviation of the respondent's general factor.

    Notes
    -----
    ``latent = unit effect + 0.55 + general + dimension factor + item offset + noise``, cut
    at :data:`CUTS` into the scale's values. Respondents share the general factor across
    items and a factor per dimension, so items correlate more within a dimension.
    """
    if not 0 <= na_rate <= 1 or not 0 <= missing_rate <= 1:
        raise ValueError("na_rate and missing_rate must be shares (0-1)")
    n, k = len(unit_effect), len(table.ids)
    dims = list(dict.fromkeys(table.dimensions))
    dim_of = np.array([dims.index(d) for d in table.dimensions])
    item_offset = rng.normal(0.0, 0.25, k).astype(np.float32)
    dim_offset = rng.normal(0.0, 0.2, len(dims)).astype(np.float32)
    base = np.asarray(unit_effect, dtype=np.float32) + 0.55 + general_sd * rng.standard_normal(
        n, dtype=np.float32)
    out = np.empty((n, k), dtype=np.int8)
    for d in range(len(dims)):
        cols = np.flatnonzero(dim_of == d)
        f = base + dim_offset[d] + 0.45 * rng.standard_normal(n, dtype=np.float32)
        latent = (f[:, None] + item_offset[cols]
                  + 0.6 * rng.standard_normal((n, len(cols)), dtype=np.float32))
        for j, c in enumerate(cols):
            vals = np.asarray(table.values[c], dtype=np.int8)
            cuts = np.asarray(CUTS.get(len(vals), np.linspace(-1.5, 1.0, len(vals) - 1)),
                              dtype=np.float32)
            out[:, c] = vals[np.searchsorted(cuts, latent[:, j])]
    # don't know: per item (services few use) x per respondent (some know little)
    rate = np.array([na_rate * (3.0 if any(w in i for w in NA_PRONE) else 1.0)
                     for i in table.ids], dtype=np.float32)
    person = rng.lognormal(-0.25, 0.7, n).astype(np.float32)
    u = rng.random((n, k), dtype=np.float32)
    na_ok = np.asarray(table.na)
    out[(u < rate[None, :] * person[:, None]) & na_ok[None, :]] = -2
    out[rng.random((n, k), dtype=np.float32) < missing_rate] = -1
    return out


#: A field left unanswered.
_SKIP = object()


def _likert_answer(field: Any, rng: np.random.Generator, latent: float, na_rate: float,
                   missing_rate: float) -> object:
    from questionnaires.model import NA_CODE

    draw = rng.random()
    if field.scale.na and draw < na_rate:
        return NA_CODE
    if not field.question.required and draw > 1 - missing_rate:
        return _SKIP
    points = sorted(field.scale.points, key=lambda p: p.value)
    score = latent + rng.normal(0.6, 0.7)  # most members are at least basically satisfied
    position = int(np.clip(np.floor((score + 1.2) / 2.4 * len(points) + 0.5), 0,
                           len(points) - 1))
    if field.item is not None and getattr(field.item, "reverse", False):
        position = len(points) - 1 - position
    return points[position].code


def _choice_answer(field: Any, rng: np.random.Generator) -> object:
    """A single, multiple or ranking question with choices."""
    question = field.question
    choices = question.choices
    if field.type == "single":
        return choices[int(rng.integers(len(choices)))].code
    if field.type == "multiple":
        k = max(question.min_choices or 1, 1)
        k = min(k, question.max_choices or len(choices), len(choices))
        picked = rng.choice(len(choices), size=k, replace=False)
        return [choices[int(i)].code for i in sorted(picked)]
    order = rng.permutation(len(choices))
    return [choices[int(i)].code for i in order]


def _number_answer(question: Any, rng: np.random.Generator) -> int:
    low = question.min if question.min is not None else 0
    high = question.max if question.max is not None else low + 100
    return int(rng.integers(int(low), int(high) + 1))


def _text_answer(question: Any, rng: np.random.Generator, latent: float) -> object:
    pool = COMMENTS_IMPROVE if "improve" in question.id or latent < 0 else COMMENTS_KEEP
    if question.required or rng.random() < 0.3:
        return pool[int(rng.integers(len(pool)))]
    return _SKIP


def _field_answer(field: Any, rng: np.random.Generator, latent: float, na_rate: float,
                  missing_rate: float) -> object:
    """One field's answer, or :data:`_SKIP`."""
    question = field.question
    if field.type == "likert" and field.scale is not None:
        return _likert_answer(field, rng, latent, na_rate, missing_rate)
    if field.type in ("single", "multiple", "ranking") and question.choices:
        return _choice_answer(field, rng)
    if field.type == "rating":
        return int(np.clip(round(7.5 + 2 * latent + rng.normal(0, 1.2)), 0, 10))
    if field.type == "checklist":
        return "yes" if rng.random() < 0.8 + 0.1 * np.tanh(latent) else "no"
    if field.type == "number":
        return _number_answer(question, rng)
    if field.type == "text" and field.kind == "question":
        return _text_answer(question, rng, latent)
    return _SKIP


def synthetic_answers(
    questionnaire: Any, rng: np.random.Generator, unit_effect: float = 0.0,
    na_rate: float = 0.04, missing_rate: float = 0.02,
) -> dict[str, object]:
    """One respondent's answers to every field of ``questionnaire`` (conditions respected),
    as a form submission gives them: answer codes, numbers, lists and comments.

    The same latent model as :func:`answer_matrix` for one respondent: a personal latent
    satisfaction around ``unit_effect``, each scored item adding its own noise; "don't know"
    (``na_rate``) where the scale has it, and optional questions left out (``missing_rate``).
    """
    from questionnaires import validate_answers

    latent = unit_effect + rng.normal(0.0, 0.8)
    answers: dict[str, object] = {}
    for field in questionnaire.fields():
        answer = _field_answer(field, rng, latent, na_rate, missing_rate)
        if answer is not _SKIP:
            answers[field.id] = answer
    cleaned, _errors = validate_answers(questionnaire, answers)
    # Answers to questions whose condition does not hold are dropped; a conditional
    # required question that is now relevant gets a short text.
    for field_id, key in _errors.items():
        if key == "required" and questionnaire.field(field_id).type == "text":
            answers[field_id] = COMMENTS_IMPROVE[int(rng.integers(len(COMMENTS_IMPROVE)))]
    cleaned, _errors = validate_answers(questionnaire, answers)
    return cleaned


# ---------------------------------------------------------------- campaigns


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

    Answers come from :func:`answer_matrix` (about 3 % "don't know", 2 % missing); one item
    per dimension is reverse-coded. Responses target units of the two lowest levels of a
    :func:`synthetic_tree`, in proportion to their members. Deterministic for a ``seed``.

    Raises
    ------
    ValueError
        ``n_responses < 1`` or fewer items than dimensions.
    """
    if n_responses < 1 or n_items < n_dimensions or n_dimensions < 1:
        raise ValueError("need n_responses >= 1 and n_items >= n_dimensions >= 1")
    rng = np.random.default_rng(seed)
    orgs = synthetic_tree(n_units, rng)
    low = orgs["depth"].to_numpy() >= 2
    cand = orgs["id"].to_numpy()[low]
    p = orgs["members"].to_numpy()[low].astype(float)
    target = rng.choice(cand, size=n_responses, p=p / p.sum())

    effect = unit_effects(n_units + 1, rng)
    dim_of_item = np.arange(n_items) % n_dimensions
    item_ids = [f"q{i + 1:02d}" for i in range(n_items)]
    dims = [f"d{d + 1}" for d in range(n_dimensions)]
    table = ItemTable(ids=item_ids, dimensions=[dims[d] for d in dim_of_item],
                      values=[[1, 2, 3, 4, 5]] * n_items,
                      codes=[{v: str(v) for v in range(1, 6)}] * n_items, na=[True] * n_items)
    values = answer_matrix(table, effect[target], rng, missing_rate=0.02)
    reverse = np.zeros(n_items, dtype=bool)
    reverse[[int(np.flatnonzero(dim_of_item == d)[-1]) for d in range(n_dimensions)]] = True
    flip = (values > 0) & reverse[None, :]
    values[flip] = 6 - values[flip]

    spec = pd.DataFrame(
        {
            "dimension": table.dimensions,
            "min": 1,
            "max": 5,
            "reverse": reverse,
            "weight": 1.0,
            "satisfied_values": [(1, 2) if r else (4, 5) for r in reverse],
        },
        index=pd.Index(item_ids, name="item"),
    )
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
