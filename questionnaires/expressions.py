"""The small, safe condition language used by ``relevant``.

Parsed by a hand-written tokenizer and recursive-descent parser; nothing is ever passed to
Python's ``eval`` or ``compile``. Grammar (one comparison per operand, no chaining)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := "(" expr ")"
                | "selected" "(" IDENT "," STRING ")"
                | operand OP operand          OP: == != < <= > >= in, not in
    operand    := IDENT | STRING | NUMBER | "[" [literal ("," literal)* [","]] "]"

Semantics (see README): a likert/single answer is its code; a string compared to it matches
the code or either label; numeric comparison of a likert answer uses the point's value; an
unanswered field is ``None`` and every comparison with ``None`` is False.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

MAX_LENGTH = 500
MAX_DEPTH = 32
MAX_DIGITS = 15
MAX_LIST = 100

IDENT_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
_ORDERING = {"<", "<=", ">", ">="}

# Words that look like Python and would otherwise produce a puzzling message.
_FORBIDDEN_WORDS = {
    "lambda", "for", "if", "else", "import", "def", "class", "is", "yield", "await",
    "async", "with", "return", "del", "global", "exec", "eval", "true", "false", "none",
    "True", "False", "None",
}


class ExpressionError(ValueError):
    """A condition that does not parse or is not allowed."""


class OptionSource(Protocol):
    """What evaluation needs from a questionnaire (``Questionnaire`` implements it)."""

    def answer_options(self, field_id: str) -> tuple[tuple[str, int | None, str, str], ...] | None:
        """(code, value, zh label, en label) for each option of a coded field, else None."""


# --------------------------------------------------------------------------- tokenizer

@dataclass(frozen=True)
class _Token:
    kind: str  # name, string, number, op, punct, end
    text: str
    pos: int
    value: Any = None


_PUNCT = {"(", ")", "[", "]", ","}


def _read_string(text: str, i: int) -> tuple[_Token, int]:
    end = text.find(text[i], i + 1)
    if end < 0:
        raise ExpressionError(f"unterminated string at position {i}")
    return _Token("string", text[i : end + 1], i, text[i + 1 : end]), end + 1


def _starts_number(text: str, i: int) -> bool:
    c = text[i]
    return c.isascii() and (c.isdigit() or (c == "." and i + 1 < len(text)
                                            and text[i + 1].isdigit()))


def _read_number(text: str, i: int) -> tuple[_Token, int]:
    n = len(text)
    j = i
    while j < n and text[j].isascii() and (text[j].isdigit() or text[j] == "."):
        j += 1
    if j < n and text[j].isascii() and (text[j].isalpha() or text[j] == "_"):
        raise ExpressionError(f"malformed number at position {i}")
    raw = text[i:j]
    if raw.count(".") > 1 or raw.endswith("."):
        raise ExpressionError(f"malformed number {raw!r}")
    if sum(ch.isdigit() for ch in raw) > MAX_DIGITS:
        raise ExpressionError(f"number too long (more than {MAX_DIGITS} digits)")
    value: int | float = float(raw) if "." in raw else int(raw)
    return _Token("number", raw, i, value), j


def _read_name(text: str, i: int) -> tuple[_Token, int]:
    n = len(text)
    j = i
    while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
        j += 1
    word = text[i:j]
    if word.startswith("_"):
        raise ExpressionError(f"name {word!r} is not allowed (leading underscore)")
    if word in _FORBIDDEN_WORDS:
        raise ExpressionError(f"{word!r} is not part of the condition language")
    return _Token("name", word, i, word), j


def _read_symbol(text: str, i: int) -> tuple[_Token, int]:
    """An operator or a punctuation mark; a stray character is an error."""
    c = text[i]
    two = text[i : i + 2]
    if two in ("==", "!=", "<=", ">="):
        return _Token("op", two, i), i + 2
    if c in "<>":
        return _Token("op", c, i), i + 1
    if c == "=":
        raise ExpressionError(f"single '=' at position {i}: use '==' to compare")
    if c == ".":
        raise ExpressionError(f"attribute access ('.') is not allowed (position {i})")
    if c in _PUNCT:
        return _Token("punct", c, i), i + 1
    raise ExpressionError(f"unexpected character {c!r} at position {i}")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c in "'\"":
            token, i = _read_string(text, i)
        elif _starts_number(text, i):
            token, i = _read_number(text, i)
        elif c.isascii() and (c.isalpha() or c == "_"):
            token, i = _read_name(text, i)
        else:
            token, i = _read_symbol(text, i)
        tokens.append(token)
    tokens.append(_Token("end", "", n))
    return tokens


# --------------------------------------------------------------------------- AST

@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Literal:
    value: str | int | float | tuple


@dataclass(frozen=True)
class Compare:
    op: str
    left: Field | Literal
    right: Field | Literal


@dataclass(frozen=True)
class Selected:
    field: str
    code: str


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    args: tuple


@dataclass(frozen=True)
class Not:
    arg: Any


Node = Compare | Selected | BoolOp | Not


class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.i = 0

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def next(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str, text: str | None = None) -> _Token:
        tok = self.next()
        if tok.kind != kind or (text is not None and tok.text != text):
            want = text or kind
            got = tok.text or "end of expression"
            raise ExpressionError(f"expected {want!r} at position {tok.pos}, found {got!r}")
        return tok

    def is_word(self, word: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok.kind == "name" and tok.text == word

    def parse(self) -> Node:
        node = self.expr(1)
        tok = self.peek()
        if tok.kind != "end":
            if tok.text == "[":
                raise ExpressionError(f"subscripts are not allowed (position {tok.pos})")
            if tok.text == "(":
                raise ExpressionError(f"calls are not allowed (position {tok.pos})")
            raise ExpressionError(f"unexpected {tok.text!r} at position {tok.pos}")
        return node

    def _depth(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested too deeply (limit {MAX_DEPTH})")

    def expr(self, depth: int) -> Node:
        self._depth(depth)
        args = [self.and_expr(depth)]
        while self.is_word("or"):
            self.next()
            args.append(self.and_expr(depth))
        return args[0] if len(args) == 1 else BoolOp("or", tuple(args))

    def and_expr(self, depth: int) -> Node:
        self._depth(depth)
        args = [self.not_expr(depth)]
        while self.is_word("and"):
            self.next()
            args.append(self.not_expr(depth))
        return args[0] if len(args) == 1 else BoolOp("and", tuple(args))

    def not_expr(self, depth: int) -> Node:
        self._depth(depth)
        if self.is_word("not"):
            self.next()
            return Not(self.not_expr(depth + 1))
        return self.comparison(depth)

    def comparison(self, depth: int) -> Node:
        self._depth(depth)
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.next()
            node = self.expr(depth + 1)
            self.expect("punct", ")")
            return node
        if self.is_word("selected"):
            self.next()
            self.expect("punct", "(")
            name = self.expect("name")
            self._check_ident(name)
            self.expect("punct", ",")
            code = self.expect("string")
            self.expect("punct", ")")
            return Selected(name.text, code.value)
        left = self.operand()
        op_tok = self.peek()
        if op_tok.kind == "op":
            op = self.next().text
        elif self.is_word("in"):
            self.next()
            op = "in"
        elif self.is_word("not") and self.is_word("in", 1):
            self.next()
            self.next()
            op = "not in"
        else:
            if op_tok.text == "[":
                raise ExpressionError(f"subscripts are not allowed (position {op_tok.pos})")
            if op_tok.text == "(":
                raise ExpressionError(
                    f"calls are not allowed, only selected(...) (position {op_tok.pos})"
                )
            raise ExpressionError(
                f"expected a comparison operator at position {op_tok.pos}, "
                f"found {op_tok.text or 'end of expression'!r}"
            )
        right = self.operand()
        nxt = self.peek()
        if nxt.kind == "op" or self.is_word("in"):
            raise ExpressionError(f"chained comparisons are not allowed (position {nxt.pos})")
        if op in ("in", "not in") and not (
            isinstance(right, Literal) and isinstance(right.value, tuple)
        ):
            raise ExpressionError(f"'{op}' needs a list literal on its right")
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise ExpressionError("a comparison must involve at least one question id")
        for side in (left, right):
            if isinstance(side, Literal) and isinstance(side.value, tuple) and op not in (
                "in",
                "not in",
            ):
                raise ExpressionError(f"a list can only be used with 'in' / 'not in', not {op!r}")
        return Compare(op, left, right)

    def _check_ident(self, tok: _Token) -> None:
        if tok.text in ("and", "or", "not", "in", "selected"):
            raise ExpressionError(f"unexpected keyword {tok.text!r} at position {tok.pos}")
        if "__" in tok.text:
            raise ExpressionError(f"name {tok.text!r} is not allowed (double underscore)")
        if not IDENT_RE.match(tok.text):
            raise ExpressionError(
                f"{tok.text!r} is not a valid question id (lower-case letters, digits, '_')"
            )

    def literal(self) -> Literal:
        tok = self.next()
        if tok.kind in ("string", "number"):
            return Literal(tok.value)
        raise ExpressionError(
            f"expected a string or number at position {tok.pos}, "
            f"found {tok.text or 'end of expression'!r}"
        )

    def operand(self) -> Field | Literal:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "[":
            self.next()
            items: list = []
            while not (self.peek().kind == "punct" and self.peek().text == "]"):
                items.append(self.literal().value)
                if len(items) > MAX_LIST:
                    raise ExpressionError(f"list too long (limit {MAX_LIST})")
                if self.peek().kind == "punct" and self.peek().text == ",":
                    self.next()
                    continue
                if not (self.peek().kind == "punct" and self.peek().text == "]"):
                    t = self.peek()
                    raise ExpressionError(
                        f"expected ',' or ']' at position {t.pos}, "
                        f"found {t.text or 'end of expression'!r}"
                    )
            self.next()
            return Literal(tuple(items))
        if tok.kind == "name":
            self.next()
            self._check_ident(tok)
            nxt = self.peek()
            if nxt.kind == "punct" and nxt.text == "(":
                raise ExpressionError(
                    f"calls are not allowed, only selected(...) (position {nxt.pos})"
                )
            if nxt.kind == "punct" and nxt.text == "[":
                raise ExpressionError(f"subscripts are not allowed (position {nxt.pos})")
            return Field(tok.text)
        if tok.kind in ("string", "number"):
            return self.literal()
        raise ExpressionError(
            f"expected a question id or a value at position {tok.pos}, "
            f"found {tok.text or 'end of expression'!r}"
        )


# --------------------------------------------------------------------------- evaluation

_MISSING = object()


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | Decimal) and not isinstance(x, bool)


def _to_number(x: object) -> float | None:
    try:
        if _is_number(x):
            return float(x)  # type: ignore[arg-type]
        if isinstance(x, str) and len(x) <= 40:
            f = float(Decimal(x.strip()))
            return f if math.isfinite(f) else None
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return None


class _Side:
    """One evaluated operand: a raw value plus, for coded fields, its options."""

    __slots__ = ("value", "options")

    def __init__(self, value: object, options=None):
        self.value = value
        self.options = options  # tuple of (code, value, zh, en) or None

    def option(self):
        if self.options is None or not isinstance(self.value, str):
            return None
        for opt in self.options:
            if opt[0] == self.value:
                return opt
        return None


def _resolve_label(options, text: str):
    """The option a string literal denotes: by code first, then zh, then en label."""
    for opt in options:
        if opt[0] == text:
            return opt
    for opt in options:
        if text in (opt[2], opt[3]):
            return opt
    return None


def _equal(a: _Side, b: _Side) -> bool | None:
    """True/False, or None when a side is unanswered."""
    if a.value is None or b.value is None:
        return None
    for field, lit in ((a, b), (b, a)):
        opt = field.option()
        if opt is not None and isinstance(lit.value, str):
            return lit.value in (opt[0], opt[2], opt[3])
        if opt is not None and _is_number(lit.value):
            return opt[1] is not None and float(opt[1]) == float(lit.value)
    if isinstance(a.value, list | tuple) or isinstance(b.value, list | tuple):
        return False
    na, nb = _to_number(a.value), _to_number(b.value)
    if (_is_number(a.value) or _is_number(b.value)) and na is not None and nb is not None:
        return na == nb
    if isinstance(a.value, bool) or isinstance(b.value, bool):
        return a.value == b.value
    return str(a.value) == str(b.value)


def _ordinal(side: _Side, other: _Side) -> float | None:
    """The number a side stands for in an ordering comparison."""
    opt = side.option()
    if opt is not None:
        return None if opt[1] is None else float(opt[1])
    if isinstance(side.value, str) and other.options is not None:
        lab = _resolve_label(other.options, side.value)
        if lab is not None:
            return None if lab[1] is None else float(lab[1])
    if isinstance(side.value, bool) or isinstance(side.value, list | tuple):
        return None
    return _to_number(side.value)


def _compare(op: str, a: _Side, b: _Side) -> bool:
    if a.value is None or b.value is None:
        return False
    if op == "==":
        return bool(_equal(a, b))
    if op == "!=":
        eq = _equal(a, b)
        return eq is not None and not eq
    if op in ("in", "not in"):
        hits = [_equal(a, _Side(v)) for v in b.value]  # type: ignore[union-attr]
        found = any(h for h in hits)
        return found if op == "in" else not found
    x, y = _ordinal(a, b), _ordinal(b, a)
    if x is None or y is None:
        return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


@dataclass(frozen=True)
class Expression:
    """A parsed condition. Build with :func:`parse`."""

    source: str
    root: Node

    @property
    def names(self) -> frozenset[str]:
        """The question / field ids the condition refers to."""
        out: set[str] = set()

        def walk(n):
            if isinstance(n, BoolOp):
                for a in n.args:
                    walk(a)
            elif isinstance(n, Not):
                walk(n.arg)
            elif isinstance(n, Selected):
                out.add(n.field)
            elif isinstance(n, Compare):
                for side in (n.left, n.right):
                    if isinstance(side, Field):
                        out.add(side.name)

        walk(self.root)
        return frozenset(out)

    def evaluate(
        self, answers: Mapping[str, object], questionnaire: OptionSource | None = None
    ) -> bool:
        """Evaluate against ``answers`` (field id -> answer; missing ids are unanswered)."""

        def side(operand) -> _Side:
            if isinstance(operand, Literal):
                return _Side(operand.value)
            value = answers.get(operand.name)
            if value == "" or (isinstance(value, list | tuple) and not value):
                value = None
            opts = questionnaire.answer_options(operand.name) if questionnaire else None
            return _Side(value, opts)

        def ev(n) -> bool:
            if isinstance(n, BoolOp):
                if n.op == "and":
                    return all(ev(a) for a in n.args)
                return any(ev(a) for a in n.args)
            if isinstance(n, Not):
                return not ev(n.arg)
            if isinstance(n, Selected):
                value = answers.get(n.field)
                if isinstance(value, str):
                    value = [value]
                return isinstance(value, list | tuple | set | frozenset) and n.code in value
            return _compare(n.op, side(n.left), side(n.right))

        return ev(self.root)

    def to_json(self, questionnaire: OptionSource | None = None) -> dict:
        """A small JSON-serialisable AST (format in README.md).

        With ``questionnaire`` given, string literals compared with a coded field (likert,
        matrix item, single) that name a label are rewritten to the option's code, so a
        client only ever compares codes.
        """

        def opts_of(operand):
            if questionnaire is None or not isinstance(operand, Field):
                return None
            return questionnaire.answer_options(operand.name)

        def lit(value, options):
            if isinstance(value, tuple):
                return [_norm(v, options) for v in value]
            return _norm(value, options)

        def _norm(value, options):
            if options is not None and isinstance(value, str):
                opt = _resolve_label(options, value)
                if opt is not None:
                    return opt[0]
            return value

        def operand(o, other):
            if isinstance(o, Field):
                return {"field": o.name}
            return {"value": lit(o.value, opts_of(other))}

        def j(n) -> dict:
            if isinstance(n, BoolOp):
                return {"op": n.op, "args": [j(a) for a in n.args]}
            if isinstance(n, Not):
                return {"op": "not", "arg": j(n.arg)}
            if isinstance(n, Selected):
                return {"op": "selected", "field": n.field, "code": n.code}
            return {"op": n.op, "left": operand(n.left, n.right), "right": operand(n.right, n.left)}

        return j(self.root)

    def to_source(self) -> str:
        """Canonical text of the condition (stable spacing, quotes and parentheses)."""
        return _unparse(self.root, _source_operand, _SOURCE_OPS)

    def canonical(self, questionnaire: OptionSource | None = None) -> str:
        """Canonical text with labels rewritten to codes (how questionnaires store it)."""
        if questionnaire is None:
            return self.to_source()
        return _unparse(_normalise_codes(self.root, questionnaire), _source_operand, _SOURCE_OPS)

    def to_xpath(self, questionnaire: OptionSource | None = None) -> str:
        """The condition as an XLSForm ``relevant`` (XPath), literals as codes."""
        expr = self
        if questionnaire is not None:
            expr = Expression(self.source, _normalise_codes(self.root, questionnaire))
        return _unparse(expr.root, _xpath_operand, _XPATH_OPS)

    def comparisons(self) -> list[Compare]:
        """Every comparison node (for validators)."""
        return self._leaves(Compare)

    def selections(self) -> list[Selected]:
        """Every ``selected(...)`` node."""
        return self._leaves(Selected)

    def _leaves(self, kind: type) -> list:
        """The nodes of type ``kind`` under the boolean operators, left to right."""
        out: list = []

        def walk(n):
            if isinstance(n, BoolOp):
                for a in n.args:
                    walk(a)
            elif isinstance(n, Not):
                walk(n.arg)
            elif isinstance(n, kind):
                out.append(n)

        walk(self.root)
        return out


_SOURCE_OPS = {"and": " and ", "or": " or ", "not": "not ", "eq": "=="}
_XPATH_OPS = {"and": " and ", "or": " or ", "not": "not", "eq": "="}


def _quote(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


def _literal_text(value) -> str:
    if isinstance(value, str):
        return _quote(value)
    return repr(value)


def _source_operand(o) -> str:
    if isinstance(o, Field):
        return o.name
    if isinstance(o.value, tuple):
        return "[" + ", ".join(_literal_text(v) for v in o.value) + "]"
    return _literal_text(o.value)


def _xpath_operand(o) -> str:
    if isinstance(o, Field):
        return "${" + o.name + "}"
    return _literal_text(o.value)


def _unparse(node, operand, ops) -> str:
    def wrap(n) -> str:
        text = walk(n)
        return f"({text})" if isinstance(n, BoolOp) else text

    def walk(n) -> str:
        if isinstance(n, BoolOp):
            return ops[n.op].join(wrap(a) for a in n.args)
        if isinstance(n, Not):
            if ops is _XPATH_OPS:
                return f"not({walk(n.arg)})"
            return f"not ({walk(n.arg)})"
        if isinstance(n, Selected):
            field = operand(Field(n.field))
            return f"selected({field}, {_quote(n.code)})"
        if n.op in ("in", "not in") and ops is _XPATH_OPS:
            left = operand(n.left)
            alts = " or ".join(f"{left} = {_literal_text(v)}" for v in n.right.value)
            return f"({alts})" if n.op == "in" else f"not({alts})"
        op = ops["eq"] if n.op == "==" else n.op
        return f"{operand(n.left)} {op} {operand(n.right)}"

    return walk(node)


def _normalise_codes(node, questionnaire: OptionSource):
    """Rewrite string literals that name an option label to the option's code."""

    def lit(value, field):
        options = questionnaire.answer_options(field.name) if isinstance(field, Field) else None
        if options is None:
            return value
        if isinstance(value, tuple):
            return tuple(lit(v, field) for v in value)
        if isinstance(value, str):
            opt = _resolve_label(options, value)
            return opt[0] if opt is not None else value
        return value

    def walk(n):
        if isinstance(n, BoolOp):
            return BoolOp(n.op, tuple(walk(a) for a in n.args))
        if isinstance(n, Not):
            return Not(walk(n.arg))
        if isinstance(n, Compare):
            left, right = n.left, n.right
            if isinstance(left, Literal):
                left = Literal(lit(left.value, right))
            if isinstance(right, Literal):
                right = Literal(lit(right.value, left))
            return Compare(n.op, left, right)
        return n

    return walk(node)


def parse(expr: str) -> Expression:
    """Parse a condition; raise :class:`ExpressionError` if it is malformed or not allowed."""
    if not isinstance(expr, str):
        raise ExpressionError("a condition must be a string")
    if len(expr) > MAX_LENGTH:
        raise ExpressionError(f"condition too long ({len(expr)} characters, limit {MAX_LENGTH})")
    if not expr.strip():
        raise ExpressionError("empty condition")
    tokens = _tokenize(expr)
    return Expression(expr, _Parser(tokens).parse())
