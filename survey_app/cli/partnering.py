"""``flask partnering export|import`` (one row per 联手兴家 pair) and ``flask honours
import|export`` (the honours register).

The command line runs with the server operator's rights (every pair); ``--org`` limits the
export to the pairs supervised in that unit's subtree. Text is formula-neutralised through
:mod:`analysis.exports`.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("partnering", help="The partnering programme (联手兴家): pairs in and out.")
def partnering() -> None:
    pass


@click.group("honours", help="The honours register (模范职工之家 / 合格职工之家).")
def honours() -> None:
    pass


def _import(file: Path, columns: tuple[str, ...], required: tuple[str, ...], load) -> int:
    from survey_app.cli.common import run_steps
    from survey_app.errors import DomainError, ProblemList
    from survey_app.extensions import db
    from survey_app.partnering.operations import read_csv_rows

    try:
        [count] = run_steps([("导入", lambda: load(read_csv_rows(file.read_bytes(), columns,
                                                               required)))], desc=file.name)
    except ProblemList as failure:
        db.session.rollback()
        for problem in failure.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        raise click.exceptions.Exit(1) from None
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    return count


@partnering.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_pairs_command(file: Path) -> None:
    """Import pairs both sides have agreed from FILE (CSV; columns lead_code, partner_code,
    upper_code, since). All or nothing."""
    from survey_app.partnering.operations import PAIR_COLUMNS, import_pairs

    count = _import(file, PAIR_COLUMNS, ("lead_code", "partner_code"), import_pairs)
    click.echo(f"imported {count} pairs")


@honours.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_honours_command(file: Path) -> None:
    """Import awards from FILE (CSV; columns unit_code, level, year, awarding_code,
    document_number, evidence_note). All or nothing."""
    from survey_app.partnering.operations import HONOUR_COLUMNS, import_honours

    count = _import(file, HONOUR_COLUMNS, HONOUR_COLUMNS[:4], import_honours)
    click.echo(f"imported {count} honours")


@honours.command("export")
@click.option("--org", "org_code", default=None, help="Unit code: its subtree only.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def export_honours_command(org_code: str | None, out: Path | None) -> None:
    """Write the register as CSV with the import's columns, plus recheck_due and status."""
    import io
    import sys

    from analysis import exports
    from survey_app.partnering.queries import honours_frame, org_by_code

    org = org_by_code(org_code) if org_code else None
    if org_code and org is None:
        raise click.ClickException(f"no unit with code {org_code!r}")
    frame = honours_frame(org)
    if out is None:
        buf = io.BytesIO()
        exports.write_csv(frame, buf)
        sys.stdout.write(buf.getvalue().decode("utf-8-sig"))
    else:
        exports.write_csv(frame, out)


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
