"""A campaign as DataFrames (the tidy campaign frame), built from columns or Parquet.

The app reads its database and hands the columns to :func:`campaign_from_columns`: the
``item_values`` blobs of each questionnaire version are joined and read with
``np.frombuffer`` into an ``int8`` matrix (one signed byte per scored item; -1 not answered,
-2 don't know / not applicable). :func:`specs_from_definitions` gives the item specs of
stored questionnaire definitions, :func:`comments_from_answers` the free-text comments.
:func:`analysis.parquet.to_parquet` / :func:`~analysis.parquet.from_parquet` write and read it
as a Parquet dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.scoring import MISSING, validate_spec

META_COLUMNS = (
    "response_id", "target_id", "target_code", "rater_group", "questionnaire_version_id",
    "submitted_on",
)
ORG_COLUMNS = ("id", "code", "name", "kind", "parent_id", "path", "depth", "members")
GROUP_COLUMNS = ("key", "name", "weight", "anonymous", "questionnaire_version_id")


@dataclass
class CampaignData:
    """A campaign as DataFrames.

    Attributes
    ----------
    responses : DataFrame
        One row per response: ``response_id, target_id, target_code, rater_group,
        questionnaire_version_id, submitted_on`` and one ``int8`` column per scored item
        (item id; items not in a response's version hold -1).
    items : dict
        Item spec (:func:`analysis.scoring.item_spec`) per questionnaire version id.
    organisations : DataFrame
        ``id, code, name, kind, parent_id, path, depth, members``.
    groups : DataFrame
        Rater groups: ``key, name, weight, anonymous, questionnaire_version_id``.
    min_group_size : int
        Minimum reporting group size of the campaign.
    """

    responses: pd.DataFrame
    items: dict[int, pd.DataFrame]
    organisations: pd.DataFrame
    groups: pd.DataFrame
    min_group_size: int = 5
    campaign_code: str = ""
    year: int | None = None
    dimension_weights: dict[int, pd.Series] = field(default_factory=dict)

    def __post_init__(self) -> None:
        absent = [c for c in META_COLUMNS if c not in self.responses.columns]
        if absent:
            raise ValueError(f"responses frame lacks columns {absent}")
        if self.min_group_size < 1:
            raise ValueError("min_group_size must be >= 1")
        self.items = {int(k): validate_spec(v) for k, v in self.items.items()}

    @property
    def item_columns(self) -> list[str]:
        """Item columns of ``responses`` (union over versions, first-seen order)."""
        return list(dict.fromkeys(i for spec in self.items.values() for i in spec.index))


def specs_from_definitions(
    definitions: Mapping[int, Mapping[str, Any]],
) -> tuple[dict[int, pd.DataFrame], dict[int, pd.Series]]:
    """Item specs and dimension weights of questionnaire versions, from their definitions.

    Parameters
    ----------
    definitions : mapping
        Questionnaire version id → its definition (the parsed JSON of a published version).

    Returns
    -------
    specs : dict
        Version id → item spec (:func:`analysis.scoring.item_spec`).
    weights : dict
        Version id → dimension weights (:func:`analysis.scoring.dimension_weights`).

    Raises
    ------
    ValueError
        A definition that is not a valid questionnaire.
    """
    from analysis.scoring import dimension_weights, item_spec
    from questionnaires import Questionnaire

    specs, weights = {}, {}
    for vid, definition in definitions.items():
        q = Questionnaire.from_dict(dict(definition))
        specs[int(vid)] = item_spec(q)
        weights[int(vid)] = dimension_weights(q)
    return specs, weights


def campaign_from_columns(
    columns: Sequence[Any],
    *,
    organisations: pd.DataFrame,
    groups: pd.DataFrame,
    items: Mapping[int, pd.DataFrame],
    dimension_weights: Mapping[int, pd.Series] | None = None,
    blocks: Mapping[int, tuple[np.ndarray, np.ndarray]] | None = None,
    min_group_size: int = 5,
    campaign_code: str = "",
    year: int | None = None,
) -> CampaignData:
    """A :class:`CampaignData` from the stored columns of a campaign's responses.

    Parameters
    ----------
    columns : sequence of six array-likes
        ``id, target_id, rater_group_id, questionnaire_version_id, submitted_on,
        item_values`` of every response, as a database returns them: ids as strings (or
        UUIDs), dates as ``datetime64``, ``date`` objects or ISO text, and ``item_values``
        as one ``bytes`` blob per response (one signed byte per scored item of its version).
        ``item_values`` may be ``None`` when ``blocks`` holds the items.
    organisations : DataFrame
        ``id, code, name, kind, parent_id, path, depth, members``.
    groups : DataFrame
        The campaign's rater groups: ``group_id`` (the id responses refer to) and ``key,
        name, weight, anonymous, questionnaire_version_id``.
    items : mapping
        Item spec per questionnaire version id.
    dimension_weights : mapping, optional
        Dimension weights per questionnaire version id.
    blocks : mapping, optional
        Items already parsed, per version id: ``(row positions, int8 matrix)``.
    min_group_size, campaign_code, year
        The campaign's minimum reporting group size, code and year.

    Raises
    ------
    ValueError
        A blob whose length does not match its version's item count, or a version without a
        spec.
    """
    if len(columns) != 6:
        raise ValueError("expected six response columns")
    groups = groups.astype({"weight": float, "anonymous": bool})
    responses = _responses_frame(columns, items, organisations, groups, blocks)
    return CampaignData(
        responses=responses,
        items=dict(items),
        organisations=organisations.astype({"parent_id": "Int64"}),
        groups=groups.drop(columns="group_id"),
        min_group_size=int(min_group_size),
        campaign_code=campaign_code,
        year=year,
        dimension_weights={int(k): v for k, v in (dimension_weights or {}).items()},
    )


def _arrow_strings(texts: Any) -> pd.arrays.ArrowStringArray:
    """Python strings (a cursor's ids) as Arrow-backed strings."""
    import pyarrow as pa

    return pd.arrays.ArrowStringArray(pa.array(np.asarray(texts, dtype=object), type=pa.string()))


def _responses_frame(
    cols: Sequence[Any], specs: Mapping[int, pd.DataFrame], orgs: pd.DataFrame,
    groups: pd.DataFrame,
    blocks: Mapping[int, tuple[np.ndarray, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Build the tidy frame; item blobs are joined per version and read with frombuffer
    (or come already parsed, per version, in ``blocks``)."""
    n = len(cols[0])

    def ints(values) -> np.ndarray:
        if isinstance(values, np.ndarray):
            return values.astype(np.int64, copy=False)
        return np.fromiter(values, dtype=np.int64, count=n)

    target = pd.Series(ints(cols[1]))
    group_id = pd.Series(ints(cols[2]))
    # response ids as Arrow-backed strings ("string[pyarrow]") from either path; only a
    # driver returning UUID objects needs str()
    ids = pd.Series(cols[0] if isinstance(cols[0], pd.arrays.ArrowStringArray) else _arrow_strings(
        [str(i) for i in cols[0]] if n and not isinstance(cols[0][0], str) else cols[0]))
    if isinstance(cols[4], np.ndarray) and cols[4].dtype.kind == "M":  # already dates
        submitted = pd.Series(cols[4].astype("datetime64[ns]"))
    else:  # SQLite's raw cursor gives ISO text, PostgreSQL's gives dates
        try:  # numpy parses ISO dates (and converts dates) in C
            submitted = pd.Series(np.array(cols[4], dtype="datetime64[D]")
                                  .astype("datetime64[ns]"))
        except (TypeError, ValueError):
            submitted = pd.to_datetime(
                pd.Series(cols[4], dtype=object),
                format="ISO8601" if n and isinstance(cols[4][0], str) else None)
    meta = pd.DataFrame(
        {
            "response_id": ids,
            "target_id": target,
            "target_code": target.map(orgs.set_index("id")["code"]),
            "rater_group": group_id.map(groups.set_index("group_id")["key"]),
            "questionnaire_version_id": pd.Series(ints(cols[3])),
            "submitted_on": submitted,
        }
    )
    items = list(dict.fromkeys(i for s in specs.values() for i in s.index))
    matrix = np.full((n, len(items)), MISSING, dtype=np.int8)
    blobs = cols[5]
    vid = meta["questionnaire_version_id"].to_numpy()
    if blocks is not None:
        for v, (sel, block) in blocks.items():
            if v not in specs:
                raise ValueError(f"no item spec for questionnaire version {v}")
            spec = specs[v]
            if block.shape[1] != len(spec):
                raise ValueError(f"item_values length differs from the {len(spec)} items "
                                 f"of questionnaire version {v}")
            colpos = [items.index(i) for i in spec.index]
            if len(sel) == n and colpos == list(range(len(items))):
                matrix[:] = block  # the common case: one version, all rows, all items
            else:
                matrix[np.ix_(sel, colpos)] = block
        return pd.concat([meta, pd.DataFrame(matrix, columns=items)], axis=1)
    lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=n)
    for v in pd.unique(vid):
        if int(v) not in specs:
            raise ValueError(f"no item spec for questionnaire version {v}")
        spec = specs[int(v)]
        sel = np.flatnonzero(vid == v)
        k = len(spec)
        if (lengths[sel] != k).any():
            bad = meta["response_id"].iloc[sel[lengths[sel] != k][0]]
            raise ValueError(f"response {bad}: item_values length differs from the {k} items "
                             f"of questionnaire version {v}")
        lo, hi = sel[0], sel[-1] + 1
        if hi - lo == len(sel):  # rows are ordered by version: one contiguous slice
            block = np.frombuffer(b"".join(blobs[lo:hi]), dtype=np.int8)
        else:
            block = np.frombuffer(b"".join(blobs[i] for i in sel), dtype=np.int8)
        colpos = [items.index(i) for i in spec.index]
        matrix[np.ix_(sel, colpos)] = block.reshape(len(sel), k)
    return pd.concat([meta, pd.DataFrame(matrix, columns=items)], axis=1)


def comments_from_answers(answers: pd.DataFrame, field_ids: Iterable[str]) -> pd.DataFrame:
    """Free-text comments from the answers of a campaign's responses.

    Parameters
    ----------
    answers : DataFrame
        One row per response: ``target_id, rater_group, answers`` (a dict of answers by
        question id, as parsed from the stored JSON).
    field_ids : iterable of str
        The ids of the free-text questions.

    Returns
    -------
    DataFrame
        ``target_id, rater_group, field_id, text``: one row per non-blank text, stripped,
        without response ids or dates. Release it only through
        :func:`analysis.disclosure.release_comments`.

    Raises
    ------
    ValueError
        No field ids, or ``answers`` without the columns above.
    """
    fields = list(field_ids)
    if not fields:
        raise ValueError("no comment field ids given")
    absent = [c for c in ("target_id", "rater_group", "answers") if c not in answers.columns]
    if absent:
        raise ValueError(f"answers frame lacks columns {absent}")
    parsed = answers["answers"]
    parts = []
    for f in fields:
        t = parsed.map(lambda d, f=f: d.get(f) if isinstance(d, dict) else None)
        ok = t.map(lambda x: isinstance(x, str) and x.strip() != "")
        parts.append(
            pd.DataFrame(
                {
                    "target_id": answers.loc[ok, "target_id"].to_numpy(),
                    "rater_group": answers.loc[ok, "rater_group"].to_numpy(),
                    "field_id": f,
                    "text": t[ok].str.strip().to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
