"""A small, safe expression language for rule conditions: tokenizer and parser.

Strategy files must not run code, so conditions are never handed to ``eval``: this module
parses them into a tiny AST of our own, and ``conditions.py`` turns that AST into
closures over a fixed table of names. Grammar (lowest to highest precedence)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum
                    | "between" sum "and" sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | NUMBER% | DURATION | TIME | STRING | "true" | "false"
             | NAME | NAME "(" literal ("," literal)* ")" | "(" expr ")"
    literal := NUMBER | DURATION | TIME

``sma(20)``, ``high(5m)``, ``range_high(09:00, 09:30)``: a function call takes only
literal arguments (checked against the function table by ``typecheck``), so it names a
value the engine keeps up to date rather than computing anything the user wrote.

``5%`` is the ratio 0.05, ``30s``/``5m``/``1h`` are seconds, ``09:30`` / ``15:19:30``
are seconds since midnight (Asia/Seoul). Names may be dotted (``position.qty``); a dot
is part of the name, never attribute access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autotrader.safetext import first_unsafe

MAX_LENGTH = 2_000
MAX_DEPTH = 40
MAX_TOKENS = 400  # bounds the tree's depth, so compiling it cannot exhaust the stack
MAX_MAGNITUDE = 10**15


class ExprSyntaxError(ValueError):
    """A syntax error at ``offset`` (0-based) inside the expression text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Num:
    value: float | int
    unit: str  # "" | "%" | "s" (duration, seconds) | "tod" (time of day, seconds)
    pos: int


@dataclass(frozen=True, slots=True)
class Str:
    value: str
    pos: int


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    pos: int


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" | "not"
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / < <= > >= == != and or
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Between:
    value: Node
    low: Node
    high: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Num, ...]
    pos: int

    @property
    def key(self) -> tuple[str, tuple[tuple[float | int, str], ...]]:
        """What identifies the value: the function and its literal arguments."""
        return (self.name, tuple((a.value, a.unit) for a in self.args))


Node = Num | Str | Bool | Name | Unary | Binary | Between | Call
MAX_ARGS = 3

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<time>\d{1,2}:\d{2}(?::\d{2})?)
  | (?P<num>\d[\d_]*(?:\.\d+)?)(?P<unit>%|ms|s|m|h)?(?![A-Za-z_])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<str>"[^"\\]*"|'[^'\\]*')
  | (?P<op><=|>=|==|!=|[<>+\-*/(),])
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not", "between", "true", "false"})
_DURATION = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num, time, name, str, op, kw, end
    text: str
    pos: int
    unit: str = ""


def _tokenize(text: str) -> list[_Tok]:
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(f"expression longer than {MAX_LENGTH} characters", 0)
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ExprSyntaxError(_unexpected(text, pos, toks), pos)
        kind = m.lastgroup or ""
        if kind == "unit":  # pragma: no cover - unit only matches with num
            kind = "num"
        if m.group("num") is not None:
            toks.append(_Tok("num", m.group("num"), pos, m.group("unit") or ""))
        elif kind == "name":
            word = m.group("name")
            toks.append(_Tok("kw" if word in _KEYWORDS else "name", word, pos))
        elif kind != "ws":
            toks.append(_Tok(kind, m.group(kind), pos))
        pos = m.end()
    if len(toks) > MAX_TOKENS:
        raise ExprSyntaxError(f"expression has more than {MAX_TOKENS} tokens", 0)
    toks.append(_Tok("end", "", len(text)))
    return toks


def _unexpected(text: str, pos: int, toks: list[_Tok]) -> str:
    """The usual slips get their fix: '=' for '==', '1.5 %' with a space, '&&'..."""
    char = text[pos]
    if char == "=":
        return "'=' is not a comparison: write '==' to compare"
    if char == "%" and toks and toks[-1].kind == "num" and not toks[-1].unit:
        return f"write {toks[-1].text}% without a space before '%'"
    if char in "&|!":
        return f"unexpected character {char!r}: write 'and', 'or', 'not'"
    if char in "\"'":
        return f"this text has no closing {char}: quote it on both ends, \"buy\" or 'buy'"
    return f"unexpected character {char!r}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, kind: str, *texts: str) -> _Tok | None:
        tok = self.tok
        if tok.kind == kind and (not texts or tok.text in texts):
            self.i += 1
            return tok
        return None

    def expect(self, kind: str, text: str) -> _Tok:
        tok = self.accept(kind, text)
        if tok is None:
            raise ExprSyntaxError(
                f"expected {text!r}, found {self._describe(self.tok)}", self.tok.pos
            )
        return tok

    @staticmethod
    def _describe(tok: _Tok) -> str:
        return "end of expression" if tok.kind == "end" else repr(tok.text)

    def _nest(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprSyntaxError(f"expression nested deeper than {MAX_DEPTH} levels", pos)

    def parse(self) -> Node:
        node = self.or_()
        if self.tok.kind != "end":
            raise ExprSyntaxError(f"unexpected {self._describe(self.tok)}", self.tok.pos)
        return node

    def or_(self) -> Node:
        node = self.and_()
        while tok := self.accept("kw", "or"):
            node = Binary("or", node, self.and_(), tok.pos)
        return node

    def and_(self) -> Node:
        node = self.not_()
        while tok := self.accept("kw", "and"):
            node = Binary("and", node, self.not_(), tok.pos)
        return node

    def not_(self) -> Node:
        if tok := self.accept("kw", "not"):
            self._nest(tok.pos)
            node = Unary("not", self.not_(), tok.pos)
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        node = self.sum_()
        if tok := self.accept("op", "<", "<=", ">", ">=", "==", "!="):
            return Binary(tok.text, node, self.sum_(), tok.pos)
        if tok := self.accept("kw", "between"):
            low = self.sum_()
            self.expect("kw", "and")
            return Between(node, low, self.sum_(), tok.pos)
        return node

    def sum_(self) -> Node:
        node = self.product()
        while tok := self.accept("op", "+", "-"):
            node = Binary(tok.text, node, self.product(), tok.pos)
        return node

    def product(self) -> Node:
        node = self.unary()
        while tok := self.accept("op", "*", "/"):
            node = Binary(tok.text, node, self.unary(), tok.pos)
        return node

    def unary(self) -> Node:
        if tok := self.accept("op", "-"):
            self._nest(tok.pos)
            node = Unary("-", self.unary(), tok.pos)
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return _number(tok)
        if tok.kind == "time":
            return _time_of_day(tok)
        if tok.kind == "str":
            at = first_unsafe(tok.text)
            if at >= 0:
                raise ExprSyntaxError("text must be printable, on one line", tok.pos + at)
            return Str(tok.text[1:-1], tok.pos)
        if tok.kind == "kw" and tok.text in ("true", "false"):
            return Bool(tok.text == "true", tok.pos)
        if tok.kind == "name":
            if self.tok.kind == "op" and self.tok.text == "(":
                return self.call(tok)
            return Name(tok.text, tok.pos)
        if tok.kind == "op" and tok.text == "(":
            self._nest(tok.pos)
            node = self.or_()
            self.expect("op", ")")
            self.depth -= 1
            return node
        raise ExprSyntaxError(f"unexpected {self._describe(tok)}", tok.pos)

    def call(self, name: _Tok) -> Call:
        self.take()  # "("
        args: list[Num] = []
        while True:
            tok = self.take()
            if tok.kind == "num":
                args.append(_number(tok))
            elif tok.kind == "time":
                args.append(_time_of_day(tok))
            else:
                raise ExprSyntaxError(
                    f"{name.text}(...) takes numbers, durations or times of day, "
                    f"found {self._describe(tok)}",
                    tok.pos,
                )
            if len(args) > MAX_ARGS:
                raise ExprSyntaxError(f"too many arguments to {name.text}", tok.pos)
            if self.accept("op", ")"):
                return Call(name.text, tuple(args), name.pos)
            self.expect("op", ",")


def _number(tok: _Tok) -> Num:
    digits = tok.text.replace("_", "")
    value: float | int = float(digits) if "." in digits else int(digits)
    if abs(value) > MAX_MAGNITUDE:
        raise ExprSyntaxError(f"number {tok.text} is too large", tok.pos)
    if tok.unit == "%":
        return Num(value / 100, "%", tok.pos)
    if tok.unit:
        return Num(value * _DURATION[tok.unit], "s", tok.pos)
    return Num(value, "", tok.pos)


def _time_of_day(tok: _Tok) -> Num:
    parts = [int(p) for p in tok.text.split(":")]
    h, m, s = (parts + [0])[:3]
    if h > 23 or m > 59 or s > 59:
        raise ExprSyntaxError(f"{tok.text} is not a time of day", tok.pos)
    return Num(h * 3600 + m * 60 + s, "tod", tok.pos)


def parse(text: str) -> Node:
    """Parse a condition; raises ExprSyntaxError with the offending offset."""
    return _Parser(text).parse()
