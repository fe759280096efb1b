"""``flask demo load``: the demo federation, accounts and campaigns."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey_app.demo import DEMO_USERS, load_demo
from survey_app.demo_campaigns import DEMO_CAMPAIGN_USERS


@click.group("demo", help="Demo data.")
def demo() -> None:
    pass


@demo.command("load")
@with_appcontext
def load() -> None:
    """Load the demo data (idempotent: a second run changes nothing)."""
    report = load_demo()
    click.echo(
        f"demo: {report.units_created} units, {report.users_created} accounts and "
        f"{report.responses_created} responses created"
    )
    click.echo("demo accounts (for the demo only):")
    for username, role, org_code, password in DEMO_USERS + DEMO_CAMPAIGN_USERS:
        click.echo(f"  {username:15} {password:20} {role.value:15} {org_code or ''}")
