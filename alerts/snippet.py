"""A short passage of an article around its matched terms, with the spans to highlight."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from alerts.hits import Hit

ELLIPSIS = "…"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Snippet:
    """Plain text plus the (start, end) spans within it that show matched terms."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def parts(self) -> list[tuple[str, bool]]:
        """The text cut into (piece, is_mark) pieces, for renderers that emphasise marks."""
        pieces: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.marks:
            if start > at:
                pieces.append((self.text[at:start], False))
            pieces.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            pieces.append((self.text[at:], False))
        return pieces


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _best_run(hits: Sequence[Hit], size: int) -> tuple[int, int]:
    """Indices (first, last) of the run of hits that fits in `size` and names most terms.

    Ties go to the earliest run: the first mention is usually the lead of the story.
    """
    best, best_count = (0, 0), 0
    for first, hit in enumerate(hits):
        seen = {hit.term}
        last = first
        for later in range(first + 1, len(hits)):
            if hits[later].end - hit.start > size:
                break
            seen.add(hits[later].term)
            last = later
        if len(seen) > best_count:
            best, best_count = (first, last), len(seen)
    return best


def _window(text: str, lo: int, hi: int, size: int) -> tuple[int, int]:
    """About `size` characters of `text` containing [lo, hi), cut between words."""
    slack = max(0, size - (hi - lo))
    start = max(0, lo - slack // 2)
    end = min(len(text), max(hi, start + size))
    if end - start < size:
        start = max(0, min(lo, end - size))
    # Do not cut a word in half: drop the partial word at either edge.
    while 0 < start < lo and _is_word(text[start - 1]) and _is_word(text[start]):
        start += 1
    while hi < end < len(text) and _is_word(text[end - 1]) and _is_word(text[end]):
        end -= 1
    return start, end


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def make_snippet(text: str, hits: Sequence[Hit], size: int) -> Snippet:
    """About `size` characters of `text` around the first matched terms, marks included.

    Only hits in the text field whose position still reads as recorded are used (a stored
    match may be older than an edited text); without any, the snippet is the text's opening.
    Runs of whitespace (line breaks included) become single spaces.
    """
    usable = sorted(
        (h for h in hits if h.field == "text" and text[h.start : h.end] == h.found and h.found),
        key=lambda h: (h.start, h.end),
    )
    if usable:
        first, last = _best_run(usable, size)
        lo, hi = usable[first].start, max(h.end for h in usable[first : last + 1])
    else:
        lo = hi = 0
    start, end = _window(text, lo, hi, size)
    spans = _merged([(h.start, h.end) for h in usable if h.start >= start and h.end <= end])

    out: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0

    def emit(piece: str, mark: bool) -> None:
        nonlocal length
        piece = _SPACE.sub(" ", piece)
        if mark:
            marks.append((length, length + len(piece)))
        out.append(piece)
        length += len(piece)

    at = start
    while at < end and text[at].isspace():
        at += 1
    if start > 0:
        emit(ELLIPSIS, False)
    for span_start, span_end in spans:
        if span_start > at:
            emit(text[at:span_start], False)
        emit(text[span_start:span_end], True)
        at = span_end
    tail = text[at:end].rstrip()
    if tail:
        emit(tail, False)
    if end < len(text):
        emit(ELLIPSIS, False)
    return Snippet("".join(out), tuple(marks))
