"""``flask --app survey_app demo load``: the demo federation, accounts and campaigns.

The demo has fixed, published passwords, so the command refuses to run when
``PINGJIA_ENV=production``.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from demo.campaigns import DEMO_CAMPAIGN_USERS
from demo.committee import COMMITTEE_USERS
from demo.organisations import DEMO_USERS, load_demo
from survey_app.cli.common import run_steps


@click.group("demo", help="Demo data (never in production).")
def demo() -> None:
    pass


@demo.command("load")
@with_appcontext
def load() -> None:
    """Load the demo data (idempotent: a second run changes nothing)."""
    if current_app.config.get("ENV_NAME", "production") == "production":
        raise click.ClickException(
            "the demo data has published passwords and is never loaded in production "
            "(PINGJIA_ENV=production); use PINGJIA_ENV=development on a test machine")
    report = load_demo(run_steps=lambda steps: run_steps(steps, desc="演示数据"))
    click.echo(
        f"demo: {report.units_created} units, {report.users_created} accounts and "
        f"{report.responses_created} responses created"
    )
    click.echo("demo accounts (for the demo only):")
    for username, role, org_code, password in DEMO_USERS + DEMO_CAMPAIGN_USERS + COMMITTEE_USERS:
        click.echo(f"  {username:15} {password:20} {role.value:15} {org_code or ''}")
