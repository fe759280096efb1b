"""One checker for YAML definitions (questionnaires, assessment schemes): every error is
collected with its file, line and path, so a person can fix them all in one pass.

The checker reads what :func:`questionnaires.yamlio.load_yaml` returns: mappings and lists
that remember the line of each key and item. Plain dicts work too (lines are then ``None``).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .parts import Text
from .vocabulary import N_

ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT_LENGTH = 10_000


class Term(str):
    """A word of the definition language inside a message ("a question", "section id"),
    translated with the message that holds it."""

    __slots__ = ()


#: The terms the checkers pass to their messages, marked for the app's catalogue.
TERMS = (N_("a question"), N_("a section"), N_("a scale"), N_("a scale point"),
         N_("a choice"), N_("a matrix item"), N_("a checklist item"), N_("the questionnaire"),
         N_("a questionnaire file"), N_("key"), N_("question id"), N_("section id"),
         N_("item id"), N_("questionnaire key"), N_("a question of this type"))


class Msg(str):
    """A checker's message: English text (what the command line prints), which also keeps
    its template and values so that the app can show it in the page's language.

    ``Msg(N_("unknown scale %(scale)r"), scale="sat9")`` is the text "unknown scale 'sat9'";
    :meth:`translate` formats the translated template with the same values, translating
    the values that are :class:`Term` words.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Msg:
        out = super().__new__(cls, template % params if params else template)
        out.template, out.params = template, params
        return out

    def translate(self, gettext: Callable[[str], str]) -> str:
        values = {k: gettext(v) if isinstance(v, Term) else v for k, v in self.params.items()}
        text = gettext(self.template)
        return text % values if values else text


@dataclass(frozen=True)
class ValidationError:
    """One problem a person can fix: where (file, line, path) and what."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        return self.located(self.message)

    def located(self, message: str) -> str:
        """``message`` with the error's file, line and path in front."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.path}: {message}" if self.path else f"{where}: {message}"

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The error in the language of ``gettext`` (English text when it has no template)."""
        message = self.message
        return self.located(message.translate(gettext) if isinstance(message, Msg)
                            else message)


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
                message = (Msg(N_("unknown key '%(key)s' in %(what)s (did you mean "
                                  "'%(near)s'?)"), key=k, what=Term(what), near=near[0])
                           if near else Msg(N_("unknown key '%(key)s' in %(what)s"), key=k,
                                            what=Term(what)))
                self.err(join(path, k), line_of(d, k), message)
        for k in sorted(set(required) - set(d)):
            self.err(join(path, k), line_of(d), Msg(N_("missing '%(key)s'"), key=k))

    def mapping(self, value: Any, path: str, line: int | None, what: str) -> dict | None:
        if not isinstance(value, dict):
            self.err(path, line, Msg(N_("%(what)s must be a mapping"), what=Term(what)))
            return None
        return value

    def seq(self, d: Mapping, key: str, path: str, *, required: bool = True) -> list:
        """``d[key]`` as a list; ``[]`` when it is absent or not a list."""
        if key not in d or d[key] is None:
            if required:
                self.err(join(path, key), line_of(d), Msg(N_("missing '%(key)s'"), key=key))
            return []
        v = d[key]
        if not isinstance(v, list):
            self.err(join(path, key), line_of(d, key), Msg(N_("must be a list")))
            return []
        return v

    def text(self, d: Mapping, key: str, path: str, *, required: bool = True) -> Text | None:
        """A bilingual text: a plain string (Chinese only) or a mapping ``{zh, en}``."""
        p = join(path, key)
        line = line_of(d, key)
        if key not in d or d[key] is None:
            if required:
                self.err(p, line_of(d), Msg(N_("missing '%(key)s'"), key=key))
            return None
        v = d[key]
        if isinstance(v, str):
            zh, en = v, ""
        elif isinstance(v, dict):
            for k in v:
                if k not in ("zh", "en"):
                    self.err(join(p, k), line_of(v, k),
                        Msg(N_("unknown language '%(lang)s' (use zh, en)"), lang=k))
            zh, en = v.get("zh"), v.get("en", "")
            en = "" if en is None else en
        else:
            self.err(p, line, Msg(N_("must be a text or a mapping {zh, en}")))
            return None
        ok = True
        if not isinstance(zh, str) or not zh.strip():
            self.err(join(p, "zh"), line, Msg(N_("missing zh (Chinese) text")))
            ok = False
        if not isinstance(en, str):
            self.err(join(p, "en"), line, Msg(N_("en must be text")))
            ok = False
        elif self.require_en and not en.strip():
            self.err(join(p, "en"), line, Msg(N_("missing en (English) text")))
        if len(str(zh)) > MAX_TEXT_LENGTH or len(str(en)) > MAX_TEXT_LENGTH:
            self.err(p, line, Msg(N_("text longer than %(n)d characters"),
                                       n=MAX_TEXT_LENGTH))
        return Text(zh.strip(), en.strip()) if ok else None

    def boolean(self, d: Mapping, key: str, path: str, default: bool) -> bool:
        if key not in d:
            return default
        v = d[key]
        if not isinstance(v, bool):
            self.err(join(path, key), line_of(d, key), Msg(N_("must be true or false")))
            return default
        return v

    def number(self, d: Mapping, key: str, path: str, *, default: Any = None,
               positive: bool = False, lo: float | None = None, hi: float | None = None,
               integer: bool = False, required: bool = False) -> Any:
        """A finite number (an int when ``integer``), optionally positive or in [lo, hi]."""
        p = join(path, key)
        if key not in d or d[key] is None:
            if required:
                self.err(p, line_of(d), Msg(N_("missing '%(key)s'"), key=key))
            return default
        v = d[key]
        line = line_of(d, key)
        if not is_number(v) or (integer and not isinstance(v, int)):
            self.err(p, line, Msg(N_("must be an integer")) if integer
                     else Msg(N_("must be a number")))
            return default
        if positive and v <= 0:
            self.err(p, line, Msg(N_("must be positive, got %(value)s"), value=v))
            return default
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.err(p, line, Msg(N_("must be between %(lo)s and %(hi)s, got %(value)s"),
                                  lo=lo, hi=hi, value=v) if hi is not None
                     else Msg(N_("must be at least %(lo)s, got %(value)s"), lo=lo, value=v))
            return default
        return v

    def ident(self, d: Mapping, key: str, path: str, what: str = "key", *,
              required: bool = True) -> str | None:
        """An id: lower-case letters, digits and ``_``, starting with a letter, at most 40."""
        v = d.get(key)
        if v is None:
            if required:
                self.err(join(path, key), line_of(d),
                         Msg(N_("missing %(what)s '%(key)s'"), what=Term(what), key=key))
            return None
        if not isinstance(v, str) or not ID_RE.match(v):
            self.err(
                join(path, key),
                line_of(d, key),
                Msg(N_("invalid %(what)s %(value)r: use lower-case letters, digits and '_', "
                       "starting with a letter, at most 40 characters"), what=Term(what),
                    value=v),
            )
            return None
        return v
