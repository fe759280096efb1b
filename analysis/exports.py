"""Writers of report exports: CSV, the 台账 workbook (xlsx), SPSS (sav), Parquet and PDF.

Pure: every writer takes pandas objects (or the small containers below) and writes bytes to
a path or a binary buffer; nothing here decides what may be disclosed (that is
:mod:`analysis.reports`). Text cells beginning with ``= + - @``, a tab or a carriage return
are neutralised against formula injection (CSV/spreadsheet injection, OWASP) by a leading
apostrophe in CSV and by writing them as strings in xlsx.

Limits: the xlsx and PDF documents are built in memory (fine for a city federation: the
demo ledger is a few hundred KB); the CSV writer streams (:func:`csv_chunks`).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from analysis.spreadsheets import neutralise, neutralise_frame

# ---------------------------------------------------------------- CSV


def csv_chunks(frame: pd.DataFrame, chunk_rows: int = 2000, bom: bool = True) -> Iterator[str]:
    """The CSV text of ``frame`` in chunks (header first), for streaming responses.

    UTF-8 with a byte-order mark by default so that Excel opens Chinese text correctly.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be >= 1")
    safe = neutralise_frame(frame)
    yield ("\ufeff" if bom else "") + safe.iloc[:0].to_csv(index=False)
    for start in range(0, len(safe), chunk_rows):
        yield safe.iloc[start:start + chunk_rows].to_csv(index=False, header=False)


def write_csv(frame: pd.DataFrame, out: str | Path | IO[bytes]) -> None:
    """Write ``frame`` as CSV (UTF-8 with BOM, formula-neutralised)."""
    data = "".join(csv_chunks(frame)).encode("utf-8")
    _write(out, data)


def _write(out: str | Path | IO[bytes], data: bytes) -> None:
    if isinstance(out, str | Path):
        Path(out).write_bytes(data)
    else:
        out.write(data)


# ---------------------------------------------------------------- xlsx (台账)


@dataclass
class Sheet:
    """One worksheet: a table, optional note line above it, optional chart images below."""

    name: str
    frame: pd.DataFrame
    note: str = ""
    percent_cols: Sequence[str] = ()
    decimal_cols: Sequence[str] = ()
    images: Sequence[tuple[str, bytes]] = ()  # (alt text, PNG bytes)


@dataclass
class Ledger:
    """The 台账 workbook: a cover sheet of (label, value) lines, then the sheets."""

    title: str
    cover: Sequence[tuple[str, Any]]
    sheets: Sequence[Sheet] = field(default_factory=list)


def _sheet_name(name: str, used: set[str]) -> str:
    bad = '[]:*?/\\'
    base = "".join("_" if ch in bad else ch for ch in name)[:31] or "Sheet"
    out, i = base, 2
    while out.lower() in used:
        suffix = f"~{i}"
        out, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(out.lower())
    return out


def write_xlsx(ledger: Ledger, out: str | Path | IO[bytes]) -> None:
    """Write the 台账 workbook with XlsxWriter: Chinese headers as given, column widths from
    the content, number formats (percent / one decimal), frozen header rows, images.

    Text is written with ``write_string`` (never as a formula) and neutralised as in CSV.
    """
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": False,
                                   "strings_to_formulas": False, "strings_to_urls": False})
    title = wb.add_format({"bold": True, "font_size": 16})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True,
                          "valign": "top"})
    pct = wb.add_format({"num_format": "0.0%"})
    dec = wb.add_format({"num_format": "0.0"})
    muted = wb.add_format({"font_color": "#777777", "italic": True})
    used: set[str] = set()
    cover = wb.add_worksheet(_sheet_name("封面", used))
    cover.write_string(0, 0, neutralise(ledger.title), title)
    for r, (label, value) in enumerate(ledger.cover, start=2):
        cover.write_string(r, 0, neutralise(str(label)), bold)
        _cell(cover, r, 1, value, None)
    cover.set_column(0, 0, 22)
    cover.set_column(1, 1, 90, wb.add_format({"text_wrap": True, "valign": "top"}))
    for sheet in ledger.sheets:
        ws = wb.add_worksheet(_sheet_name(sheet.name, used))
        row0 = 0
        if sheet.note:
            ws.write_string(0, 0, neutralise(sheet.note), muted)
            row0 = 1
        frame = sheet.frame
        for j, c in enumerate(frame.columns):
            ws.write_string(row0, j, neutralise(str(c)), head)
            fmt = pct if c in sheet.percent_cols else dec if c in sheet.decimal_cols else None
            width = max([len(str(c)) * 2] + [_width(v) for v in frame[c].head(200)])
            ws.set_column(j, j, min(max(width, 8), 60), fmt)
        for i, row in enumerate(frame.itertuples(index=False), start=row0 + 1):
            for j, v in enumerate(row):
                c = frame.columns[j]
                fmt = pct if c in sheet.percent_cols else dec if c in sheet.decimal_cols else None
                _cell(ws, i, j, v, fmt)
        ws.freeze_panes(row0 + 1, 0)
        r = row0 + len(frame) + 3
        for alt, png in sheet.images:
            ws.write_string(r - 1, 0, neutralise(alt), bold)
            ws.insert_image(r, 0, f"{alt}.png", {"image_data": io.BytesIO(png),
                                                  "x_scale": 0.8, "y_scale": 0.8,
                                                  "description": alt})
            r += 26
    wb.close()
    _write(out, buf.getvalue())


def _width(v: Any) -> int:
    s = "" if v is None else str(v)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s) + 1


def _cell(ws: Any, r: int, c: int, v: Any, fmt: Any) -> None:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, bool | np.bool_):
        ws.write_string(r, c, "是" if v else "否", fmt)
    elif isinstance(v, int | float | np.integer | np.floating):
        ws.write_number(r, c, float(v), fmt)
    else:
        ws.write_string(r, c, neutralise(str(v)), fmt)


# ---------------------------------------------------------------- SPSS


def write_sav(frame: pd.DataFrame, out: str | Path | IO[bytes],
              column_labels: Mapping[str, str] | None = None,
              value_labels: Mapping[str, Mapping[int, str]] | None = None,
              user_missing: Mapping[str, list[int]] | None = None) -> None:
    """Write an SPSS ``.sav`` file with variable labels and value labels (pyreadstat).

    ``user_missing`` declares codes that keep their value and label but that SPSS leaves out
    of statistics (e.g. 99 "不了解/不适用").

    Column names must be valid SPSS names (letters, digits, ``_``; they are used as given).
    Nullable integer columns become floats with system-missing values.
    """
    import pyreadstat

    df = frame.copy()
    for c in df.columns:
        if str(df[c].dtype) in ("Int64", "Int32", "Int16", "Int8", "boolean"):
            df[c] = df[c].astype("float64")
        elif df[c].dtype == object:
            df[c] = df[c].map(lambda x: "" if x is None or x is pd.NA else str(x))
    labels = [str((column_labels or {}).get(c, c)) for c in df.columns]
    vlabels = {c: {float(k): str(v) for k, v in m.items()}
               for c, m in (value_labels or {}).items() if c in df.columns}
    fd, tmp = tempfile.mkstemp(suffix=".sav")
    os.close(fd)
    try:
        missing = {c: [float(v) for v in codes] for c, codes in (user_missing or {}).items()
                   if c in df.columns}
        pyreadstat.write_sav(df, tmp, column_labels=labels, variable_value_labels=vlabels,
                             missing_ranges=missing or None)
        _write(out, Path(tmp).read_bytes())
    finally:
        os.unlink(tmp)


# ---------------------------------------------------------------- Parquet


def write_parquet(data: Any, out_dir: str | Path) -> Path:
    """A campaign (``CampaignData``) as the hive-partitioned Parquet dataset of
    :func:`analysis.parquet.to_parquet` (read back with ``from_parquet``)."""
    from analysis.parquet import to_parquet

    return to_parquet(data, out_dir)


def zip_directory(folder: str | Path) -> bytes:
    """The files of ``folder`` and its subfolders as a zip archive, paths relative to
    ``folder`` (for downloading a Parquet dataset)."""
    import zipfile

    buf = io.BytesIO()
    base = Path(folder)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(base.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(base).as_posix())
    return buf.getvalue()


# ---------------------------------------------------------------- PDF


@dataclass
class Block:
    """A piece of a PDF report: ``kind`` is heading, text, table or image."""

    kind: str
    text: str = ""
    frame: pd.DataFrame | None = None
    image: bytes | None = None


@dataclass
class PdfDocument:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str) -> PdfDocument:
        self.blocks.append(Block("heading", text))
        return self

    def text(self, text: str) -> PdfDocument:
        self.blocks.append(Block("text", text))
        return self

    def table(self, frame: pd.DataFrame) -> PdfDocument:
        self.blocks.append(Block("table", frame=frame))
        return self

    def image(self, png: bytes, alt: str = "") -> PdfDocument:
        self.blocks.append(Block("image", alt, image=png))
        return self


def _fmt(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "—"
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if isinstance(v, float | np.floating):
        return f"{v:.1f}" if abs(v) >= 1.5 else f"{v:.3f}"
    return str(v)


def write_pdf(doc: PdfDocument, out: str | Path | IO[bytes]) -> None:
    """A printable A4 report in Chinese with fpdf2 and the CJK font of
    :func:`analysis.fonts.cjk_font_path` (embedded and subset)."""
    from fpdf import FPDF

    from analysis.fonts import cjk_font_path

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("cjk", "", str(cjk_font_path()))
    pdf.set_title(doc.title)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 9, doc.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for b in doc.blocks:
        if b.kind == "heading":
            pdf.set_font("cjk", size=13)
            pdf.ln(2)
            pdf.multi_cell(0, 7, b.text, align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "text":
            pdf.set_font("cjk", size=9)
            pdf.multi_cell(0, 5, b.text, align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "table" and b.frame is not None and not b.frame.empty:
            pdf.set_font("cjk", size=7)
            with pdf.table(text_align="LEFT", line_height=4.5, first_row_as_headings=True,
                           headings_style=_heading_style()) as table:
                table.row([str(c) for c in b.frame.columns])
                for row in b.frame.itertuples(index=False):
                    table.row([_fmt(v) for v in row])
            pdf.ln(2)
        elif b.kind == "image" and b.image:
            if pdf.get_y() > 190:
                pdf.add_page()
            pdf.image(io.BytesIO(b.image), w=170, alt_text=b.text or None)
            pdf.ln(2)
        else:
            raise ValueError(f"unknown block kind {b.kind!r}")
    _write(out, bytes(pdf.output()))


def _heading_style() -> Any:
    from fpdf.fonts import FontFace

    return FontFace(emphasis=None, fill_color=(220, 230, 241))
