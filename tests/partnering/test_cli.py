"""``flask partnering export``: the columns, one row per pair, the lapsed flag, xlsx."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.partnering import operations as ops
from survey_app.partnering.queries import EXPORT_COLUMNS
from tests.partnering.conftest import org, user


def _pairs(world, tmp_path):
    with world.app_context():
        ops.set_target(user("admin"), upper=org("DEMO-CITY"), year=today().year, level="city",
                       min_links=3)
        pair = ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"), partner=org("DEMO-G01"))
        ops.confirm_pair(user("g01_admin"), pair)
        pair.since = today() - timedelta(days=150)
        ops.log_activity(user("g02_admin"), pair, held_on=today() - timedelta(days=140),
                         form="exchange", content="=HYPERLINK(\"x\")", participants=3,
                         folder=str(tmp_path))
        ops.confirm_activity(user("g01_admin"), pair.activities[0])
        ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"), partner=org("DEMO-G03"))
        db.session.commit()


def test_export_csv_has_the_columns_and_one_row_per_pair(world, tmp_path):
    _pairs(world, tmp_path)
    result = world.test_cli_runner().invoke(args=["partnering", "export", "--format", "csv",
                                                  "--org", "DEMO-D01"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == EXPORT_COLUMNS
    by_partner = {r["partner_code"]: r for r in rows}
    assert set(by_partner) == {"DEMO-G01", "DEMO-G03"}
    lapsed = by_partner["DEMO-G01"]
    assert lapsed["status"] == "lapsed" and lapsed["lapsed"] == "true"
    assert lapsed["lead_honour_level"] == "city" and lapsed["target"] == "3"
    assert lapsed["linked"] == "1" and lapsed["confirmed_activities"] == "1"
    assert int(lapsed["months_without_activity"]) >= 4
    assert lapsed["last_confirmed_on"] == (today() - timedelta(days=140)).isoformat()
    assert by_partner["DEMO-G03"]["status"] == "proposed"
    assert by_partner["DEMO-G03"]["lapsed"] == "false"


def test_export_outside_the_org_is_empty_and_xlsx_opens(world, tmp_path):
    _pairs(world, tmp_path)
    runner = world.test_cli_runner()
    result = runner.invoke(args=["partnering", "export", "--format", "csv", "--org", "DEMO-D02"])
    assert result.exit_code == 0
    assert list(csv.reader(io.StringIO(result.stdout))) == [EXPORT_COLUMNS]
    out = tmp_path / "pairs.xlsx"
    result = runner.invoke(args=["partnering", "export", "--format", "xlsx", "--out", str(out),
                                 "--year", str(today().year)])
    assert result.exit_code == 0, result.output
    import openpyxl

    values = [c.value for row in openpyxl.load_workbook(out).worksheets[-1].iter_rows()
              for c in row]
    assert "lead_code" in values and "DEMO-G01" in values
    result = runner.invoke(args=["partnering", "export", "--format", "csv", "--org", "NOPE"])
    assert result.exit_code != 0 and "NOPE" in result.output


def test_import_pairs_all_or_nothing_with_line_numbers(world, tmp_path, monkeypatch):
    monkeypatch.setenv("PINGJIA_LANG", "en")
    bad = tmp_path / "bad.csv"
    bad.write_text("lead_code,partner_code,since\nDEMO-G02,DEMO-G01,2026-01-05\n"
                   "DEMO-G02,DEMO-G02,\nDEMO-G02,DEMO-G13,\nDEMO-G02,NOPE,\n"
                   "DEMO-G02,DEMO-G03,2999-01-01\n", encoding="utf-8")
    runner = world.test_cli_runner()
    result = runner.invoke(args=["partnering", "import", str(bad)])
    assert result.exit_code == 1
    for line in ("Line 3", "Line 4", "Line 5", "Line 6"):
        assert line in result.stderr
    with world.app_context():
        from sqlalchemy import select

        from survey_app.models.partnering import Pair

        assert db.session.scalars(select(Pair)).all() == []  # nothing imported
    good = tmp_path / "good.csv"
    good.write_text("lead_code,partner_code,since\nDEMO-G02,DEMO-G01,2026-01-05\n",
                    encoding="utf-8")
    result = runner.invoke(args=["partnering", "import", str(good)])
    assert result.exit_code == 0, result.output
    with world.app_context():
        pair = db.session.scalars(select(Pair)).one()
        assert pair.confirmed and pair.since.isoformat() == "2026-01-05"
        assert pair.upper.code == "DEMO-D01"
    result = runner.invoke(args=["partnering", "import", str(good)])
    assert result.exit_code == 1 and "Line 2" in result.stderr  # already paired


def test_honours_import_and_export_round_trip(world, tmp_path, monkeypatch):
    monkeypatch.setenv("PINGJIA_LANG", "en")
    source = tmp_path / "honours.csv"
    source.write_text("unit_code,level,year,awarding_code,document_number,evidence_note\n"
                      "DEMO-G05,省级,2021,DEMO-CITY,省工发〔2021〕30号,命名文件\n"
                      "DEMO-G10,district,2024,DEMO-D01,,\n", encoding="utf-8")
    runner = world.test_cli_runner()
    result = runner.invoke(args=["honours", "import", str(source)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["honours", "export", "--org", "DEMO-D01"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    levels = {(r["unit_code"], r["level"], r["year"], r["recheck_due"]) for r in rows}
    assert levels == {("DEMO-G05", "provincial", "2021", "2024"),
                      ("DEMO-G02", "city", "2024", "2027"),
                      ("DEMO-G10", "district", "2024", "2026")}
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("unit_code,level,year,awarding_code\nDEMO-G13,city,2024,DEMO-D01\n"
                     "DEMO-G05,省级,2021,DEMO-CITY\nDEMO-G06,gold,2024,DEMO-CITY\n",
                     encoding="utf-8")
    result = runner.invoke(args=["honours", "import", str(wrong)])
    assert result.exit_code == 1
    assert "Line 2" in result.stderr and "Line 3" in result.stderr and "Line 4" in result.stderr
