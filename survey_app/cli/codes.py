"""``flask codes issue``: one-time access codes, printed one per line and nothing else;
``flask codes seal``: a closed campaign's storage without arrival order."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_app.cli.common import chunked, progress, run_steps
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.member_surveys.operations import issue_codes, seal_campaign_storage
from survey_app.models import Campaign, Organisation

#: Codes stored (and printed) per transaction by ``codes issue``.
CODES_PER_BLOCK = 500


@click.group("codes", help="Access codes (参评码).")
def codes() -> None:
    pass


@codes.command("issue")
@click.option("--campaign", "campaign_code", required=True)
@click.option("--unit", "unit_code", required=True)
@click.option("--count", type=click.IntRange(1, 10_000), required=True)
@with_appcontext
def issue(campaign_code: str, unit_code: str, count: int) -> None:
    """Print COUNT new codes for UNIT in CAMPAIGN, one per line. Only hashes are stored."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == campaign_code))
    if campaign is None:
        raise click.UsageError(f"unknown campaign {campaign_code!r}")
    unit = db.session.scalar(select(Organisation).where(Organisation.code == unit_code))
    if unit is None:
        raise click.UsageError(f"unknown unit {unit_code!r}")
    # in blocks, each stored and printed before the next: the bar moves, and an
    # interrupted run has printed every code it stored
    with progress(total=count, desc="参评码", unit="个") as bar:
        for block in chunked(count, CODES_PER_BLOCK):
            try:
                issued = issue_codes(campaign, unit, block)
            except DomainError as refusal:
                raise click.UsageError(str(refusal)) from None
            click.echo("\n".join(issued))
            bar.update(block)


@codes.command("seal")
@click.option("--campaign", "campaign_code", required=True)
@with_appcontext
def seal(campaign_code: str) -> None:
    """Wipe the arrival order of a closed CAMPAIGN's anonymous responses from storage.

    Closing a campaign does this already; run it again if closing was interrupted (a
    large campaign on a web request that timed out). It rewrites the responses in
    random-id order, clears drafts left on used codes and, on SQLite, truncates the
    write-ahead log.
    """
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == campaign_code))
    if campaign is None:
        raise click.UsageError(f"unknown campaign {campaign_code!r}")
    try:
        [count] = run_steps([("重写答卷", lambda: seal_campaign_storage(campaign))],
                            desc="封存")
    except DomainError as refusal:
        raise click.UsageError(str(refusal)) from None
    click.echo(f"{count} responses rewritten")
