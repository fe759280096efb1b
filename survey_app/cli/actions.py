"""``flask actions``: export the improvement actions (整改台账) and record the daily digest.

The command line runs with the server operator's rights. Figures come from the published
reports only (see :mod:`survey_app.improvement.queries`).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("actions", help="Improvement actions: export and daily digest.")
def actions() -> None:
    pass


@actions.command("export")
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), required=True)
@click.option("--org", "org_code", default=None, help="Unit code: its subtree only.")
@click.option("--year", type=int, default=None, help="Campaign year of the actions' source.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output file (default: actions.<format>).")
@with_appcontext
def export(fmt: str, org_code: str | None, year: int | None, out: Path | None) -> None:
    """Write one row per action (formula-neutralised)."""
    from analysis import exports
    from survey_app.improvement import queries as q

    root = None
    if org_code:
        root = q.org_by_code(org_code)
        if root is None:
            raise click.BadParameter(f"unknown unit {org_code!r}", param_hint="--org")
    frame = q.export_frame(q.subtree_actions(root, year=year))
    out = out or Path(f"actions.{fmt}")
    if fmt == "csv":
        exports.write_csv(frame, out)
    else:
        exports.write_xlsx(exports.Ledger(title="整改事项台账", cover=[
            ("单位", org_code or "全部"), ("年度", year or "全部"), ("事项数", len(frame))],
            sheets=[exports.Sheet(name="整改事项", frame=frame)]), out)
    click.echo(f"{out}: {len(frame)} actions")


@actions.command("digest")
@with_appcontext
def digest() -> None:
    """Record today's in-app notifications: overdue and soon-due actions for the people
    responsible, and overdue / unverified actions for the upper union (once a day)."""
    from survey_app.extensions import db
    from survey_app.improvement.operations import record_digest

    made = record_digest()
    db.session.commit()
    click.echo(f"{made} notifications recorded")
