"""The rule query language: a tokenizer and a recursive-descent parser into a small tree.

    query    := or
    or       := and ("OR" and)*
    and      := near (["AND"] near)*          -- juxtaposition is AND; "a NOT b" is a AND NOT b
    near     := unary (("NEAR/n" | "ONEAR/n") unary)*
    unary    := "NOT" unary | primary
    primary  := "(" or ")" | FIELD ":" primary | "@group" | "phrase" | word

Operators are upper case (`or` is a French word, `and` an English one). A word matches a whole
word, case and accents aside; `word*` is a prefix; a word holding punctuation (`Dual-Use`,
`Xi's`) and a "quoted phrase" match consecutive words. Fields: `title:` and `text:` restrict
the terms beneath them to that part of the article; `lang:de`, `source:dw-*` test the article;
`entity:Spacety`, `entity:"Wagner Group"`, `entity:#sanctioned` match watchlisted entities.

Every error is a `QueryError` naming the column, what was expected and what was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from alerts.hits import FieldName
from alerts.rules.folding import fold

FIELDS = ("title", "text", "lang", "source", "entity")
MAX_DISTANCE = 1000
# Parentheses, NOTs and title:/text: inside one another; real queries use a handful.
MAX_NESTING = 32

# A word is a run of letters and digits, except that every CJK ideograph is a word of its own:
# Chinese is written without spaces, so "长沙天仪" is a phrase of four words found inside any run.
_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{_IDEOGRAPH}]|[^\W{_IDEOGRAPH}]+")
_WORD_PART = re.compile(rf"({WORD.pattern})(\*?)")
_LOOSE_STAR = re.compile(r"(?<!\w)\*|\*\w")
_GROUP_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<phrase>"[^"]*"?)
  | (?P<group>@[^\s()"]*)
  | (?P<near>O?NEAR(?:/[^\s()"]*)?(?=[\s()"]|$))
  | (?P<field>[A-Za-z]+:)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


class QueryError(ValueError):
    """A query that cannot be parsed or compiled: where (column, 1-based) and what was expected."""

    def __init__(self, message: str, column: int, query: str) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column
        self.query = query

    def pointer(self) -> str:
        """The query on one line and a caret under the offending column, for terminals."""
        line = " ".join(self.query.split("\n"))
        return f"{line}\n{' ' * (self.column - 1)}^"


# -------------------------------------------------------------------------------- the tree


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase: folded words, each maybe a prefix (`word*`)."""

    source: str
    words: tuple[str, ...]
    prefixes: tuple[bool, ...]
    column: int = dataclass_field(default=0, compare=False)

    def accepts(self, position: int, word: str) -> bool:
        wanted = self.words[position]
        return word.startswith(wanted) if self.prefixes[position] else word == wanted


@dataclass(frozen=True, slots=True)
class GroupRef:
    name: str
    column: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    column: int


@dataclass(frozen=True, slots=True)
class Near:
    left: Node
    right: Node
    distance: int
    ordered: bool
    column: int


@dataclass(frozen=True, slots=True)
class Scope:
    """`title:` or `text:`: the terms beneath count only in that part of the article."""

    field: FieldName
    child: Node
    column: int


@dataclass(frozen=True, slots=True)
class Lang:
    code: str  # primary subtag, lower case


@dataclass(frozen=True, slots=True)
class Source:
    pattern: str  # folded; a trailing * is a prefix

    def accepts(self, name: str | None) -> bool:
        if name is None:
            return False
        folded = fold(name)
        if self.pattern.endswith("*"):
            return folded.startswith(self.pattern[:-1])
        return folded == self.pattern


@dataclass(frozen=True, slots=True)
class EntityRef:
    """`entity:NAME` (one watchlisted entity) or `entity:#TAG` (every entity with that tag)."""

    name: str
    tag: bool
    column: int


Node = Term | GroupRef | And | Or | Not | Near | Scope | Lang | Source | EntityRef


def compile_term(written: str, column: int = 0, query: str = "") -> Term:
    """A word or phrase as written in a query or an entity alias."""
    folded = fold(written)
    if _LOOSE_STAR.search(folded):
        raise QueryError(f"'*' may only end a word, in {written!r}", column + 1, query or written)
    parts = _WORD_PART.findall(folded)
    if not parts:
        raise QueryError(f"{written!r} has no letters or digits", column + 1, query or written)
    return Term(
        source=written,
        words=tuple(word for word, _ in parts),
        prefixes=tuple(star == "*" for _, star in parts),
        column=column,
    )


# -------------------------------------------------------------------------------- the parser


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    start: int


def _tokens(query: str) -> list[_Token]:
    found: list[_Token] = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        assert kind is not None
        if kind != "space":
            found.append(_Token(kind, m.group(), m.start()))
    return found


_OPERATORS = {"AND", "OR", "NOT"}
_STARTS = 'a word, a "phrase", an @group, a field: or "("'


def _describe(token: _Token | None) -> str:
    return "the end of the query" if token is None else repr(token.text)


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokens(query)
        self.at = 0
        self.depth = 0

    def deeper(self, token: _Token | None) -> None:
        """One more level of nesting (a parenthesis, NOT, a field): refused past MAX_NESTING,
        a limit no real query reaches, long before Python's own recursion limit."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            column = (token.start if token is not None else len(self.query)) + 1
            raise QueryError(
                f"the query nests parentheses, NOT or fields more than {MAX_NESTING} deep",
                column,
                self.query,
            )

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def fail(self, expected: str, token: _Token | None, after: str = "") -> QueryError:
        column = (token.start if token is not None else len(self.query)) + 1
        where = f" after {after}" if after else ""
        return QueryError(
            f"expected {expected}{where}, found {_describe(token)}", column, self.query
        )

    def is_op(self, token: _Token | None, *names: str) -> bool:
        return token is not None and token.kind == "word" and token.text in names

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("the query is empty", 1, self.query)
        node = self.parse_or()
        token = self.peek()
        if token is not None:
            if token.kind == "rparen":
                raise QueryError("')' without a matching '('", token.start + 1, self.query)
            raise self.fail("AND, OR, NOT, NEAR/n or the end of the query", token)
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.is_op(self.peek(), "OR"):
            self.take()
            children.append(self.parse_and("OR"))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self, after: str = "") -> Node:
        children = [self.parse_near(after)]
        while True:
            token = self.peek()
            if token is None or token.kind == "rparen" or self.is_op(token, "OR"):
                break
            if self.is_op(token, "AND"):
                self.take()
                children.append(self.parse_near("AND"))
            else:
                children.append(self.parse_near())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_near(self, after: str = "") -> Node:
        node = self.parse_unary(after)
        while (token := self.peek()) is not None and token.kind == "near":
            self.take()
            ordered = token.text.startswith("O")
            name = "ONEAR" if ordered else "NEAR"
            _, _, number = token.text.partition("/")
            if not number.isdigit() or not 0 < int(number) <= MAX_DISTANCE:
                raise QueryError(
                    f"{name} needs a distance in words from 1 to {MAX_DISTANCE}, as in "
                    f"{name}/10; found {token.text!r}",
                    token.start + 1,
                    self.query,
                )
            right = self.parse_unary(token.text)
            node = Near(node, right, int(number), ordered, token.start + 1)
        return node

    def parse_unary(self, after: str = "") -> Node:
        token = self.peek()
        if self.is_op(token, "NOT"):
            assert token is not None
            self.take()
            self.deeper(token)
            try:
                return Not(self.parse_unary("NOT"), token.start + 1)
            finally:
                self.depth -= 1
        return self.parse_primary(after)

    def parse_primary(self, after: str = "") -> Node:
        token = self.peek()
        if token is None or token.kind in ("rparen", "near") or self.is_op(token, *_OPERATORS):
            raise self.fail(_STARTS, token, after)
        self.take()
        column = token.start + 1
        if token.kind == "lparen":
            self.deeper(token)
            try:
                node = self.parse_or()
            finally:
                self.depth -= 1
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise self.fail(f"')' to close the '(' at column {column}", closing)
            self.take()
            return node
        if token.kind == "phrase":
            if len(token.text) < 2 or not token.text.endswith('"'):
                raise QueryError('a phrase is not closed with "', column, self.query)
            return compile_term(token.text[1:-1], token.start, self.query)
        if token.kind == "group":
            name = token.text[1:]
            if not _GROUP_NAME.match(name):
                raise QueryError(
                    f"a group name is letters, digits and '_', found {token.text!r}",
                    column,
                    self.query,
                )
            return GroupRef(name, column)
        if token.kind == "field":
            return self.parse_field(token)
        return compile_term(token.text, token.start, self.query)

    def parse_field(self, token: _Token) -> Node:
        name = token.text[:-1].lower()
        column = token.start + 1
        if name not in FIELDS:
            raise QueryError(
                f"unknown field {token.text!r} (fields: {', '.join(f + ':' for f in FIELDS)})",
                column,
                self.query,
            )
        if name in ("title", "text"):
            field: FieldName = "title" if name == "title" else "text"
            self.deeper(token)
            try:
                return Scope(field, self.parse_primary(token.text), column)
            finally:
                self.depth -= 1
        value = self.peek()
        if value is None:
            raise self.fail(f"a value right after {token.text}", value)
        if value.start != token.start + len(token.text):
            raise QueryError(
                f"{token.text} needs its value right after it, without a space",
                token.start + len(token.text) + 1,
                self.query,
            )
        if value.kind == "lparen" and name != "entity":
            raise QueryError(
                f"{token.text} takes one value; write ({name}:a OR {name}:b)", column, self.query
            )
        if value.kind not in ("word", "phrase"):
            raise self.fail(f"a value right after {token.text}", value)
        self.take()
        text = value.text.strip('"') if value.kind == "phrase" else value.text
        if name == "lang":
            code = re.split(r"[-_]", text, maxsplit=1)[0].lower()
            if not code.isalpha():
                raise QueryError(f"lang: takes a language code, found {text!r}", column, self.query)
            return Lang(code)
        if name == "source":
            return Source(fold(text))
        if text.startswith("#"):
            if len(text) < 2:
                raise QueryError("entity:# needs a tag name", column, self.query)
            return EntityRef(fold(text[1:]), True, column)
        return EntityRef(fold(text), False, column)


def parse_query(query: str) -> Node:
    """The tree of `query`; raises QueryError."""
    try:
        return _Parser(query).parse()
    except RecursionError:
        # MAX_NESTING should make this unreachable; a query is never a traceback.
        raise QueryError("the query is nested too deeply", 1, query) from None
