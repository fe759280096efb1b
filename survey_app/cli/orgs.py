"""``flask orgs import|export``: the organisation tree from and to CSV or Excel."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_app.cli.common import run_steps
from survey_app.extensions import db
from survey_app.models import Organisation
from survey_app.organisations.operations import ImportFailed, export_rows, import_file


@click.group("orgs", help="Import and export the organisation tree.")
def orgs() -> None:
    pass


@orgs.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Import units from FILE (CSV or Excel; columns code,name,kind,parent_code,members)."""
    try:
        [result] = run_steps([("导入", lambda: import_file(file.read_bytes(), file.name))],
                             desc=file.name)
    except ImportFailed as failure:
        for issue in failure.issues:
            click.echo(f"{file.name}: {issue}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"imported {result.created} new, {result.updated} updated")


@orgs.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def export_command(fmt: str, out: Path | None) -> None:
    """Write the tree as CSV with the import's columns (to stdout, or --out FILE)."""
    text = export_rows(db.session.scalars(select(Organisation)).all())
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
