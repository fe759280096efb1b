"""XLSForm interop: import an XLSForm into our YAML-shaped dict, export a questionnaire.

Import reads the raw sheets with ``pyxform.xls2json_backends.get_xlsform`` (for row numbers)
after checking the form with ``pyxform.xls2json.parse_file_to_json``. Anything that cannot be
mapped is rejected with a :class:`QuestionnaireError` naming the sheet and row. Mapping rules
are documented in README.md ("XLSForm interop").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import expressions
from .checking import ID_RE, QuestionnaireError, ValidationError
from .loader import library_scales
from .model import (
    EVIDENCE_SUFFIX,
    NA_CODE,
    NA_LABEL,
    ChecklistItem,
    MatrixItem,
    Question,
    Questionnaire,
    Scale,
    Section,
    Text,
)
from .yamlio import dump_yaml

__all__ = ["dump_yaml", "export_xlsform", "import_xlsform", "xpath_to_condition"]

ZH_LANG = "Chinese (zh)"
EN_LANG = "English (en)"
PJ = "pingjia::"
YES_NO = "yes_no"
MAIN_SECTION = "main"

_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"", "no", "false", "false()", "0"}
# Survey columns we read; any other column with a value is rejected, never dropped.
_PJ_COLUMNS = {"weight", "reverse", "scale", "points", "evidence", "veto", "min_choices",
               "max_choices", "type"}
_BASE_COLUMNS = {"type", "name", "required", "relevant", "constraint", "appearance",
                 "parameters"}

_NUM = r"-?\d+(?:\.\d+)?"
_RANGE_RE = re.compile(rf"^\.\s*(>=|<=)\s*({_NUM})(?:\s+and\s+\.\s*(>=|<=)\s*({_NUM}))?$")
_LENGTH_RE = re.compile(r"^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$")

_XPATH_TOKEN = re.compile(
    r"""\s*(?:
        (?P<field>\$\{(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_\-:]*)
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)


class _Reject(Exception):
    pass


def xpath_to_condition(xpath: str) -> str:
    """Translate an XLSForm ``relevant`` into our condition language (canonical text).

    Supports ``${q}``, string and number literals, ``= != < <= > >=``, ``and``, ``or``,
    ``not(...)``, parentheses and ``selected(${q}, 'code')``. Raises ``ValueError`` otherwise.
    """
    out: list[str] = []
    pos = 0
    text = xpath.strip()
    while pos < len(text):
        m = _XPATH_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        if m.group("field"):
            name = m.group("name")
            if not ID_RE.match(name):
                raise ValueError(f"field name {name!r} is not a valid question id")
            out.append(name)
        elif m.group("string"):
            out.append(m.group("string"))
        elif m.group("number"):
            out.append(m.group("number"))
        elif m.group("op"):
            op = m.group("op")
            out.append("==" if op == "=" else op)
        elif m.group("punct"):
            out.append(m.group("punct"))
        elif m.group("word"):
            word = m.group("word")
            nxt = text[pos:].lstrip()[:1]
            if word in ("and", "or"):
                out.append(word)
            elif word == "not" and nxt == "(":
                out.append("not")
            elif word == "selected" and nxt == "(":
                out.append("selected")
            else:
                kind = "function" if nxt == "(" else "name"
                raise ValueError(f"unsupported {kind} {word!r} in expression")
        else:
            raise ValueError(f"unsupported character {m.group('other')!r} in expression")
    try:
        return expressions.parse(" ".join(out)).to_source()
    except expressions.ExpressionError as exc:
        raise ValueError(str(exc)) from None


def _lang_of(column_lang: str) -> str | None:
    low = column_lang.strip().lower()
    if "(zh" in low or low.startswith(("chinese", "zh", "中文")):
        return "zh"
    if "(en" in low or low.startswith(("english", "en")):
        return "en"
    return None


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _finish_sections(sections: list[dict]) -> list[dict]:
    """Drop the import's bookkeeping keys; without weights in the form, sections with scored
    items get equal dimension weights."""
    for s in sections:
        s.pop("_row", None)
        s.pop("_implicit", None)
    scored = [s for s in sections
              if any(q.get("type") in ("likert", "matrix") for q in s["questions"])]
    if scored and not any("weight" in s for s in sections):
        for s in scored:
            s["weight"] = 1 / len(scored)
    return sections


class _Importer:
    def __init__(self, path: Path):
        self.path = path
        self.file = path.name
        self.errors: list[ValidationError] = []

    def err(self, sheet: str, row: int | None, message: str) -> None:
        where = f"{sheet} row {row}" if row is not None else sheet
        self.errors.append(ValidationError(self.file, row, where, message))

    def text(self, row: dict, base: str, sheet: str, rowno: int) -> dict | None:
        zh = en = ""
        for col, raw in row.items():
            value = _cell(raw)
            if not value:
                continue
            if col == base:
                zh = zh or value
            elif col.startswith(base + "::"):
                lang = _lang_of(col[len(base) + 2 :])
                if lang is None:
                    self.err(sheet, rowno, f"unsupported language column '{col}' (use zh, en)")
                elif lang == "zh":
                    zh = value
                else:
                    en = value
        if not zh and not en:
            return None
        if not zh:
            zh = en
        return {"zh": zh, "en": en}

    def run(self) -> dict:
        from pyxform.errors import PyXFormError
        from pyxform.xls2json import parse_file_to_json
        from pyxform.xls2json_backends import get_xlsform

        try:
            parse_file_to_json(str(self.path))
            raw = get_xlsform(str(self.path))
        except PyXFormError as exc:
            m = re.search(r"\[row\s*:\s*(\d+)\]", str(exc))
            row = int(m.group(1)) if m else None
            where = f"survey row {row}" if row is not None else ""
            raise QuestionnaireError(
                [ValidationError(self.file, row, where, f"pyxform rejected the form: {exc}")]
            ) from None
        except Exception as exc:  # noqa: BLE001 - pyxform raises many kinds on bad files
            raise QuestionnaireError(
                [ValidationError(self.file, None, "", f"cannot read XLSForm: {exc}")]
            ) from None
        self.lists = self.read_choices(raw.choices or [])
        settings = (raw.settings or [{}])[0] if raw.settings else {}
        d = self.read_settings(settings)
        d["sections"] = self.read_survey(raw.survey or [], d["title"])
        if self.errors:
            raise QuestionnaireError(self.errors)
        if self.satisfied:
            d["satisfied"] = self.satisfied
        return d

    def read_settings(self, s: dict) -> dict:
        title_zh = _cell(s.get("form_title"))
        title_en = _cell(s.get("pingjia_title_en"))
        key = _cell(s.get("form_id")) or re.sub(r"[^a-z0-9_]", "_", self.path.stem.lower())
        d: dict[str, Any] = {
            "key": key,
            "version": _cell(s.get("version")) or "1",
            "title": {"zh": title_zh or title_en or key, "en": title_en},
        }
        dzh, den = _cell(s.get("pingjia_description_zh")), _cell(s.get("pingjia_description_en"))
        if dzh or den:
            d["description"] = {"zh": dzh or den, "en": den}
        self.satisfied: dict[str, list[str]] = {}
        sat = _cell(s.get("pingjia_satisfied"))
        for part in filter(None, (p.strip() for p in sat.split(";"))):
            sid, _, codes = part.partition(":")
            self.satisfied[sid.strip()] = codes.split()
        return d

    def read_choices(self, rows: list[dict]) -> dict[str, list[dict]]:
        lists: dict[str, list[dict]] = {}
        for i, row in enumerate(rows):
            rowno = i + 2
            if not any(_cell(v) for v in row.values()):
                continue
            name = _cell(row.get("list_name") or row.get("list name"))
            code = _cell(row.get("name"))
            label = self.text(row, "label", "choices", rowno)
            for col in row:
                if col not in ("list_name", "list name", "name") and not col.startswith("label"):
                    if _cell(row[col]):
                        self.err("choices", rowno, f"unsupported column '{col}'")
            if not name or not code:
                self.err("choices", rowno, "a choice needs list_name and name")
                continue
            lists.setdefault(name, []).append(
                {"code": code, "label": label or {"zh": code, "en": code}, "_row": rowno}
            )
        return lists

    def check_columns(self, row: dict, rowno: int) -> None:
        for col, value in row.items():
            if not _cell(value):
                continue
            if col in _BASE_COLUMNS or col in ("label", "hint"):
                continue
            if col.startswith(("label::", "hint::")):
                continue
            if col.startswith(PJ) and col[len(PJ) :] in _PJ_COLUMNS:
                continue
            self.err("survey", rowno, f"column '{col}' is not supported")

    def read_survey(self, rows: list[dict], form_title: dict) -> list[dict]:
        self.sections: list[dict] = []
        self.current: dict | None = None  # the open top-level group (a section)
        self.block: dict | None = None  # an open matrix or checklist group
        for i, row in enumerate(rows):
            rowno = i + 2
            if not any(_cell(v) for v in row.values()):
                continue
            self.check_columns(row, rowno)
            rtype = _normalise_type(_cell(row.get("type")))
            name = _cell(row.get("name"))
            if rtype == "begin group":
                self.begin_group(row, name, rowno)
            elif rtype == "end group":
                self.end_group(rowno)
            elif self.block is not None:
                self.block_row(self.block, row, rtype, name, rowno)
            else:
                q = self.question(row, rtype, name, rowno)
                if q is not None:
                    self.add_question(q, form_title)
        if self.current is not None or self.block is not None:
            self.err("survey", None, "a group is not closed (missing end group)")
        return _finish_sections(self.sections)

    def begin_group(self, row: dict, name: str, rowno: int) -> None:
        """A top-level group opens a section; a nested one a matrix or checklist block."""
        pj_type = _cell(row.get(PJ + "type"))
        appearance = _cell(row.get("appearance"))
        if self.current is None:
            if name and not ID_RE.match(name):
                self.err("survey", rowno, f"group name {name!r} is not a valid id")
            self.current = {"id": name, "title": self.text(row, "label", "survey", rowno)
                            or {"zh": name, "en": name}, "questions": [], "_row": rowno}
            w = _cell(row.get(PJ + "weight"))
            if w:
                self.current["weight"] = self.number(w, rowno)
            self.sections.append(self.current)
        elif self.block is None and (appearance == "table-list" or pj_type == "matrix"):
            self.block = self.start_block("matrix", row, rowno)
        elif self.block is None and pj_type == "checklist":
            self.block = self.start_block("checklist", row, rowno)
        else:
            self.err("survey", rowno, "nested groups are only supported as a matrix "
                                      "(appearance table-list) or a pingjia checklist")

    def end_group(self, rowno: int) -> None:
        if self.block is not None:
            self.finish_block(self.block, self.current)
            self.block = None
        elif self.current is not None:
            self.current = None
        else:
            self.err("survey", rowno, "end group without begin group")

    def add_question(self, q: dict, form_title: dict) -> None:
        """Into the open section, else into the implicit section after the last group."""
        if self.current is not None:
            self.current["questions"].append(q)
            return
        sections = self.sections
        if sections and sections[-1].get("_implicit"):
            implicit = sections[-1]
        else:
            implicit = {"id": MAIN_SECTION if not sections else
                        f"{MAIN_SECTION}_{len(sections) + 1}",
                        "title": form_title, "questions": [], "_implicit": True}
            sections.append(implicit)
        implicit["questions"].append(q)

    def number(self, text: str, rowno: int) -> float | int | None:
        try:
            v = float(text)
        except ValueError:
            self.err("survey", rowno, f"{text!r} is not a number")
            return None
        return int(v) if v.is_integer() else v

    def flag(self, row: dict, col: str, rowno: int) -> bool:
        v = _cell(row.get(col)).lower()
        if v in _TRUE:
            return True
        if v not in _FALSE:
            self.err("survey", rowno, f"{col} must be yes or no, got {v!r}")
        return False

    def common(self, row: dict, name: str, rowno: int) -> dict:
        q: dict[str, Any] = {"id": name}
        label = self.text(row, "label", "survey", rowno)
        q["label"] = label or {"zh": name, "en": ""}
        hint = self.text(row, "hint", "survey", rowno)
        if hint:
            q["hint"] = hint
        if self.flag(row, "required", rowno):
            q["required"] = True
        rel = _cell(row.get("relevant"))
        if rel:
            try:
                q["relevant"] = xpath_to_condition(rel)
            except ValueError as exc:
                self.err("survey", rowno, f"relevant cannot be translated: {exc}")
        return q

    def choice_list(self, list_name: str, rowno: int) -> list[dict] | None:
        if list_name not in self.lists:
            self.err("survey", rowno, f"unknown choice list '{list_name}'")
            return None
        return [{"code": c["code"], "label": c["label"]} for c in self.lists[list_name]]

    def scale_for(self, list_name: str, row: dict, rowno: int) -> str | None:
        """The library scale whose codes (with 'na' when it allows it) equal the list's."""
        if list_name not in self.lists:
            return None
        codes = [c["code"] for c in self.lists[list_name]]
        scales = library_scales()
        explicit = _cell(row.get(PJ + "scale"))
        candidates = [explicit] if explicit else list(scales)
        for sid in candidates:
            sc = scales.get(sid)
            if sc is not None and set(sc.codes) == set(codes) and len(codes) == len(sc.codes):
                return sid
        if explicit:
            self.err("survey", rowno, f"choice list '{list_name}' does not match scale "
                                      f"'{explicit}'")
        return None

    def range_constraint(self, q: dict, row: dict, rowno: int) -> None:
        c = _cell(row.get("constraint"))
        if not c:
            return
        m = _RANGE_RE.match(c)
        if not m:
            self.err("survey", rowno, f"constraint {c!r} is not supported "
                                      "(only '. >= a and . <= b')")
            return
        for op, val in ((m.group(1), m.group(2)), (m.group(3), m.group(4))):
            if op:
                q["min" if op == ">=" else "max"] = self.number(val, rowno)

    def no_constraint(self, row: dict, rowno: int) -> None:
        if _cell(row.get("constraint")):
            self.err("survey", rowno, "constraint is not supported for this type")

    def question(self, row: dict, rtype: str, name: str, rowno: int) -> dict | None:
        base, _, arg = rtype.partition(" ")
        is_select = rtype.startswith(("select one ", "select multiple ")) or base == "rank"
        if not is_select and rtype not in ("integer", "decimal", "range", "text", "note"):
            self.err("survey", rowno, f"type '{_cell(row.get('type'))}' is not supported")
            return None
        if not name or not ID_RE.match(name):
            self.err("survey", rowno, f"name {name!r} is not a valid question id "
                                      "(lower-case letters, digits, '_', at most 40)")
            return None
        q = self.common(row, name, rowno)
        pj_type = _cell(row.get(PJ + "type"))
        if is_select:
            if rtype.startswith("select one "):
                kind, list_name = "select_one", rtype[len("select one ") :].strip()
            elif rtype.startswith("select multiple "):
                kind, list_name = "select_multiple", rtype[len("select multiple ") :].strip()
            else:
                kind, list_name = "rank", arg.strip()
            if " " in list_name or not list_name:
                self.err("survey", rowno, f"cannot read the choice list of '{rtype}'")
                return None
            self.no_constraint(row, rowno)
            if kind == "select_one":
                sid = None if pj_type == "single" else self.scale_for(list_name, row, rowno)
                if sid is not None:
                    q["type"] = "likert"
                    q["scale"] = sid
                    if self.flag(row, PJ + "reverse", rowno):
                        q["reverse"] = True
                    w = _cell(row.get(PJ + "weight"))
                    if w:
                        q["weight"] = self.number(w, rowno)
                    return _ordered(q)
                q["type"] = "single"
            elif kind == "select_multiple":
                q["type"] = "multiple"
                for k in ("min_choices", "max_choices"):
                    v = _cell(row.get(PJ + k))
                    if v:
                        q[k] = self.number(v, rowno)
            else:
                q["type"] = "ranking"
            q["choices"] = self.choice_list(list_name, rowno) or []
            return _ordered(q)
        if base in ("integer", "decimal"):
            q["type"] = "number"
            q["integer"] = base == "integer"
            self.range_constraint(q, row, rowno)
            return _ordered(q)
        if base == "range":
            params = dict(
                p.split("=", 1) for p in _cell(row.get("parameters")).split() if "=" in p
            )
            start, end = params.get("start", "1"), params.get("end", "10")
            step = params.get("step", "1")
            self.no_constraint(row, rowno)
            if step not in ("1", "1.0"):
                self.err("survey", rowno, f"range step {step} is not supported (only 1)")
                return None
            if (start, end) == ("0", "10"):
                q["type"] = "rating"
            else:
                q.update(type="number", integer=True, min=self.number(start, rowno),
                         max=self.number(end, rowno))
            return _ordered(q)
        if base == "text":
            q["type"] = "text"
            c = _cell(row.get("constraint"))
            if c:
                m = _LENGTH_RE.match(c)
                if m:
                    q["max_length"] = int(m.group(1))
                else:
                    self.err("survey", rowno, f"constraint {c!r} is not supported for text "
                                              "(only 'string-length(.) <= n')")
            return _ordered(q)
        if base == "note":
            q["type"] = "note"
            q.pop("required", None)
            return _ordered(q)
        self.err("survey", rowno, f"type '{rtype}' is not supported")
        return None

    def start_block(self, kind: str, row: dict, rowno: int) -> dict:
        name = _cell(row.get("name"))
        q = self.common(row, name, rowno)
        if not ID_RE.match(name):
            self.err("survey", rowno, f"group name {name!r} is not a valid id")
        q["type"] = kind
        if kind == "matrix":
            if self.flag(row, PJ + "reverse", rowno):
                q["reverse"] = True
            w = _cell(row.get(PJ + "weight"))
            if w:
                q["weight"] = self.number(w, rowno)
        return {"q": q, "items": [], "row": rowno, "list": None}

    def block_row(self, block: dict, row: dict, rtype: str, name: str, rowno: int) -> None:
        q = block["q"]
        if rtype.startswith("begin"):
            self.err("survey", rowno, "groups cannot be nested inside a matrix or checklist")
            return
        for col in ("relevant", "constraint", "parameters"):
            if _cell(row.get(col)):
                self.err("survey", rowno, f"{col} is not supported on a single matrix or "
                                          "checklist item (put it on the group)")
        if any(col.startswith("hint") and _cell(v) for col, v in row.items()):
            self.err("survey", rowno, "hints are not supported on matrix or checklist items")
        if rtype != "text" and self.flag(row, "required", rowno) != bool(q.get("required")):
            self.err("survey", rowno, "required must be the same on every item of a matrix or "
                                      "checklist (set it on the group)")
        label = self.text(row, "label", "survey", rowno) or {"zh": name, "en": ""}
        if q["type"] == "checklist" and rtype == "text":
            items = block["items"]
            if items and name == items[-1]["id"] + EVIDENCE_SUFFIX:
                items[-1]["evidence"] = True
            else:
                self.err("survey", rowno, "a text row in a checklist must be the evidence of "
                                          f"the item above, named '<item>{EVIDENCE_SUFFIX}'")
            return
        if not rtype.startswith("select one "):
            self.err("survey", rowno, f"a {q['type']} may only contain select_one rows")
            return
        list_name = rtype[len("select one ") :].strip()
        if block["list"] is None:
            block["list"] = list_name
        elif block["list"] != list_name:
            self.err("survey", rowno, f"all rows of a {q['type']} must use the same list")
            return
        if not ID_RE.match(name):
            self.err("survey", rowno, f"name {name!r} is not a valid id")
            return
        item: dict[str, Any] = {"id": name, "label": label}
        if q["type"] == "matrix":
            if self.flag(row, PJ + "reverse", rowno) != bool(q.get("reverse")):
                item["reverse"] = not q.get("reverse", False)
            w = _cell(row.get(PJ + "weight"))
            if w:
                item["weight"] = self.number(w, rowno)
        else:
            pts = _cell(row.get(PJ + "points"))
            if not pts:
                self.err("survey", rowno, "a checklist item needs a pingjia::points value")
            else:
                item["points"] = self.number(pts, rowno)
            if self.flag(row, PJ + "veto", rowno):
                item["veto"] = True
        block["items"].append(item)

    def finish_block(self, block: dict, current: dict | None) -> None:
        q = block["q"]
        if q["type"] == "matrix" and block["list"] is not None:
            sid = self.scale_for(block["list"], {}, block["row"])
            if sid is None:
                self.err("survey", block["row"], f"the matrix's choice list '{block['list']}' "
                                                 "matches no library scale")
            q["scale"] = sid
        if q["type"] == "checklist" and block["list"] is not None:
            codes = {c["code"] for c in self.lists.get(block["list"], [])}
            if codes != {"yes", "no"}:
                self.err("survey", block["row"], "a checklist's list must have the codes "
                                                 "yes and no")
        q["items"] = block["items"]
        if current is None:
            self.err("survey", block["row"], "a matrix or checklist must be inside a group")
            return
        current["questions"].append(_ordered(q))


_SELECT_RE = re.compile(r"^(select_one|select one|select_multiple|select multiple|rank)\s+(.+)$")


def _normalise_type(raw: str) -> str:
    """'select_one sat3_na' -> 'select one sat3_na'; 'begin_group' -> 'begin group'."""
    m = _SELECT_RE.match(raw.strip())
    if m:
        return f"{m.group(1).replace('_', ' ')} {m.group(2).strip()}"
    return re.sub(r"[\s_]+", " ", raw.strip().lower())


def _ordered(q: dict) -> dict:
    order = ["id", "type", "label", "hint", "required", "relevant", "scale", "reverse",
             "weight", "integer", "min", "max", "min_choices", "max_choices", "max_length",
             "choices", "items"]
    return {k: q[k] for k in order if k in q} | {k: v for k, v in q.items() if k not in order}


def import_xlsform(path: str | Path) -> dict:
    """Read an XLSForm into our YAML-shaped questionnaire dict (not yet validated: pass it to
    ``build_questionnaire``). Raises :class:`QuestionnaireError` naming the rows it rejects."""
    return _Importer(Path(path)).run()


# --------------------------------------------------------------------------- export

SURVEY_COLUMNS = [
    "type", "name", f"label::{ZH_LANG}", f"label::{EN_LANG}", f"hint::{ZH_LANG}",
    f"hint::{EN_LANG}", "required", "relevant", "constraint", "appearance", "parameters",
    PJ + "type", PJ + "scale", PJ + "reverse", PJ + "weight", PJ + "points", PJ + "evidence",
    PJ + "veto", PJ + "min_choices", PJ + "max_choices",
]


def _fmt(x: float | int | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _labels(text: Text | None, prefix: str = "label") -> dict[str, str]:
    if text is None:
        return {}
    return {f"{prefix}::{ZH_LANG}": text.zh, f"{prefix}::{EN_LANG}": text.en}


def _yes(flag: bool, no: str = "") -> str:
    return "yes" if flag else no


_SELECT_TYPES = {"single": "select_one", "multiple": "select_multiple", "ranking": "rank"}


class _Exporter:
    """Collects the rows of the survey sheet and the choice lists, one question at a time."""

    def __init__(self, questionnaire: Questionnaire):
        self.q = questionnaire
        self.survey: list[dict[str, str]] = []
        self.choices: list[list[str]] = []
        self.lists_done: set[str] = set()

    def row(self, **kw: str) -> None:
        self.survey.append(kw)

    def add_list(self, name: str, opts: list[tuple[str, Text]]) -> None:
        if name in self.lists_done:
            return
        self.lists_done.add(name)
        for code, label in opts:
            self.choices.append([name, code, label.zh, label.en])

    def scale_list(self, sid: str) -> str:
        sc = self.q.scales[sid]
        opts = [(p.code, p.label) for p in sc.points]
        if sc.na:
            opts.append((NA_CODE, NA_LABEL))
        self.add_list(sid, opts)
        return sid

    def section(self, s: Section) -> None:
        sec = {"type": "begin group", "name": s.id, **_labels(s.title)}
        if s.weight:
            sec[PJ + "weight"] = _fmt(s.weight)
        self.row(**sec)
        for x in s.questions:
            common = {"name": x.id, **_labels(x.label), **_labels(x.hint, "hint"),
                      "relevant": expressions.parse(x.relevant).to_xpath(self.q)
                      if x.relevant else ""}
            if x.type != "note" and x.required:
                common["required"] = "yes"
            _WRITERS[x.type](self, x, common)
        self.row(type="end group")

    def likert(self, x: Question, common: dict[str, str]) -> None:
        self.row(type=f"select_one {self.scale_list(x.scale)}", **common,
                 **{PJ + "scale": x.scale, PJ + "weight": _fmt(x.weight),
                    PJ + "reverse": _yes(x.reverse)})

    def matrix(self, x: Question, common: dict[str, str]) -> None:
        lst = self.scale_list(x.scale)
        self.row(type="begin group", appearance="table-list", **common,
                 **{PJ + "type": "matrix", PJ + "weight": _fmt(x.weight),
                    PJ + "reverse": _yes(x.reverse)})
        for it in x.items:
            if isinstance(it, MatrixItem):
                self.row(type=f"select_one {lst}", name=it.id, **_labels(it.label),
                         **({"required": "yes"} if x.required else {}),
                         **{PJ + "weight": _fmt(it.weight), PJ + "reverse": _yes(it.reverse, "no")})
        self.row(type="end group")

    def checklist(self, x: Question, common: dict[str, str]) -> None:
        self.add_list(YES_NO, [("yes", Text("是", "Yes")), ("no", Text("否", "No"))])
        self.row(type="begin group", **common, **{PJ + "type": "checklist"})
        for it in x.items:
            if not isinstance(it, ChecklistItem):
                continue
            self.row(type=f"select_one {YES_NO}", name=it.id, **_labels(it.label),
                     **({"required": "yes"} if x.required else {}),
                     **{PJ + "points": _fmt(it.points), PJ + "veto": _yes(it.veto)})
            if it.evidence:
                self.row(type="text", name=it.id + EVIDENCE_SUFFIX,
                         **_labels(Text("依据材料", "Evidence")))
        self.row(type="end group")

    def select(self, x: Question, common: dict[str, str]) -> None:
        self.add_list(x.id, [(c.code, c.label) for c in x.choices])
        extra = {}
        if x.type == "single":
            extra[PJ + "type"] = "single"
        if x.min_choices is not None:
            extra[PJ + "min_choices"] = str(x.min_choices)
        if x.max_choices is not None:
            extra[PJ + "max_choices"] = str(x.max_choices)
        self.row(type=f"{_SELECT_TYPES[x.type]} {x.id}", **common, **extra)

    def rating(self, x: Question, common: dict[str, str]) -> None:
        self.row(type="range", parameters="start=0 end=10 step=1", **common)

    def number(self, x: Question, common: dict[str, str]) -> None:
        parts = []
        if x.min is not None:
            parts.append(f". >= {_fmt(x.min)}")
        if x.max is not None:
            parts.append(f". <= {_fmt(x.max)}")
        self.row(type="integer" if x.integer else "decimal", constraint=" and ".join(parts),
                 **common)

    def text(self, x: Question, common: dict[str, str]) -> None:
        self.row(type="text", constraint=f"string-length(.) <= {x.max_length}", **common)

    def note(self, x: Question, common: dict[str, str]) -> None:
        self.row(type="note", **common)


#: The survey rows of each question type.
_WRITERS: dict[str, Callable[[_Exporter, Question, dict[str, str]], None]] = {
    "likert": _Exporter.likert,
    "matrix": _Exporter.matrix,
    "checklist": _Exporter.checklist,
    "single": _Exporter.select,
    "multiple": _Exporter.select,
    "ranking": _Exporter.select,
    "rating": _Exporter.rating,
    "number": _Exporter.number,
    "text": _Exporter.text,
    "note": _Exporter.note,
}


def _check_library_scales(q: Questionnaire, lib: Mapping[str, Scale]) -> None:
    for sid, sc in q.scales.items():
        base = lib.get(sid)
        if base is None or (base.points, base.na) != (sc.points, sc.na):
            raise ValueError(f"scale '{sid}' is not a library scale; XLSForm export needs one")


def _settings(q: Questionnaire, lib: Mapping[str, Scale]) -> tuple[list[str], list[str]]:
    """The header and the values of the settings sheet."""
    header = ["form_title", "form_id", "version", "default_language", "pingjia_title_en"]
    values = [q.title.zh, q.key, q.version, ZH_LANG, q.title.en]
    if q.description is not None:
        header += ["pingjia_description_zh", "pingjia_description_en"]
        values += [q.description.zh, q.description.en]
    overrides = [f"{sid}: {' '.join(sorted(sc.satisfied))}" for sid, sc in sorted(q.scales.items())
                 if sc.satisfied != lib[sid].satisfied]
    if overrides:
        header.append("pingjia_satisfied")
        values.append("; ".join(overrides))
    return header, values


def export_xlsform(questionnaire: Questionnaire, path: str | Path) -> None:
    """Write the questionnaire as an XLSForm (survey, choices, settings; zh and en labels).

    Every section becomes a group; a matrix becomes a nested ``table-list`` group; a checklist
    a nested group marked ``pingjia::type = checklist``. Weights, reverse coding, points and
    the like go in ``pingjia::`` columns, which pyxform accepts and ODK tools ignore. Only
    library scales can be exported (a local scale raises ``ValueError``).
    """
    from openpyxl import Workbook

    q = questionnaire
    lib = library_scales()
    _check_library_scales(q, lib)
    exporter = _Exporter(q)
    for s in q.sections:
        exporter.section(s)

    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(SURVEY_COLUMNS)
    for r in exporter.survey:
        ws.append([r.get(c, "") or None for c in SURVEY_COLUMNS])
    cs = wb.create_sheet("choices")
    cs.append(["list_name", "name", f"label::{ZH_LANG}", f"label::{EN_LANG}"])
    for c in exporter.choices:
        cs.append(c)
    st = wb.create_sheet("settings")
    for line in _settings(q, lib):
        st.append(line)
    wb.save(str(path))
