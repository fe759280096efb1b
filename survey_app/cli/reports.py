"""``flask report build``: a campaign's report or export file from the command line.

The command line runs with the server operator's rights (everything, like a platform admin),
and applies the same disclosure control as the pages: suppressed units have no figures, and
the respondent-level formats (csv, sav, parquet) hold only released rows
(:func:`analysis.reports.released_rows`).
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from survey_app.cli.common import progress, run_steps

FORMATS = ("csv", "xlsx", "sav", "parquet", "pdf")


@click.group("report", help="Build reports and exports of campaigns.")
def report() -> None:
    pass


@report.command("build")
@click.option("--campaign", "code", required=True, help="Campaign code, e.g. DEMO-MEMBER-2025.")
@click.option("--unit", "unit_code", default=None,
              help="Unit code: its subtree only (PDF: that unit's own report).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--group", default=None, help="Only this rater group's responses.")
@click.option("--period", default=None,
              help="Rolling campaigns: the released month YYYY-MM (default: the latest).")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Output file (parquet: a dataset directory, year=/campaign= partitions).")
@with_appcontext
def build(code: str, unit_code: str | None, fmt: str, group: str | None, period: str | None,
          out: Path) -> None:
    """Write one export of a campaign to --out, with a progress bar."""
    from analysis import exports
    from analysis import reports as R
    from survey_app.reports import queries as U
    from survey_app.reports.exports import build_export

    started = time.perf_counter()
    campaign, org = _released_campaign(code, unit_code, group)
    try:
        period = U.report_period(campaign, period)
    except LookupError:
        raise click.BadParameter(f"month {period!r} is not released",
                                 param_hint="--period") from None
    [rep] = run_steps([("读取并计算", lambda: U.campaign_report(campaign, group, language="zh",
                                                                 period=period))],
                      desc=code)
    if rep is None:
        raise click.ClickException(f"campaign {code} has no responses")
    orgs = rep.data.organisations
    scope = sorted(orgs.loc[orgs["path"].str.startswith(org.path), "id"].astype(int))

    def unit_bar(items):
        return progress(items, desc="生成", unit="单位")

    if fmt == "parquet":
        exports.write_parquet(R.released_data(rep, scope), out)
    elif fmt == "csv":
        frame = R.tidy_responses(rep, scope)
        with open(out, "w", encoding="utf-8", newline="") as fh:
            for chunk in progress(exports.csv_chunks(frame), desc="写入", unit="块"):
                fh.write(chunk)
    else:
        per_unit = unit_code is not None and org != U.default_root(None, campaign)
        out.write_bytes(build_export(rep, campaign, org, fmt, scope, progress=unit_bar,
                                     per_unit=per_unit))
    click.echo(f"{out} ({fmt}) written in {time.perf_counter() - started:.1f} s")


@report.command("people")
@click.option("--campaign", "code", required=True,
              help="Code of a committee evaluation, e.g. DEMO-COMMITTEE-2026.")
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), default="csv",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output file (default: standard output for csv).")
@with_appcontext
def people(code: str, fmt: str, out: Path | None) -> None:
    """One row per rated committee member: unit_code, person, role, raters, the three
    verdict shares and suppressed. Fewer raters than the campaign's minimum: no figure,
    the number of raters included. Only once the campaign is closed or published."""
    from survey_app.committee import queries as Q

    campaign = Q.campaign_by_code(code)
    if campaign is None or not Q.committee_groups(campaign):
        raise click.BadParameter(f"no committee evaluation {code!r}", param_hint="--campaign")
    _refuse_unreleased(campaign)
    frame = Q.people_results(campaign).reset_index(drop=True)
    frame["suppressed"] = frame["suppressed"].map({True: "true", False: "false"})
    _write_frame(frame, fmt, out, title=f"{campaign.name} 委员评议结果")


def _refuse_unreleased(campaign) -> None:
    from survey_app.release_policy import figures_released

    if not figures_released(campaign):
        raise click.ClickException(
            f"campaign {campaign.code} is {campaign.status}: no figure is released while "
            "answers still arrive, only once it is closed (docs/anonymity.md, release policy)")


def _released_campaign(code: str, unit_code: str | None, group: str | None):
    """The campaign, and the unit whose subtree to report (its owner's by default), for a
    report command: unknown codes are bad parameters, unreleased figures an error."""
    from survey_app.reports import queries as U

    campaign = U.campaign_by_code(code)
    if campaign is None:
        raise click.BadParameter(f"unknown campaign {code!r}", param_hint="--campaign")
    org = U.org_by_code(unit_code) if unit_code else U.default_root(None, campaign)
    if org is None:
        raise click.BadParameter(f"unknown unit {unit_code!r}", param_hint="--unit")
    if group is not None and group not in {g.key for g in campaign.rater_groups}:
        raise click.BadParameter(f"unknown rater group {group!r}", param_hint="--group")
    _refuse_unreleased(campaign)
    return campaign, org


def _write_frame(frame, fmt: str, out: Path | None, title: str) -> None:
    """A table as CSV (standard output without --out) or as a one-sheet workbook."""
    from analysis import exports

    if fmt == "csv":
        text = "".join(exports.csv_chunks(frame, bom=out is not None))
        if out is None:
            click.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
        return
    if out is None:
        raise click.BadParameter("xlsx needs --out", param_hint="--out")
    exports.write_xlsx(exports.Ledger(title=title, cover=[("", title)],
                                      sheets=[exports.Sheet(name="people", frame=frame)]), out)
    click.echo(f"{out} (xlsx) written")


@report.command("ranks")
@click.option("--campaign", "code", required=True, help="Campaign code, e.g. DEMO-MEMBER-2025.")
@click.option("--format", "fmt", type=click.Choice(("csv",)), default="csv", show_default=True)
@click.option("--unit", "unit_code", default=None, help="Rank the targets of this subtree.")
@click.option("--group", default=None, help="Only this rater group's responses.")
@click.option("--level", default=None, help="Only units of this kind (e.g. grassroots_union).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output file (default: standard output).")
@with_appcontext
def ranks(code: str, fmt: str, unit_code: str | None, group: str | None, level: str | None,
          out: Path | None) -> None:
    """The ranked list of the ranks page: unit_code, n, index, index_shrunk, rank,
    rank_low, rank_high (published units only; the same bootstrap seed as the page)."""
    from survey_app.reports import queries as U
    from survey_app.reports.ranks import ranked_units, ranks_export

    campaign, org = _released_campaign(code, unit_code, group)
    rep = U.campaign_report(campaign, group, language="zh")
    ranked = None if rep is None else ranked_units(rep, org, level)
    if ranked is None:
        raise click.ClickException(f"campaign {code}: fewer than two published units to rank")
    _write_frame(ranks_export(ranked), fmt, out, title=f"{campaign.name} 排名")
