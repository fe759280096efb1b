"""Reads a stored campaign into the analysis library's frames: the app's one database reader.

:func:`load_campaign` reads a campaign by table name (plain SQL, no ORM objects) in one
columnar pass and hands the columns to :func:`analysis.data.campaign_from_columns`. On
PostgreSQL (psycopg 3) the responses come through ``COPY ... TO STDOUT (FORMAT binary)``,
parsed with one numpy structured dtype; on SQLite as Arrow columns from the ADBC SQLite
driver (a C reader: no Python object per row); where neither can take the rows, through the
raw DB-API cursor. :func:`load_comments` and :func:`load_checklist_totals` read the answers
JSON for :func:`analysis.data.comments_from_answers` and
:func:`analysis.assessment.checklist_totals`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from analysis.assessment import checklist_findings, checklist_totals
from analysis.data import (
    GROUP_COLUMNS,
    ORG_COLUMNS,
    CampaignData,
    campaign_from_columns,
    comments_from_answers,
    specs_from_definitions,
)

__all__ = ["load_campaign", "load_checklist_findings", "load_checklist_totals",
           "load_comments"]

log = logging.getLogger(__name__)


def _engine(engine_or_url: Engine | str) -> Engine:
    if isinstance(engine_or_url, Engine):
        return engine_or_url
    if isinstance(engine_or_url, str):
        return create_engine(engine_or_url)
    raise ValueError("expected a SQLAlchemy Engine or a database URL")


def _json(value: Any) -> Any:
    """A JSON column: PostgreSQL drivers return it parsed, SQLite returns the text."""
    if value is None or value == "":
        return {}
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value


def _campaign_row(conn: Connection, campaign_code: str) -> Any:
    camp = conn.execute(
        text("SELECT id, code, year, min_group_size FROM campaigns WHERE code = :code"),
        {"code": campaign_code},
    ).fetchone()
    if camp is None:
        raise ValueError(f"unknown campaign {campaign_code!r}")
    return camp


def _definitions(conn: Connection, versions: Iterable[int]) -> dict[int, Any]:
    """The parsed definitions of the given questionnaire versions."""
    wanted = {int(v) for v in versions}
    rows = conn.execute(text("SELECT id, definition FROM questionnaire_versions")).fetchall()
    return {int(v): _json(d) for v, d in rows if int(v) in wanted}


def load_campaign(
    engine_or_url: Engine | str,
    campaign_code: str,
    *,
    item_specs: Mapping[int, pd.DataFrame] | None = None,
    dimension_weights: Mapping[int, pd.Series] | None = None,
) -> CampaignData:
    """Load a campaign into a :class:`analysis.data.CampaignData`.

    Parameters
    ----------
    engine_or_url : sqlalchemy.Engine or str
        Database (SQLite or PostgreSQL) with the platform's tables.
    campaign_code : str
        ``campaigns.code``.
    item_specs, dimension_weights : mapping, optional
        Item spec / dimension weights per questionnaire version id. By default they are
        built from ``questionnaire_versions.definition`` with
        :func:`analysis.data.specs_from_definitions`.

    Returns
    -------
    CampaignData

    Raises
    ------
    ValueError
        Unknown campaign, a blob whose length does not match its version's item count, or a
        version without a spec.
    """
    eng = _engine(engine_or_url)
    with eng.connect() as conn:
        camp = _campaign_row(conn, campaign_code)
        cid = camp[0]
        groups = pd.DataFrame(
            conn.execute(
                text(
                    "SELECT id, key, name, weight, anonymous, questionnaire_version_id "
                    "FROM rater_groups WHERE campaign_id = :cid ORDER BY id"
                ),
                {"cid": cid},
            ).fetchall(),
            columns=["group_id", *GROUP_COLUMNS],
        )
        cols, blocks = _read_responses(conn, cid, groups)
        orgs = pd.DataFrame(
            conn.execute(
                text(
                    "SELECT id, code, name, kind, parent_id, path, depth, members "
                    "FROM organisations ORDER BY id"
                )
            ).fetchall(),
            columns=list(ORG_COLUMNS),
        )
        vids = sorted(
            {int(v) for v in groups["questionnaire_version_id"]} | {int(v) for v in set(cols[3])}
        )
        if item_specs is None:
            specs, dweights = specs_from_definitions(_definitions(conn, vids))
        else:
            specs = {int(k): v for k, v in item_specs.items()}
            dweights = {int(k): v for k, v in (dimension_weights or {}).items()}

    return campaign_from_columns(
        cols,
        organisations=orgs,
        groups=groups,
        items=specs,
        dimension_weights=dweights,
        blocks=blocks,
        min_group_size=int(camp[3] if camp[3] is not None else 5),
        campaign_code=str(camp[1]),
        year=None if camp[2] is None else int(camp[2]),
    )


def _read_responses(
    conn: Connection, cid: int, groups: pd.DataFrame
) -> tuple[list, dict[int, tuple[np.ndarray, np.ndarray]] | None]:
    """The response columns of a campaign, and the items already parsed (binary read only)."""
    if conn.dialect.driver == "psycopg":
        copied = _copy_binary(
            conn, cid, sorted({int(v) for v in groups["questionnaire_version_id"]}))
        if copied is not None:
            return copied
    elif conn.dialect.name == "sqlite":
        arrow = _read_sqlite_arrow(conn, cid)
        if arrow is not None:
            return arrow
    rows = _fetch_raw(
        conn,
        "SELECT r.id, r.target_id, r.rater_group_id, r.questionnaire_version_id, "
        "r.submitted_on, r.item_values FROM responses r "
        "WHERE r.campaign_id = :cid ORDER BY r.questionnaire_version_id",
        {"cid": cid},
    )
    # one 2-D object array, then its column views: a quarter of the time of
    # transposing a million tuples with zip(*rows)
    table = np.array(rows, dtype=object) if rows else None
    cols = [table[:, j] for j in range(6)] if table is not None else [()] * 6
    return cols, None


def _fetch_raw(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[tuple]:
    """Run one query on the DB-API cursor (no SQLAlchemy row objects: a million rows load
    markedly faster); ``sql`` uses ``:name`` bound parameters, compiled for the dialect."""
    compiled = text(sql).bindparams(**params).compile(dialect=conn.dialect)
    bound = compiled.construct_params()
    args = tuple(bound[k] for k in compiled.positiontup) if compiled.positional else bound
    dbapi = conn.connection.dbapi_connection
    # psycopg 3: binary results skip the hex text encoding of bytea
    cursor = dbapi.cursor(binary=True) if conn.dialect.driver == "psycopg" else dbapi.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()


_RESPONSES_SQL = ("SELECT id, target_id, rater_group_id, questionnaire_version_id, "
                  "submitted_on, item_values FROM responses WHERE campaign_id = ?")


def sqlite_file_uri(conn: Connection) -> str | None:
    """A read-only ``file:`` URI of the connection's SQLite database file, or ``None`` for an
    in-memory database (or one named by a URI already), which another connection cannot
    open as the same database."""
    path = conn.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    file = Path(path)
    return file.resolve().as_uri() + "?mode=ro" if file.is_file() else None


def _read_sqlite_arrow(
    conn: Connection, cid: int
) -> tuple[list, dict[int, tuple[np.ndarray, np.ndarray]]] | None:
    """SQLite's responses as Arrow columns, through the ADBC SQLite driver.

    The driver reads the rows in C into Arrow arrays: ids as one string array, the integer
    columns as int64, the dates as text (parsed by Arrow), and the item blobs as one binary
    array whose data buffer is, when every blob has the same length (one questionnaire
    version, or versions of one length), the answer matrix itself: no Python object per
    row. The rows are read in the table's order (no sort: the floor read's own query).

    The read is a second, read-only connection to the same file, so it sees what is
    committed. Returns ``None`` (the caller reads through its own cursor) when the driver
    is not installed, the database is not a file, a column holds a NULL or an unexpected
    type, or the blobs of one version differ in length (the cursor's path then names the
    response).
    """
    uri = sqlite_file_uri(conn)
    if uri is None:
        return None
    try:
        import adbc_driver_sqlite.dbapi as adbc
        import pyarrow as pa
    except ImportError:  # pragma: no cover - a dependency of the requirements
        return None
    try:
        with adbc.connect(uri) as reader, reader.cursor() as cursor:
            cursor.execute(_RESPONSES_SQL, (int(cid),))
            table = cursor.fetch_arrow_table()
            reader.rollback()
    except (adbc.Error, pa.ArrowException) as exc:  # e.g. a type the driver cannot infer
        log.warning("ADBC read of campaign %s failed, reading with the cursor: %s", cid, exc)
        return None
    columns = _columns_from_arrow(table)
    del table
    pa.default_memory_pool().release_unused()  # the conversions' pages (84 MB at 1M answers)
    return columns


def _columns_from_arrow(
    table: Any,
) -> tuple[list, dict[int, tuple[np.ndarray, np.ndarray]]] | None:
    """The six response columns and the per-version answer blocks of an Arrow table read
    by :func:`_read_sqlite_arrow`, or ``None`` when it is not of the expected shape."""
    import pyarrow as pa

    if table.num_rows == 0:
        return [()] * 6, None
    table = table.combine_chunks()
    if any(col.null_count for col in table.columns):
        return None
    ids, target, group, version, day, blobs = (table.column(i).chunk(0) for i in range(6))
    if not (pa.types.is_string(ids.type) and pa.types.is_binary(blobs.type)
            and pa.types.is_string(day.type)
            and all(pa.types.is_integer(c.type) for c in (target, group, version))):
        return None
    try:
        days = day.cast(pa.date32()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # not ISO dates
        return None
    versions = version.to_numpy().astype(np.int64, copy=False)
    n = len(versions)
    cols = [pd.arrays.ArrowStringArray(ids), target.to_numpy().astype(np.int64, copy=False),
            group.to_numpy().astype(np.int64, copy=False), versions, days, None]
    offsets = np.frombuffer(blobs.buffers()[1], dtype=np.int32)[blobs.offset:blobs.offset + n + 1]
    values = np.frombuffer(blobs.buffers()[2], dtype=np.int8)[offsets[0]:offsets[-1]]
    widths = np.diff(offsets)
    # one width (the common case): the data buffer is the answer matrix as it is
    matrix = values.reshape(n, int(widths[0])) if (widths == widths[0]).all() else None
    present = np.unique(versions).tolist()
    if matrix is not None and len(present) == 1:
        return cols, {int(present[0]): (np.arange(n), matrix)}
    blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for vid in present:
        rows = np.flatnonzero(versions == vid)
        if matrix is not None:
            blocks[int(vid)] = (rows, matrix[rows])
            continue
        k = int(widths[rows[0]])  # versions of different lengths: gathered by their offsets
        if (widths[rows] != k).any():
            return None  # blobs of one version differ in length: the cursor's path
        at = (offsets[rows] - offsets[0])[:, None] + np.arange(k)
        blocks[int(vid)] = (rows, values[at])
    return cols, blocks


_COPY_SQL = ("COPY (SELECT id, target_id, rater_group_id, questionnaire_version_id, "
             "submitted_on, item_values FROM responses WHERE campaign_id = {cid}{extra}) "
             "TO STDOUT (FORMAT binary)")


def _copy_binary(
    conn: Connection, cid: int, versions: list[int]
) -> tuple[list, dict[int, tuple[np.ndarray, np.ndarray]]] | None:
    """PostgreSQL's own fastest read: ``COPY ... TO STDOUT (FORMAT binary)``.

    Every row of one questionnaire version has the same width (a 36-character id, four
    4-byte integers or dates, ``k`` item bytes), so a stream of such rows is read by one
    numpy structured dtype: no Python object per row. The whole campaign is copied at once
    (one scan, as the floor read does); only when its versions differ in width is it copied
    again version by version. Returns ``None`` (the caller falls back to a cursor) when
    rows are not of one width within a version, or a response names a version that no
    rater group of the campaign has.
    """
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        # COPY takes no bound parameters; the values are integers from the database.
        whole = _copy_rows(cursor, _COPY_SQL.format(cid=int(cid), extra=""))
        if whole is not None:
            present = np.unique(whole["version"]) if len(whole) else np.array([], int)
            if not set(present.tolist()) <= set(versions):
                return None
            parts = [whole]
        else:  # versions of different widths: one copy each (every row must be in one)
            others = conn.execute(text(
                "SELECT count(*) FROM responses WHERE campaign_id = :cid "
                "AND NOT (questionnaire_version_id = ANY(:versions))"),
                {"cid": cid, "versions": list(versions)}).scalar()
            if others:
                return None
            parts = []
            for vid in sorted(versions):
                arr = _copy_rows(cursor, _COPY_SQL.format(
                    cid=int(cid), extra=f" AND questionnaire_version_id = {int(vid)}"))
                if arr is None:
                    return None
                parts.append(arr)
    finally:
        cursor.close()
    parts = [p for p in parts if len(p)]
    if not parts:
        return [()] * 6, {}
    blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # version: (row numbers, items)
    start = 0
    for arr in parts:
        for vid in np.unique(arr["version"]).tolist():
            rows = np.flatnonzero(arr["version"] == vid)
            blocks[int(vid)] = (start + rows, arr["items"][rows] if len(rows) < len(arr)
                                else arr["items"])
        start += len(arr)
    meta = np.concatenate([p[["id", "target", "group", "version", "day"]] for p in parts])
    days = np.datetime64("2000-01-01") + meta["day"].astype("timedelta64[D]")
    cols = [_ids_from_fixed(meta["id"]), meta["target"].astype(np.int64),
            meta["group"].astype(np.int64), meta["version"].astype(np.int64), days, None]
    return cols, blocks


def _copy_rows(cursor: Any, sql: str) -> np.ndarray | None:
    """One binary COPY as a structured array, or ``None`` when its rows differ in width."""
    buffer = bytearray()
    with cursor.copy(sql) as copy:
        for chunk in copy:
            buffer += chunk
    if buffer[:11] != b"PGCOPY\n\xff\r\n\x00" or buffer[-2:] != b"\xff\xff":
        return None
    start = 19 + int.from_bytes(buffer[15:19], "big")
    body = memoryview(buffer)[start : len(buffer) - 2]
    if len(body) == 0:
        return np.zeros(0, dtype=_copy_dtype(0))
    # Row width from the first row: the item bytes are the 6th field.
    k = int.from_bytes(body[74:78], "big", signed=True)
    row = _copy_dtype(max(k, 0))
    if k < 0 or len(body) % row.itemsize:
        return None
    arr = np.frombuffer(body, dtype=row)
    widths = (arr["l_id"] == 36) & (arr["l_t"] == 4) & (arr["l_g"] == 4)
    widths &= (arr["l_v"] == 4) & (arr["l_d"] == 4) & (arr["l_i"] == k)
    if not widths.all() or (arr["fields"] != 6).any():
        return None
    return arr


def _copy_dtype(k: int) -> np.dtype:
    return np.dtype([
        ("fields", ">i2"), ("l_id", ">i4"), ("id", "S36"), ("l_t", ">i4"),
        ("target", ">i4"), ("l_g", ">i4"), ("group", ">i4"), ("l_v", ">i4"),
        ("version", ">i4"), ("l_d", ">i4"), ("day", ">i4"), ("l_i", ">i4"),
        ("items", "i1", (k,)),
    ])


def _ids_from_fixed(ids: np.ndarray) -> pd.arrays.ArrowStringArray:
    """36-byte ASCII ids as Arrow-backed strings, decoded without a Python object per row
    (a million ids: 0.03 s, against 0.3 s through numpy's unicode and Python ``str``)."""
    import pyarrow as pa

    fixed = pa.array(ids, type=pa.binary(36))
    return pd.arrays.ArrowStringArray(fixed.cast(pa.binary()).cast(pa.string()))


def load_comments(
    engine_or_url: Engine | str, campaign_code: str, field_ids: Iterable[str],
    before: date | None = None,
) -> pd.DataFrame:
    """Free-text comments of a campaign (parsed from the ``answers`` JSON).

    Returns a frame ``target_id, rater_group, field_id, text``: one row per non-blank text,
    without response ids or dates (:func:`analysis.data.comments_from_answers`). Release it
    only through :func:`analysis.disclosure.release_comments`.

    ``before``: only the responses submitted before that day (a rolling campaign's ended
    months).

    Raises
    ------
    ValueError
        No field ids, or an unknown campaign.
    """
    fields = list(field_ids)
    if not fields:
        raise ValueError("no comment field ids given")
    eng = _engine(engine_or_url)
    with eng.connect() as conn:
        camp = conn.execute(
            text("SELECT id FROM campaigns WHERE code = :code"), {"code": campaign_code}
        ).fetchone()
        if camp is None:
            raise ValueError(f"unknown campaign {campaign_code!r}")
        rows = conn.execute(
            text(
                "SELECT r.target_id, g.key, r.answers FROM responses r "
                "JOIN rater_groups g ON g.id = r.rater_group_id WHERE r.campaign_id = :cid "
                "AND r.submitted_on < :before"
            ),
            {"cid": camp[0], "before": before or date.max},
        ).fetchall()
    frame = pd.DataFrame(rows, columns=["target_id", "rater_group", "answers"])
    frame["answers"] = frame["answers"].map(_json)
    return comments_from_answers(frame, fields)


def _checklist_answers(engine_or_url: Engine | str, campaign_code: str
                       ) -> tuple[pd.DataFrame, dict[int, Any]]:
    """The counted answers of a checklist campaign (a named rater's superseded revisions
    left out: only the current one counts) and the definitions of their versions."""
    eng = _engine(engine_or_url)
    with eng.connect() as conn:
        rows = conn.execute(text(
            "SELECT o.code, r.questionnaire_version_id, r.answers FROM responses r "
            "JOIN campaigns c ON c.id = r.campaign_id "
            "JOIN organisations o ON o.id = r.target_id "
            "WHERE c.code = :code AND r.id NOT IN "
            "(SELECT s.response_id FROM submissions s WHERE NOT s.current) "
            "ORDER BY r.id"), {"code": campaign_code}).fetchall()
        definitions = _definitions(conn, {int(r[1]) for r in rows})
    answers = pd.DataFrame(rows, columns=["unit_code", "questionnaire_version_id", "answers"])
    answers["answers"] = answers["answers"].map(_json)
    return answers, definitions


def load_checklist_totals(engine_or_url: Engine | str, campaign_code: str) -> pd.DataFrame:
    """Assessors' checklist totals (第三方评议) per target unit of a campaign, 0-100.

    Reads the campaign's counted answers (each assessor's current revision) and its
    versions' definitions, and scores them with :func:`analysis.assessment.checklist_totals`.

    Returns
    -------
    DataFrame indexed by ``unit_code``: ``checklist_total, n, veto_failed``.

    Raises
    ------
    ValueError
        A version of the campaign without checklist points.
    """
    answers, definitions = _checklist_answers(engine_or_url, campaign_code)
    return checklist_totals(answers, definitions, campaign_code=campaign_code)


def load_checklist_findings(engine_or_url: Engine | str, campaign_code: str) -> pd.DataFrame:
    """Assessors' findings per indicator and target unit of a checklist campaign
    (:func:`analysis.assessment.checklist_findings`), current revisions only."""
    answers, definitions = _checklist_answers(engine_or_url, campaign_code)
    return checklist_findings(answers, definitions, campaign_code=campaign_code)
