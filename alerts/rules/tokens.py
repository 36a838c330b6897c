"""An article's words: folded (case and accents dropped), each with its place in the original.

A match is shown and highlighted as the reader wrote it, so every folded word remembers the
offsets of its source characters in the original title or text.

Folding is per character (NFKD, dropping marks and casefolding need no context), so a text is
folded with one `str.translate` over a table that grows as new characters are met. Most
characters fold to exactly one character; only where some fold to none (combining marks) or
several ("ß" -> "ss", "ﬁ" -> "fi") is a map back to the original offsets built.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from alerts.hits import FieldName
from alerts.rules import wordsplit
from alerts.rules.folding import fold
from alerts.rules.query import WORD

# Folded form of every character met so far, and the ones whose fold is not one character.
_TABLE: dict[int, str] = {}
_UNEVEN: set[str] = set()
_uneven_pattern: re.Pattern[str] | None = None


def _learn(chars: set[str]) -> None:
    global _uneven_pattern
    grew = False
    for ch in chars:
        folded = fold(ch)
        _TABLE[ord(ch)] = folded
        if len(folded) != 1:
            _UNEVEN.add(ch)
            grew = True
    if grew or _uneven_pattern is None:
        chars_class = "".join(re.escape(ch) for ch in sorted(_UNEVEN)) or r"\x00"
        _uneven_pattern = re.compile(f"[{chars_class}]")


def fold_with_origin(text: str) -> tuple[str, list[int] | None]:
    """`fold(text)`, with the original index of every folded character (None: the same)."""
    if text.isascii():
        return text.lower(), None
    present = set(text)
    unknown = {ch for ch in present if ord(ch) not in _TABLE}
    if unknown or _uneven_pattern is None:
        _learn(unknown)
    folded = text.translate(_TABLE)
    if not present & _UNEVEN:
        return folded, None
    assert _uneven_pattern is not None
    origin: list[int] = []
    at = 0
    for m in _uneven_pattern.finditer(text):
        origin.extend(range(at, m.start()))
        origin.extend([m.start()] * len(_TABLE[ord(m.group())]))
        at = m.end()
    origin.extend(range(at, len(text)))
    return folded, origin


@dataclass(frozen=True, slots=True)
class Words:
    """The words of an article, title first: folded forms and original offsets, side by side."""

    words: list[str]
    starts: list[int]
    ends: list[int]
    title_words: int  # the first `title_words` words are the title's

    def field(self, position: int) -> FieldName:
        return "title" if position < self.title_words else "text"

    def __len__(self) -> int:
        return len(self.words)


def _split(text: str) -> tuple[list[str], list[int], list[int]]:
    found = wordsplit.split(text)
    if found is not None:
        return found
    return split_by_pattern(text)


def split_by_pattern(text: str) -> tuple[list[str], list[int], list[int]]:
    """The words of any text, by the regular expression that defines them (query.WORD)."""
    folded, origin = fold_with_origin(text)
    spans = [m.span() for m in WORD.finditer(folded)]
    words = [folded[a:b] for a, b in spans]
    if origin is None:
        return words, [a for a, _ in spans], [b for _, b in spans]
    starts = [origin[a] for a, _ in spans]
    ends: list[int] = []
    for _, b in spans:
        end = origin[b - 1] + 1
        # Trailing combining marks fold to nothing but belong to the word ("cafe\u0301").
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        ends.append(end)
    return words, starts, ends


def index_words(title: str, text: str) -> Words:
    title_words, title_starts, title_ends = _split(title)
    text_words, text_starts, text_ends = _split(text)
    return Words(
        title_words + text_words,
        title_starts + text_starts,
        title_ends + text_ends,
        len(title_words),
    )


@dataclass(frozen=True, slots=True)
class Token:
    word: str  # folded
    field: FieldName
    start: int  # offsets in the original field text
    end: int


def tokenise(text: str, field_name: FieldName) -> list[Token]:
    """The words of one text as tokens (for callers that want objects, not arrays)."""
    words, starts, ends = _split(text)
    return [Token(w, field_name, a, b) for w, a, b in zip(words, starts, ends, strict=True)]
