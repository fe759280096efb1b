"""``flask assessment ...``: performance assessment (绩效考核) from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from questionnaires.assessment import SchemeError, load_scheme, schemes
from survey_app.assessment.operations import (
    InputsImportFailed,
    compute,
    import_inputs,
    publish,
)
from survey_app.assessment.queries import EXPORT_FORMATS, export_bytes, get_run
from survey_app.assessment.queries import load_scheme as shipped_scheme
from survey_app.cli.common import actor, run_steps
from survey_app.errors import DomainError
from survey_app.extensions import db


def _scheme(key: str):
    try:
        return shipped_scheme(key)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None


def _overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        slot, sep, code = pair.partition("=")
        if not sep or not slot:
            raise click.BadParameter(f"{pair!r}: use SLOT=CODE, e.g. member=DEMO-MEMBER-2026",
                                     param_hint="--campaign")
        out[slot.strip()] = code.strip()
    return out


@click.group("assessment", help="Performance assessment (绩效考核): compute, export, publish.")
def assessment() -> None:
    pass


@assessment.command("schemes")
def schemes_command() -> None:
    """List the shipped schemes (key, version, content hash)."""
    try:
        found = schemes()
    except SchemeError as exc:
        raise click.ClickException(str(exc)) from None
    for key, s in sorted(found.items()):
        click.echo(f"{key}\t{s.version}\t{s.content_hash[:12]}\t{s.name.zh}")


@assessment.command("validate")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_command(files: tuple[Path, ...]) -> None:
    """Validate scheme FILES; print every error with its line."""
    failed = False
    for f in files:
        try:
            s = load_scheme(f)
        except SchemeError as exc:
            failed = True
            for e in exc.errors:
                click.echo(str(e), err=True)
        else:
            click.echo(f"{f.name}: ok ({s.key}, {s.content_hash[:12]})")
    if failed:
        raise click.exceptions.Exit(1)


@assessment.command("import-inputs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--scheme", "scheme_key", required=True)
@click.option("--year", type=int, required=True)
@click.option("--by", "username", default=None,
              help="Enter as this account (its authorisation applies and is audited).")
@with_appcontext
def import_inputs_command(file: Path, scheme_key: str, year: int, username: str | None) -> None:
    """Enter objective indicators and veto findings from FILE (CSV or XLSX; columns
    unit_code,indicator,value,note; indicator 'veto:<item>' for a veto finding)."""
    scheme = _scheme(scheme_key)
    try:
        user = actor(username)
        [applied] = run_steps([("导入", lambda: import_inputs(scheme, year, file.read_bytes(),
                                                             file.name, user))], desc=file.name)
    except InputsImportFailed as failure:
        db.session.rollback()
        for problem in failure.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        raise click.exceptions.Exit(1) from None
    db.session.commit()
    click.echo(f"entered {applied} inputs for {scheme.key} {year}")


@assessment.command("compute")
@click.option("--scheme", "scheme_key", required=True, help="Scheme key, e.g. default.")
@click.option("--year", type=int, required=True)
@click.option("--campaign", "campaigns", multiple=True, metavar="SLOT=CODE",
              help="Use this campaign for a scheme slot (repeatable; SLOT= for none). Without "
                   "it, the choices of the previous computation are kept; by default a slot "
                   "takes the assessing union's own campaign.")
@click.option("--by", "username", default=None, help="Account recorded in the audit log.")
@with_appcontext
def compute_command(scheme_key: str, year: int, campaigns: tuple[str, ...],
                    username: str | None) -> None:
    """Compute and store the assessment of a year (replaces an earlier computation)."""
    scheme = _scheme(scheme_key)
    try:
        run = compute(scheme, year, user=actor(username), overrides=_overrides(campaigns) or None)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for slot, prov in sorted(run.provenance["campaigns"].items()):
        if prov is None:
            click.echo(f"{slot}: no campaign in {year} — its indicators are missing", err=True)
        else:
            click.echo(f"{slot}: {prov['code']} ({prov['status']}, {prov['responses']} responses)")
    counts: dict[str, int] = {}
    for r in run.results:
        counts[r.grade or r.status] = counts.get(r.grade or r.status, 0) + 1
    click.echo(f"computed {scheme.key} {year}: {run.unit_count} units; "
               + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
               + f"; digest {run.results_digest[:12]}")


@assessment.command("export")
@click.option("--scheme", "scheme_key", required=True)
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (default: standard output).")
@with_appcontext
def export_command(scheme_key: str, year: int, fmt: str, out: Path | None) -> None:
    """Write the stored results: one row per unit with every indicator's points."""
    scheme = _scheme(scheme_key)
    run = get_run(scheme.key, year)
    if run is None:
        raise click.ClickException(f"no computed assessment {scheme.key} {year}: run compute")
    data = export_bytes(scheme, run, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        click.echo(f"wrote {out} ({run.unit_count} units)", err=True)


@assessment.command("publish")
@click.option("--scheme", "scheme_key", required=True)
@click.option("--year", type=int, required=True)
@click.option("--by", "username", default=None)
@with_appcontext
def publish_command(scheme_key: str, year: int, username: str | None) -> None:
    """Publish a computed assessment: each unit's own admins can then see its results."""
    run = get_run(_scheme(scheme_key).key, year)
    if run is None:
        raise click.ClickException(f"no computed assessment {scheme_key} {year}")
    publish(run, actor(username))
    db.session.commit()
    click.echo(f"published {scheme_key} {year}")
