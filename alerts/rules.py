"""Rules compiled into a matcher, and the word index of an article they are matched against.

An article is tokenised once (`index_article`): the title and text are folded (case and
accents dropped, `db.text.fold`) and split into `\\w+` words, each remembering where it sits
in the ORIGINAL text, so that a match can be shown and highlighted as the reader wrote it.
Every rule of a `RuleSet` is then evaluated against that index; a term is looked up once per
article however many rules share it.

Term syntax (see `alerts.config.TermLists`): a term matches whole words; `word*` matches any
word starting with `word`; several words match consecutive words of the same field, whatever
punctuation or line breaks lie between them, and any of them may carry a `*`
(`militärisch* Hilfe`).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from alerts.config import RuleConfig, TermLists
from db.text import fold

FieldName = Literal["title", "text"]

# Enough positions to show and highlight a term; an article repeating it 200 times says no more.
MAX_HITS_PER_TERM = 10

_WORD = re.compile(r"\w+")
_TERM_WORD = re.compile(r"(\w+)(\*?)")
# A star that does not directly follow a word, or that is followed by more of one.
_LOOSE_STAR = re.compile(r"(?<!\w)\*|\*\w")


class RuleError(ValueError):
    """A rule's term cannot be compiled (names the rule and the term)."""


@dataclass(frozen=True, slots=True)
class Token:
    word: str  # folded
    field: FieldName
    start: int  # offsets in the original field text
    end: int


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of a term: where it is in the original field text, and how it reads there."""

    term: str
    field: FieldName
    start: int
    end: int
    found: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "found": self.found,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hit:
        field_name = data["field"]
        if field_name not in ("title", "text"):
            raise ValueError(f"unknown field {field_name!r} in a stored match")
        return cls(
            term=str(data["term"]),
            field=field_name,
            start=int(data["start"]),
            end=int(data["end"]),
            found=str(data["found"]),
        )


@dataclass(frozen=True, slots=True)
class Term:
    """A compiled term: its folded words, and for each whether it is a prefix (`word*`)."""

    source: str  # as written in the config, reported in hits
    words: tuple[str, ...]
    prefixes: tuple[bool, ...]

    def accepts(self, position: int, word: str) -> bool:
        wanted = self.words[position]
        return word.startswith(wanted) if self.prefixes[position] else word == wanted


def compile_term(term: str, rule: str = "?") -> Term:
    written = term.strip()
    folded = fold(written)
    if _LOOSE_STAR.search(folded):
        raise RuleError(f"rule {rule!r}: term {term!r}: '*' may only end a word")
    parts = _TERM_WORD.findall(folded)
    if not parts:
        raise RuleError(f"rule {rule!r}: term {term!r} has no words")
    return Term(
        source=written,
        words=tuple(word for word, _ in parts),
        prefixes=tuple(star == "*" for _, star in parts),
    )


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return fold(ch)


def _fold_with_origin(text: str) -> tuple[str, list[int] | None]:
    """`fold(text)`, with the original index of every folded character (None: identical).

    Folding is per character (NFKD, dropping marks and casefolding need no context), so the
    folded text is built char by char and every folded char points back to its source; that
    also keeps a word written with decomposed accents ("Pe\\u0301kin") one word.
    """
    if text.isascii():
        return text.lower(), None
    pieces: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        piece = _fold_char(ch)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    return "".join(pieces), origin


def tokenise(text: str, field_name: FieldName) -> list[Token]:
    folded, origin = _fold_with_origin(text)
    if origin is None:
        return [Token(m.group(), field_name, m.start(), m.end()) for m in _WORD.finditer(folded)]
    tokens: list[Token] = []
    for m in _WORD.finditer(folded):
        start = origin[m.start()]
        end = origin[m.end() - 1] + 1
        # Trailing combining marks fold to nothing but belong to the word ("cafe\u0301").
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        tokens.append(Token(m.group(), field_name, start, end))
    return tokens


@dataclass(slots=True)
class ArticleIndex:
    """The words of one article, looked up by exact word or by prefix."""

    title: str
    text: str
    tokens: list[Token]
    positions: dict[str, list[int]]
    words: list[str]  # sorted distinct words, for prefix lookups
    _found: dict[Term, list[Hit]] = field(default_factory=dict)

    def _original(self, token_field: FieldName) -> str:
        return self.title if token_field == "title" else self.text

    def _candidates(self, word: str, prefix: bool) -> Iterable[int]:
        if not prefix:
            return self.positions.get(word, ())
        first = bisect.bisect_left(self.words, word)
        found: list[int] = []
        for candidate in self.words[first:]:
            if not candidate.startswith(word):
                break
            found.extend(self.positions[candidate])
        return sorted(found)

    def _phrase_at(self, first: int, term: Term) -> Token | None:
        """The last token of `term` if it starts at token `first`, else None."""
        last = first + len(term.words) - 1
        if last >= len(self.tokens) or self.tokens[last].field != self.tokens[first].field:
            return None
        for offset in range(1, len(term.words)):
            if not term.accepts(offset, self.tokens[first + offset].word):
                return None
        return self.tokens[last]

    def find(self, term: Term) -> list[Hit]:
        """Where `term` occurs (at most MAX_HITS_PER_TERM places), in reading order."""
        if term in self._found:
            return self._found[term]
        hits: list[Hit] = []
        for position in self._candidates(term.words[0], term.prefixes[0]):
            last = self._phrase_at(position, term)
            if last is None:
                continue
            first = self.tokens[position]
            original = self._original(first.field)
            hits.append(
                Hit(
                    term.source,
                    first.field,
                    first.start,
                    last.end,
                    original[first.start : last.end],
                )
            )
            if len(hits) >= MAX_HITS_PER_TERM:
                break
        self._found[term] = hits
        return hits


def index_article(title: str, text: str) -> ArticleIndex:
    tokens = tokenise(title, "title") + tokenise(text, "text")
    positions: dict[str, list[int]] = {}
    for number, token in enumerate(tokens):
        positions.setdefault(token.word, []).append(number)
    return ArticleIndex(title, text, tokens, positions, sorted(positions))


@dataclass(frozen=True, slots=True)
class TermSet:
    all: tuple[tuple[Term, ...], ...]
    any: tuple[Term, ...]
    none: tuple[Term, ...]

    @classmethod
    def compile(cls, lists: TermLists, rule: str) -> TermSet:
        return cls(
            all=tuple(tuple(compile_term(t, rule) for t in group) for group in lists.all),
            any=tuple(compile_term(t, rule) for t in lists.any),
            none=tuple(compile_term(t, rule) for t in lists.none),
        )

    def evaluate(self, index: ArticleIndex) -> list[Hit] | None:
        """The hits that satisfy this set, or None when it does not match."""
        found: list[Hit] = []
        for group in self.all:
            group_hits = [hit for term in group for hit in index.find(term)]
            if not group_hits:
                return None
            found.extend(group_hits)
        if self.any:
            any_hits = [hit for term in self.any for hit in index.find(term)]
            if not any_hits:
                return None
            found.extend(any_hits)
        if any(index.find(term) for term in self.none):
            return None
        unique = {(h.field, h.start, h.end, h.term): h for h in found}
        return sorted(unique.values(), key=lambda h: (h.field != "title", h.start, h.end, h.term))


def lang_key(lang: str | None) -> str | None:
    """The primary language subtag, lower case: `pt-BR` and `pt_br` are both `pt`."""
    if not lang:
        return None
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower() or None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    config: RuleConfig
    terms: TermSet
    variants: dict[str, TermSet]
    langs: frozenset[str]

    @classmethod
    def compile(cls, rule: RuleConfig) -> CompiledRule:
        variants: dict[str, TermSet] = {}
        for lang, lists in rule.variants.items():
            key = lang_key(lang)
            if key is None:
                raise RuleError(f"rule {rule.name!r}: a variant has an empty language")
            variants[key] = TermSet.compile(lists, rule.name)
        langs = frozenset(k for k in (lang_key(lang) for lang in rule.langs) if k is not None)
        return cls(rule, TermSet.compile(rule, rule.name), variants, langs)

    def evaluate(self, index: ArticleIndex, lang: str | None) -> list[Hit] | None:
        key = lang_key(lang)
        if self.langs and key not in self.langs:
            return None
        terms = self.variants.get(key, self.terms) if key is not None else self.terms
        return terms.evaluate(index)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that matched one article, with the hits that made it match."""

    rule: RuleConfig
    hits: tuple[Hit, ...]

    def terms_json(self) -> list[dict[str, Any]]:
        return [hit.to_dict() for hit in self.hits]

    @property
    def terms(self) -> list[str]:
        """The distinct terms that matched, in the order they were first found."""
        return list(dict.fromkeys(hit.term for hit in self.hits))


class RuleSet:
    """All configured rules, compiled once and evaluated together against each article."""

    def __init__(self, rules: Sequence[RuleConfig]) -> None:
        names = [rule.name for rule in rules]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise RuleError(f"rule names must be unique: {', '.join(duplicates)}")
        self.rules = tuple(CompiledRule.compile(rule) for rule in rules)

    def match(self, title: str, text: str, lang: str | None) -> list[RuleMatch]:
        """The rules that match this article, in configuration order."""
        index = index_article(title, text)
        matches: list[RuleMatch] = []
        for rule in self.rules:
            hits = rule.evaluate(index, lang)
            if hits is not None:
                matches.append(RuleMatch(rule.config, tuple(hits)))
        return matches
