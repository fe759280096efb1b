"""Export writers: each format opens in its own tool and keeps Chinese text; spreadsheet
formula injection is neutralised."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis import exports

EVIL = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "正常文字", "a=b"]


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "单位": ["一厂工会", "二厂工会", "三厂工会", "四厂工会", "五厂工会", "六厂工会", "七厂工会",
               "八厂工会"],
        "意见": EVIL,
        "满意率": [0.9, 0.8, np.nan, 0.7, 0.6, 0.5, 0.4, 0.3],
        "答卷数": pd.array([10, 20, None, 5, 6, 7, 8, 9], dtype="Int64"),
    })


def test_neutralise_only_touches_formula_like_text():
    assert [exports.neutralise(v) for v in EVIL] == [
        "'=1+1", "'+cmd", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "正常文字", "a=b"]
    assert exports.neutralise(-3) == -3 and exports.neutralise(None) is None


def test_csv_streams_in_chunks_and_reads_back():
    chunks = list(exports.csv_chunks(frame(), chunk_rows=3))
    assert len(chunks) == 1 + 3  # header + ceil(8 / 3)
    assert chunks[0].startswith("\ufeff")
    back = pd.read_csv(io.StringIO("".join(chunks).lstrip("\ufeff")))
    assert list(back.columns) == ["单位", "意见", "满意率", "答卷数"]
    assert back["意见"].tolist()[:4] == ["'=1+1", "'+cmd", "'-2+3", "'@SUM(A1)"]
    assert back["单位"].iloc[0] == "一厂工会" and np.isnan(back["满意率"].iloc[2])
    with pytest.raises(ValueError):
        list(exports.csv_chunks(frame(), chunk_rows=0))


def test_xlsx_ledger_opens_in_openpyxl_with_formats_frozen_headers_and_images():
    import openpyxl

    from analysis import plots

    png = plots.to_image(plots.trend(pd.Series([70.0, 75.0], index=[2025, 2026])))
    ledger = exports.Ledger("测试台账", [("评议活动", "会员评家"), ("答卷数", 42), ("注入", "=HYPERLINK(1)")],
                            [exports.Sheet("单位一览", frame(), note="说明", percent_cols=["满意率"],
                                           images=[("趋势图", png)]),
                             exports.Sheet("单位一览", frame())])  # duplicate name gets a suffix
    buf = io.BytesIO()
    exports.write_xlsx(ledger, buf)
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["封面", "单位一览", "单位一览~2"]
    cover = wb["封面"]
    assert cover["A1"].value == "测试台账" and cover["B4"].value == 42
    assert cover["B5"].value == "'=HYPERLINK(1)" and cover["B5"].data_type == "s"
    ws = wb["单位一览"]
    assert ws.freeze_panes == "A3"  # note row + header row frozen
    assert [c.value for c in ws[2]] == ["单位", "意见", "满意率", "答卷数"]
    assert ws["C3"].number_format == "0.0%" and ws["C3"].value == 0.9
    assert ws["C5"].value is None  # missing stays blank, never 0
    assert all(ws.cell(row=r, column=2).data_type == "s" for r in range(3, 11))
    assert ws["B3"].value == "'=1+1"
    assert len(ws._images) == 1
    assert ws.column_dimensions["A"].width >= 8


def test_sav_keeps_variable_and_value_labels(tmp_path):
    import pyreadstat

    df = pd.DataFrame({"target_code": ["DEMO-G01", "DEMO-G02"],
                       "q1": pd.array([3, None], dtype="Int64"), "q2": [1.0, 2.0]})
    buf = io.BytesIO()
    exports.write_sav(df, buf, {"target_code": "被评单位代码", "q1": "您对工会满意吗"},
                      {"q1": {1: "不满意", 2: "基本满意", 3: "满意"}})
    path = tmp_path / "t.sav"
    path.write_bytes(buf.getvalue())
    back, meta = pyreadstat.read_sav(str(path))
    assert meta.column_names_to_labels["q1"] == "您对工会满意吗"
    assert meta.column_names_to_labels["target_code"] == "被评单位代码"
    assert meta.variable_value_labels["q1"] == {1.0: "不满意", 2.0: "基本满意", 3.0: "满意"}
    assert back["q1"].iloc[0] == 3 and np.isnan(back["q1"].iloc[1])


def test_parquet_round_trip(tmp_path):
    from analysis.parquet import from_parquet
    from analysis.synthetic import synthetic_campaign

    data = synthetic_campaign(200, 20, 6, seed=3)
    out = exports.write_parquet(data, tmp_path / "c")
    back = from_parquet(out)
    pd.testing.assert_frame_equal(back.responses.reset_index(drop=True),
                                  data.responses.reset_index(drop=True), check_dtype=False)
    z = exports.zip_directory(out)
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(z)).namelist()
    assert "year=2026/campaign=SYN-2026/_campaign.json" in names
    assert "year=2026/campaign=SYN-2026/part-00000.parquet" in names


def pdf_bytes() -> bytes:
    from analysis import plots

    doc = exports.PdfDocument("会员评家报告 · 江滨纺织集团工会")
    doc.heading("总体结果").text("答卷 22 份；总体满意度 86.1。")
    doc.table(pd.DataFrame({"维度": ["组织建设", "服务职工"], "满意率": [0.91, np.nan]}))
    doc.image(plots.to_image(plots.bars_with_intervals(
        pd.Series([80.0, 70.0], index=["组织建设", "服务职工"]))), "各维度满意度")
    buf = io.BytesIO()
    exports.write_pdf(doc, buf)
    return buf.getvalue()


def test_pdf_has_extractable_chinese_text_and_an_embedded_cjk_font():
    from pypdf import PdfReader

    data = pdf_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(p.extract_text() for p in reader.pages)
    for words in ("会员评家报告", "总体满意度", "组织建设", "服务职工"):
        assert words in text
    assert "—" in text  # the missing rate is a dash, not 0
    fonts = str(reader.pages[0]["/Resources"]["/Font"])
    assert fonts


@pytest.mark.skipif(shutil.which("pdftoppm") is None,
                    reason="pdftoppm (poppler-utils) is not installed: `make system-deps`")
def test_pdf_renders_to_a_page_image(tmp_path):
    from PIL import Image

    path = tmp_path / "r.pdf"
    path.write_bytes(pdf_bytes())
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True, capture_output=True)
    page = next(tmp_path.glob("page*.png"))
    img = Image.open(page).convert("L")
    pixels = np.asarray(img)
    assert img.size[0] > 300 and (pixels < 128).mean() > 0.005  # ink on the page
