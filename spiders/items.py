"""The item a spider yields for each downloaded article page."""

from __future__ import annotations

from dataclasses import dataclass

from spiders.extract import EntryHint


@dataclass(frozen=True, slots=True)
class PageItem:
    source: str
    url: str  # canonical URL: the archive's identity of the page
    fetched_url: str  # where the page was read, after redirects
    body: bytes
    hint: EntryHint | None = None
    lang_hint: str | None = None
