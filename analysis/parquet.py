"""A campaign as one hive-partitioned Parquet dataset, the format analysts and engines open.

Layout of an export (``root`` may hold several campaigns, e.g. one per year)::

    root/year=2026/campaign=SYN-2026/part-00000.parquet
    root/year=2026/campaign=SYN-2026/part-00001.parquet
    root/year=2026/campaign=SYN-2026/_campaign.json

The ``part-*.parquet`` files hold the response rows only (``response_id, target_id,
target_code, rater_group, questionnaire_version_id, submitted_on`` and one ``int8`` column
per scored item); ``year`` and ``campaign`` are hive partition keys, not file columns. So
``pandas.read_parquet(root)``, ``pyarrow.dataset.dataset(root, partitioning="hive")``,
``duckdb.read_parquet('root/**/*.parquet', hive_partitioning=true)``, Spark and
``dask.dataframe.read_parquet(root)`` open it as is.

Everything else of the campaign (code, year, minimum group size, rater groups with their
weights, item specs with their scales, dimension weights, the organisation tree) is in
``_campaign.json``: dataset readers skip files whose name starts with an underscore. The
same facts, without the organisation tree (which can be megabytes), are in the key-value
metadata of every Parquet file under :data:`METADATA_KEY`, so a single file describes itself.

Nothing here adds identifiers: the rows are written as given. The export of the app writes
:func:`analysis.reports.released_data`, whose response ids are row numbers after a shuffle
and whose dates are days.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from analysis.data import META_COLUMNS, CampaignData

#: Name of the campaign description beside the Parquet files of a campaign.
CAMPAIGN_FILE = "_campaign.json"
#: Key of the campaign description in each Parquet file's key-value metadata.
METADATA_KEY = b"pingjia.campaign"
#: Identifies the layout of ``_campaign.json``.
FORMAT = "pingjia.campaign/1"
#: Rows per Parquet file (one file is one partition for Dask).
ROWS_PER_FILE = 1_000_000
#: Hive's spelling of a missing partition value.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


# ---------------------------------------------------------------- JSON of small frames


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars unboxed, missing values as ``null``, tuples as lists."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple | list | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _dtype_name(dtype: Any) -> str:
    if isinstance(dtype, pd.StringDtype):
        return f"string[{dtype.storage}]"
    return str(dtype)


def _as_dtype(series: pd.Series, name: str) -> pd.Series:
    if _dtype_name(series.dtype) == name:
        return series
    if name.startswith("string["):
        return series.astype(pd.StringDtype(name[len("string[") : -1]))
    if name == "object":
        return series.astype(object)
    return series.astype(pd.api.types.pandas_dtype(name))


def _frame_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A small frame as JSON: columns, dtypes and values (index kept when it is named)."""
    index = frame.index.name
    flat = frame.reset_index() if index is not None else frame
    return {
        "index": index,
        "dtypes": {str(c): _dtype_name(flat[c].dtype) for c in flat.columns},
        "data": {str(c): [_plain(v) for v in flat[c].tolist()] for c in flat.columns},
    }


def _frame_from_json(obj: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in obj["data"].items()})
    for c, name in obj["dtypes"].items():
        if name in ("object",):
            continue
        frame[c] = _as_dtype(frame[c], name)
    if obj.get("index") is not None:
        frame = frame.set_index(obj["index"])
    return frame


# ---------------------------------------------------------------- campaign facts


def campaign_facts(data: CampaignData, *, organisations: bool = True) -> dict[str, Any]:
    """Everything of a campaign except its response rows, as a JSON-ready dict.

    Parameters
    ----------
    data : CampaignData
        The campaign (its ``responses`` give the column types only).
    organisations : bool
        Include the organisation tree (``_campaign.json``) or not (file metadata).
    """
    facts: dict[str, Any] = {
        "format": FORMAT,
        "campaign_code": data.campaign_code,
        "year": data.year,
        "min_group_size": int(data.min_group_size),
        "item_columns": data.item_columns,
        "columns": {str(c): _dtype_name(data.responses[c].dtype)
                    for c in [*META_COLUMNS, *data.item_columns]
                    if c in data.responses.columns},
        "items": {str(v): _frame_json(spec) for v, spec in data.items.items()},
        "dimension_weights": {
            str(v): {"name": w.name, "index": w.index.name,
                     "dimensions": [str(d) for d in w.index],
                     "weights": [float(x) for x in w.to_numpy(float)]}
            for v, w in data.dimension_weights.items()
        },
        "groups": _frame_json(data.groups),
    }
    if organisations:
        facts["organisations"] = _frame_json(data.organisations)
    return facts


def campaign_from_facts(facts: dict[str, Any], responses: pd.DataFrame) -> CampaignData:
    """The :class:`CampaignData` of ``facts`` (:func:`campaign_facts`) and its rows."""
    if facts.get("format") != FORMAT:
        raise ValueError(f"unknown campaign description format {facts.get('format')!r}")
    if "organisations" not in facts:
        raise ValueError("campaign description lacks the organisation tree")
    responses = responses.copy()
    for c, name in facts["columns"].items():
        if c in responses.columns:
            responses[c] = _as_dtype(responses[c], name)
    order = [c for c in facts["columns"] if c in responses.columns]
    weights = {}
    for v, w in facts["dimension_weights"].items():
        s = pd.Series(w["weights"], index=pd.Index(w["dimensions"], name=w["index"]),
                      name=w["name"], dtype=float)
        weights[int(v)] = s
    return CampaignData(
        responses=responses[order].reset_index(drop=True),
        items={int(v): _frame_from_json(s) for v, s in facts["items"].items()},
        organisations=_frame_from_json(facts["organisations"]),
        groups=_frame_from_json(facts["groups"]),
        min_group_size=int(facts["min_group_size"]),
        campaign_code=facts["campaign_code"],
        year=facts["year"],
        dimension_weights=weights,
    )


def partition_path(campaign_code: str, year: int | None) -> str:
    """``year=<year>/campaign=<code>``: the hive directory of a campaign (the code is
    percent-encoded as pyarrow decodes it)."""
    if not campaign_code:
        raise ValueError("a campaign export needs a campaign code")
    y = NULL_PARTITION if year is None else str(int(year))
    return f"year={y}/campaign={quote(campaign_code, safe='')}"


# ---------------------------------------------------------------- writing


class CampaignDatasetWriter:
    """Stream the response rows of one campaign into its hive directory, chunk by chunk.

    Parameters
    ----------
    root : path
        Dataset root; the campaign's directory under it is replaced.
    campaign : CampaignData
        The campaign's facts; its ``responses`` may be empty (they give the column types).
    rows_per_file : int
        Rows per Parquet file.

    Examples
    --------
    >>> with CampaignDatasetWriter(root, campaign) as writer:  # doctest: +SKIP
    ...     for chunk in chunks:
    ...         writer.write(chunk)
    """

    def __init__(self, root: str | Path, campaign: CampaignData, *,
                 rows_per_file: int = ROWS_PER_FILE) -> None:
        if rows_per_file < 1:
            raise ValueError("rows_per_file must be >= 1")
        self.root = Path(root)
        self.directory = self.root / partition_path(campaign.campaign_code, campaign.year)
        self.campaign = campaign
        self.columns = [*META_COLUMNS, *campaign.item_columns]
        self.rows_per_file = rows_per_file
        self.rows = 0
        self.files: list[Path] = []
        self._schema: Any = None
        self._writer: Any = None
        self._in_file = 0
        self._facts = campaign_facts(campaign)
        if self.directory.exists():
            shutil.rmtree(self.directory)
        self.directory.mkdir(parents=True)

    def __enter__(self) -> CampaignDatasetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, responses: pd.DataFrame) -> None:
        """Append response rows (the campaign's columns; others are left out)."""
        import pyarrow as pa

        absent = [c for c in self.columns if c not in responses.columns]
        if absent:
            raise ValueError(f"responses lack columns {absent}")
        table = pa.Table.from_pandas(responses[self.columns], schema=self._schema,
                                     preserve_index=False)
        if self._schema is None:
            meta = json.dumps(campaign_facts(self.campaign, organisations=False),
                              ensure_ascii=False).encode("utf-8")
            self._schema = table.schema.with_metadata(
                {**(table.schema.metadata or {}), METADATA_KEY: meta})
            table = table.replace_schema_metadata(self._schema.metadata)
        start = 0
        while start < table.num_rows:
            if self._writer is None or self._in_file >= self.rows_per_file:
                self._open()
            take = min(self.rows_per_file - self._in_file, table.num_rows - start)
            self._writer.write_table(table.slice(start, take))
            self._in_file += take
            start += take
        self.rows += table.num_rows

    def _open(self) -> None:
        import pyarrow.parquet as pq

        if self._writer is not None:
            self._writer.close()
        path = self.directory / f"part-{len(self.files):05d}.parquet"
        self._writer = pq.ParquetWriter(path, self._schema, compression="zstd")
        self.files.append(path)
        self._in_file = 0

    def close(self) -> Path:
        """Finish the files and write ``_campaign.json``; returns the dataset root."""
        if self._writer is None and not self.files:
            # no rows: one empty file, so that readers still see the columns
            self.write(self.campaign.responses.head(0).reindex(columns=self.columns))
            self._open()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        facts = {**self._facts, "rows": self.rows}
        (self.directory / CAMPAIGN_FILE).write_text(
            json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        return self.root


def write_campaign(data: CampaignData, root: str | Path, *,
                   rows_per_file: int = ROWS_PER_FILE) -> Path:
    """Write a campaign to the dataset at ``root`` (see the module notes); returns ``root``."""
    with CampaignDatasetWriter(root, data, rows_per_file=rows_per_file) as writer:
        for start in range(0, len(data.responses), rows_per_file):
            writer.write(data.responses.iloc[start : start + rows_per_file])
    return Path(root)


# ---------------------------------------------------------------- reading


def campaign_directories(root: str | Path) -> dict[str, Path]:
    """The campaigns of a dataset: campaign code -> its directory (with ``_campaign.json``).

    ``root`` may also be one campaign's own directory.
    """
    base = Path(root)
    found = [base / CAMPAIGN_FILE] if (base / CAMPAIGN_FILE).is_file() else sorted(
        base.glob(f"year=*/campaign=*/{CAMPAIGN_FILE}"))
    out = {}
    for f in found:
        code = json.loads(f.read_text(encoding="utf-8")).get("campaign_code", "")
        out[str(code)] = f.parent
    return out


def campaign_directory(root: str | Path, campaign: str | None = None) -> Path:
    """The directory of one campaign of the dataset at ``root``.

    Raises
    ------
    ValueError
        No campaign there; ``campaign`` not among them; or several and no ``campaign``.
    """
    dirs = campaign_directories(root)
    if not dirs:
        raise ValueError(f"{root} is not a campaign export (no {CAMPAIGN_FILE})")
    if campaign is None:
        if len(dirs) > 1:
            raise ValueError(f"{root} holds campaigns {sorted(dirs)}; name one")
        return next(iter(dirs.values()))
    if campaign not in dirs:
        raise ValueError(f"campaign {campaign!r} not in {root} (it has {sorted(dirs)})")
    return dirs[campaign]


def read_facts(directory: str | Path) -> dict[str, Any]:
    """The ``_campaign.json`` of a campaign directory."""
    return json.loads((Path(directory) / CAMPAIGN_FILE).read_text(encoding="utf-8"))


def data_files(directory: str | Path) -> list[Path]:
    """The Parquet files of a campaign directory, in row order."""
    return sorted(Path(directory).glob("part-*.parquet"))


def read_campaign(root: str | Path, campaign: str | None = None) -> CampaignData:
    """Read one campaign of the dataset at ``root`` into a :class:`CampaignData`."""
    import pyarrow.dataset as ds

    directory = campaign_directory(root, campaign)
    facts = read_facts(directory)
    files = data_files(directory)
    table = ds.dataset([str(f) for f in files], format="parquet").to_table()
    return campaign_from_facts(facts, table.to_pandas())


def to_parquet(
    data: CampaignData, path: str | Path, *, rows_per_file: int | None = None
) -> Path:
    """Write a campaign as one hive-partitioned Parquet dataset at ``path``.

    ``path/year=<year>/campaign=<code>/part-*.parquet`` hold the response rows and
    ``_campaign.json`` beside them everything else (see :mod:`analysis.parquet`);
    ``pandas.read_parquet(path)``, DuckDB, Spark and Dask open the dataset as is. Other
    campaigns already under ``path`` are kept, this campaign's directory is replaced.
    Returns ``path``.
    """
    return write_campaign(data, path, rows_per_file=rows_per_file or ROWS_PER_FILE)


def from_parquet(path: str | Path, campaign: str | None = None) -> CampaignData:
    """Read a campaign written by :func:`to_parquet` (``campaign``: its code, needed when the
    dataset at ``path`` holds several)."""
    return read_campaign(path, campaign)
