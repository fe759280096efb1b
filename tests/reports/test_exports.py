"""Exports from the pages and from ``flask report build``: each opens in its own tool, raw
responses only for platform admins and analysts, and disclosure control holds on every
exported number (TEST-DISC: DEMO-G01 has 3 responses, DEMO-G02 8, DEMO-G03 9; k = 5)."""

from __future__ import annotations

import io
import time
import zipfile

import pandas as pd
import pytest

from tests.reports.conftest import DISC_COUNTS

K = 5


@pytest.mark.parametrize(("user", "fmt", "status"), [
    ("admin", "csv", 200), ("analyst", "csv", 200), ("analyst", "sav", 200),
    ("analyst", "parquet", 200), ("analyst", "xlsx", 200),
    ("city_admin", "csv", 403), ("city_admin", "sav", 403), ("city_admin", "parquet", 403),
    ("city_admin", "xlsx", 200), ("city_admin", "pdf", 200),
    ("evaluator_g01", "xlsx", 403), ("evaluator_g01", "csv", 403), ("assessor", "pdf", 403),
    ("admin", "doc", 404),
])
def test_who_may_download_what(as_user, user, fmt, status):
    r = as_user(user).get(f"/reports/TEST-DISC/export.{fmt}")
    assert r.status_code == status
    if status == 200:
        assert "attachment" in r.headers["Content-Disposition"]


def test_target_side_admins_get_nothing_before_publishing(as_user):
    assert as_user("district_admin").get("/reports/DEMO-MEMBER-2026/export.xlsx"
                                         ).status_code == 403
    assert as_user("district_admin").get(
        "/reports/DEMO-MEMBER-2025/export.xlsx?unit=DEMO-D02").status_code == 403


def _csv(client) -> pd.DataFrame:
    r = client.get("/reports/TEST-DISC/export.csv")
    assert r.mimetype == "text/csv"
    return pd.read_csv(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")))


def test_raw_csv_is_tidy_without_identifiers_and_only_released_units(as_user):
    df = _csv(as_user("analyst"))
    assert "response_id" not in df.columns and "id" not in df.columns
    assert {"target_code", "rater_group", "submitted_month", "org_elect", "org_elect_label"} <= set(
        df.columns)
    # G01 is small (3 < 5); G02 is hidden so that G01 = D01 - G02 - G03 cannot be computed
    assert set(df["target_code"]) == {"DEMO-G03"}
    assert len(df) == DISC_COUNTS["DEMO-G03"]
    assert df["submitted_month"].str.fullmatch(r"\d{4}-\d{2}").all()  # the month, no day
    assert "submitted_on" not in df.columns
    assert set(df["org_elect_label"].dropna()) <= {"不满意", "基本满意", "满意", "不了解/不适用"}


def test_analyst_rows_are_limited_to_their_scope(as_user):
    g03 = as_user("analyst").get("/reports/TEST-DISC/export.csv?unit=DEMO-G02")
    df = pd.read_csv(io.StringIO(g03.get_data(as_text=True).lstrip("\ufeff")))
    assert df.empty  # G02 is suppressed, and the request covers G02's subtree only


def test_sav_and_parquet_hold_the_same_released_rows(as_user, tmp_path):
    import pyreadstat

    from analysis.parquet import from_parquet

    client = as_user("admin")
    sav = tmp_path / "x.sav"
    sav.write_bytes(client.get("/reports/TEST-DISC/export.sav").data)
    df, meta = pyreadstat.read_sav(str(sav))
    assert set(df["target_code"]) == {"DEMO-G03"} and len(df) == 9
    assert meta.column_names_to_labels["org_elect"] == "工会主席、委员由会员（代表）大会民主选举产生"
    assert meta.variable_value_labels["org_elect"][3.0] == "满意"
    z = zipfile.ZipFile(io.BytesIO(client.get("/reports/TEST-DISC/export.parquet").data))
    z.extractall(tmp_path / "pq")
    data = from_parquet(tmp_path / "pq")
    assert set(data.responses["target_code"]) == {"DEMO-G03"}
    assert data.responses["response_id"].str.fullmatch(r"r\d{7}").all()  # not the stored ids
    assert data.min_group_size == K


def _ledger(client, query: str = ""):
    import openpyxl

    r = client.get(f"/reports/TEST-DISC/export.xlsx{query}")
    assert r.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(r.data))


def _table(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] in ("排名", "指标", "维度", "题目代码"))
    return pd.DataFrame(rows[header + 1:], columns=rows[header])


def test_ledger_workbook_suppresses_small_units_and_resists_subtraction(as_user):
    wb = _ledger(as_user("city_admin"))
    assert wb.sheetnames[:4] == ["封面", "汇总", "单位一览", "题目统计"]
    cover = {r[0]: r[1] for r in wb["封面"].iter_rows(values_only=True) if r[0]}
    assert "计分方法" in cover and "Wilson" in cover["计分方法"]
    assert "5" in cover["公布规则"]
    units = _table(wb["单位一览"]).set_index("单位代码")
    for code in ("DEMO-G01", "DEMO-G02"):
        assert pd.isna(units.at[code, "答卷数"]) and pd.isna(units.at[code, "总体满意度"])
    assert units.at["DEMO-G01", "抑制原因"] == "样本不足"
    assert units.at["DEMO-G02", "抑制原因"] == "防推算抑制"
    assert units.at["DEMO-G03", "答卷数"] == DISC_COUNTS["DEMO-G03"]
    # the subtraction attack: the scope's total minus every published unit
    total = cover["答卷数"]
    assert total == sum(DISC_COUNTS.values())
    hidden = total - units["答卷数"].dropna().sum()
    assert hidden == 0 or hidden >= K
    # ... and on every item count: the root's item table minus the published units' tables
    root_items = _table(wb["题目统计"]).set_index("题目代码")["有效答案数"]
    g03_items = _table(wb["DEMO-G03"]).set_index("题目代码")["有效答案数"]
    assert ((root_items - g03_items) > 0).all()  # G01 + G02 pooled: 11 respondents, not 3
    assert [r[0] for r in wb["DEMO-G01"].iter_rows(values_only=True)][-1] == (
        "样本不足或防推算抑制，不予公布")
    ws = wb["单位一览"]
    assert ws.freeze_panes == "A3"
    assert wb["图表"]._images  # charts as images


def test_pdf_of_a_small_unit_has_no_figures_and_campaign_pdf_renders(as_user, tmp_path):
    from pypdf import PdfReader

    client = as_user("admin")
    small = PdfReader(io.BytesIO(client.get("/reports/TEST-DISC/export.pdf?unit=DEMO-G01").data))
    text = "".join(p.extract_text() for p in small.pages)
    assert "不予公布" in text and "答卷 3 份" not in text
    whole = client.get("/reports/TEST-DISC/export.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(whole)).pages)
    assert "测试披露控制" in text and "总体满意度" in text
    assert "答卷 20 份" in text


def test_cli_report_build_writes_each_format(demo_app, tmp_path):
    import openpyxl
    import pyreadstat

    from analysis.parquet import from_parquet

    runner = demo_app.test_cli_runner()
    outputs = {}
    for fmt in ("xlsx", "csv", "sav", "parquet", "pdf"):
        out = tmp_path / f"demo.{fmt}"
        started = time.perf_counter()
        result = runner.invoke(args=["report", "build", "--campaign", "DEMO-MEMBER-2025",
                                     "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        outputs[fmt] = time.perf_counter() - started
        assert out.exists()
    assert outputs["xlsx"] < 60  # the demo federation's 台账 (measured ~3-6 s)
    wb = openpyxl.load_workbook(tmp_path / "demo.xlsx")
    assert len(wb.sheetnames) > 40  # a sheet per grassroots union
    csv = pd.read_csv(tmp_path / "demo.csv")
    small = csv.groupby("target_code").size()
    assert (small >= K).all()
    df, _meta = pyreadstat.read_sav(str(tmp_path / "demo.sav"))
    assert len(df) == len(csv)
    data = from_parquet(tmp_path / "demo.parquet")
    assert len(data.responses) == len(csv)
    assert (tmp_path / "demo.pdf").read_bytes().startswith(b"%PDF")
    bad = runner.invoke(args=["report", "build", "--campaign", "NOPE", "--format", "csv",
                              "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code != 0


def test_exports_match_the_page_for_every_unit(as_user):
    """The workbook's unit table and the overview page suppress the same units."""
    client = as_user("admin")
    import openpyxl

    for code in ("TEST-DISC", "DEMO-MEMBER-2025", "DEMO-FOUR-2025"):
        html = client.get(f"/reports/{code}/").get_data(as_text=True)
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/{code}/export.xlsx").data))
        units = _table(book["单位一览"])
        hidden = units["抑制原因"].fillna("") != ""
        if code == "TEST-DISC":
            assert hidden.sum() == 2
        for name, is_hidden in zip(units["单位名称"], hidden, strict=True):
            row = html.split(f">{name}</a>")[1].split("</tr>")[0]
            assert ("suppressed" in row) == is_hidden, (code, name)


def test_raw_downloads_are_audited_aggregates_are_not(as_user, demo_app):
    from sqlalchemy import select

    from survey_app.extensions import db
    from survey_app.models import AuditEntry, User

    def raw_exports():
        with demo_app.app_context():
            return db.session.execute(
                select(AuditEntry, User.username).join(User, AuditEntry.user_id == User.id)
                .where(AuditEntry.action == "export.raw").order_by(AuditEntry.seq)).all()

    before = len(raw_exports())
    analyst = as_user("analyst")
    assert analyst.get("/reports/TEST-DISC/export.sav?unit=DEMO-G03").status_code == 200
    assert analyst.get("/reports/TEST-DISC/export.xlsx").status_code == 200
    rows = raw_exports()
    assert len(rows) == before + 1
    entry, username = rows[-1]
    assert username == "analyst" and entry.object_id == "TEST-DISC"
    assert entry.detail["format"] == "sav" and entry.detail["unit"] == "DEMO-G03"
