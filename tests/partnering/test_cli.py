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
