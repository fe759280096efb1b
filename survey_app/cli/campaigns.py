"""``flask campaign ...`` and ``flask assignments ...``: campaigns from YAML files, their
lifecycle, and who rates whom."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_app.campaigns.operations import (
    TRANSITIONS,
    CampaignSpecError,
    generate_assignments,
    transition,
)
from survey_app.campaigns.queries import export_csv
from survey_app.cli.common import actor, run_steps
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus


def _campaign(code: str) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
    if campaign is None:
        raise click.ClickException(f"no campaign with code {code!r}")
    return campaign


def read_campaign_file(file: Path) -> object:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file.name}: not UTF-8 text ({error.reason})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise click.ClickException(f"{file.name}{where}: not valid YAML ({problem})") from None


@click.group("campaign", help="Campaigns (评议活动): create from YAML, list, change state.")
def campaign() -> None:
    pass


@campaign.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--generate/--no-generate", default=True,
              help="Generate the assignments from the groups' rules (default: yes).")
@with_appcontext
def create_command(file: Path, generate: bool) -> None:
    """Create a draft campaign from a YAML campaign FILE (see docs/campaigns.md)."""
    from survey_app.campaigns.operations import create_campaign

    data = read_campaign_file(file)
    try:
        created = create_campaign(data)
    except CampaignSpecError as error:
        for problem in error.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"created campaign {created.code} ({created.kind}, {len(created.targets)} "
               f"targets, {len(created.rater_groups)} rater groups)")
    if generate:
        try:
            report = generate_assignments(created)
        except DomainError as error:
            click.echo(f"assignments not generated: {error}", err=True)
            raise click.exceptions.Exit(1) from None
        counts = ", ".join(f"{k} {v}" for k, v in report.by_group.items())
        click.echo(f"generated {report.total} assignments ({counts})")


@campaign.command("list")
@with_appcontext
def list_command() -> None:
    """List the campaigns: code, kind, status, year, targets."""
    for c in db.session.scalars(select(Campaign).order_by(Campaign.code)):
        click.echo(f"{c.code:24} {c.kind:12} {c.status:10} {c.year or '':6} "
                   f"{len(c.targets):5} targets  {c.name}")


def _state_command(name: str, to: CampaignStatus, help_text: str):
    @campaign.command(name, help=help_text)
    @click.argument("code")
    @click.option("--reason", default=None, help="Why (required to reopen or withdraw).")
    @click.option("--as", "username", default=None,
                  help="The account making the change (recorded in the audit log).")
    @with_appcontext
    def command(code: str, reason: str | None, username: str | None) -> None:
        target = _campaign(code)
        step = TRANSITIONS.get((CampaignStatus(target.status), to))
        if step is not None and step != name:  # e.g. `close` on a published campaign
            raise click.ClickException(
                f"campaign {target.code} is {target.status}: `{name}` does not apply "
                f"(use `{step}`)")
        try:
            user = actor(username)
            # closing rewrites a large campaign's storage (see codes seal): minutes
            run_steps([(name, lambda: transition(target, to, user, reason=reason))],
                      desc=f"campaign {name}")
        except DomainError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"campaign {target.code} is now {target.status}")

    return command


_state_command("open", CampaignStatus.OPEN, "Open a draft campaign CODE.")
_state_command("close", CampaignStatus.CLOSED, "Close an open campaign CODE (freezes answers).")
_state_command("publish", CampaignStatus.PUBLISHED, "Publish a closed campaign CODE's results.")
_state_command("reopen", CampaignStatus.OPEN,
               "Reopen a closed campaign CODE (needs --reason; recorded in the audit log).")
_state_command("withdraw", CampaignStatus.CLOSED,
               "Withdraw a published campaign CODE's results: back to closed (needs --reason; "
               "recorded in the audit log).")


@click.group("assignments", help="Who rates whom: generate and export assignments.")
def assignments() -> None:
    pass


@assignments.command("generate")
@click.option("--campaign", "code", required=True, help="The campaign's code.")
@with_appcontext
def generate_command(code: str) -> None:
    """(Re)generate a draft campaign's assignments from its rules (hand-made rows stay)."""
    try:
        report = generate_assignments(_campaign(code))
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"generated {report.total} assignments ("
               + ", ".join(f"{k} {v}" for k, v in report.by_group.items()) + ")")


@assignments.command("export")
@click.option("--campaign", "code", required=True, help="The campaign's code.")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def export_command(code: str, fmt: str, out: Path | None) -> None:
    """Write rater_code,target_code,rater_group rows (assessors: the username)."""
    text = export_csv(_campaign(code))
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
