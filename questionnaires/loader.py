"""Load and validate questionnaire YAML into typed objects, reporting every error."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import expressions
from .model import (
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    EVIDENCE_SUFFIX,
    NA_CODE,
    QUESTION_TYPES,
    ChecklistItem,
    Choice,
    MatrixItem,
    Question,
    Questionnaire,
    Scale,
    ScalePoint,
    Section,
    Text,
)
from .yamlio import MAX_BYTES, YamlProblem, load_yaml

ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,39}$")
WEIGHT_TOLERANCE = 1e-6
MAX_TEXT_LENGTH = 10_000

TOP_KEYS = {"key", "version", "title", "description", "sections", "scales", "choice_lists",
            "satisfied"}
SECTION_KEYS = {"id", "title", "weight", "questions"}
SCALE_KEYS = {"label", "points", "satisfied", "na"}
POINT_KEYS = {"code", "value", "label"}
CHOICE_KEYS = {"code", "label"}
MATRIX_ITEM_KEYS = {"id", "label", "reverse", "weight"}
CHECKLIST_ITEM_KEYS = {"id", "label", "points", "evidence", "veto"}
COMMON_KEYS = {"id", "type", "label", "hint", "required", "relevant"}
TYPE_KEYS = {
    "likert": {"scale", "reverse", "weight"},
    "matrix": {"scale", "reverse", "weight", "items"},
    "single": {"choices"},
    "multiple": {"choices", "min_choices", "max_choices"},
    "rating": set(),
    "number": {"min", "max", "integer"},
    "text": {"max_length"},
    "ranking": {"choices"},
    "checklist": {"items"},
    "note": set(),
}


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
    """Raised by the loader; ``errors`` holds every :class:`ValidationError` found."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = list(errors)
        lines = [str(e) for e in self.errors]
        super().__init__("\n".join(lines) if lines else "invalid questionnaire")


def _line_of(container: Any, key: Any = None) -> int | None:
    if key is not None:
        if isinstance(container, dict) and hasattr(container, "key_lines"):
            return container.key_lines.get(key, container.line)
        if isinstance(container, list) and hasattr(container, "item_lines"):
            if isinstance(key, int) and 0 <= key < len(container.item_lines):
                return container.item_lines[key]
            return container.line
    return getattr(container, "line", None)


class _Checker:
    def __init__(self, filename: str, require_en: bool):
        self.file = filename
        self.require_en = require_en
        self.errors: list[ValidationError] = []

    def err(self, path: str, line: int | None, message: str) -> None:
        self.errors.append(ValidationError(self.file, line, path, message))

    def keys(self, d: Mapping, allowed: set[str], path: str, what: str) -> None:
        for k in d:
            if k not in allowed:
                near = difflib.get_close_matches(str(k), sorted(allowed), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                self.err(_join(path, k), _line_of(d, k), f"unknown key '{k}' in {what}{hint}")

    def mapping(self, value: Any, path: str, line: int | None, what: str) -> dict | None:
        if not isinstance(value, dict):
            self.err(path, line, f"{what} must be a mapping")
            return None
        return value

    def text(self, d: Mapping, key: str, path: str, *, required: bool = True) -> Text | None:
        p = _join(path, key)
        line = _line_of(d, key)
        if key not in d or d[key] is None:
            if required:
                self.err(p, _line_of(d), f"missing '{key}'")
            return None
        v = d[key]
        if isinstance(v, str):
            zh, en = v, ""
        elif isinstance(v, dict):
            for k in v:
                if k not in ("zh", "en"):
                    self.err(_join(p, k), _line_of(v, k), f"unknown language '{k}' (use zh, en)")
            zh, en = v.get("zh"), v.get("en", "")
            en = "" if en is None else en
        else:
            self.err(p, line, "must be a text or a mapping {zh, en}")
            return None
        ok = True
        if not isinstance(zh, str) or not zh.strip():
            self.err(_join(p, "zh"), line, "missing zh (Chinese) text")
            ok = False
        if not isinstance(en, str):
            self.err(_join(p, "en"), line, "en must be text")
            ok = False
        elif self.require_en and not en.strip():
            self.err(_join(p, "en"), line, "missing en (English) text")
        if len(str(zh)) > MAX_TEXT_LENGTH or len(str(en)) > MAX_TEXT_LENGTH:
            self.err(p, line, f"text longer than {MAX_TEXT_LENGTH} characters")
        return Text(zh.strip(), en.strip()) if ok else None

    def boolean(self, d: Mapping, key: str, path: str, default: bool) -> bool:
        if key not in d:
            return default
        v = d[key]
        if not isinstance(v, bool):
            self.err(_join(path, key), _line_of(d, key), "must be true or false")
            return default
        return v

    def number(self, d: Mapping, key: str, path: str, *, default=None, positive=False,
               integer=False):
        if key not in d or d[key] is None:
            return default
        v = d[key]
        ok_type = (int,) if integer else (int, float)
        if isinstance(v, bool) or not isinstance(v, ok_type) or (
            isinstance(v, float) and not math.isfinite(v)
        ):
            kind = "an integer" if integer else "a number"
            self.err(_join(path, key), _line_of(d, key), f"must be {kind}")
            return default
        if positive and v <= 0:
            self.err(_join(path, key), _line_of(d, key), f"must be positive, got {v}")
            return default
        return v

    def ident(self, d: Mapping, key: str, path: str, what: str) -> str | None:
        v = d.get(key)
        if v is None:
            self.err(_join(path, key), _line_of(d), f"missing {what} '{key}'")
            return None
        if not isinstance(v, str) or not ID_RE.match(v):
            self.err(
                _join(path, key),
                _line_of(d, key),
                f"invalid {what} {v!r}: use lower-case letters, digits and '_', "
                "starting with a letter, at most 40 characters",
            )
            return None
        return v


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _parse_scale(c: _Checker, sid: str, raw: Any, path: str, line: int | None) -> Scale | None:
    d = c.mapping(raw, path, line, f"scale '{sid}'")
    if d is None:
        return None
    c.keys(d, SCALE_KEYS, path, "a scale")
    label = c.text(d, "label", path) or Text(sid, sid)
    pts_raw = d.get("points")
    points: list[ScalePoint] = []
    if not isinstance(pts_raw, list) or len(pts_raw) < 2:
        c.err(_join(path, "points"), _line_of(d, "points"), "a scale needs at least 2 points")
        pts_raw = pts_raw if isinstance(pts_raw, list) else []
    seen_codes: set[str] = set()
    seen_values: set[int] = set()
    for i, praw in enumerate(pts_raw):
        pp = f"{path}.points[{i}]"
        pd = c.mapping(praw, pp, _line_of(pts_raw, i), "a scale point")
        if pd is None:
            continue
        c.keys(pd, POINT_KEYS, pp, "a scale point")
        code = pd.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            c.err(_join(pp, "code"), _line_of(pd, "code"), f"invalid point code {code!r}")
            continue
        if code == NA_CODE:
            c.err(_join(pp, "code"), _line_of(pd, "code"),
                  "'na' is reserved: set 'na: true' on the scale instead")
            continue
        if code in seen_codes:
            c.err(_join(pp, "code"), _line_of(pd, "code"), f"duplicate point code '{code}'")
        seen_codes.add(code)
        value = pd.get("value")
        if isinstance(value, bool) or not isinstance(value, int):
            c.err(_join(pp, "value"), _line_of(pd, "value") or _line_of(pd),
                  "point value must be an integer")
            continue
        if value in seen_values:
            c.err(_join(pp, "value"), _line_of(pd, "value"), f"duplicate point value {value}")
        seen_values.add(value)
        plabel = c.text(pd, "label", pp)
        if plabel is not None:
            points.append(ScalePoint(code, value, plabel))
    sat_raw = d.get("satisfied")
    satisfied = _satisfied_codes(c, sat_raw, seen_codes, _join(path, "satisfied"),
                                 _line_of(d, "satisfied") or _line_of(d))
    na = c.boolean(d, "na", path, False)
    if len(points) < 2 or satisfied is None:
        return None
    return Scale(sid, label, tuple(points), satisfied, na)


def _satisfied_codes(c: _Checker, raw: Any, codes: set[str], path: str,
                     line: int | None) -> frozenset[str] | None:
    if not isinstance(raw, list) or not raw:
        c.err(path, line, "a scale needs at least one satisfied point ('satisfied: [codes]')")
        return None
    ok = True
    for i, code in enumerate(raw):
        if not isinstance(code, str) or code not in codes:
            c.err(f"{path}[{i}]", _line_of(raw, i), f"unknown point code {code!r}")
            ok = False
    return frozenset(raw) if ok else None


def _parse_scales(c: _Checker, raw: Any, path: str, line: int | None) -> dict[str, Scale]:
    out: dict[str, Scale] = {}
    d = c.mapping(raw, path, line, "'scales'")
    if d is None:
        return out
    for sid, sraw in d.items():
        if not isinstance(sid, str) or not ID_RE.match(sid):
            c.err(_join(path, sid), _line_of(d, sid), f"invalid scale id {sid!r}")
            continue
        sc = _parse_scale(c, sid, sraw, _join(path, sid), _line_of(d, sid))
        if sc is not None:
            out[sid] = sc
    return out


@functools.cache
def _library_scales() -> Mapping[str, Scale]:
    path = library_dir() / "scales.yaml"
    c = _Checker(path.name, require_en=True)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except YamlProblem as exc:
        raise QuestionnaireError([ValidationError(path.name, exc.line, "", str(exc))]) from None
    d = c.mapping(data, "", None, "scales.yaml")
    scales: dict[str, Scale] = {}
    if d is not None:
        c.keys(d, {"scales"}, "", "scales.yaml")
        scales = _parse_scales(c, d.get("scales"), "scales", _line_of(d, "scales"))
    if c.errors:
        raise QuestionnaireError(c.errors)
    return MappingProxyType(scales)


def library_scales() -> Mapping[str, Scale]:
    """The shared scales of ``library/scales.yaml``."""
    return _library_scales()


def _parse_choices(c: _Checker, raw: Any, path: str, line: int | None) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        c.err(path, line, "choices must be a non-empty list of {code, label}")
        return ()
    out: list[Choice] = []
    seen: set[str] = set()
    for i, craw in enumerate(raw):
        cp = f"{path}[{i}]"
        cd = c.mapping(craw, cp, _line_of(raw, i), "a choice")
        if cd is None:
            continue
        c.keys(cd, CHOICE_KEYS, cp, "a choice")
        code = cd.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if not isinstance(code, str) or not CODE_RE.match(code):
            c.err(_join(cp, "code"), _line_of(cd, "code") or _line_of(cd),
                  f"invalid choice code {code!r}: letters, digits, '_', '.', '-'")
            continue
        if code in seen:
            c.err(_join(cp, "code"), _line_of(cd, "code"), f"duplicate choice code '{code}'")
            continue
        seen.add(code)
        label = c.text(cd, "label", cp)
        if label is not None:
            out.append(Choice(code, label))
    return tuple(out)


class _Build:
    """One validation/build pass over a questionnaire dict."""

    def __init__(self, data: Any, filename: str, shared_scales: Mapping[str, Scale],
                 require_en: bool):
        self.c = _Checker(filename, require_en)
        self.data = data
        self.shared = shared_scales

    def run(self) -> Questionnaire | None:
        c = self.c
        d = c.mapping(self.data, "", None, "a questionnaire file")
        if d is None:
            return None
        c.keys(d, TOP_KEYS, "", "the questionnaire")
        key = c.ident(d, "key", "", "questionnaire key")
        version = d.get("version")
        if version is None:
            c.err("version", _line_of(d), "missing 'version'")
        elif isinstance(version, bool) or not isinstance(version, str | int | float):
            c.err("version", _line_of(d, "version"), "version must be text, e.g. '2025.1'")
            version = None
        else:
            version = str(version)
        title = c.text(d, "title", "")
        description = c.text(d, "description", "", required=False)

        scales = dict(self.shared)
        if "scales" in d:
            scales.update(_parse_scales(c, d["scales"], "scales", _line_of(d, "scales")))
        if "satisfied" in d:
            self._apply_satisfied(d, scales)
        self.scales = scales

        self.choice_lists: dict[str, tuple[Choice, ...]] = {}
        if "choice_lists" in d:
            cl = c.mapping(d["choice_lists"], "choice_lists", _line_of(d, "choice_lists"),
                           "'choice_lists'")
            for name, raw in (cl or {}).items():
                if not isinstance(name, str) or not ID_RE.match(name):
                    c.err(_join("choice_lists", name), _line_of(cl, name),
                          f"invalid choice list name {name!r}")
                    continue
                self.choice_lists[name] = _parse_choices(
                    c, raw, _join("choice_lists", name), _line_of(cl, name))

        self.field_ids: dict[str, str] = {}  # id -> path of first definition
        self.field_order: list[str] = []
        self.used_scales: set[str] = set()
        self.pending_relevant: list[tuple[str, int | None, str, int]] = []

        sections_raw = d.get("sections")
        sections: list[Section] = []
        if not isinstance(sections_raw, list) or not sections_raw:
            c.err("sections", _line_of(d, "sections") or _line_of(d),
                  "a questionnaire needs a non-empty list of sections")
            sections_raw = []
        seen_sections: set[str] = set()
        scored_weights: list[tuple[str, float | None, int | None]] = []
        for i, sraw in enumerate(sections_raw):
            sp = f"sections[{i}]"
            sd = c.mapping(sraw, sp, _line_of(sections_raw, i), "a section")
            if sd is None:
                continue
            c.keys(sd, SECTION_KEYS, sp, "a section")
            sid = c.ident(sd, "id", sp, "section id")
            if sid is not None:
                if sid in seen_sections:
                    c.err(_join(sp, "id"), _line_of(sd, "id"), f"duplicate section id '{sid}'")
                else:
                    self.register(sid, _join(sp, "id"), _line_of(sd, "id"), field=False)
                seen_sections.add(sid)
            stitle = c.text(sd, "title", sp)
            weight = c.number(sd, "weight", sp, positive=True)
            qraw = sd.get("questions")
            questions: list[Question] = []
            if not isinstance(qraw, list) or not qraw:
                c.err(_join(sp, "questions"), _line_of(sd, "questions") or _line_of(sd),
                      "a section needs a non-empty list of questions")
                qraw = []
            for j, raw in enumerate(qraw):
                q = self.question(raw, f"{sp}.questions[{j}]", _line_of(qraw, j))
                if q is not None:
                    questions.append(q)
            has_scored = any(q.type in ("likert", "matrix") for q in questions)
            if has_scored:
                if weight is None and "weight" not in sd:
                    c.err(_join(sp, "weight"), _line_of(sd),
                          "a section with scored items (likert, matrix) needs a 'weight'")
                scored_weights.append((sp, weight, _line_of(sd, "weight")))
            if sid is not None and stitle is not None:
                sections.append(Section(sid, stitle, float(weight or 0.0), tuple(questions)))
        if scored_weights and all(w is not None for _, w, _ in scored_weights):
            total = sum(w for _, w, _ in scored_weights)  # type: ignore[misc]
            if abs(total - 1.0) > WEIGHT_TOLERANCE:
                c.err("sections", _line_of(d, "sections"),
                      f"dimension weights of scored sections must sum to 1, got {total:g} ("
                      + ", ".join(f"{p}={w:g}" for p, w, _ in scored_weights) + ")")

        used = {sid: scales[sid] for sid in sorted(self.used_scales) if sid in scales}
        # Built even when there are errors, so conditions are checked too (all errors at once).
        q = Questionnaire(key or "invalid", version or "", title or Text("?"), description,
                          tuple(sections), MappingProxyType(used))
        self.check_relevant(q)
        if c.errors or key is None or title is None or version is None:
            return None
        return _canonical_relevant(q)

    def _apply_satisfied(self, d: Mapping, scales: dict[str, Scale]) -> None:
        c = self.c
        sat = c.mapping(d["satisfied"], "satisfied", _line_of(d, "satisfied"),
                        "'satisfied' (scale id -> codes)")
        for sid, codes in (sat or {}).items():
            p = _join("satisfied", sid)
            if not isinstance(sid, str) or sid not in scales:
                c.err(p, _line_of(sat, sid), f"unknown scale '{sid}'")
                continue
            base = scales[sid]
            fs = _satisfied_codes(c, codes, {pt.code for pt in base.points}, p,
                                  _line_of(sat, sid))
            if fs is not None:
                scales[sid] = Scale(base.id, base.label, base.points, fs, base.na)

    def register(self, fid: str | None, path: str, line: int | None, field: bool = True) -> None:
        """Claim a name: ids of questions, items and sections share one namespace (XLSForm
        needs unique names); only answerable fields go into ``field_order``."""
        if fid is None:
            return
        if fid in self.field_ids:
            self.c.err(path, line, f"duplicate id '{fid}' (first used at {self.field_ids[fid]})")
            return
        self.field_ids[fid] = path
        if field:
            self.field_order.append(fid)

    def question(self, raw: Any, path: str, line: int | None) -> Question | None:
        c = self.c
        d = c.mapping(raw, path, line, "a question")
        if d is None:
            return None
        qtype = d.get("type")
        if qtype not in QUESTION_TYPES:
            c.err(_join(path, "type"), _line_of(d, "type") or _line_of(d),
                  f"unknown question type {qtype!r}; use one of: " + ", ".join(QUESTION_TYPES))
            c.keys(d, COMMON_KEYS | set().union(*TYPE_KEYS.values()), path, "a question")
            return None
        allowed = COMMON_KEYS | TYPE_KEYS[qtype]
        if qtype == "note":
            allowed = allowed - {"required"}
        c.keys(d, allowed, path, f"a {qtype} question")
        qid = c.ident(d, "id", path, "question id")
        label = c.text(d, "label", path)
        hint = c.text(d, "hint", path, required=False)
        required = c.boolean(d, "required", path, False)
        reverse = c.boolean(d, "reverse", path, False)
        weight = float(c.number(d, "weight", path, default=1.0, positive=True))
        relevant = d.get("relevant")
        if relevant is not None and not isinstance(relevant, str):
            c.err(_join(path, "relevant"), _line_of(d, "relevant"), "relevant must be text")
            relevant = None
        order_index = len(self.field_order)
        self.register(qid, _join(path, "id"), _line_of(d, "id"),
                      field=qtype not in ("matrix", "checklist", "note"))

        scale = None
        if qtype in ("likert", "matrix"):
            scale = d.get("scale")
            if scale is None:
                c.err(_join(path, "scale"), _line_of(d), f"a {qtype} question needs a 'scale'")
            elif not isinstance(scale, str) or scale not in self.scales:
                near = difflib.get_close_matches(str(scale), sorted(self.scales), n=1)
                hint_txt = f" (did you mean '{near[0]}'?)" if near else ""
                c.err(_join(path, "scale"), _line_of(d, "scale"),
                      f"unknown scale {scale!r}{hint_txt}")
                scale = None
            else:
                self.used_scales.add(scale)

        items: list = []
        if qtype == "matrix":
            items = self.matrix_items(d, path, reverse)
        elif qtype == "checklist":
            items = self.checklist_items(d, path)

        choices: tuple[Choice, ...] = ()
        if qtype in CHOICE_TYPES:
            raw_choices = d.get("choices")
            cp, cl = _join(path, "choices"), _line_of(d, "choices") or _line_of(d)
            if isinstance(raw_choices, str):
                if raw_choices not in self.choice_lists:
                    c.err(cp, cl, f"unknown choice list '{raw_choices}'")
                else:
                    choices = self.choice_lists[raw_choices]
            else:
                choices = _parse_choices(c, raw_choices, cp, cl)

        min_choices = max_choices = None
        if qtype == "multiple":
            min_choices = c.number(d, "min_choices", path, integer=True)
            max_choices = c.number(d, "max_choices", path, integer=True)
            for k, v in (("min_choices", min_choices), ("max_choices", max_choices)):
                if v is not None and (v < 0 or (choices and v > len(choices))):
                    c.err(_join(path, k), _line_of(d, k),
                          f"{k} must be between 0 and the number of choices ({len(choices)})")
            if min_choices is not None and max_choices is not None and min_choices > max_choices:
                c.err(_join(path, "min_choices"), _line_of(d, "min_choices"),
                      f"min_choices ({min_choices}) > max_choices ({max_choices})")
            if max_choices == 0:
                c.err(_join(path, "max_choices"), _line_of(d, "max_choices"),
                      "max_choices must be at least 1")

        qmin = qmax = None
        integer = None
        if qtype == "number":
            integer = c.boolean(d, "integer", path, False)
            qmin = c.number(d, "min", path, integer=integer)
            qmax = c.number(d, "max", path, integer=integer)
            if qmin is not None and qmax is not None and qmin > qmax:
                c.err(_join(path, "min"), _line_of(d, "min"), f"min ({qmin}) > max ({qmax})")
        elif qtype == "rating":
            qmin, qmax, integer = 0, 10, True
        max_length = None
        if qtype == "text":
            max_length = c.number(d, "max_length", path, default=DEFAULT_MAX_LENGTH,
                                  positive=True, integer=True)
            if max_length > MAX_TEXT_LENGTH:
                c.err(_join(path, "max_length"), _line_of(d, "max_length"),
                      f"max_length must be at most {MAX_TEXT_LENGTH}")

        if relevant is not None:
            self.pending_relevant.append(
                (_join(path, "relevant"), _line_of(d, "relevant"), relevant, order_index))
        if qid is None or label is None:
            return None
        return Question(
            id=qid, type=qtype, label=label, required=required if qtype != "note" else False,
            relevant=relevant, reverse=reverse, weight=weight, scale=scale,
            items=tuple(items), choices=choices,
            min=float(qmin) if qmin is not None else None,
            max=float(qmax) if qmax is not None else None,
            min_choices=min_choices, max_choices=max_choices, max_length=max_length,
            integer=integer, hint=hint,
        )

    def _items_list(self, d: Mapping, path: str) -> list:
        raw = d.get("items")
        if not isinstance(raw, list) or not raw:
            self.c.err(_join(path, "items"), _line_of(d, "items") or _line_of(d),
                       "needs a non-empty list of items")
            return []
        return raw

    def matrix_items(self, d: Mapping, path: str, reverse: bool) -> list[MatrixItem]:
        c = self.c
        raw = self._items_list(d, path)
        out = []
        for i, iraw in enumerate(raw):
            ip = f"{path}.items[{i}]"
            idd = c.mapping(iraw, ip, _line_of(raw, i), "a matrix item")
            if idd is None:
                continue
            c.keys(idd, MATRIX_ITEM_KEYS, ip, "a matrix item")
            iid = c.ident(idd, "id", ip, "item id")
            self.register(iid, _join(ip, "id"), _line_of(idd, "id"))
            label = c.text(idd, "label", ip)
            rev = c.boolean(idd, "reverse", ip, reverse)
            w = float(c.number(idd, "weight", ip, default=1.0, positive=True))
            if iid and label:
                out.append(MatrixItem(iid, label, rev, w))
        return out

    def checklist_items(self, d: Mapping, path: str) -> list[ChecklistItem]:
        c = self.c
        raw = self._items_list(d, path)
        out = []
        for i, iraw in enumerate(raw):
            ip = f"{path}.items[{i}]"
            idd = c.mapping(iraw, ip, _line_of(raw, i), "a checklist item")
            if idd is None:
                continue
            c.keys(idd, CHECKLIST_ITEM_KEYS, ip, "a checklist item")
            iid = c.ident(idd, "id", ip, "item id")
            self.register(iid, _join(ip, "id"), _line_of(idd, "id"))
            label = c.text(idd, "label", ip)
            if "points" not in idd:
                c.err(_join(ip, "points"), _line_of(idd), "a checklist item needs 'points'")
            points = c.number(idd, "points", ip, positive=True)
            evidence = c.boolean(idd, "evidence", ip, False)
            veto = c.boolean(idd, "veto", ip, False)
            if evidence and iid:
                self.register(iid + EVIDENCE_SUFFIX, _join(ip, "id"), _line_of(idd, "id"))
            if iid and label and points is not None:
                out.append(ChecklistItem(iid, label, float(points), evidence, veto))
        return out

    def check_relevant(self, q: Questionnaire) -> None:
        c = self.c
        for path, line, src, order_index in self.pending_relevant:
            try:
                expr = expressions.parse(src)
            except expressions.ExpressionError as exc:
                c.err(path, line, f"relevant does not parse: {exc}")
                continue
            earlier = set(self.field_order[:order_index])
            for name in sorted(expr.names):
                if name in earlier:
                    continue
                if name in self.field_ids:
                    c.err(path, line, f"relevant refers to '{name}', which is not an earlier "
                                      "question (conditions may only use earlier answers)")
                else:
                    c.err(path, line, f"relevant refers to unknown question '{name}'")
            for sel in expr.selections():
                f = q.field(sel.field)
                if f is None:
                    continue
                if f.type != "multiple":
                    c.err(path, line, f"selected() needs a multiple question; '{sel.field}' is "
                                      f"{f.type}")
                elif sel.code not in {ch.code for ch in f.question.choices}:
                    c.err(path, line, f"'{sel.code}' is not a choice of '{sel.field}'")
            for cmp in expr.comparisons():
                for fld, other in ((cmp.left, cmp.right), (cmp.right, cmp.left)):
                    if not isinstance(fld, expressions.Field):
                        continue
                    f = q.field(fld.name)
                    if f is None:
                        continue
                    if f.type in ("multiple", "ranking"):
                        c.err(path, line, f"use selected({fld.name}, 'code') for the "
                                          f"{f.type} question '{fld.name}'")
                        continue
                    opts = q.answer_options(fld.name)
                    if opts is None or not isinstance(other, expressions.Literal):
                        continue
                    values = other.value if isinstance(other.value, tuple) else (other.value,)
                    for v in values:
                        if isinstance(v, str) and expressions._resolve_label(opts, v) is None:
                            c.err(path, line, f"{v!r} is not a code or label of an option of "
                                              f"'{fld.name}'")


def _canonical_relevant(q: Questionnaire) -> Questionnaire:
    """Store each ``relevant`` in canonical text with option labels replaced by codes, so
    equivalent conditions hash the same and XLSForm round trips are exact."""

    def canon(src: str | None) -> str | None:
        if src is None:
            return None
        return expressions.parse(src).canonical(q)

    sections = tuple(
        dataclasses.replace(
            s,
            questions=tuple(dataclasses.replace(x, relevant=canon(x.relevant))
                            for x in s.questions),
        )
        for s in q.sections
    )
    return dataclasses.replace(q, sections=sections)


def build_questionnaire(data: Any, filename: str = "<dict>", *,
                        shared_scales: Mapping[str, Scale] | None = None,
                        require_en: bool = False) -> Questionnaire:
    """Validate a YAML-shaped dict and build the :class:`Questionnaire`.

    ``shared_scales`` defaults to the library scales; pass ``{}`` for a self-contained dict.
    """
    shared = library_scales() if shared_scales is None else shared_scales
    b = _Build(data, filename, shared, require_en)
    q = b.run()
    if b.c.errors or q is None:
        errors = sorted(b.c.errors, key=lambda e: (e.line is None, e.line or 0))
        raise QuestionnaireError(errors or [ValidationError(filename, None, "", "invalid")])
    return q


def load_questionnaire_text(text: str | bytes, filename: str = "<upload>", *,
                            require_en: bool = False) -> Questionnaire:
    """Parse and validate YAML text; raise :class:`QuestionnaireError` listing all errors."""
    try:
        data = load_yaml(text)
    except YamlProblem as exc:
        raise QuestionnaireError([ValidationError(filename, exc.line, "", str(exc))]) from None
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
