"""The one spreadsheet module: readers with limits, and the formula neutraliser."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from analysis import spreadsheets
from analysis.spreadsheets import (
    SpreadsheetError,
    check_xlsx_archive,
    neutralise,
    neutralise_frame,
    read_table,
)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1",
                                  "\t+cmd", "\r\n=HYPERLINK(\"x\")"])
def test_a_cell_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["工会", "a=b", "", 3, -2.5, None])
def test_plain_values_stay_as_they_are(value):
    assert neutralise(value) == value


def test_frames_are_neutralised_cell_by_cell_and_in_their_header():
    import pandas as pd

    out = neutralise_frame(pd.DataFrame({"=x": ["\t=1", "ok"], "n": [-1, 2]}))
    assert list(out.columns) == ["'=x", "n"]
    assert out["'=x"].tolist() == ["'\t=1", "ok"] and out["n"].tolist() == [-1, 2]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _inflated(megabytes: int) -> bytes:
    """A well-formed workbook whose sheet XML inflates to ``megabytes`` MB of rows."""
    small = zipfile.ZipFile(io.BytesIO(_xlsx([["code", "name"]])))
    row = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>'
                  for i in range(1, 2))
    body = row * (megabytes * 1024 * 1024 // len(row))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + body
             + "</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in small.infolist():
            data = small.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            bomb.writestr(item.filename, data)
    return out.getvalue()


def test_an_inflating_workbook_is_refused_before_any_parser_sees_it(monkeypatch):
    bomb = _inflated(15)
    assert len(bomb) < 200_000  # small on the wire, 15 MB of XML inside

    def parser_must_not_run(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", parser_must_not_run)
    with pytest.raises(SpreadsheetError) as refused:
        read_table(bomb, "units.xlsx")
    assert refused.value.reason == "too_large"


def test_total_uncompressed_size_is_capped():
    with pytest.raises(SpreadsheetError) as refused:
        check_xlsx_archive(_xlsx([["a"] * 5] * 50), max_uncompressed=1000)
    assert refused.value.reason == "too_large"


def test_rows_and_columns_are_capped_in_every_format():
    wide = [[f"c{i}" for i in range(12)]]
    for data, name in ((_xlsx(wide), "x.xlsx"), (",".join(wide[0]).encode(), "x.csv")):
        with pytest.raises(SpreadsheetError) as refused:
            read_table(data, name, max_columns=10)
        assert refused.value.reason == "too_many_columns"
    tall = [["a"]] * 13
    for data, name in ((_xlsx(tall), "x.xlsx"), (b"a\n" * 13, "x.csv")):
        with pytest.raises(SpreadsheetError) as refused:
            read_table(data, name, max_rows=10)
        assert refused.value.reason == "too_many_rows" and refused.value.params["n"] == 10


def test_cells_come_back_as_text_from_csv_gbk_and_xlsx():
    assert read_table("代码,人数\nG1,12\n".encode("gb18030"), "u.csv") == [
        ["代码", "人数"], ["G1", "12"]]
    assert read_table(_xlsx([["代码", "人数"], ["G1", 12.0], [None, 3]]), "u.xlsx") == [
        ["代码", "人数"], ["G1", "12"], ["", "3"]]


@pytest.mark.parametrize("data,name,reason", [
    (b"not a zip", "u.xlsx", "unreadable"),
    (b"\xff\xfe\x00bad", "u.csv", "encoding"),
    (b"a,b", "u.pdf", "unsupported"),
])
def test_broken_uploads_get_a_reason_the_app_can_translate(data, name, reason):
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, name)
    assert refused.value.reason == reason


def test_the_exports_use_this_neutraliser():
    from analysis import exports

    assert exports.neutralise is spreadsheets.neutralise
