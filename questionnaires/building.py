"""Validate a YAML-shaped questionnaire dict and build the questionnaire, reporting every error.

The builder works on the parts (``parts.py``) and is handed the class to build, so that
``model.Questionnaire.from_dict`` and ``loader.build_questionnaire`` share it without the
model importing the loader.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from . import expressions
from .checking import (
    ID_RE,
    MAX_TEXT_LENGTH,
    Checker,
    Msg,
    QuestionnaireError,
    ValidationError,
    join,
    line_of,
)
from .parts import (
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    EVIDENCE_SUFFIX,
    NA_CODE,
    QUESTION_TYPES,
    ChecklistItem,
    Choice,
    FormField,
    MatrixItem,
    Question,
    Scale,
    ScalePoint,
    Section,
    Text,
)
from .vocabulary import N_

CODE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,39}$")
WEIGHT_TOLERANCE = 1e-6

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
#: Question types whose id is not itself an answerable field.
CONTAINER_TYPES = ("matrix", "checklist", "note")


class BuiltQuestionnaire(Protocol):
    """What the builder needs from the class it builds (``model.Questionnaire``)."""

    sections: tuple[Section, ...]

    def field(self, field_id: str) -> FormField | None: ...

    def answer_options(self, field_id: str) -> tuple[tuple[str, int | None, str, str], ...] | None:
        ...


Q = TypeVar("Q", bound=BuiltQuestionnaire)


# --------------------------------------------------------------------------- scales, choices

def _scale_points(c: Checker, d: Mapping, path: str) -> tuple[list[ScalePoint], set[str]]:
    """The points of a scale and the set of codes seen (also of points with other errors)."""
    pts_raw = d.get("points")
    points: list[ScalePoint] = []
    if not isinstance(pts_raw, list) or len(pts_raw) < 2:
        c.err(join(path, "points"), line_of(d, "points"),
            Msg(N_("a scale needs at least 2 points")))
        pts_raw = pts_raw if isinstance(pts_raw, list) else []
    seen_codes: set[str] = set()
    seen_values: set[int] = set()
    for i, praw in enumerate(pts_raw):
        point = _scale_point(c, praw, f"{path}.points[{i}]", line_of(pts_raw, i),
                             seen_codes, seen_values)
        if point is not None:
            points.append(point)
    return points, seen_codes


def _scale_point(c: Checker, raw: Any, pp: str, line: int | None, seen_codes: set[str],
                 seen_values: set[int]) -> ScalePoint | None:
    pd = c.mapping(raw, pp, line, "a scale point")
    if pd is None:
        return None
    c.keys(pd, POINT_KEYS, pp, "a scale point")
    code = pd.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        c.err(join(pp, "code"), line_of(pd, "code"),
            Msg(N_("invalid point code %(code)r"), code=code))
        return None
    if code == NA_CODE:
        c.err(join(pp, "code"), line_of(pd, "code"),
              Msg(N_("'na' is reserved: set 'na: true' on the scale instead")))
        return None
    if code in seen_codes:
        c.err(join(pp, "code"), line_of(pd, "code"),
            Msg(N_("duplicate point code '%(code)s'"), code=code))
    seen_codes.add(code)
    value = pd.get("value")
    if isinstance(value, bool) or not isinstance(value, int):
        c.err(join(pp, "value"), line_of(pd, "value") or line_of(pd),
              Msg(N_("point value must be an integer")))
        return None
    if value in seen_values:
        c.err(join(pp, "value"), line_of(pd, "value"),
            Msg(N_("duplicate point value %(value)s"), value=value))
    seen_values.add(value)
    plabel = c.text(pd, "label", pp)
    return ScalePoint(code, value, plabel) if plabel is not None else None


def _parse_scale(c: Checker, sid: str, raw: Any, path: str, line: int | None) -> Scale | None:
    d = c.mapping(raw, path, line, f"scale '{sid}'")
    if d is None:
        return None
    c.keys(d, SCALE_KEYS, path, "a scale")
    label = c.text(d, "label", path) or Text(sid, sid)
    points, codes = _scale_points(c, d, path)
    satisfied = _satisfied_codes(c, d.get("satisfied"), codes, join(path, "satisfied"),
                                 line_of(d, "satisfied") or line_of(d))
    na = c.boolean(d, "na", path, False)
    if len(points) < 2 or satisfied is None:
        return None
    return Scale(sid, label, tuple(points), satisfied, na)


def _satisfied_codes(c: Checker, raw: Any, codes: set[str], path: str,
                     line: int | None) -> frozenset[str] | None:
    if not isinstance(raw, list) or not raw:
        c.err(path, line,
            Msg(N_("a scale needs at least one satisfied point ('satisfied: [codes]')")))
        return None
    ok = True
    for i, code in enumerate(raw):
        if not isinstance(code, str) or code not in codes:
            c.err(f"{path}[{i}]", line_of(raw, i),
                Msg(N_("unknown point code %(code)r"), code=code))
            ok = False
    return frozenset(raw) if ok else None


def parse_scales(c: Checker, raw: Any, path: str, line: int | None) -> dict[str, Scale]:
    """The scales of a ``scales:`` mapping (scale id -> scale); errors go to ``c``."""
    out: dict[str, Scale] = {}
    d = c.mapping(raw, path, line, "'scales'")
    if d is None:
        return out
    for sid, sraw in d.items():
        if not isinstance(sid, str) or not ID_RE.match(sid):
            c.err(join(path, sid), line_of(d, sid), Msg(N_("invalid scale id %(id)r"), id=sid))
            continue
        sc = _parse_scale(c, sid, sraw, join(path, sid), line_of(d, sid))
        if sc is not None:
            out[sid] = sc
    return out


def _parse_choices(c: Checker, raw: Any, path: str, line: int | None) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        c.err(path, line, Msg(N_("choices must be a non-empty list of {code, label}")))
        return ()
    out: list[Choice] = []
    seen: set[str] = set()
    for i, craw in enumerate(raw):
        cp = f"{path}[{i}]"
        cd = c.mapping(craw, cp, line_of(raw, i), "a choice")
        if cd is None:
            continue
        c.keys(cd, CHOICE_KEYS, cp, "a choice")
        code = cd.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if not isinstance(code, str) or not CODE_RE.match(code):
            c.err(join(cp, "code"), line_of(cd, "code") or line_of(cd),
                  Msg(N_("invalid choice code %(code)r: letters, digits, '_', '.', '-'"),
                      code=code))
            continue
        if code in seen:
            c.err(join(cp, "code"), line_of(cd, "code"),
                Msg(N_("duplicate choice code '%(code)s'"), code=code))
            continue
        seen.add(code)
        label = c.text(cd, "label", cp)
        if label is not None:
            out.append(Choice(code, label))
    return tuple(out)


# --------------------------------------------------------------------------- the build pass

class _Build:
    """One validation/build pass over a questionnaire dict."""

    def __init__(self, data: Any, filename: str, shared_scales: Mapping[str, Scale],
                 require_en: bool):
        self.c = Checker(filename, require_en=require_en)
        self.data = data
        self.shared = shared_scales
        self.scales: dict[str, Scale] = {}
        self.choice_lists: dict[str, tuple[Choice, ...]] = {}
        self.field_ids: dict[str, str] = {}  # id -> path of first definition
        self.field_order: list[str] = []
        self.used_scales: set[str] = set()
        self.pending_relevant: list[tuple[str, int | None, str, int]] = []

    def run(self, make: Callable[..., Q]) -> Q | None:
        c = self.c
        d = c.mapping(self.data, "", None, "a questionnaire file")
        if d is None:
            return None
        c.keys(d, TOP_KEYS, "", "the questionnaire")
        key = c.ident(d, "key", "", "questionnaire key")
        version = self._version(d)
        title = c.text(d, "title", "")
        description = c.text(d, "description", "", required=False)
        self.scales = self._scales(d)
        self.choice_lists = self._choice_lists(d)
        sections = self._sections(d)
        used = {sid: self.scales[sid] for sid in sorted(self.used_scales) if sid in self.scales}
        # Built even when there are errors, so conditions are checked too (all errors at once).
        q = make(key or "invalid", version or "", title or Text("?"), description,
                 tuple(sections), MappingProxyType(used))
        self.check_relevant(q)
        if c.errors or key is None or title is None or version is None:
            return None
        return _canonical_relevant(q)

    def _version(self, d: Mapping) -> str | None:
        version = d.get("version")
        if version is None:
            self.c.err("version", line_of(d), Msg(N_("missing '%(key)s'"), key="version"))
            return None
        if isinstance(version, bool) or not isinstance(version, str | int | float):
            self.c.err("version", line_of(d, "version"),
                Msg(N_("version must be text, e.g. '2025.1'")))
            return None
        return str(version)

    def _scales(self, d: Mapping) -> dict[str, Scale]:
        """Shared scales, shadowed by local ``scales:``, with ``satisfied:`` overrides."""
        scales = dict(self.shared)
        if "scales" in d:
            scales.update(parse_scales(self.c, d["scales"], "scales", line_of(d, "scales")))
        if "satisfied" in d:
            self._apply_satisfied(d, scales)
        return scales

    def _apply_satisfied(self, d: Mapping, scales: dict[str, Scale]) -> None:
        c = self.c
        sat = c.mapping(d["satisfied"], "satisfied", line_of(d, "satisfied"),
                        "'satisfied' (scale id -> codes)")
        for sid, codes in (sat or {}).items():
            p = join("satisfied", sid)
            if not isinstance(sid, str) or sid not in scales:
                c.err(p, line_of(sat, sid), Msg(N_("unknown scale '%(scale)s'"), scale=sid))
                continue
            base = scales[sid]
            fs = _satisfied_codes(c, codes, {pt.code for pt in base.points}, p,
                                  line_of(sat, sid))
            if fs is not None:
                scales[sid] = Scale(base.id, base.label, base.points, fs, base.na)

    def _choice_lists(self, d: Mapping) -> dict[str, tuple[Choice, ...]]:
        c = self.c
        out: dict[str, tuple[Choice, ...]] = {}
        if "choice_lists" not in d:
            return out
        cl = c.mapping(d["choice_lists"], "choice_lists", line_of(d, "choice_lists"),
                       "'choice_lists'")
        for name, raw in (cl or {}).items():
            if not isinstance(name, str) or not ID_RE.match(name):
                c.err(join("choice_lists", name), line_of(cl, name),
                      Msg(N_("invalid choice list name %(name)r"), name=name))
                continue
            out[name] = _parse_choices(c, raw, join("choice_lists", name), line_of(cl, name))
        return out

    # ------------------------------------------------------------------ sections

    def _sections(self, d: Mapping) -> list[Section]:
        c = self.c
        sections_raw = d.get("sections")
        if not isinstance(sections_raw, list) or not sections_raw:
            c.err("sections", line_of(d, "sections") or line_of(d),
                  Msg(N_("a questionnaire needs a non-empty list of sections")))
            sections_raw = []
        sections: list[Section] = []
        seen_sections: set[str] = set()
        scored_weights: list[tuple[str, float | None, int | None]] = []
        for i, sraw in enumerate(sections_raw):
            section = self._section(sraw, f"sections[{i}]", line_of(sections_raw, i),
                                    seen_sections, scored_weights)
            if section is not None:
                sections.append(section)
        self._check_weights(d, scored_weights)
        return sections

    def _section(self, raw: Any, sp: str, line: int | None, seen_sections: set[str],
                 scored_weights: list[tuple[str, float | None, int | None]]) -> Section | None:
        c = self.c
        sd = c.mapping(raw, sp, line, "a section")
        if sd is None:
            return None
        c.keys(sd, SECTION_KEYS, sp, "a section")
        sid = c.ident(sd, "id", sp, "section id")
        if sid is not None:
            if sid in seen_sections:
                c.err(join(sp, "id"), line_of(sd, "id"),
                    Msg(N_("duplicate section id '%(id)s'"), id=sid))
            else:
                self.register(sid, join(sp, "id"), line_of(sd, "id"), field=False)
            seen_sections.add(sid)
        stitle = c.text(sd, "title", sp)
        weight = c.number(sd, "weight", sp, positive=True)
        questions = self._questions(sd, sp)
        if any(q.type in ("likert", "matrix") for q in questions):
            if weight is None and "weight" not in sd:
                c.err(join(sp, "weight"), line_of(sd),
                      Msg(N_("a section with scored items (likert, matrix) needs a 'weight'")))
            scored_weights.append((sp, weight, line_of(sd, "weight")))
        if sid is None or stitle is None:
            return None
        return Section(sid, stitle, float(weight or 0.0), tuple(questions))

    def _questions(self, sd: Mapping, sp: str) -> list[Question]:
        qraw = sd.get("questions")
        if not isinstance(qraw, list) or not qraw:
            self.c.err(join(sp, "questions"), line_of(sd, "questions") or line_of(sd),
                       Msg(N_("a section needs a non-empty list of questions")))
            qraw = []
        questions = [self.question(raw, f"{sp}.questions[{j}]", line_of(qraw, j))
                     for j, raw in enumerate(qraw)]
        return [q for q in questions if q is not None]

    def _check_weights(self, d: Mapping,
                       scored_weights: list[tuple[str, float | None, int | None]]) -> None:
        if not scored_weights or any(w is None for _, w, _ in scored_weights):
            return
        total = sum(w for _, w, _ in scored_weights)  # type: ignore[misc]
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            self.c.err("sections", line_of(d, "sections"),
                       Msg(N_("dimension weights of scored sections must sum to 1, got "
                              "%(total)s (%(weights)s)"), total=f"{total:g}",
                           weights=", ".join(f"{p}={w:g}" for p, w, _ in scored_weights)))

    def register(self, fid: str | None, path: str, line: int | None, field: bool = True) -> None:
        """Claim a name: ids of questions, items and sections share one namespace (XLSForm
        needs unique names); only answerable fields go into ``field_order``."""
        if fid is None:
            return
        if fid in self.field_ids:
            self.c.err(path, line, Msg(N_("duplicate id '%(id)s' (first used at %(first)s)"),
                                          id=fid, first=self.field_ids[fid]))
            return
        self.field_ids[fid] = path
        if field:
            self.field_order.append(fid)

    # ------------------------------------------------------------------ questions

    def question(self, raw: Any, path: str, line: int | None) -> Question | None:
        c = self.c
        d = c.mapping(raw, path, line, "a question")
        if d is None:
            return None
        qtype = self._question_type(d, path)
        if qtype is None:
            return None
        qid = c.ident(d, "id", path, "question id")
        label = c.text(d, "label", path)
        hint = c.text(d, "hint", path, required=False)
        required = c.boolean(d, "required", path, False)
        reverse = c.boolean(d, "reverse", path, False)
        weight = float(c.number(d, "weight", path, default=1.0, positive=True))
        relevant = d.get("relevant")
        if relevant is not None and not isinstance(relevant, str):
            c.err(join(path, "relevant"), line_of(d, "relevant"), Msg(N_("relevant must be text")))
            relevant = None
        order_index = len(self.field_order)
        self.register(qid, join(path, "id"), line_of(d, "id"), field=qtype not in CONTAINER_TYPES)
        details = self._details(qtype, d, path, reverse)
        if relevant is not None:
            self.pending_relevant.append(
                (join(path, "relevant"), line_of(d, "relevant"), relevant, order_index))
        if qid is None or label is None:
            return None
        return Question(id=qid, type=qtype, label=label, required=required and qtype != "note",
                        relevant=relevant, reverse=reverse, weight=weight, hint=hint, **details)

    def _question_type(self, d: Mapping, path: str) -> str | None:
        """The question's type, after checking its keys against those the type allows."""
        c = self.c
        qtype = d.get("type")
        if qtype not in QUESTION_TYPES:
            c.err(join(path, "type"), line_of(d, "type") or line_of(d),
                  Msg(N_("unknown question type %(type)r; use one of: %(types)s"), type=qtype,
                      types=", ".join(QUESTION_TYPES)))
            c.keys(d, COMMON_KEYS | set().union(*TYPE_KEYS.values()), path, "a question")
            return None
        allowed = COMMON_KEYS | TYPE_KEYS[qtype]
        if qtype == "note":
            allowed = allowed - {"required"}
        c.keys(d, allowed, path, N_("a question of this type"))
        return qtype

    def _details(self, qtype: str, d: Mapping, path: str, reverse: bool) -> dict[str, Any]:
        """The type-specific fields of a :class:`Question`, in the order they are checked."""
        details: dict[str, Any] = {}
        if qtype in ("likert", "matrix"):
            details["scale"] = self._scale_ref(d, path, qtype)
        if qtype == "matrix":
            details["items"] = tuple(self.matrix_items(d, path, reverse))
        elif qtype == "checklist":
            details["items"] = tuple(self.checklist_items(d, path))
        if qtype in CHOICE_TYPES:
            details["choices"] = self._choices(d, path)
        if qtype == "multiple":
            details.update(self._choice_limits(d, path, details["choices"]))
        if qtype == "number":
            details.update(self._number_range(d, path))
        elif qtype == "rating":
            details.update(min=0.0, max=10.0, integer=True)
        if qtype == "text":
            details["max_length"] = self._max_length(d, path)
        return details

    def _scale_ref(self, d: Mapping, path: str, qtype: str) -> str | None:
        c = self.c
        scale = d.get("scale")
        if scale is None:
            c.err(join(path, "scale"), line_of(d),
                Msg(N_("a %(type)s question needs a 'scale'"), type=qtype))
            return None
        if not isinstance(scale, str) or scale not in self.scales:
            near = difflib.get_close_matches(str(scale), sorted(self.scales), n=1)
            c.err(join(path, "scale"), line_of(d, "scale"),
                Msg(N_("unknown scale %(scale)r (did you mean '%(near)s'?)"), scale=scale,
                      near=near[0]) if near else Msg(N_("unknown scale %(scale)r"), scale=scale))
            return None
        self.used_scales.add(scale)
        return scale

    def _choices(self, d: Mapping, path: str) -> tuple[Choice, ...]:
        """Inline choices, or the name of a ``choice_lists`` entry."""
        raw_choices = d.get("choices")
        cp, cl = join(path, "choices"), line_of(d, "choices") or line_of(d)
        if not isinstance(raw_choices, str):
            return _parse_choices(self.c, raw_choices, cp, cl)
        if raw_choices not in self.choice_lists:
            self.c.err(cp, cl, Msg(N_("unknown choice list '%(name)s'"), name=raw_choices))
            return ()
        return self.choice_lists[raw_choices]

    def _choice_limits(self, d: Mapping, path: str,
                       choices: tuple[Choice, ...]) -> dict[str, int | None]:
        c = self.c
        min_choices = c.number(d, "min_choices", path, integer=True)
        max_choices = c.number(d, "max_choices", path, integer=True)
        for k, v in (("min_choices", min_choices), ("max_choices", max_choices)):
            if v is not None and (v < 0 or (choices and v > len(choices))):
                c.err(join(path, k), line_of(d, k),
                      Msg(N_("%(key)s must be between 0 and the number of choices (%(n)d)"), key=k,
                          n=len(choices)))
        if min_choices is not None and max_choices is not None and min_choices > max_choices:
            c.err(join(path, "min_choices"), line_of(d, "min_choices"),
                  Msg(N_("min_choices (%(min)s) > max_choices (%(max)s)"), min=min_choices,
                      max=max_choices))
        if max_choices == 0:
            c.err(join(path, "max_choices"), line_of(d, "max_choices"),
                  Msg(N_("max_choices must be at least 1")))
        return {"min_choices": min_choices, "max_choices": max_choices}

    def _number_range(self, d: Mapping, path: str) -> dict[str, Any]:
        c = self.c
        integer = c.boolean(d, "integer", path, False)
        qmin = c.number(d, "min", path, integer=integer)
        qmax = c.number(d, "max", path, integer=integer)
        if qmin is not None and qmax is not None and qmin > qmax:
            c.err(join(path, "min"), line_of(d, "min"),
                Msg(N_("min (%(min)s) > max (%(max)s)"), min=qmin, max=qmax))
        return {"min": float(qmin) if qmin is not None else None,
                "max": float(qmax) if qmax is not None else None, "integer": integer}

    def _max_length(self, d: Mapping, path: str) -> int:
        max_length = self.c.number(d, "max_length", path, default=DEFAULT_MAX_LENGTH,
                                   positive=True, integer=True)
        if max_length > MAX_TEXT_LENGTH:
            self.c.err(join(path, "max_length"), line_of(d, "max_length"),
                       Msg(N_("max_length must be at most %(n)d"), n=MAX_TEXT_LENGTH))
        return max_length

    def _items_list(self, d: Mapping, path: str) -> list:
        raw = d.get("items")
        if not isinstance(raw, list) or not raw:
            self.c.err(join(path, "items"), line_of(d, "items") or line_of(d),
                       Msg(N_("needs a non-empty list of items")))
            return []
        return raw

    def matrix_items(self, d: Mapping, path: str, reverse: bool) -> list[MatrixItem]:
        c = self.c
        raw = self._items_list(d, path)
        out = []
        for i, iraw in enumerate(raw):
            ip = f"{path}.items[{i}]"
            idd = c.mapping(iraw, ip, line_of(raw, i), "a matrix item")
            if idd is None:
                continue
            c.keys(idd, MATRIX_ITEM_KEYS, ip, "a matrix item")
            iid = c.ident(idd, "id", ip, "item id")
            self.register(iid, join(ip, "id"), line_of(idd, "id"))
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
            idd = c.mapping(iraw, ip, line_of(raw, i), "a checklist item")
            if idd is None:
                continue
            c.keys(idd, CHECKLIST_ITEM_KEYS, ip, "a checklist item")
            iid = c.ident(idd, "id", ip, "item id")
            self.register(iid, join(ip, "id"), line_of(idd, "id"))
            label = c.text(idd, "label", ip)
            if "points" not in idd:
                c.err(join(ip, "points"), line_of(idd), Msg(N_("a checklist item needs 'points'")))
            points = c.number(idd, "points", ip, positive=True)
            evidence = c.boolean(idd, "evidence", ip, False)
            veto = c.boolean(idd, "veto", ip, False)
            if evidence and iid:
                self.register(iid + EVIDENCE_SUFFIX, join(ip, "id"), line_of(idd, "id"))
            if iid and label and points is not None:
                out.append(ChecklistItem(iid, label, float(points), evidence, veto))
        return out

    # ------------------------------------------------------------------ conditions

    def check_relevant(self, q: BuiltQuestionnaire) -> None:
        for path, line, src, order_index in self.pending_relevant:
            try:
                expr = expressions.parse(src)
            except expressions.ExpressionError as exc:
                self.c.err(path, line, Msg(N_("relevant does not parse: %(problem)s"), problem=exc))
                continue
            self._check_names(expr, path, line, set(self.field_order[:order_index]))
            self._check_selections(q, expr, path, line)
            self._check_comparisons(q, expr, path, line)

    def _check_names(self, expr: expressions.Expression, path: str, line: int | None,
                     earlier: set[str]) -> None:
        for name in sorted(expr.names):
            if name in earlier:
                continue
            if name in self.field_ids:
                self.c.err(path, line, Msg(N_(
                    "relevant refers to '%(name)s', which is not an earlier question "
                    "(conditions may only use earlier answers)"), name=name))
            else:
                self.c.err(path, line, Msg(N_("relevant refers to unknown question '%(name)s'"),
                                                  name=name))

    def _check_selections(self, q: BuiltQuestionnaire, expr: expressions.Expression, path: str,
                          line: int | None) -> None:
        for sel in expr.selections():
            f = q.field(sel.field)
            if f is None:
                continue
            if f.type != "multiple":
                self.c.err(path, line, Msg(N_(
                    "selected() needs a multiple question; '%(field)s' is %(type)s"),
                    field=sel.field, type=f.type))
            elif sel.code not in {ch.code for ch in f.question.choices}:
                self.c.err(path, line,
                    Msg(N_("'%(code)s' is not a choice of '%(field)s'"), code=sel.code,
                                  field=sel.field))

    def _check_comparisons(self, q: BuiltQuestionnaire, expr: expressions.Expression,
                           path: str, line: int | None) -> None:
        for cmp in expr.comparisons():
            for fld, other in ((cmp.left, cmp.right), (cmp.right, cmp.left)):
                if isinstance(fld, expressions.Field):
                    self._check_compared_field(q, fld.name, other, path, line)

    def _check_compared_field(self, q: BuiltQuestionnaire, name: str, other: Any, path: str,
                              line: int | None) -> None:
        f = q.field(name)
        if f is None:
            return
        if f.type in ("multiple", "ranking"):
            self.c.err(path, line, Msg(N_(
                "use selected(%(name)s, 'code') for the %(type)s question '%(name)s'"),
                name=name, type=f.type))
            return
        opts = q.answer_options(name)
        if opts is None or not isinstance(other, expressions.Literal):
            return
        values = other.value if isinstance(other.value, tuple) else (other.value,)
        for v in values:
            if isinstance(v, str) and expressions._resolve_label(opts, v) is None:
                self.c.err(path, line, Msg(N_(
                    "%(value)r is not a code or label of an option of '%(name)s'"),
                    value=v, name=name))


def _canonical_relevant(q: Q) -> Q:
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
    return dataclasses.replace(q, sections=sections)  # type: ignore[type-var]


def build(data: Any, filename: str, *, shared_scales: Mapping[str, Scale], require_en: bool,
          make: Callable[..., Q]) -> Q:
    """Validate a YAML-shaped dict and build it with ``make`` (the questionnaire class, called
    with key, version, title, description, sections and scales).

    Raises :class:`QuestionnaireError` listing every error, sorted by line.
    """
    b = _Build(data, filename, shared_scales, require_en)
    q = b.run(make)
    if b.c.errors or q is None:
        errors = sorted(b.c.errors, key=lambda e: (e.line is None, e.line or 0))
        raise QuestionnaireError(errors or [ValidationError(filename, None, "", "invalid")])
    return q
