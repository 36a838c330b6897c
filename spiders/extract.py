"""Extraction: one fetched HTML page -> an `ArticleDraft`, or an `ExtractionError` saying why not.

trafilatura finds the article text and the page's metadata (title, date, author, site name);
the feed entry that led to the page (`EntryHint`) fills what the page leaves out. The language
is identified from the text with py3langid: trafilatura only fills it when asked to filter by
a target language.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import py3langid
import trafilatura
from courlan.urlutils import get_tldinfo
from trafilatura.settings import Document

from db.draft import ArticleDraft
from spiders.encoding import UndecodablePage, decode_page
from spiders.urls import canonical_url

__all__ = [
    "EntryHint",
    "ExtractionError",
    "decode_html",
    "extract",
    "hint_data",
    "hint_from_data",
]

logger = logging.getLogger(__name__)

# Below this many characters a language guess from the text is worse than the feed's or the
# source's declared language.
_MIN_LANGID_CHARS = 120

# Invisible characters that publishers scatter in text (soft hyphens for line breaking,
# zero-width spaces, stray BOMs); they would make identical articles hash differently.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")

# How publishers join a headline and their name in <title>/og:title: "Headline | Site",
# "Headline - Site", "見出し：サイト".
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·•]\s+|\s*[｜：]\s*|\s+\|")
_DATE_LIKE = re.compile(r"^[\d\s./-]*\d[\d\s./-]*$")
# German hosts spell umlauts out (boersen-zeitung.de); other accents are simply dropped.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


@dataclass(frozen=True)
class EntryHint:
    """What a feed entry says of the article: the fallback for fields the page lacks.

    `summary` travels with the hint for callers; it never stands in for the article text,
    or a teaser page would be archived as an article.
    """

    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    summary: str | None = None
    lang: str | None = None
    keywords: tuple[str, ...] = ()  # the entry's categories or news:keywords


def hint_data(hint: EntryHint | None) -> dict[str, Any] | None:
    """The hint as plain JSON data, for the work queue."""
    if hint is None:
        return None
    published = hint.published.isoformat() if hint.published is not None else None
    return {
        "title": hint.title,
        "published": published,
        "author": hint.author,
        "summary": hint.summary,
        "lang": hint.lang,
        "keywords": list(hint.keywords),
    }


def hint_from_data(data: dict[str, Any] | None) -> EntryHint | None:
    if data is None:
        return None
    published = data.get("published")
    return EntryHint(
        title=data.get("title"),
        published=datetime.fromisoformat(published) if published else None,
        author=data.get("author"),
        summary=data.get("summary"),
        lang=data.get("lang"),
        keywords=tuple(data.get("keywords") or ()),
    )


class ExtractionError(Exception):
    """A page that yields no article; `str()` names the URL and the reason."""

    def __init__(self, url: str, reason: str, detail: str | None = None) -> None:
        self.url = url
        self.reason = reason
        self.detail = detail
        message = f"{reason} at {url}" + (f": {detail}" if detail else "")
        super().__init__(message)


def extract(
    html: bytes | str,
    url: str,
    *,
    hint: EntryHint | None = None,
    source: str | None = None,
    lang_hint: str | None = None,
    min_text_chars: int = 200,
    fetched_url: str | None = None,
) -> ArticleDraft:
    """Extract the article of the page at `url` (its address before canonicalisation).

    Raises ExtractionError when the page has no article text of at least `min_text_chars`
    characters, or no title (neither on the page nor in `hint`).
    """
    hint = hint or EntryHint()
    try:
        page = decode_html(html)
    except UndecodablePage as exc:
        raise ExtractionError(url, "no article text found", str(exc)) from exc
    document = trafilatura.bare_extraction(
        page,
        url=fetched_url or url,
        with_metadata=True,
        include_comments=False,
        # Balanced mode on purpose: fast=True was 1.5x faster but lost 1 point of text recall
        # on the fundus pages; favor_precision gained 0.3 on aeb but lost 1.3 of recall.
        # htmldate drops dates after max_date, by default today on this machine: a page from
        # a time zone already in tomorrow would lose its date.
        date_extraction_params={
            "original_date": True,
            "extensive_search": True,
            "max_date": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d"),
        },
    )
    # None (after a log line of its own) when trafilatura finds no main text at all; a dict
    # only when asked for one.
    if not isinstance(document, Document):
        raise ExtractionError(url, "no article text found", "no main content on the page")
    text = normalise_text(document.text or "")
    page_title = _clean_line(document.title)
    if page_title:
        page_title = _without_site_name(page_title, document.sitename, url)
    title = page_title or _clean_line(hint.title)
    if title:
        text = _without_headline(text, title)
    if len(text) < min_text_chars:
        raise ExtractionError(
            url,
            "no article text found",
            f"{len(text)} characters after extraction (minimum {min_text_chars})",
        )
    if not title:
        raise ExtractionError(url, "no title found", "neither the page nor the feed entry has one")
    return ArticleDraft(
        url=canonical_url(url),
        title=title,
        text=text,
        fetched_url=fetched_url,
        author=_clean_line(document.author) or _clean_line(hint.author),
        published=_page_date(document.date) or _as_utc(hint.published),
        lang=_language(text, hint.lang or lang_hint),
        site_name=_clean_line(document.sitename),
        source=source,
        keywords=keywords(hint.keywords, document.tags, document.categories),
    )


_MAX_KEYWORDS = 30
_MAX_KEYWORD_CHARS = 80


def keywords(*lists: Iterable[str] | None) -> tuple[str, ...]:
    """The publisher's keywords for an article: the entry's first, then the page's own tags.

    Each once (ignoring case), in order; the count and length are capped because some sites
    stuff hundreds of tags into their pages.
    """
    seen: set[str] = set()
    found: list[str] = []
    for values in lists:
        for value in values or ():
            keyword = _clean_line(value)
            if not keyword or len(keyword) > _MAX_KEYWORD_CHARS or keyword.casefold() in seen:
                continue
            seen.add(keyword.casefold())
            found.append(keyword)
            if len(found) == _MAX_KEYWORDS:
                return tuple(found)
    return tuple(found)


def decode_html(html: bytes | str) -> str:
    """The page as text (see `spiders.encoding.decode_page`); str is taken as it is."""
    return html if isinstance(html, str) else decode_page(html, None)


def normalise_text(text: str) -> str:
    """One paragraph per block, separated by a blank line, with single spaces inside."""
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def _clean_line(value: str | None) -> str | None:
    if value is None:
        return None
    return _SPACES.sub(" ", _INVISIBLE.sub("", value).replace("\n", " ")).strip() or None


def _without_headline(text: str, title: str) -> str:
    """The text without the headline that trafilatura often keeps as its first line."""
    first, _, rest = text.partition("\n\n")
    if first.casefold() == title.casefold():
        return rest
    # The fallback extractors return the whole article block as one line.
    if first.startswith(title + " "):
        return (first[len(title) + 1 :] + "\n\n" + rest).strip()
    return text


def _without_site_name(title: str, site_name: str | None, url: str) -> str:
    """The headline without the site's name (and a date) that many pages append to it."""
    site_name = _clean_line(site_name)
    if site_name:
        for separator in (" | ", " - ", " – ", " — "):
            if title.endswith(separator + site_name):
                title = title.removesuffix(separator + site_name)
    names = {_name_key(site_name or "")}
    domain, _registered = get_tldinfo(url)
    if domain:
        names.add(_name_key(domain))
    names.discard("")
    while True:
        parts = _TITLE_SEPARATOR.split(title)
        if len(parts) < 2:
            return title
        last = parts[-1]
        if not (_DATE_LIKE.match(last) or _names_site(_name_key(last), names)):
            return title
        # Cut at the last separator only: the headline itself may contain " - ".
        cut = [found.start() for found in _TITLE_SEPARATOR.finditer(title)][-1]
        title = title[:cut].rstrip()


def _names_site(key: str, names: set[str]) -> bool:
    if len(key) < 2:
        return False
    return any(
        key == name or (len(name) >= 3 and name in key) or (len(key) >= 4 and key in name)
        for name in names
    )


def _name_key(name: str) -> str:
    """A site's name as letters and digits only, so that "Börsen-Zeitung" matches the host
    boersen-zeitung.de and "Seznam Zprávy" matches "Seznam_Zpravy"."""
    folded = name.casefold().translate(_UMLAUTS)
    return "".join(char for char in unicodedata.normalize("NFKD", folded) if char.isalnum())


def _page_date(value: str | None) -> datetime | None:
    """htmldate's `YYYY-MM-DD` as midnight UTC."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        logger.debug("unreadable page date %r", value)
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # A feed date without an offset is taken as UTC, as feedparser reports them.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_LANGID_SAMPLE_CHARS = 4000


def _language(text: str, declared: str | None) -> str | None:
    if len(text) < _MIN_LANGID_CHARS and declared:
        # "en-GB" and "pt_BR" become "en" and "pt", the codes py3langid answers with.
        return declared.replace("_", "-").split("-")[0].strip().lower() or None
    # A few thousand characters decide the language as well as the whole text, at a fraction
    # of the cost on long articles.
    language, _score = py3langid.classify(text[:_LANGID_SAMPLE_CHARS])
    return str(language)
