"""Text normalisation shared by exact deduplication and matching."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKD, combining marks dropped, casefolded.

    Cyrillic й/ё keep their identity as letters only approximately (й -> и), which is what a
    reader typing without diacritics expects too.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def normalise(text: str) -> str:
    """Folded words separated by single spaces: punctuation, layout and case do not count."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def text_hash(text: str) -> str:
    """The identity of an article's text: a republished copy under another URL hashes alike."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
