"""``flask webhooks deliver``: the webhook worker (:mod:`survey_app.api.delivery`)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.group("webhooks", help="Webhooks: deliver the outbox.")
def webhooks() -> None:
    pass


@webhooks.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering (every --interval seconds).")
@click.option("--interval", type=float, default=5.0, show_default=True)
@click.option("--batch", type=int, default=50, show_default=True)
@with_appcontext
def deliver(loop: bool, interval: float, batch: int) -> None:
    """Send the deliveries that are due (once, or with --loop until stopped)."""
    from survey_app.api.delivery import deliver_due

    while True:
        report = deliver_due(batch)
        if report.delivered or report.retrying or report.failed or not loop:
            click.echo(f"delivered {report.delivered}, retrying {report.retrying}, "
                       f"failed {report.failed}")
        if not loop:
            return
        time.sleep(interval)
