"""One checker for YAML definitions (questionnaires, assessment schemes): every error is
collected with its file, line and path, so a person can fix them all in one pass.

The checker reads what :func:`questionnaires.yamlio.load_yaml` returns: mappings and lists
that remember the line of each key and item. Plain dicts work too (lines are then ``None``).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .parts import Text

ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT_LENGTH = 10_000


@dataclass(frozen=True)
class ValidationError:
    """One problem a person can fix: where (file, line, path) and what."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class QuestionnaireError(ValueError):
    """Raised by the loaders; ``errors`` holds every :class:`ValidationError` found."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = list(errors)
        lines = [str(e) for e in self.errors]
        super().__init__("\n".join(lines) if lines else "invalid questionnaire")


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of ``container[key]`` (a mapping key or a list item), else of ``container``."""
    if key is not None:
        if isinstance(container, dict) and hasattr(container, "key_lines"):
            return container.key_lines.get(key, container.line)
        if isinstance(container, list) and hasattr(container, "item_lines"):
            if isinstance(key, int) and 0 <= key < len(container.item_lines):
                return container.item_lines[key]
            return container.line
    return getattr(container, "line", None)


def join(path: str, key: Any) -> str:
    """The path of ``key`` under ``path``: ``a.b`` for a key, ``a[0]`` for an index."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def is_number(v: Any) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


class Checker:
    """Reads values out of a parsed YAML definition, recording an error for each bad one.

    Each reader returns the value when it is acceptable, else ``None`` (or the default) after
    recording a :class:`ValidationError` with the value's line, so one pass reports every
    problem. ``require_en`` makes English texts mandatory (the shipped library).
    """

    def __init__(self, filename: str, *, require_en: bool = False):
        self.file = filename
        self.require_en = require_en
        self.errors: list[ValidationError] = []

    def err(self, path: str, line: int | None, message: str) -> None:
        self.errors.append(ValidationError(self.file, line, path, message))

    def keys(self, d: Mapping, allowed: Collection[str], path: str, what: str, *,
             required: Collection[str] = ()) -> None:
        """Report unknown keys (with a "did you mean" hint) and missing required ones."""
        for k in d:
            if k not in allowed:
                near = difflib.get_close_matches(str(k), sorted(allowed), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                self.err(join(path, k), line_of(d, k), f"unknown key '{k}' in {what}{hint}")
        for k in sorted(set(required) - set(d)):
            self.err(join(path, k), line_of(d), f"missing '{k}'")

    def mapping(self, value: Any, path: str, line: int | None, what: str) -> dict | None:
        if not isinstance(value, dict):
            self.err(path, line, f"{what} must be a mapping")
            return None
        return value

    def seq(self, d: Mapping, key: str, path: str, *, required: bool = True) -> list:
        """``d[key]`` as a list; ``[]`` when it is absent or not a list."""
        if key not in d or d[key] is None:
            if required:
                self.err(join(path, key), line_of(d), f"missing '{key}'")
            return []
        v = d[key]
        if not isinstance(v, list):
            self.err(join(path, key), line_of(d, key), "must be a list")
            return []
        return v

    def text(self, d: Mapping, key: str, path: str, *, required: bool = True) -> Text | None:
        """A bilingual text: a plain string (Chinese only) or a mapping ``{zh, en}``."""
        p = join(path, key)
        line = line_of(d, key)
        if key not in d or d[key] is None:
            if required:
                self.err(p, line_of(d), f"missing '{key}'")
            return None
        v = d[key]
        if isinstance(v, str):
            zh, en = v, ""
        elif isinstance(v, dict):
            for k in v:
                if k not in ("zh", "en"):
                    self.err(join(p, k), line_of(v, k), f"unknown language '{k}' (use zh, en)")
            zh, en = v.get("zh"), v.get("en", "")
            en = "" if en is None else en
        else:
            self.err(p, line, "must be a text or a mapping {zh, en}")
            return None
        ok = True
        if not isinstance(zh, str) or not zh.strip():
            self.err(join(p, "zh"), line, "missing zh (Chinese) text")
            ok = False
        if not isinstance(en, str):
            self.err(join(p, "en"), line, "en must be text")
            ok = False
        elif self.require_en and not en.strip():
            self.err(join(p, "en"), line, "missing en (English) text")
        if len(str(zh)) > MAX_TEXT_LENGTH or len(str(en)) > MAX_TEXT_LENGTH:
            self.err(p, line, f"text longer than {MAX_TEXT_LENGTH} characters")
        return Text(zh.strip(), en.strip()) if ok else None

    def boolean(self, d: Mapping, key: str, path: str, default: bool) -> bool:
        if key not in d:
            return default
        v = d[key]
        if not isinstance(v, bool):
            self.err(join(path, key), line_of(d, key), "must be true or false")
            return default
        return v

    def number(self, d: Mapping, key: str, path: str, *, default: Any = None,
               positive: bool = False, lo: float | None = None, hi: float | None = None,
               integer: bool = False, required: bool = False) -> Any:
        """A finite number (an int when ``integer``), optionally positive or in [lo, hi]."""
        p = join(path, key)
        if key not in d or d[key] is None:
            if required:
                self.err(p, line_of(d), f"missing '{key}'")
            return default
        v = d[key]
        line = line_of(d, key)
        if not is_number(v) or (integer and not isinstance(v, int)):
            self.err(p, line, "must be an integer" if integer else "must be a number")
            return default
        if positive and v <= 0:
            self.err(p, line, f"must be positive, got {v}")
            return default
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.err(p, line, f"must be between {lo} and {hi}, got {v}" if hi is not None
                     else f"must be at least {lo}, got {v}")
            return default
        return v

    def ident(self, d: Mapping, key: str, path: str, what: str = "key", *,
              required: bool = True) -> str | None:
        """An id: lower-case letters, digits and ``_``, starting with a letter, at most 40."""
        v = d.get(key)
        if v is None:
            if required:
                self.err(join(path, key), line_of(d), f"missing {what} '{key}'")
            return None
        if not isinstance(v, str) or not ID_RE.match(v):
            self.err(
                join(path, key),
                line_of(d, key),
                f"invalid {what} {v!r}: use lower-case letters, digits and '_', "
                "starting with a letter, at most 40 characters",
            )
            return None
        return v
