"""An article's words: folded (case and accents dropped), each with its place in the original.

A match is shown and highlighted as the reader wrote it, so every folded word remembers the
offsets of its source characters in the original title or text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from alerts.query import FieldName
from db.text import fold

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Token:
    word: str  # folded
    field: FieldName
    start: int  # offsets in the original field text
    end: int


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
