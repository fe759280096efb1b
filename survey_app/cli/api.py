"""``flask api token``: create, list and revoke open-API tokens (with the operator's rights).

A token's secret is printed once, when it is made; only its SHA-256 is stored.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey_app.models.api import API_SCOPES


@click.group("api", help="The open API: integration tokens.")
def api() -> None:
    pass


@api.group("token", help="API tokens: create, list, revoke.")
def token() -> None:
    pass


@token.command("create")
@click.option("--org", "org_code", required=True, help="Unit code: the token's subtree.")
@click.option("--scope", "scopes", multiple=True, required=True,
              help=f"Repeat or comma-separate; one of: {', '.join(API_SCOPES)}.")
@click.option("--expires", "days", type=int, default=None,
              help="Days until it expires (default API_TOKEN_DEFAULT_DAYS, at most 366).")
@click.option("--name", default="integration", help="What the token is for.")
@click.option("--platform-admin", is_flag=True,
              help="A platform token: may also use the platform's own routes (the "
                   "organisation import) with its scopes.")
@with_appcontext
def create(org_code: str, scopes: tuple[str, ...], days: int | None, name: str,
           platform_admin: bool) -> None:
    """Print a new token once; store only its hash."""
    from flask import current_app

    from survey_app.api import queries as q
    from survey_app.api.operations import TokenError, create_token

    org = q.org_by_code(org_code)
    if org is None:
        raise click.BadParameter(f"unknown unit {org_code!r}", param_hint="--org")
    wanted = [s for part in scopes for s in part.split(",")]
    days = days if days is not None else int(current_app.config["API_TOKEN_DEFAULT_DAYS"])
    try:
        row, secret = create_token(org, wanted, name=name, days=days,
                                   platform_admin=platform_admin)
    except TokenError as error:
        raise click.BadParameter(str(error), param_hint="--scope/--expires") from error
    click.echo(secret)
    kind = "platform token" if row.platform_admin else "token"
    click.echo(f"{kind} {row.prefix}… for {org.code}, scopes {' '.join(row.scopes)}, expires "
               f"{row.expires_at:%Y-%m-%d}. It is shown only now: keep it secret.", err=True)


@token.command("list")
@click.option("--org", "org_code", default=None, help="Unit code: its subtree only.")
@with_appcontext
def list_tokens(org_code: str | None) -> None:
    from survey_app.api import queries as q

    scope = q.org_by_code(org_code) if org_code else None
    for row in q.token_rows(scope):
        state = "revoked" if row.revoked_at else ("active" if row.is_active() else "expired")
        click.echo(f"{row.id}\t{row.prefix}…\t{row.organisation.code}\t{state}\t"
                   f"{row.expires_at:%Y-%m-%d}\t{' '.join(row.scopes)}\t{row.name}")


@token.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke(token_id: int) -> None:
    from survey_app.api.operations import revoke_token
    from survey_app.extensions import db
    from survey_app.models.api import ApiToken

    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.BadParameter(f"no token {token_id}", param_hint="TOKEN_ID")
    revoke_token(row)
    click.echo(f"token {row.prefix}… revoked")
