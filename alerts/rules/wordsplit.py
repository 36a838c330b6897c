"""Folding and splitting a text into words with array operations, for the texts that allow it.

`alerts.rules.tokens` defines the words of a text: the runs of word characters of its
folded form (`alerts.rules.folding.fold`), each CJK ideograph a word of its own, with their
offsets in the original.
Done with a regular expression and per-character tables, that costs about a microsecond per
word, more than the rule scan it feeds. Here the text is read as an array of code points:
one table lookup folds each character and says whether it is a word character, the edges of
the runs are the words' offsets, and the folded words come from one `str.split`.

That holds for texts where every character folds to one character, to several word characters
(`ß` -> `ss`, replaced after the split) or to punctuation only (`…` -> `...`). `split` returns
None for the rest (combining marks, ideographs, characters beyond the Basic Multilingual
Plane, `½` -> `1⁄2`) and the caller uses the regular expression; the words are the same.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from alerts.rules.folding import fold

_WORD_CHAR = re.compile(r"\w")
# Ideographs are words of their own (alerts.rules.query.WORD): not for this path.
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# What the tables say of a character of the Basic Multilingual Plane.
_UNKNOWN, _WORD, _OTHER, _EXPANDS, _NOT_HERE = 0, 1, 2, 3, 4
_SIZE = 0x10000
_kind = np.zeros(_SIZE, dtype=np.uint8)
_folded = np.arange(_SIZE, dtype=np.uint32)  # the fold of a one-to-one character
_expansions: dict[str, str] = {}  # a character that folds to several word characters -> them


def _learn(code_points: npt.NDArray[np.uint32]) -> None:
    for code in code_points.tolist():
        ch = chr(code)
        folded = fold(ch)
        if _IDEOGRAPH.match(ch) or _IDEOGRAPH.search(folded):
            _kind[code] = _NOT_HERE
        elif len(folded) == 1:
            _folded[code] = ord(folded)
            _kind[code] = _WORD if _WORD_CHAR.match(folded) else _OTHER
        elif folded and all(_WORD_CHAR.match(c) for c in folded):
            _expansions[ch] = folded
            _kind[code] = _EXPANDS
        elif folded and not any(_WORD_CHAR.match(c) for c in folded):
            _kind[code] = _OTHER  # "…" -> "...": punctuation all the same
        else:
            _kind[code] = _NOT_HERE  # folds to nothing (a combining mark), or to "1⁄2"
    # A character folding to one that expands would be replaced twice: not for this path.
    for code in code_points.tolist():
        if _kind[code] == _WORD and chr(int(_folded[code])) in _expansions:
            _kind[code] = _NOT_HERE


_learn(np.arange(128, dtype=np.uint32))


def split(text: str) -> tuple[list[str], list[int], list[int]] | None:
    """The folded words of `text` with their start and end offsets, or None: not this way."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if not codes.size:
        return [], [], []
    if int(codes.max()) >= _SIZE:
        return None
    kinds = _kind[codes]
    if not kinds.all():
        _learn(np.unique(codes[kinds == _UNKNOWN]))
        kinds = _kind[codes]
    if (kinds == _NOT_HERE).any():
        return None
    is_word = (kinds == _WORD) | (kinds == _EXPANDS)
    spaced = np.where(is_word, _folded[codes], np.uint32(32)).astype(np.uint32)
    folded = spaced.tobytes().decode("utf-32-le")
    expands = kinds == _EXPANDS
    if expands.any():
        for code in np.unique(codes[expands]).tolist():
            ch = chr(code)
            folded = folded.replace(ch, _expansions[ch])
    edges = np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1).tolist()
    ends = np.flatnonzero(edges == -1).tolist()
    words = folded.split()
    if len(words) != len(starts):  # a word character `split` takes for a space
        return None
    return words, starts, ends
