"""Load and validate questionnaire YAML into typed objects, reporting every error."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .building import build, parse_scales
from .checking import Checker, QuestionnaireError, ValidationError, line_of
from .model import Questionnaire, Scale
from .yamlio import MAX_BYTES, YamlProblem, load_yaml

__all__ = [
    "QuestionnaireError", "ValidationError", "build_questionnaire", "library", "library_dir",
    "library_scales", "load_questionnaire", "load_questionnaire_text", "validate_paths",
]


@functools.cache
def _library_scales() -> Mapping[str, Scale]:
    path = library_dir() / "scales.yaml"
    c = Checker(path.name, require_en=True)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except YamlProblem as exc:
        raise QuestionnaireError([ValidationError(path.name, exc.line, "", exc.message)]) from None
    d = c.mapping(data, "", None, "scales.yaml")
    scales: dict[str, Scale] = {}
    if d is not None:
        c.keys(d, {"scales"}, "", "scales.yaml")
        scales = parse_scales(c, d.get("scales"), "scales", line_of(d, "scales"))
    if c.errors:
        raise QuestionnaireError(c.errors)
    return MappingProxyType(scales)


def library_scales() -> Mapping[str, Scale]:
    """The shared scales of ``library/scales.yaml``."""
    return _library_scales()


def build_questionnaire(data: Any, filename: str = "<dict>", *,
                        shared_scales: Mapping[str, Scale] | None = None,
                        require_en: bool = False) -> Questionnaire:
    """Validate a YAML-shaped dict and build the :class:`Questionnaire`.

    ``shared_scales`` defaults to the library scales; pass ``{}`` for a self-contained dict.
    """
    shared = library_scales() if shared_scales is None else shared_scales
    return build(data, filename, shared_scales=shared, require_en=require_en, make=Questionnaire)


def load_questionnaire_text(text: str | bytes, filename: str = "<upload>", *,
                            require_en: bool = False) -> Questionnaire:
    """Parse and validate YAML text; raise :class:`QuestionnaireError` listing all errors."""
    try:
        data = load_yaml(text)
    except YamlProblem as exc:
        raise QuestionnaireError([ValidationError(filename, exc.line, "", exc.message)]) from None
    return build_questionnaire(data, filename, require_en=require_en)


def library_dir() -> Path:
    """The folder of the default library (``questionnaires/library``)."""
    return Path(__file__).resolve().parent / "library"


def _in_library(path: Path) -> bool:
    try:
        path.resolve().relative_to(library_dir())
    except ValueError:
        return False
    return True


def load_questionnaire(path: str | Path, *, require_en: bool | None = None) -> Questionnaire:
    """Load one YAML file. English labels are required for files in the library."""
    path = Path(path)
    name = path.name
    if require_en is None:
        require_en = _in_library(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise QuestionnaireError([ValidationError(name, None, "", f"cannot read: {exc}")]) from None
    if size > MAX_BYTES:
        raise QuestionnaireError(
            [ValidationError(name, None, "", f"file too large ({size} bytes, limit {MAX_BYTES})")])
    return load_questionnaire_text(path.read_bytes(), name, require_en=require_en)


def _yaml_files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.suffix not in (".yaml", ".yml") or f.name == "scales.yaml":
                    continue
                if "assessment" in f.relative_to(p).parts[:-1]:
                    continue
                out.append(f)
        else:
            out.append(p)
    return out


def validate_paths(paths: Iterable[str | Path]) -> list[ValidationError]:
    """Validate files and folders (recursing into *.yaml/*.yml, skipping ``scales.yaml`` and
    ``assessment/``); return every error, empty when all are valid."""
    errors: list[ValidationError] = []
    for f in _yaml_files(paths):
        try:
            load_questionnaire(f)
        except QuestionnaireError as exc:
            errors.extend(exc.errors)
    return errors


def library() -> dict[str, Questionnaire]:
    """Every questionnaire of the default library, by key."""
    out: dict[str, Questionnaire] = {}
    for f in _yaml_files([library_dir()]):
        q = load_questionnaire(f, require_en=True)
        out[q.key] = q
    return out
