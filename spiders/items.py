"""The item a poll yields for each downloaded article page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spiders.extract import EntryHint

if TYPE_CHECKING:
    from spiders.base import SourcePoll


@dataclass(frozen=True, slots=True)
class PageItem:
    source: str
    url: str  # canonical URL: the archive's identity of the page
    fetched_url: str  # where the page was read, after redirects
    body: bytes
    poll: SourcePoll  # the poll that found it: its outcome counts the result
    hint: EntryHint | None = None
    lang_hint: str | None = None
