"""The parts a questionnaire is made of: texts, scales, choices, items, questions, sections,
and the fields and scored items a questionnaire lists. Immutable; re-exported by ``model``."""

from __future__ import annotations

from dataclasses import dataclass

QUESTION_TYPES = (
    "likert",
    "matrix",
    "single",
    "multiple",
    "rating",
    "number",
    "text",
    "ranking",
    "checklist",
    "note",
)
CHOICE_TYPES = ("single", "multiple", "ranking")
NA_CODE = "na"
DEFAULT_MAX_LENGTH = 500
EVIDENCE_SUFFIX = "_evidence"


@dataclass(frozen=True)
class Text:
    """A bilingual text: Simplified Chinese first, English second ('' when missing)."""

    zh: str
    en: str = ""

    def to_dict(self) -> dict:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class ScalePoint:
    code: str
    value: int
    label: Text


NA_LABEL = Text("不了解/不适用", "Don't know / not applicable")


@dataclass(frozen=True)
class Scale:
    """A named answer scale; ``satisfied`` lists the codes counted by the satisfaction rate."""

    id: str
    label: Text
    points: tuple[ScalePoint, ...]
    satisfied: frozenset[str]
    na: bool = False

    @property
    def min_value(self) -> int:
        return min(p.value for p in self.points)

    @property
    def max_value(self) -> int:
        return max(p.value for p in self.points)

    @property
    def codes(self) -> tuple[str, ...]:
        """Answerable codes, including ``na`` when allowed."""
        return tuple(p.code for p in self.points) + ((NA_CODE,) if self.na else ())

    def point(self, code: str) -> ScalePoint | None:
        for p in self.points:
            if p.code == code:
                return p
        return None

    def score(self, code: str) -> float | None:
        """0-100 score of a point: 100*(value-min)/(max-min); None for ``na`` or unknown."""
        p = self.point(code)
        if p is None:
            return None
        lo, hi = self.min_value, self.max_value
        return 100.0 * (p.value - lo) / (hi - lo)

    def to_dict(self) -> dict:
        return {
            "label": self.label.to_dict(),
            "points": [
                {"code": p.code, "value": p.value, "label": p.label.to_dict()} for p in self.points
            ],
            "satisfied": sorted(self.satisfied, key=[p.code for p in self.points].index),
            "na": self.na,
        }


@dataclass(frozen=True)
class Choice:
    code: str
    label: Text


@dataclass(frozen=True)
class MatrixItem:
    """One row of a matrix question; its id is a field name. ``weight`` is the item's own."""

    id: str
    label: Text
    reverse: bool = False
    weight: float = 1.0


@dataclass(frozen=True)
class ChecklistItem:
    """One indicator of an assessors' checklist: met (yes/no), worth ``points``."""

    id: str
    label: Text
    points: float
    evidence: bool = False
    veto: bool = False


Item = MatrixItem | ChecklistItem


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: Text
    required: bool = False
    relevant: str | None = None
    reverse: bool = False
    weight: float = 1.0
    scale: str | None = None
    items: tuple[Item, ...] = ()
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    min_choices: int | None = None
    max_choices: int | None = None
    max_length: int | None = None
    integer: bool | None = None
    hint: Text | None = None


@dataclass(frozen=True)
class Section:
    """A section is a dimension (维度) of the analysis."""

    id: str
    title: Text
    weight: float
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class FormField:
    """One answerable field: a question, a matrix/checklist item, or a checklist evidence note.

    ``kind`` is ``"question"``, ``"item"`` or ``"evidence"``; ``type`` is the answer type
    (for items: ``likert`` for matrix rows, ``checklist`` for indicators; ``text`` for evidence).
    """

    id: str
    kind: str
    type: str
    question: Question
    section: Section
    scale: Scale | None
    item: Item | None = None


@dataclass(frozen=True)
class ScoredItem:
    """An item of the satisfaction index: every likert question and every matrix row."""

    id: str
    dimension: str
    scale: Scale
    reverse: bool
    weight: float
