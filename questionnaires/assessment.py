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

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checking import Checker, QuestionnaireError, ValidationError, is_number, join, line_of
from .parts import Text
from .vocabulary import CampaignKind, HonourLevel
from .yamlio import MAX_BYTES, YamlProblem, load_yaml

SOURCE_TYPES = ("satisfaction", "participation", "composite", "objective", "checklist")
OBJECTIVE_KINDS = ("rate", "count", "number", "boolean")
SATISFACTION_MEASURES = ("overall_index", "satisfaction_rate")
RATE_MEASURES = ("satisfaction_rate", "participation_rate")
MANDATORY_EFFECTS = ("no_honours", "cap_grade")
#: Objective indicators Pingjia computes from its own records instead of having them typed:
#: ``partnering_activities`` counts a unit's confirmed 联手兴家 activities in the year (either
#: side of a pair); ``action_follow_through`` is the share of the unit's 整改 actions due in
#: the year that were done by their due date and verified (none due: not applicable).
COMPUTED_OBJECTIVES = ("partnering_activities", "action_follow_through")


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
    #: a bonus indicator whose figure may not apply (e.g. no action was due): missing gives
    #: no bonus points and is neither flagged nor held against honours
    optional: bool = False


@dataclass(frozen=True)
class CampaignSlot:
    """A campaign the scheme reads, by role; the campaign is chosen per year."""

    key: str
    kind: CampaignKind
    name: Text


@dataclass(frozen=True)
class ObjectiveDef:
    """An objective indicator entered by the upper-level union (with evidence), or computed
    by Pingjia (``computed``, one of :data:`COMPUTED_OBJECTIVES`); a value typed for a
    computed indicator overrides it, with a reason."""

    key: str
    name: Text
    kind: str
    min: float | None = None
    max: float | None = None
    computed: str | None = None


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
    #: the honours register's level this honour is recorded at (``HonourLevel``), when the
    #: awarding union confirms the engine's recommendation
    level: str | None = None


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


def _pairs(c: Checker, raw: Any, path: str, line: int | None) -> list[tuple[float, float]]:
    if not isinstance(raw, list) or not raw:
        c.err(path, line, "must be a non-empty list of [x, value] pairs")
        return []
    out = []
    for i, pair in enumerate(raw):
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(is_number(v) for v in pair)):
            c.err(join(path, i), line_of(raw, i), "must be a pair [x, value] of numbers")
            return []
        out.append((float(pair[0]), float(pair[1])))
    return out


def _parse_rule(c: Checker, d: Mapping, path: str, points: float | None,
                rate: bool) -> Rule | None:
    raw = d.get("rule")
    p = join(path, "rule")
    r = c.mapping(raw, p, line_of(d, "rule"), "rule")
    if r is None:
        return None
    kinds = [k for k in ("piecewise", "tiers") if k in r]
    if len(kinds) != 1:
        c.err(p, line_of(r), "a rule needs exactly one of 'piecewise' or 'tiers'")
        return None
    kind = kinds[0]
    if kind == "piecewise":
        c.keys(r, {"piecewise", "below", "above"}, p, "piecewise rule")
        bps = _pairs(c, r["piecewise"], join(p, "piecewise"), line_of(r, "piecewise"))
        for i, (x, s) in enumerate(bps):
            if not 0 <= s <= 1:
                c.err(join(join(p, "piecewise"), i), line_of(r["piecewise"], i),
                      f"share must be between 0 and 1, got {s}")
            if i and x <= bps[i - 1][0]:
                c.err(join(join(p, "piecewise"), i), line_of(r["piecewise"], i),
                      "x values must be strictly increasing")
            if rate and not 0 <= x <= 1:
                c.err(join(join(p, "piecewise"), i), line_of(r["piecewise"], i),
                      f"a rate is a proportion in [0, 1] (90% is 0.9), got {x}")
        below = c.number(r, "below", p, lo=0, hi=1)
        above = c.number(r, "above", p, lo=0, hi=1)
        return Rule("piecewise", tuple(bps), below=below, above=above)
    c.keys(r, {"tiers", "otherwise"}, p, "tiers rule")
    tiers = _pairs(c, r["tiers"], join(p, "tiers"), line_of(r, "tiers"))
    for i, (t, pts) in enumerate(tiers):
        if i and t >= tiers[i - 1][0]:
            c.err(join(join(p, "tiers"), i), line_of(r["tiers"], i),
                  "thresholds must be strictly decreasing")
        if pts < 0 or (points is not None and pts > points):
            c.err(join(join(p, "tiers"), i), line_of(r["tiers"], i),
                  f"tier points must be between 0 and the indicator's {points}, got {pts}")
        if rate and not 0 <= t <= 1:
            c.err(join(join(p, "tiers"), i), line_of(r["tiers"], i),
                  f"a rate is a proportion in [0, 1] (90% is 0.9), got {t}")
    otherwise = c.number(r, "otherwise", p, default=0.0, lo=0, hi=points)
    return Rule("tiers", tiers=tuple(tiers), otherwise=float(otherwise))


def _parse_source(c: Checker, d: Mapping, path: str, slots: Mapping[str, CampaignSlot],
                  objectives: Mapping[str, ObjectiveDef]) -> Source | None:
    p = join(path, "source")
    s = c.mapping(d.get("source"), p, line_of(d, "source"), "source")
    if s is None:
        return None
    c.keys(s, {"type", "campaign", "measure", "group", "objective"}, p, "source",
           required={"type"})
    typ = s.get("type")
    if typ not in SOURCE_TYPES:
        c.err(join(p, "type"), line_of(s, "type"),
              f"unknown source type {typ!r} (use {', '.join(SOURCE_TYPES)})")
        return None
    if typ == "objective" or (typ == "checklist" and "objective" in s):
        key = s.get("objective")
        if key not in objectives:
            c.err(join(p, "objective"), line_of(s, "objective") or line_of(s),
                  f"unknown objective indicator {key!r}")
            return None
        extra = {"campaign", "measure", "group"} & set(s)
        if extra:
            c.err(p, line_of(s), f"an objective source takes no {', '.join(sorted(extra))}")
        return Source(typ, objective=key, measure=objectives[key].kind)
    camp = s.get("campaign")
    if camp not in slots:
        c.err(join(p, "campaign"), line_of(s, "campaign") or line_of(s),
              f"unknown campaign {camp!r} (declare it under 'campaigns')")
        return None
    group = c.ident(s, "group", p, required=False)
    measure = s.get("measure")
    fixed = {"participation": "participation_rate", "composite": "composite_index"}
    if typ in fixed:
        if measure not in (None, fixed[typ]):
            c.err(join(p, "measure"), line_of(s, "measure"), f"a {typ} source measures "
                  f"{fixed[typ]}")
        if group is not None:
            c.err(join(p, "group"), line_of(s, "group"), f"a {typ} source takes no group")
        return Source(typ, campaign=camp, measure=fixed[typ])
    if typ == "checklist":
        if measure not in (None, "checklist_total"):
            c.err(join(p, "measure"), line_of(s, "measure"),
                  "a checklist source measures checklist_total (0-100)")
        return Source(typ, campaign=camp, measure="checklist_total")
    measure = measure or "overall_index"
    if measure not in SATISFACTION_MEASURES and not (
        isinstance(measure, str) and measure.startswith("dim:") and len(measure) > 4
    ):
        c.err(join(p, "measure"), line_of(s, "measure"),
              f"unknown measure {measure!r} (use overall_index, satisfaction_rate or "
              "dim:<dimension>)")
        return None
    return Source(typ, campaign=camp, measure=measure, group=group)


def _unique(c: Checker, raw: list, path: str, what: str) -> None:
    seen: set = set()
    for i, item in enumerate(raw):
        k = item.get("key") if isinstance(item, dict) else None
        if k in seen:
            c.err(join(join(path, i), "key"), line_of(raw, i), f"duplicate {what} key {k!r}")
        seen.add(k)


_SCHEME_KEYS = {"key", "version", "name", "description", "max_score", "bonus_max", "decimals",
                "campaigns", "objective_indicators", "indicators", "mandatory", "veto",
                "veto_grade", "grades", "honours", "participation", "missing", "bottom_count"}
_REQUIRED_SCHEME_KEYS = {"key", "version", "name", "indicators", "grades"}


def _entries(c: Checker, d: Mapping, key: str, what: str, a_what: str, *,
             required: bool = False) -> Iterator[tuple[str, Mapping]]:
    """``(path, mapping)`` for each entry of the list ``d[key]``, after reporting duplicate
    keys; entries that are not mappings are reported and skipped."""
    raw = c.seq(d, key, "", required=required)
    _unique(c, raw, key, what)
    for i, item in enumerate(raw):
        p = join(key, i)
        m = c.mapping(item, p, line_of(raw, i), a_what)
        if m is not None:
            yield p, m


def _campaign_kind(kind: Any) -> CampaignKind | None:
    try:
        return CampaignKind(kind)
    except ValueError:
        return None


def _campaigns(c: Checker, d: Mapping) -> dict[str, CampaignSlot]:
    slots: dict[str, CampaignSlot] = {}
    for p, m in _entries(c, d, "campaigns", "campaign", "a campaign"):
        c.keys(m, {"key", "kind", "name"}, p, "a campaign", required={"key", "kind", "name"})
        k = c.ident(m, "key", p, required=False)
        kind = _campaign_kind(m.get("kind"))
        if kind is None:
            c.err(join(p, "kind"), line_of(m, "kind"),
                  f"unknown campaign kind {m.get('kind')!r} (use {', '.join(CampaignKind)})")
        t = c.text(m, "name", p)
        if k and t and kind is not None:
            slots[k] = CampaignSlot(k, kind, t)
    return slots


def _objectives(c: Checker, d: Mapping) -> dict[str, ObjectiveDef]:
    objectives: dict[str, ObjectiveDef] = {}
    for p, m in _entries(c, d, "objective_indicators", "objective indicator",
                         "an objective indicator"):
        c.keys(m, {"key", "name", "kind", "min", "max", "computed"}, p,
               "an objective indicator", required={"key", "name", "kind"})
        k = c.ident(m, "key", p, required=False)
        kind = m.get("kind")
        if kind not in OBJECTIVE_KINDS:
            c.err(join(p, "kind"), line_of(m, "kind"),
                  f"unknown kind {kind!r} (use {', '.join(OBJECTIVE_KINDS)})")
        lo = c.number(m, "min", p)
        hi = c.number(m, "max", p)
        if kind == "rate":
            lo, hi = (0 if lo is None else lo), (1 if hi is None else hi)
        if kind == "boolean":
            lo, hi = 0, 1
        if lo is not None and hi is not None and lo > hi:
            c.err(p, line_of(m), "min is above max")
        computed = m.get("computed")
        if computed is not None and computed not in COMPUTED_OBJECTIVES:
            c.err(join(p, "computed"), line_of(m, "computed"),
                  f"unknown computed figure {computed!r} (use {', '.join(COMPUTED_OBJECTIVES)})")
            computed = None
        t = c.text(m, "name", p)
        if k and t and kind in OBJECTIVE_KINDS:
            objectives[k] = ObjectiveDef(k, t, kind, lo, hi, computed)
    return objectives


def _indicators(c: Checker, d: Mapping, slots: Mapping[str, CampaignSlot],
                objectives: Mapping[str, ObjectiveDef]) -> list[Indicator]:
    indicators: list[Indicator] = []
    for p, m in _entries(c, d, "indicators", "indicator", "an indicator", required=True):
        c.keys(m, {"key", "name", "points", "source", "rule", "bonus", "optional"}, p,
               "an indicator", required={"key", "name", "points", "source", "rule"})
        k = c.ident(m, "key", p, required=False)
        t = c.text(m, "name", p)
        pts = c.number(m, "points", p, lo=0)
        if pts == 0:
            c.err(join(p, "points"), line_of(m, "points"), "must be positive")
        bonus = c.boolean(m, "bonus", p, False)
        optional = c.boolean(m, "optional", p, False)
        if optional and not bonus:
            c.err(join(p, "optional"), line_of(m, "optional"),
                  "only a bonus indicator may be optional")
        src = _parse_source(c, m, p, slots, objectives)
        rate = src is not None and (src.is_rate or src.measure == "rate")
        rule = _parse_rule(c, m, p, pts, rate)
        if k and t and pts and src and rule:
            indicators.append(Indicator(k, t, float(pts), src, rule, bonus, optional))
    return indicators


def _check_points(c: Checker, d: Mapping, indicators: list[Indicator], max_score: Any,
                  bonus_max: Any) -> None:
    """The non-bonus points add up to ``max_score``; bonus points need a ``bonus_max``."""
    base = sum(i.points for i in indicators if not i.bonus)
    bonus_total = sum(i.points for i in indicators if i.bonus)
    if not c.errors and max_score is not None and not math.isclose(base, max_score):
        c.err("indicators", line_of(d, "indicators"),
              f"the points of the non-bonus indicators add up to {base:g}, not max_score "
              f"{max_score:g}")
    if bonus_total and not bonus_max:
        c.err("bonus_max", line_of(d), "bonus indicators need a positive 'bonus_max'")


def _grades(c: Checker, d: Mapping) -> list[Grade]:
    grades: list[Grade] = []
    for p, m in _entries(c, d, "grades", "grade", "a grade", required=True):
        c.keys(m, {"key", "name", "min"}, p, "a grade", required={"key", "name", "min"})
        k = c.ident(m, "key", p, required=False)
        t, lo = c.text(m, "name", p), c.number(m, "min", p, lo=0)
        if grades and lo is not None and lo >= grades[-1].min:
            c.err(join(p, "min"), line_of(m, "min"),
                  "grades go from best to worst: each 'min' below the previous one")
        if k and t and lo is not None:
            grades.append(Grade(k, t, float(lo)))
    if grades and grades[-1].min != 0:
        c.err("grades", line_of(d, "grades"),
              "the last grade must have min 0 (every score gets a grade)")
    return grades


def _grade_ref(c: Checker, grade_keys: set[str], m: Mapping, key: str, p: str) -> str | None:
    v = m.get(key)
    if v is not None and v not in grade_keys:
        c.err(join(p, key), line_of(m, key), f"unknown grade {v!r}")
        return None
    return v


def _mandatory(c: Checker, d: Mapping, objectives: Mapping[str, ObjectiveDef],
               grade_keys: set[str]) -> list[Mandatory]:
    mandatory: list[Mandatory] = []
    for p, m in _entries(c, d, "mandatory", "mandatory item", "a mandatory item"):
        c.keys(m, {"key", "name", "objective", "min", "effect", "cap_grade"}, p,
               "a mandatory item", required={"key", "name", "objective"})
        k, t = c.ident(m, "key", p, required=False), c.text(m, "name", p)
        obj = m.get("objective")
        if obj not in objectives:
            c.err(join(p, "objective"), line_of(m, "objective"),
                  f"unknown objective indicator {obj!r}")
        lo = c.number(m, "min", p, default=1)
        effect = m.get("effect", "no_honours")
        if effect not in MANDATORY_EFFECTS:
            c.err(join(p, "effect"), line_of(m, "effect"),
                  f"unknown effect {effect!r} (use {', '.join(MANDATORY_EFFECTS)})")
        cap = _grade_ref(c, grade_keys, m, "cap_grade", p)
        if effect == "cap_grade" and cap is None:
            c.err(p, line_of(m), "effect cap_grade needs 'cap_grade'")
        if k and t and obj in objectives:
            mandatory.append(Mandatory(k, t, obj, float(lo), effect, cap))
    return mandatory


def _veto(c: Checker, d: Mapping) -> list[VetoItem]:
    veto: list[VetoItem] = []
    for p, m in _entries(c, d, "veto", "veto item", "a veto item"):
        c.keys(m, {"key", "name"}, p, "a veto item", required={"key", "name"})
        k, t = c.ident(m, "key", p, required=False), c.text(m, "name", p)
        if k and t:
            veto.append(VetoItem(k, t))
    return veto


def _participation(c: Checker, d: Mapping, slots: Mapping[str, CampaignSlot],
                   objectives: Mapping[str, ObjectiveDef]) -> Participation:
    pm = c.mapping(d.get("participation") or {}, "participation", line_of(d, "participation"),
                   "participation")
    if pm is None:
        return Participation(None)
    c.keys(pm, {"campaign", "min_rate", "min_frontline_share", "frontline_objective",
                "below_minimum"}, "participation", "participation")
    camp = pm.get("campaign")
    if camp is not None and camp not in slots:
        c.err("participation.campaign", line_of(pm, "campaign"), f"unknown campaign {camp!r}")
    fo = pm.get("frontline_objective")
    if fo is not None and fo not in objectives:
        c.err("participation.frontline_objective", line_of(pm, "frontline_objective"),
              f"unknown objective indicator {fo!r}")
    below = pm.get("below_minimum", "zero")
    if below not in ("zero", "flag"):
        c.err("participation.below_minimum", line_of(pm, "below_minimum"), "use zero or flag")
    return Participation(
        camp, float(c.number(pm, "min_rate", "participation", default=0.30, lo=0, hi=1)),
        float(c.number(pm, "min_frontline_share", "participation", default=0.60, lo=0, hi=1)),
        fo, below)


def _missing(c: Checker, d: Mapping) -> MissingPolicy:
    mm = c.mapping(d.get("missing") or {}, "missing", line_of(d, "missing"), "missing")
    if mm is None:
        return MissingPolicy()
    c.keys(mm, {"min_available_share", "blocks_honours"}, "missing", "missing")
    return MissingPolicy(
        float(c.number(mm, "min_available_share", "missing", default=0.8, lo=0, hi=1)),
        c.boolean(mm, "blocks_honours", "missing", True))


def _honours(c: Checker, d: Mapping, grade_keys: set[str], figures: set[str]) -> list[Honour]:
    honours: list[Honour] = []
    for p, m in _entries(c, d, "honours", "honour", "an honour"):
        c.keys(m, {"key", "name", "grades", "min_score", "minimums", "participation_minimum",
                   "requires", "level"}, p, "an honour", required={"key", "name", "grades"})
        level = m.get("level")
        if level is not None and level not in {lv.value for lv in HonourLevel}:
            c.err(join(p, "level"), line_of(m, "level"),
                  f"unknown honour level {level!r} "
                  f"(use {', '.join(lv.value for lv in HonourLevel)})")
            level = None
        k, t = c.ident(m, "key", p, required=False), c.text(m, "name", p)
        gs = m.get("grades")
        if not isinstance(gs, list) or not gs or any(g not in grade_keys for g in gs):
            c.err(join(p, "grades"), line_of(m, "grades"),
                  f"must be a non-empty list of grade keys ({', '.join(sorted(grade_keys))})")
            gs = []
        mins = _honour_minimums(c, m, p, figures)
        req = m.get("requires") or []
        known = {h.key for h in honours}
        if not isinstance(req, list) or any(r not in known for r in req):
            c.err(join(p, "requires"), line_of(m, "requires"),
                  "must list honours defined above this one")
            req = []
        if k and t:
            honours.append(Honour(
                k, t, tuple(gs), c.number(m, "min_score", p, lo=0), tuple(mins),
                c.boolean(m, "participation_minimum", p, True), tuple(req), level))
    return honours


def _honour_minimums(c: Checker, m: Mapping, p: str,
                     figures: set[str]) -> list[tuple[str, float]]:
    mins = []
    mn = m.get("minimums") or {}
    if not isinstance(mn, dict):
        c.err(join(p, "minimums"), line_of(m, "minimums"), "must be a mapping figure: min")
        mn = {}
    for fig, v in mn.items():
        if fig not in figures:
            c.err(join(join(p, "minimums"), fig), line_of(mn, fig),
                  f"unknown figure {fig!r} (use an indicator's source, e.g. "
                  f"{sorted(figures)[0] if figures else 'member.satisfaction_rate'})")
        elif not is_number(v):
            c.err(join(join(p, "minimums"), fig), line_of(mn, fig), "must be a number")
        else:
            mins.append((fig, float(v)))
    return mins


def build_scheme(data: Any, filename: str = "<dict>") -> Scheme:
    """Validate a parsed scheme; raise :class:`SchemeError` listing every problem."""
    c = Checker(filename)
    d = c.mapping(data, "", line_of(data), "a scheme")
    if d is None:
        raise SchemeError(c.errors)
    c.keys(d, _SCHEME_KEYS, "", "a scheme", required=_REQUIRED_SCHEME_KEYS)
    key = c.ident(d, "key", "", required=False)
    version = d.get("version")
    if version is not None and not isinstance(version, str | int):
        c.err("version", line_of(d, "version"), "must be a text or a number")
    name = c.text(d, "name", "")
    description = c.text(d, "description", "", required=False)
    max_score = c.number(d, "max_score", "", default=100, lo=1)
    bonus_max = c.number(d, "bonus_max", "", default=0, lo=0)
    decimals = c.number(d, "decimals", "", default=2, lo=0, hi=6, integer=True)
    bottom_count = c.number(d, "bottom_count", "", default=2, lo=0, integer=True)

    slots = _campaigns(c, d)
    objectives = _objectives(c, d)
    indicators = _indicators(c, d, slots, objectives)
    _check_points(c, d, indicators, max_score, bonus_max)
    grades = _grades(c, d)
    grade_keys = {g.key for g in grades}
    mandatory = _mandatory(c, d, objectives, grade_keys)
    veto = _veto(c, d)
    veto_grade = (_grade_ref(c, grade_keys, d, "veto_grade", "")
                  or (grades[-1].key if grades else ""))
    participation = _participation(c, d, slots, objectives)
    missing = _missing(c, d)
    figures = {i.source.column for i in indicators}
    if participation.campaign:
        figures.add(f"{participation.campaign}.participation_rate")
    figures |= {f"objective.{k}" for k in objectives}
    honours = _honours(c, d, grade_keys, figures)

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
