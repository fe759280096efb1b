"""Performance-assessment schemes (绩效考核方案): YAML files validated into typed objects.

A scheme is data, like a questionnaire: a 100-point score sheet (plus optional bonus
points), the rules that turn figures into points, mandatory (必备) and veto (一票否决) items,
grades, peer ranking and honours (合格 / 模范职工之家). It is kept under
``questionnaires/assessment/`` and identified by its ``key`` and its content hash.

Pure module: no Flask, no SQLAlchemy, nothing from ``analysis`` or ``survey_app``.
The format is documented in ``questionnaires/assessment/README.md``.

Rules
-----
``piecewise``: breakpoints ``[[x1, s1], [x2, s2], ...]`` with ``x`` strictly increasing and
shares ``s`` in [0, 1]. For ``x1 <= v <= xn`` the share is interpolated linearly between the
two breakpoints around ``v`` (a breakpoint's own share applies at exactly ``x``); below ``x1``
the share is ``below`` (default ``s1``), above ``xn`` it is ``above`` (default ``sn``).
Points = share × the indicator's points. Two breakpoints may not share an ``x``: write steps
with ``tiers``.

``tiers``: ``[[t1, p1], [t2, p2], ...]`` with thresholds strictly decreasing; a value gets
the points of the first (highest) threshold it reaches (``v >= t``), else ``otherwise``
(default 0). Points are absolute and at most the indicator's points.

Rates (satisfaction rate, participation rate, objective indicators of kind ``rate``) are
proportions in [0, 1] (90 % is ``0.9``); indices are on 0-100.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .loader import QuestionnaireError, ValidationError
from .model import Text
from .yamlio import MAX_BYTES, YamlProblem, load_yaml

ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SOURCE_TYPES = ("satisfaction", "participation", "composite", "objective", "checklist")
CAMPAIGN_KINDS = ("member", "cross", "peer", "third_party", "four_party", "daily")
OBJECTIVE_KINDS = ("rate", "count", "number", "boolean")
SATISFACTION_MEASURES = ("overall_index", "satisfaction_rate")
RATE_MEASURES = ("satisfaction_rate", "participation_rate")
MANDATORY_EFFECTS = ("no_honours", "cap_grade")


class SchemeError(QuestionnaireError):
    """Raised by the scheme loader; ``errors`` holds every :class:`ValidationError` found."""


@dataclass(frozen=True)
class Rule:
    """How a figure becomes points: ``piecewise`` (shares) or ``tiers`` (points)."""

    kind: str
    breakpoints: tuple[tuple[float, float], ...] = ()
    below: float | None = None
    above: float | None = None
    tiers: tuple[tuple[float, float], ...] = ()
    otherwise: float = 0.0

    def to_dict(self) -> dict:
        if self.kind == "piecewise":
            return {"piecewise": [list(b) for b in self.breakpoints], "below": self.below_share,
                    "above": self.above_share}
        return {"tiers": [list(t) for t in self.tiers], "otherwise": self.otherwise}

    @property
    def below_share(self) -> float:
        return self.breakpoints[0][1] if self.below is None else self.below

    @property
    def above_share(self) -> float:
        return self.breakpoints[-1][1] if self.above is None else self.above


@dataclass(frozen=True)
class Source:
    """Where an indicator's figure comes from.

    ``column`` is the name of the figure in the engine's inputs: ``<campaign>.<measure>``,
    ``<campaign>.<group>.<measure>`` (one rater group only) or ``objective.<key>``.
    """

    type: str
    campaign: str | None = None
    measure: str | None = None
    group: str | None = None
    objective: str | None = None

    @property
    def column(self) -> str:
        if self.objective is not None:
            return f"objective.{self.objective}"
        if self.group:
            return f"{self.campaign}.{self.group}.{self.measure}"
        return f"{self.campaign}.{self.measure}"

    @property
    def is_rate(self) -> bool:
        return self.measure in RATE_MEASURES


@dataclass(frozen=True)
class Indicator:
    key: str
    name: Text
    points: float
    source: Source
    rule: Rule
    bonus: bool = False


@dataclass(frozen=True)
class CampaignSlot:
    """A campaign the scheme reads, by role; the campaign is chosen per year."""

    key: str
    kind: str
    name: Text


@dataclass(frozen=True)
class ObjectiveDef:
    """An objective indicator entered by the upper-level union (with evidence)."""

    key: str
    name: Text
    kind: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Mandatory:
    """必备条件: ``objective >= min``; failing it (or not entering it) has ``effect``."""

    key: str
    name: Text
    objective: str
    min: float
    effect: str = "no_honours"
    cap_grade: str | None = None


@dataclass(frozen=True)
class VetoItem:
    key: str
    name: Text


@dataclass(frozen=True)
class Grade:
    key: str
    name: Text
    min: float


@dataclass(frozen=True)
class Honour:
    """Eligibility for an honour at one level (e.g. 市级模范职工之家)."""

    key: str
    name: Text
    grades: tuple[str, ...]
    min_score: float | None = None
    minimums: tuple[tuple[str, float], ...] = ()
    participation_minimum: bool = True
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Participation:
    """Participation minimums (practice: 30 % of members, 60 % of them front-line)."""

    campaign: str | None
    min_rate: float = 0.30
    min_frontline_share: float = 0.60
    frontline_objective: str | None = None
    below_minimum: str = "zero"  # zero: the participation indicator scores 0; flag: flag only


@dataclass(frozen=True)
class MissingPolicy:
    """A missing input never counts as zero silently.

    The indicator is marked missing (points NaN); the base score is rescaled to the
    available maximum (``earned / available × max_score``) when the available share of the
    base maximum is at least ``min_available_share``; below it the unit is ``incomplete``:
    no score, no grade, no rank. A unit with any missing input is not eligible for honours
    when ``blocks_honours``.
    """

    min_available_share: float = 0.8
    blocks_honours: bool = True


@dataclass(frozen=True)
class Scheme:
    key: str
    version: str
    name: Text
    max_score: float
    bonus_max: float
    decimals: int
    campaigns: tuple[CampaignSlot, ...]
    objectives: tuple[ObjectiveDef, ...]
    indicators: tuple[Indicator, ...]
    mandatory: tuple[Mandatory, ...]
    veto: tuple[VetoItem, ...]
    veto_grade: str
    grades: tuple[Grade, ...]
    honours: tuple[Honour, ...]
    participation: Participation
    missing: MissingPolicy
    bottom_count: int
    content_hash: str
    description: Text | None = None
    source_data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def indicator(self, key: str) -> Indicator:
        for i in self.indicators:
            if i.key == key:
                return i
        raise KeyError(key)

    def objective(self, key: str) -> ObjectiveDef:
        for o in self.objectives:
            if o.key == key:
                return o
        raise KeyError(key)

    def grade(self, key: str) -> Grade:
        for g in self.grades:
            if g.key == key:
                return g
        raise KeyError(key)

    @property
    def campaign_slots(self) -> dict[str, CampaignSlot]:
        return {c.key: c for c in self.campaigns}

    @property
    def figure_columns(self) -> list[str]:
        """Campaign figures the engine needs (``<campaign>[.<group>].<measure>``)."""
        cols = [i.source.column for i in self.indicators if i.source.objective is None]
        for h in self.honours:
            cols += [c for c, _ in h.minimums if not c.startswith("objective.")]
        if self.participation.campaign:
            cols.append(f"{self.participation.campaign}.participation_rate")
        return list(dict.fromkeys(cols))


def _line(container: Any, key: Any = None) -> int | None:
    if key is not None:
        lines = getattr(container, "key_lines", None) or {}
        if isinstance(container, dict) and key in lines:
            return lines[key]
        items = getattr(container, "item_lines", None)
        if isinstance(container, list) and items and isinstance(key, int) and key < len(items):
            return items[key]
    return getattr(container, "line", None)


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


class _Check:
    def __init__(self, filename: str):
        self.file = filename
        self.errors: list[ValidationError] = []

    def err(self, path: str, line: int | None, message: str) -> None:
        self.errors.append(ValidationError(self.file, line, path, message))

    def mapping(self, v: Any, path: str, line: int | None, what: str) -> Mapping | None:
        if not isinstance(v, dict):
            self.err(path, line, f"{what} must be a mapping")
            return None
        return v

    def seq(self, d: Mapping, key: str, path: str, *, required: bool = True) -> list:
        if key not in d or d[key] is None:
            if required:
                self.err(_join(path, key), _line(d), f"missing '{key}'")
            return []
        v = d[key]
        if not isinstance(v, list):
            self.err(_join(path, key), _line(d, key), "must be a list")
            return []
        return v

    def keys(self, d: Mapping, allowed: set[str], required: set[str], path: str,
             what: str) -> None:
        for k in d:
            if k not in allowed:
                near = difflib.get_close_matches(str(k), sorted(allowed), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                self.err(_join(path, k), _line(d, k), f"unknown key '{k}' in {what}{hint}")
        for k in sorted(required - set(d)):
            self.err(_join(path, k), _line(d), f"missing '{k}'")

    def ident(self, d: Mapping, key: str, path: str) -> str | None:
        v = d.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or not ID_RE.match(v):
            self.err(_join(path, key), _line(d, key),
                     f"invalid key {v!r}: lower-case letters, digits and '_', starting with a "
                     "letter, at most 40 characters")
            return None
        return v

    def text(self, d: Mapping, key: str, path: str, *, required: bool = True) -> Text | None:
        if key not in d or d[key] is None:
            if required:
                self.err(_join(path, key), _line(d), f"missing '{key}'")
            return None
        v = d[key]
        if isinstance(v, str) and v.strip():
            return Text(v.strip(), "")
        if isinstance(v, dict):
            zh, en = v.get("zh"), v.get("en", "")
            for k in v:
                if k not in ("zh", "en"):
                    self.err(_join(_join(path, key), k), _line(v, k),
                             f"unknown language '{k}' (use zh, en)")
            if isinstance(zh, str) and zh.strip() and isinstance(en, str):
                return Text(zh.strip(), en.strip())
        self.err(_join(path, key), _line(d, key), "must be a text or a mapping {zh, en}")
        return None

    def number(self, d: Mapping, key: str, path: str, *, default: Any = None,
               lo: float | None = None, hi: float | None = None, integer: bool = False,
               required: bool = False) -> Any:
        if key not in d or d[key] is None:
            if required:
                self.err(_join(path, key), _line(d), f"missing '{key}'")
            return default
        v = d[key]
        if not _is_number(v) or (integer and not isinstance(v, int)):
            self.err(_join(path, key), _line(d, key),
                     "must be an integer" if integer else "must be a number")
            return default
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.err(_join(path, key), _line(d, key),
                     f"must be between {lo} and {hi}, got {v}" if hi is not None
                     else f"must be at least {lo}, got {v}")
            return default
        return v

    def boolean(self, d: Mapping, key: str, path: str, default: bool) -> bool:
        if key not in d:
            return default
        if not isinstance(d[key], bool):
            self.err(_join(path, key), _line(d, key), "must be true or false")
            return default
        return d[key]


def _pairs(c: _Check, raw: Any, path: str, line: int | None) -> list[tuple[float, float]]:
    if not isinstance(raw, list) or not raw:
        c.err(path, line, "must be a non-empty list of [x, value] pairs")
        return []
    out = []
    for i, pair in enumerate(raw):
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(_is_number(v) for v in pair)):
            c.err(_join(path, i), _line(raw, i), "must be a pair [x, value] of numbers")
            return []
        out.append((float(pair[0]), float(pair[1])))
    return out


def _parse_rule(c: _Check, d: Mapping, path: str, points: float | None,
                rate: bool) -> Rule | None:
    raw = d.get("rule")
    p = _join(path, "rule")
    r = c.mapping(raw, p, _line(d, "rule"), "rule")
    if r is None:
        return None
    kinds = [k for k in ("piecewise", "tiers") if k in r]
    if len(kinds) != 1:
        c.err(p, _line(r), "a rule needs exactly one of 'piecewise' or 'tiers'")
        return None
    kind = kinds[0]
    if kind == "piecewise":
        c.keys(r, {"piecewise", "below", "above"}, set(), p, "piecewise rule")
        bps = _pairs(c, r["piecewise"], _join(p, "piecewise"), _line(r, "piecewise"))
        for i, (x, s) in enumerate(bps):
            if not 0 <= s <= 1:
                c.err(_join(_join(p, "piecewise"), i), _line(r["piecewise"], i),
                      f"share must be between 0 and 1, got {s}")
            if i and x <= bps[i - 1][0]:
                c.err(_join(_join(p, "piecewise"), i), _line(r["piecewise"], i),
                      "x values must be strictly increasing")
            if rate and not 0 <= x <= 1:
                c.err(_join(_join(p, "piecewise"), i), _line(r["piecewise"], i),
                      f"a rate is a proportion in [0, 1] (90% is 0.9), got {x}")
        below = c.number(r, "below", p, lo=0, hi=1)
        above = c.number(r, "above", p, lo=0, hi=1)
        return Rule("piecewise", tuple(bps), below=below, above=above)
    c.keys(r, {"tiers", "otherwise"}, set(), p, "tiers rule")
    tiers = _pairs(c, r["tiers"], _join(p, "tiers"), _line(r, "tiers"))
    for i, (t, pts) in enumerate(tiers):
        if i and t >= tiers[i - 1][0]:
            c.err(_join(_join(p, "tiers"), i), _line(r["tiers"], i),
                  "thresholds must be strictly decreasing")
        if pts < 0 or (points is not None and pts > points):
            c.err(_join(_join(p, "tiers"), i), _line(r["tiers"], i),
                  f"tier points must be between 0 and the indicator's {points}, got {pts}")
        if rate and not 0 <= t <= 1:
            c.err(_join(_join(p, "tiers"), i), _line(r["tiers"], i),
                  f"a rate is a proportion in [0, 1] (90% is 0.9), got {t}")
    otherwise = c.number(r, "otherwise", p, default=0.0, lo=0, hi=points)
    return Rule("tiers", tiers=tuple(tiers), otherwise=float(otherwise))


def _parse_source(c: _Check, d: Mapping, path: str, slots: Mapping[str, CampaignSlot],
                  objectives: Mapping[str, ObjectiveDef]) -> Source | None:
    p = _join(path, "source")
    s = c.mapping(d.get("source"), p, _line(d, "source"), "source")
    if s is None:
        return None
    c.keys(s, {"type", "campaign", "measure", "group", "objective"}, {"type"}, p, "source")
    typ = s.get("type")
    if typ not in SOURCE_TYPES:
        c.err(_join(p, "type"), _line(s, "type"),
              f"unknown source type {typ!r} (use {', '.join(SOURCE_TYPES)})")
        return None
    if typ == "objective" or (typ == "checklist" and "objective" in s):
        key = s.get("objective")
        if key not in objectives:
            c.err(_join(p, "objective"), _line(s, "objective") or _line(s),
                  f"unknown objective indicator {key!r}")
            return None
        extra = {"campaign", "measure", "group"} & set(s)
        if extra:
            c.err(p, _line(s), f"an objective source takes no {', '.join(sorted(extra))}")
        return Source(typ, objective=key, measure=objectives[key].kind)
    camp = s.get("campaign")
    if camp not in slots:
        c.err(_join(p, "campaign"), _line(s, "campaign") or _line(s),
              f"unknown campaign {camp!r} (declare it under 'campaigns')")
        return None
    group = c.ident(s, "group", p)
    measure = s.get("measure")
    fixed = {"participation": "participation_rate", "composite": "composite_index"}
    if typ in fixed:
        if measure not in (None, fixed[typ]):
            c.err(_join(p, "measure"), _line(s, "measure"), f"a {typ} source measures "
                  f"{fixed[typ]}")
        if group is not None:
            c.err(_join(p, "group"), _line(s, "group"), f"a {typ} source takes no group")
        return Source(typ, campaign=camp, measure=fixed[typ])
    if typ == "checklist":
        if measure not in (None, "checklist_total"):
            c.err(_join(p, "measure"), _line(s, "measure"),
                  "a checklist source measures checklist_total (0-100)")
        return Source(typ, campaign=camp, measure="checklist_total")
    measure = measure or "overall_index"
    if measure not in SATISFACTION_MEASURES and not (
        isinstance(measure, str) and measure.startswith("dim:") and len(measure) > 4
    ):
        c.err(_join(p, "measure"), _line(s, "measure"),
              f"unknown measure {measure!r} (use overall_index, satisfaction_rate or "
              "dim:<dimension>)")
        return None
    return Source(typ, campaign=camp, measure=measure, group=group)


def _unique(c: _Check, raw: list, path: str, what: str) -> None:
    seen: set = set()
    for i, item in enumerate(raw):
        k = item.get("key") if isinstance(item, dict) else None
        if k in seen:
            c.err(_join(_join(path, i), "key"), _line(raw, i), f"duplicate {what} key {k!r}")
        seen.add(k)


def build_scheme(data: Any, filename: str = "<dict>") -> Scheme:
    """Validate a parsed scheme; raise :class:`SchemeError` listing every problem."""
    c = _Check(filename)
    d = c.mapping(data, "", _line(data), "a scheme")
    if d is None:
        raise SchemeError(c.errors)
    top = {"key", "version", "name", "description", "max_score", "bonus_max", "decimals",
           "campaigns", "objective_indicators", "indicators", "mandatory", "veto",
           "veto_grade", "grades", "honours", "participation", "missing", "bottom_count"}
    c.keys(d, top, {"key", "version", "name", "indicators", "grades"}, "", "a scheme")
    key = c.ident(d, "key", "")
    version = d.get("version")
    if version is not None and not isinstance(version, str | int):
        c.err("version", _line(d, "version"), "must be a text or a number")
    name = c.text(d, "name", "")
    description = c.text(d, "description", "", required=False)
    max_score = c.number(d, "max_score", "", default=100, lo=1)
    bonus_max = c.number(d, "bonus_max", "", default=0, lo=0)
    decimals = c.number(d, "decimals", "", default=2, lo=0, hi=6, integer=True)
    bottom_count = c.number(d, "bottom_count", "", default=2, lo=0, integer=True)

    slots: dict[str, CampaignSlot] = {}
    raw = c.seq(d, "campaigns", "", required=False)
    _unique(c, raw, "campaigns", "campaign")
    for i, item in enumerate(raw):
        p = _join("campaigns", i)
        m = c.mapping(item, p, _line(raw, i), "a campaign")
        if m is None:
            continue
        c.keys(m, {"key", "kind", "name"}, {"key", "kind", "name"}, p, "a campaign")
        k = c.ident(m, "key", p)
        kind = m.get("kind")
        if kind not in CAMPAIGN_KINDS:
            c.err(_join(p, "kind"), _line(m, "kind"),
                  f"unknown campaign kind {kind!r} (use {', '.join(CAMPAIGN_KINDS)})")
        t = c.text(m, "name", p)
        if k and t and kind in CAMPAIGN_KINDS:
            slots[k] = CampaignSlot(k, kind, t)

    objectives: dict[str, ObjectiveDef] = {}
    raw = c.seq(d, "objective_indicators", "", required=False)
    _unique(c, raw, "objective_indicators", "objective indicator")
    for i, item in enumerate(raw):
        p = _join("objective_indicators", i)
        m = c.mapping(item, p, _line(raw, i), "an objective indicator")
        if m is None:
            continue
        c.keys(m, {"key", "name", "kind", "min", "max"}, {"key", "name", "kind"}, p,
               "an objective indicator")
        k = c.ident(m, "key", p)
        kind = m.get("kind")
        if kind not in OBJECTIVE_KINDS:
            c.err(_join(p, "kind"), _line(m, "kind"),
                  f"unknown kind {kind!r} (use {', '.join(OBJECTIVE_KINDS)})")
        lo = c.number(m, "min", p)
        hi = c.number(m, "max", p)
        if kind == "rate":
            lo, hi = (0 if lo is None else lo), (1 if hi is None else hi)
        if kind == "boolean":
            lo, hi = 0, 1
        if lo is not None and hi is not None and lo > hi:
            c.err(p, _line(m), "min is above max")
        t = c.text(m, "name", p)
        if k and t and kind in OBJECTIVE_KINDS:
            objectives[k] = ObjectiveDef(k, t, kind, lo, hi)

    indicators: list[Indicator] = []
    raw = c.seq(d, "indicators", "")
    _unique(c, raw, "indicators", "indicator")
    for i, item in enumerate(raw):
        p = _join("indicators", i)
        m = c.mapping(item, p, _line(raw, i), "an indicator")
        if m is None:
            continue
        c.keys(m, {"key", "name", "points", "source", "rule", "bonus"},
               {"key", "name", "points", "source", "rule"}, p, "an indicator")
        k = c.ident(m, "key", p)
        t = c.text(m, "name", p)
        pts = c.number(m, "points", p, lo=0)
        if pts == 0:
            c.err(_join(p, "points"), _line(m, "points"), "must be positive")
        bonus = c.boolean(m, "bonus", p, False)
        src = _parse_source(c, m, p, slots, objectives)
        rate = src is not None and (src.is_rate or src.measure == "rate")
        rule = _parse_rule(c, m, p, pts, rate)
        if k and t and pts and src and rule:
            indicators.append(Indicator(k, t, float(pts), src, rule, bonus))
    base = sum(i.points for i in indicators if not i.bonus)
    bonus_total = sum(i.points for i in indicators if i.bonus)
    if not c.errors and max_score is not None and not math.isclose(base, max_score):
        c.err("indicators", _line(d, "indicators"),
              f"the points of the non-bonus indicators add up to {base:g}, not max_score "
              f"{max_score:g}")
    if bonus_total and not bonus_max:
        c.err("bonus_max", _line(d), "bonus indicators need a positive 'bonus_max'")

    grades: list[Grade] = []
    raw = c.seq(d, "grades", "")
    _unique(c, raw, "grades", "grade")
    for i, item in enumerate(raw):
        p = _join("grades", i)
        m = c.mapping(item, p, _line(raw, i), "a grade")
        if m is None:
            continue
        c.keys(m, {"key", "name", "min"}, {"key", "name", "min"}, p, "a grade")
        k, t, lo = c.ident(m, "key", p), c.text(m, "name", p), c.number(m, "min", p, lo=0)
        if grades and lo is not None and lo >= grades[-1].min:
            c.err(_join(p, "min"), _line(m, "min"),
                  "grades go from best to worst: each 'min' below the previous one")
        if k and t and lo is not None:
            grades.append(Grade(k, t, float(lo)))
    if grades and grades[-1].min != 0:
        c.err("grades", _line(d, "grades"),
              "the last grade must have min 0 (every score gets a grade)")
    grade_keys = {g.key for g in grades}

    def grade_ref(m: Mapping, key: str, p: str) -> str | None:
        v = m.get(key)
        if v is not None and v not in grade_keys:
            c.err(_join(p, key), _line(m, key), f"unknown grade {v!r}")
            return None
        return v

    mandatory: list[Mandatory] = []
    raw = c.seq(d, "mandatory", "", required=False)
    _unique(c, raw, "mandatory", "mandatory item")
    for i, item in enumerate(raw):
        p = _join("mandatory", i)
        m = c.mapping(item, p, _line(raw, i), "a mandatory item")
        if m is None:
            continue
        c.keys(m, {"key", "name", "objective", "min", "effect", "cap_grade"},
               {"key", "name", "objective"}, p, "a mandatory item")
        k, t = c.ident(m, "key", p), c.text(m, "name", p)
        obj = m.get("objective")
        if obj not in objectives:
            c.err(_join(p, "objective"), _line(m, "objective"),
                  f"unknown objective indicator {obj!r}")
        lo = c.number(m, "min", p, default=1)
        effect = m.get("effect", "no_honours")
        if effect not in MANDATORY_EFFECTS:
            c.err(_join(p, "effect"), _line(m, "effect"),
                  f"unknown effect {effect!r} (use {', '.join(MANDATORY_EFFECTS)})")
        cap = grade_ref(m, "cap_grade", p)
        if effect == "cap_grade" and cap is None:
            c.err(p, _line(m), "effect cap_grade needs 'cap_grade'")
        if k and t and obj in objectives:
            mandatory.append(Mandatory(k, t, obj, float(lo), effect, cap))

    veto: list[VetoItem] = []
    raw = c.seq(d, "veto", "", required=False)
    _unique(c, raw, "veto", "veto item")
    for i, item in enumerate(raw):
        p = _join("veto", i)
        m = c.mapping(item, p, _line(raw, i), "a veto item")
        if m is None:
            continue
        c.keys(m, {"key", "name"}, {"key", "name"}, p, "a veto item")
        k, t = c.ident(m, "key", p), c.text(m, "name", p)
        if k and t:
            veto.append(VetoItem(k, t))
    veto_grade = grade_ref(d, "veto_grade", "") or (grades[-1].key if grades else "")

    part_raw = d.get("participation") or {}
    pm = c.mapping(part_raw, "participation", _line(d, "participation"), "participation")
    participation = Participation(None)
    if pm is not None:
        c.keys(pm, {"campaign", "min_rate", "min_frontline_share", "frontline_objective",
                    "below_minimum"}, set(), "participation", "participation")
        camp = pm.get("campaign")
        if camp is not None and camp not in slots:
            c.err("participation.campaign", _line(pm, "campaign"), f"unknown campaign {camp!r}")
        fo = pm.get("frontline_objective")
        if fo is not None and fo not in objectives:
            c.err("participation.frontline_objective", _line(pm, "frontline_objective"),
                  f"unknown objective indicator {fo!r}")
        below = pm.get("below_minimum", "zero")
        if below not in ("zero", "flag"):
            c.err("participation.below_minimum", _line(pm, "below_minimum"),
                  "use zero or flag")
        participation = Participation(
            camp, float(c.number(pm, "min_rate", "participation", default=0.30, lo=0, hi=1)),
            float(c.number(pm, "min_frontline_share", "participation", default=0.60, lo=0,
                           hi=1)),
            fo, below)

    mm = c.mapping(d.get("missing") or {}, "missing", _line(d, "missing"), "missing")
    missing = MissingPolicy()
    if mm is not None:
        c.keys(mm, {"min_available_share", "blocks_honours"}, set(), "missing", "missing")
        missing = MissingPolicy(
            float(c.number(mm, "min_available_share", "missing", default=0.8, lo=0, hi=1)),
            c.boolean(mm, "blocks_honours", "missing", True))

    figures = {i.source.column for i in indicators}
    if participation.campaign:
        figures.add(f"{participation.campaign}.participation_rate")
    figures |= {f"objective.{k}" for k in objectives}
    honours: list[Honour] = []
    raw = c.seq(d, "honours", "", required=False)
    _unique(c, raw, "honours", "honour")
    for i, item in enumerate(raw):
        p = _join("honours", i)
        m = c.mapping(item, p, _line(raw, i), "an honour")
        if m is None:
            continue
        c.keys(m, {"key", "name", "grades", "min_score", "minimums", "participation_minimum",
                   "requires"}, {"key", "name", "grades"}, p, "an honour")
        k, t = c.ident(m, "key", p), c.text(m, "name", p)
        gs = m.get("grades")
        if not isinstance(gs, list) or not gs or any(g not in grade_keys for g in gs):
            c.err(_join(p, "grades"), _line(m, "grades"),
                  f"must be a non-empty list of grade keys ({', '.join(sorted(grade_keys))})")
            gs = []
        mins = []
        mn = m.get("minimums") or {}
        if not isinstance(mn, dict):
            c.err(_join(p, "minimums"), _line(m, "minimums"), "must be a mapping figure: min")
            mn = {}
        for fig, v in mn.items():
            if fig not in figures:
                c.err(_join(_join(p, "minimums"), fig), _line(mn, fig),
                      f"unknown figure {fig!r} (use an indicator's source, e.g. "
                      f"{sorted(figures)[0] if figures else 'member.satisfaction_rate'})")
            elif not _is_number(v):
                c.err(_join(_join(p, "minimums"), fig), _line(mn, fig), "must be a number")
            else:
                mins.append((fig, float(v)))
        req = m.get("requires") or []
        known = {h.key for h in honours}
        if not isinstance(req, list) or any(r not in known for r in req):
            c.err(_join(p, "requires"), _line(m, "requires"),
                  "must list honours defined above this one")
            req = []
        if k and t:
            honours.append(Honour(
                k, t, tuple(gs), c.number(m, "min_score", p, lo=0), tuple(mins),
                c.boolean(m, "participation_minimum", p, True), tuple(req)))

    if c.errors:
        raise SchemeError(c.errors)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return Scheme(
        key=key, version=str(version if version is not None else ""), name=name,
        description=description, max_score=float(max_score), bonus_max=float(bonus_max),
        decimals=int(decimals), campaigns=tuple(slots.values()),
        objectives=tuple(objectives.values()), indicators=tuple(indicators),
        mandatory=tuple(mandatory), veto=tuple(veto), veto_grade=veto_grade,
        grades=tuple(grades), honours=tuple(honours), participation=participation,
        missing=missing, bottom_count=int(bottom_count),
        content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        source_data=data,
    )


def load_scheme_text(text: str | bytes, filename: str = "<upload>") -> Scheme:
    """Parse and validate YAML text; raise :class:`SchemeError` with line numbers."""
    try:
        data = load_yaml(text)
    except YamlProblem as exc:
        raise SchemeError([ValidationError(filename, exc.line, "", str(exc))]) from None
    return build_scheme(data, filename)


def schemes_dir() -> Path:
    """The folder of the shipped schemes (``questionnaires/assessment``)."""
    return Path(__file__).resolve().parent / "assessment"


def load_scheme(path: str | Path) -> Scheme:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SchemeError([ValidationError(path.name, None, "", f"cannot read: {exc}")]) from None
    if size > MAX_BYTES:
        raise SchemeError([ValidationError(path.name, None, "", f"file too large ({size} bytes)")])
    return load_scheme_text(path.read_bytes(), path.name)


def schemes(folder: str | Path | None = None) -> dict[str, Scheme]:
    """Every scheme in ``folder`` (default the shipped ones), by key."""
    out: dict[str, Scheme] = {}
    for f in sorted(Path(folder or schemes_dir()).glob("*.y*ml")):
        s = load_scheme(f)
        if s.key in out:
            raise SchemeError([ValidationError(f.name, None, "key", f"duplicate key {s.key!r}")])
        out[s.key] = s
    return out


def get_scheme(key: str, folder: str | Path | None = None) -> Scheme:
    """The scheme with ``key``; :class:`KeyError` if there is none."""
    found = schemes(folder)
    if key not in found:
        raise KeyError(f"unknown assessment scheme {key!r} (have: {', '.join(sorted(found))})")
    return found[key]
