"""Typed, immutable questionnaire objects (the API the rest of the app codes against)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .building import build
from .parts import (
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    EVIDENCE_SUFFIX,
    NA_CODE,
    NA_LABEL,
    QUESTION_TYPES,
    ChecklistItem,
    Choice,
    FormField,
    Item,
    MatrixItem,
    Question,
    Scale,
    ScalePoint,
    ScoredItem,
    Section,
    Text,
)

__all__ = [
    "CHOICE_TYPES", "DEFAULT_MAX_LENGTH", "EVIDENCE_SUFFIX", "NA_CODE", "NA_LABEL",
    "QUESTION_TYPES", "ChecklistItem", "Choice", "FormField", "Item", "MatrixItem", "Question",
    "Questionnaire", "Scale", "ScalePoint", "ScoredItem", "Section", "Text",
]


def _num(x: float | int | None) -> float | int | None:
    """Canonical number: integral floats become ints so 1 and 1.0 hash the same."""
    if x is None:
        return None
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: str
    title: Text
    description: Text | None
    sections: tuple[Section, ...]
    scales: Mapping[str, Scale] = field(default_factory=lambda: MappingProxyType({}))

    # ------------------------------------------------------------------ navigation

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def fields(self) -> list[FormField]:
        """Every answerable field in form order: questions (not notes), matrix and checklist
        items expanded, each checklist item with ``evidence`` followed by its
        ``<item>_evidence`` text field. Built once per questionnaire (it is immutable): a
        member's submission walks the fields twice (reading the post, validating it)."""
        cached = self.__dict__.get("_fields_list")
        if cached is None:
            cached = tuple(self._build_fields())
            object.__setattr__(self, "_fields_list", cached)
        return list(cached)

    def _build_fields(self) -> list[FormField]:
        out: list[FormField] = []
        for s in self.sections:
            for q in s.questions:
                scale = self.scales.get(q.scale) if q.scale else None
                if q.type == "note":
                    continue
                if q.type == "matrix":
                    for it in q.items:
                        out.append(FormField(it.id, "item", "likert", q, s, scale, it))
                elif q.type == "checklist":
                    for it in q.items:
                        out.append(FormField(it.id, "item", "checklist", q, s, None, it))
                        if isinstance(it, ChecklistItem) and it.evidence:
                            eid = it.id + EVIDENCE_SUFFIX
                            out.append(FormField(eid, "evidence", "text", q, s, None, it))
                else:
                    out.append(FormField(q.id, "question", q.type, q, s, scale))
        return out

    def field(self, field_id: str) -> FormField | None:
        """The field with this id (question, item or evidence note), or None."""
        return self._field_index().get(field_id)

    def answer_options(self, field_id: str) -> tuple[tuple[str, int | None, str, str], ...] | None:
        """(code, value, zh, en) per option of a coded field; used by expressions."""
        f = self._field_index().get(field_id)
        if f is None:
            return None
        if f.scale is not None and f.type == "likert":
            opts = [(p.code, p.value, p.label.zh, p.label.en) for p in f.scale.points]
            if f.scale.na:
                opts.append((NA_CODE, None, NA_LABEL.zh, NA_LABEL.en))
            return tuple(opts)
        if f.type in CHOICE_TYPES:
            return tuple((c.code, None, c.label.zh, c.label.en) for c in f.question.choices)
        return None

    def _field_index(self) -> dict[str, FormField]:
        cache = self.__dict__.get("_fields_cache")
        if cache is None:
            cache = {f.id: f for f in self.fields()}
            object.__setattr__(self, "_fields_cache", cache)
        return cache

    def scored_items(self) -> list[ScoredItem]:
        """Likert questions and matrix rows, in form order.

        A matrix row's weight is question weight x item weight; its ``reverse`` is the row's
        own flag (which defaults to the question's).
        """
        out: list[ScoredItem] = []
        for s in self.sections:
            for q in s.questions:
                if q.type == "likert":
                    out.append(ScoredItem(q.id, s.id, self.scales[q.scale], q.reverse, q.weight))
                elif q.type == "matrix":
                    for it in q.items:
                        out.append(
                            ScoredItem(
                                it.id, s.id, self.scales[q.scale], it.reverse, q.weight * it.weight
                            )
                        )
        return out

    def dimension_weights(self) -> dict[str, float]:
        dims = {i.dimension for i in self.scored_items()}
        return {s.id: s.weight for s in self.sections if s.id in dims}

    def checklist_points(self) -> float:
        """Total points of all checklist indicators (third-party sheets total 100)."""
        return sum(
            it.points
            for q in self.questions()
            if q.type == "checklist"
            for it in q.items
            if isinstance(it, ChecklistItem)
        )

    # ------------------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        """The normalised YAML-shaped dict: choices inlined, used scales embedded with the
        satisfied overrides applied. ``Questionnaire.from_dict`` reads it back."""
        d: dict[str, Any] = {
            "key": self.key,
            "version": self.version,
            "title": self.title.to_dict(),
        }
        if self.description is not None:
            d["description"] = self.description.to_dict()
        d["scales"] = {sid: sc.to_dict() for sid, sc in sorted(self.scales.items())}
        d["sections"] = []
        for s in self.sections:
            sd: dict[str, Any] = {"id": s.id, "title": s.title.to_dict()}
            if s.weight:  # 0 = a section without scored items and no weight given
                sd["weight"] = _num(s.weight)
            sd["questions"] = [_question_dict(q) for q in s.questions]
            d["sections"].append(sd)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Questionnaire:
        """Rebuild from :meth:`to_dict` output (uses only the scales in ``d``)."""
        return build(d, "<dict>", shared_scales={}, require_en=False, make=cls)

    def canonical_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def content_hash(self) -> str:
        cached = self.__dict__.get("_hash_cache")
        if cached is None:
            cached = hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
            object.__setattr__(self, "_hash_cache", cached)
        return cached

    def __hash__(self) -> int:  # the scales mapping is unhashable; the content hash is not
        return hash(self.content_hash())


def _question_dict(q: Question) -> dict[str, Any]:
    d: dict[str, Any] = {"id": q.id, "type": q.type, "label": q.label.to_dict()}
    if q.hint is not None:
        d["hint"] = q.hint.to_dict()
    if q.type != "note":
        d["required"] = q.required
    if q.relevant is not None:
        d["relevant"] = q.relevant
    if q.type in ("likert", "matrix"):
        d["scale"] = q.scale
        d["reverse"] = q.reverse
        d["weight"] = _num(q.weight)
    if q.type == "matrix":
        d["items"] = [
            {
                "id": it.id,
                "label": it.label.to_dict(),
                "reverse": it.reverse,
                "weight": _num(it.weight),
            }
            for it in q.items
            if isinstance(it, MatrixItem)
        ]
    if q.type == "checklist":
        d["items"] = [
            {
                "id": it.id,
                "label": it.label.to_dict(),
                "points": _num(it.points),
                "evidence": it.evidence,
                "veto": it.veto,
            }
            for it in q.items
            if isinstance(it, ChecklistItem)
        ]
    if q.type in CHOICE_TYPES:
        d["choices"] = [{"code": c.code, "label": c.label.to_dict()} for c in q.choices]
    if q.type == "multiple":
        if q.min_choices is not None:
            d["min_choices"] = q.min_choices
        if q.max_choices is not None:
            d["max_choices"] = q.max_choices
    if q.type == "number":
        d["integer"] = bool(q.integer)
        if q.min is not None:
            d["min"] = _num(q.min)
        if q.max is not None:
            d["max"] = _num(q.max)
    if q.type == "text":
        d["max_length"] = q.max_length
    return d
