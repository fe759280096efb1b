"""``flask audit verify`` and ``flask audit purge``: the tamper-evident audit log."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.cli.common import actor
from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models.audit import RETENTION_DAYS, purge_before, verify_chain


@click.group("audit", help="The audit log (审计日志).")
def audit() -> None:
    pass


@audit.command("verify")
@with_appcontext
def verify() -> None:
    """Recompute the hash chain; exit 1 and name the first bad record if it is broken.

    Prints the chain's end (seq and hash): keep it somewhere else (an operations log) to
    detect a rewrite of the whole chain.
    """
    check = verify_chain(db.session)
    if not check.ok:
        where = f"record id {check.bad_id} (seq {check.bad_seq})" if check.bad_id else (
            f"seq {check.bad_seq}")
        click.echo(f"audit chain BROKEN at {where}: {check.problem}", err=True)
        raise SystemExit(1)
    click.echo(f"audit chain ok: {check.checked} records; end seq {check.head_seq} "
               f"hash {check.head_hash}")


@audit.command("purge")
@click.option("--before", "before", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help=f"Delete records written before this date (at least {RETENTION_DAYS} "
                   "days ago).")
@click.option("--user", "username", default=None, help="The account the purge is audited as.")
@with_appcontext
def purge(before, username: str | None) -> None:
    """Delete old audit records; the chain stays verifiable and the purge is audited."""
    day: date = before.date()
    try:
        count = purge_before(db.session, day, today(),
                             current_app.config["BABEL_DEFAULT_TIMEZONE"], actor(username))
    except ValueError as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from None
    click.echo(f"purged {count} audit records written before {day.isoformat()}")
