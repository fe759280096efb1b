"""``flask codes issue``: one-time access codes, printed one per line and nothing else;
``flask codes seal``: a closed campaign's storage without arrival order."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.member_surveys.operations import issue_codes, seal_campaign_storage
from survey_app.models import Campaign, Organisation


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
    try:
        issued = issue_codes(campaign, unit, count)
    except DomainError as refusal:
        raise click.UsageError(str(refusal)) from None
    click.echo("\n".join(issued))


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
        count = seal_campaign_storage(campaign)
    except DomainError as refusal:
        raise click.UsageError(str(refusal)) from None
    click.echo(f"{count} responses rewritten")
