"""``flask questionnaire validate|list|publish|import-xlsform|export-xlsform``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext
from sqlalchemy import select

from questionnaires import (
    Questionnaire,
    QuestionnaireError,
    ValidationError,
    build_questionnaire,
    dump_yaml,
    library,
    validate_paths,
)
from questionnaires.xlsform import export_xlsform, import_xlsform
from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion
from survey_app.questionnaire_versions import publish_questionnaire, questionnaire_of


@click.group("questionnaire", help="Questionnaire definitions: validate, list, publish, XLSForm.")
def questionnaire() -> None:
    pass


def _say(error: ValidationError) -> str:
    """An error in the command line's language (``PINGJIA_LANG``: Chinese unless ``en``)."""
    return error.translated(gettext)


@questionnaire.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def validate(paths: tuple[Path, ...]) -> None:
    """Validate files or folders; print every error and exit 1 if any is found."""
    errors = validate_paths(paths)
    for error in errors:
        click.echo(_say(error), err=True)
    if errors:
        click.echo(f"{len(errors)} error(s)", err=True)
        raise click.exceptions.Exit(1)
    click.echo("ok")


def _describe(q: Questionnaire) -> str:
    fields = len(q.fields())
    scored = len(q.scored_items())
    return (f"{q.key:28} {q.version:10} {fields:3} fields {scored:3} scored "
            f"{len(q.dimension_weights()):2} dimensions  {q.title.zh}")


@questionnaire.command("list")
@with_appcontext
def list_command() -> None:
    """The library's questionnaires, then the published versions in the database."""
    click.echo("library:")
    for _key, q in sorted(library().items()):
        click.echo("  " + _describe(q))
    click.echo("published:")
    for version in db.session.scalars(
        select(QuestionnaireVersion).order_by(QuestionnaireVersion.key, QuestionnaireVersion.id)
    ):
        click.echo(f"  {version.key:28} {version.version:10} {version.content_hash[:12]}  "
                   f"{version.published_at:%Y-%m-%d}")


@questionnaire.command("publish")
@click.argument("key_or_file")
@with_appcontext
def publish(key_or_file: str) -> None:
    """Publish a library questionnaire (by KEY) or a YAML file as an immutable version."""
    q = _resolve(key_or_file)
    before = db.session.scalar(select(QuestionnaireVersion.id).where(
        QuestionnaireVersion.content_hash == q.content_hash()))
    version = publish_questionnaire(q)
    db.session.commit()
    state = "already published" if before else "published"
    click.echo(f"{state}: {version.key} {version.version} {version.content_hash}")


def _resolve(key_or_file: str) -> Questionnaire:
    path = Path(key_or_file)
    if path.suffix in {".yaml", ".yml"} and path.exists():
        from questionnaires import load_questionnaire

        try:
            return load_questionnaire(path)
        except QuestionnaireError as failure:
            for error in failure.errors:
                click.echo(_say(error), err=True)
            raise click.exceptions.Exit(1) from None
    found = library().get(key_or_file)
    if found is not None:
        return found
    stored = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.key == key_or_file).order_by(QuestionnaireVersion.id.desc()))
    if stored is not None:
        return questionnaire_of(stored)
    raise click.UsageError(f"no questionnaire {key_or_file!r} in the library or the database")


@questionnaire.command("import-xlsform")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def import_command(file: Path, out: Path) -> None:
    """Convert an XLSForm (KoboToolbox/ODK) into our YAML; rejected rows are named."""
    try:
        data = import_xlsform(file)
        build_questionnaire(data, file.name)
    except QuestionnaireError as failure:
        for error in failure.errors:
            click.echo(_say(error), err=True)
        raise click.exceptions.Exit(1) from None
    out.write_text(dump_yaml(data), encoding="utf-8")
    click.echo(f"wrote {out}")


@questionnaire.command("export-xlsform")
@click.argument("key")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(key: str, out: Path) -> None:
    """Write a questionnaire (library KEY, or a published key) as an XLSForm."""
    q = _resolve(key)
    try:
        export_xlsform(q, out)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {out}")
