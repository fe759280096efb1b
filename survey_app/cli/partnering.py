"""``flask partnering export``: one row per 联手兴家 pair, as CSV or XLSX.

The command line runs with the server operator's rights (every pair); ``--org`` limits the
export to the pairs supervised in that unit's subtree. Text is formula-neutralised through
:mod:`analysis.exports`.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("partnering", help="The partnering programme (联手兴家): exports of the pairs.")
def partnering() -> None:
    pass


@partnering.command("export")
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), required=True)
@click.option("--year", type=int, default=None,
              help="Plans and confirmed activities of this year only (default: every year).")
@click.option("--org", "org_code", default=None,
              help="Unit code: pairs supervised in its subtree only.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output file (default: standard output for CSV).")
@with_appcontext
def export(fmt: str, year: int | None, org_code: str | None, out: Path | None) -> None:
    """Write one row per pair: lead_code, partner_code, status, since, lead_honour_level,
    target, linked, planned_activities, confirmed_activities, last_confirmed_on,
    months_without_activity, lapsed."""
    import io
    import sys

    from analysis import exports
    from survey_app.partnering.queries import export_frame, org_by_code

    org = None
    if org_code:
        org = org_by_code(org_code)
        if org is None:
            raise click.ClickException(f"no unit with code {org_code!r}")
    frame = export_frame(year, org)
    frame["lapsed"] = frame["lapsed"].map({True: "true", False: "false"})
    frame = frame.astype(object).where(frame.notna(), "")
    if fmt == "csv":
        if out is None:
            buf = io.BytesIO()
            exports.write_csv(frame, buf)
            sys.stdout.write(buf.getvalue().decode("utf-8-sig"))
            return
        exports.write_csv(frame, out)
    else:
        if out is None:
            raise click.ClickException("--out is required for xlsx")
        ledger = exports.Ledger(title="联手兴家结对台账", cover=[("年度", year or "全部")],
                                sheets=[exports.Sheet(name="结对", frame=frame)])
        exports.write_xlsx(ledger, out)
    click.echo(f"{len(frame)} pairs", err=True)
