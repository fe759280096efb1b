"""Spreadsheets in and out: the CSV / XLSX / XLS readers of every upload, and the one formula
neutraliser of every file the platform writes.

Reading
    :func:`read_table` turns an uploaded file into rows of cells, refusing anything that would
    cost far more to parse than its size suggests. An ``.xlsx`` is a zip of XML: a 50 KB file
    can inflate to hundreds of megabytes of XML (a "zip bomb"), so before any parser sees it,
    :func:`check_xlsx_archive` reads the archive's directory and refuses too many members, a
    total uncompressed size over a cap or a member whose compression ratio is implausible for
    a spreadsheet. Workbooks are then parsed in openpyxl's read-only (streaming) mode with caps
    on rows and columns, so memory stays bounded whatever the sheet claims.

Writing
    :func:`neutralise` prefixes with an apostrophe any text a spreadsheet program could run as a
    formula (CSV / formula injection, OWASP): text starting with ``= + - @`` or with a tab or
    carriage return (which some programs strip before reading ``=``).

Errors are :class:`SpreadsheetError` with a machine-readable ``reason`` and its parameters,
so the app can show them in the user's language.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

#: Leading characters a spreadsheet may read as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Text encodings tried for CSV, in order (Excel in China saves GB18030 by default).
CSV_ENCODINGS = ("utf-8-sig", "gb18030")

#: Default limits of an uploaded workbook.
MAX_UNCOMPRESSED_BYTES = 25 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100.0
MAX_ARCHIVE_MEMBERS = 500
MAX_ROWS = 100_000
MAX_COLUMNS = 200

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")


class SpreadsheetError(ValueError):
    """An upload that cannot be read as a table.

    ``reason`` is one of ``unsupported``, ``encoding``, ``unreadable``, ``too_large``,
    ``too_many_rows``, ``too_many_columns``; ``params`` holds the figures of the message.
    """

    def __init__(self, reason: str, message: str, **params: Any):
        super().__init__(message)
        self.reason = reason
        self.params = params


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet could run as a formula gets a leading apostrophe; other
    values are returned unchanged (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_row(values: Sequence[Any]) -> list[Any]:
    """:func:`neutralise` every cell of a row (for ``csv.writer`` and ``openpyxl``)."""
    return [neutralise(v) for v in values]


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`neutralise` every text cell and column name of ``frame`` (a copy)."""
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutralise)
    return out


def check_xlsx_archive(
    data: bytes,
    *,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
    max_members: int = MAX_ARCHIVE_MEMBERS,
) -> None:
    """Refuse an ``.xlsx`` (a zip) whose directory promises too much work, before parsing.

    Reads only the zip's central directory (no decompression). Raises
    :class:`SpreadsheetError` (``unreadable`` for a file that is not a zip, ``too_large``
    for too many members, too many uncompressed bytes, or a member compressed more than
    ``max_ratio`` to 1 — ordinary sheets compress 5-20 to 1).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SpreadsheetError("unreadable", "the file is not a valid workbook",
                               error=type(exc).__name__) from exc
    with archive:
        members = archive.infolist()
    if len(members) > max_members:
        raise SpreadsheetError("too_large", f"the workbook has {len(members)} parts",
                               megabytes=max_uncompressed // (1024 * 1024))
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        raise SpreadsheetError("too_large", f"the workbook unpacks to {total} bytes",
                               megabytes=max_uncompressed // (1024 * 1024))
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > 1024 * 1024 and ratio > max_ratio:
            raise SpreadsheetError("too_large", f"{m.filename} is compressed {ratio:.0f} to 1",
                                   megabytes=max_uncompressed // (1024 * 1024))


def read_table(
    data: bytes,
    filename: str,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
) -> list[list[str]]:
    """The first sheet of a CSV, XLSX or XLS upload as rows of text cells.

    Cells are strings (``""`` for empty; whole floats without ``.0``); the header row counts
    as a row. Raises :class:`SpreadsheetError` for an unsupported suffix, an undecodable CSV,
    a broken or inflating workbook, more than ``max_rows`` data rows or more than
    ``max_columns`` columns.
    """
    suffix = Path(filename).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        check_xlsx_archive(data)
        table = _read_xlsx(data, max_rows, max_columns)
    elif suffix == ".xls":
        table = _read_xls(data, max_rows, max_columns)
    elif suffix in {".csv", ".txt", ""}:
        table = _read_csv(data, max_rows, max_columns)
    else:
        raise SpreadsheetError("unsupported", f"unsupported file type {suffix}", ext=suffix)
    return [[cell_text(v) for v in row] for row in table]


def cell_text(value: Any) -> str:
    """A cell as text: ``""`` for empty, ``3`` for ``3.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _limits(rows: int, columns: int, max_rows: int, max_columns: int) -> None:
    if rows - 1 > max_rows:
        raise SpreadsheetError("too_many_rows", f"more than {max_rows} rows", n=max_rows)
    if columns > max_columns:
        raise SpreadsheetError("too_many_columns", f"more than {max_columns} columns",
                               n=max_columns)


def _read_csv(data: bytes, max_rows: int, max_columns: int) -> list[list[str]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError("encoding", "the file is neither UTF-8 nor GB18030 text")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            rows.append(row)
            _limits(len(rows), len(row), max_rows, max_columns)
    except csv.Error as exc:
        raise SpreadsheetError("unreadable", "the CSV cannot be read",
                               error=type(exc).__name__) from exc
    return rows


def _read_xlsx(data: bytes, max_rows: int, max_columns: int) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise SpreadsheetError("unreadable", "the workbook cannot be read",
                               error=type(exc).__name__) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[list[Any]] = []
        for row in sheet.iter_rows(values_only=True, max_col=max_columns + 1):
            width = _width(row)
            rows.append(list(row[:width]))
            _limits(len(rows), width, max_rows, max_columns)
    except SpreadsheetError:
        raise
    except Exception as exc:  # a sheet broken past its directory
        raise SpreadsheetError("unreadable", "the workbook cannot be read",
                               error=type(exc).__name__) from exc
    finally:
        book.close()
    return rows


def _width(row: Sequence[Any]) -> int:
    """Columns up to the last non-empty cell (read-only sheets pad rows with None)."""
    for i in range(len(row) - 1, -1, -1):
        if row[i] not in (None, ""):
            return i + 1
    return 0


def _read_xls(data: bytes, max_rows: int, max_columns: int) -> list[list[Any]]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:  # xlrd raises many types for broken files
        raise SpreadsheetError("unreadable", "the workbook cannot be read",
                               error=type(exc).__name__) from exc
    _limits(sheet.nrows, sheet.ncols, max_rows, max_columns)
    return [sheet.row_values(i) for i in range(sheet.nrows)]
