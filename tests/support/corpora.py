"""Real pages of ../shared/corpora, read in place (never copied into the repo).

Two corpora, each page with what a person or a careful parser found in it:

- `aeb`: the article-extraction benchmark (Zyte): the page and its article text.
- `fundus`: news pages of many countries with the title, date and text that Fundus's
  hand-written parser for that publisher extracted.

The folder is `../shared/corpora` next to the repository, or `$NEWSWATCH_CORPORA`. Callers
go through `tests.support.gates.require_corpora` (skipped without the folder, failed in CI).
Used by the corpus tests and the benchmarks.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["CorpusPage", "corpora_dir", "iter_aeb", "iter_fundus"]

_ENV = "NEWSWATCH_CORPORA"

# The language of a fundus country folder, only where every publisher in it writes in that
# language (checked by reading the pages and by language identification of the expected text).
# Folders with several languages are left to the list below: jp/ has The Japan News
# (English), 20 Minuten (ch/) has a French edition, be/ mixes Dutch and English, and
# Ukrainian outlets publish in Ukrainian and Russian.
_FUNDUS_COUNTRY_LANG = {
    "at": "de",
    "de": "de",
    "au": "en",
    "ca": "en",
    "uk": "en",
    "us": "en",
    "fr": "fr",
    "ru": "ru",
}
# Pages and publishers of mixed folders whose language was checked by hand (URL, page text).
_FUNDUS_VERIFIED_LANG = {
    "be/Nieuwsblad": "nl",
    "be/PoliticoEu": "en",
    "ch/NZZ": "de",
    "ch/SRF": "de",
    "ch/TagesAnzeiger": "de",
    "ch/ZwanzigMinuten": "de",  # both pages are from the German-language edition
    "ua/Pravda_2026_01_08": "ru",  # the Russian edition (/rus/); most of Pravda is Ukrainian
}


@dataclass(frozen=True)
class CorpusPage:
    """One real page and what it is known to contain.

    `expected_published` is aware when the source gives an offset, naive otherwise (then it
    is the publisher's local time). `expected_title`, `expected_published` and
    `expected_lang` are None where the corpus does not say.
    """

    corpus: str
    key: str
    url: str
    html: bytes
    expected_title: str | None
    expected_text: str
    expected_published: datetime | None
    expected_lang: str | None


def corpora_dir() -> Path | None:
    """The corpora folder, or None when it is not there."""
    configured = os.environ.get(_ENV)
    folder = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
    )
    return folder if folder.is_dir() else None


def iter_aeb() -> Iterator[CorpusPage]:
    """The article-extraction benchmark's pages, in key order; nothing when absent."""
    root = corpora_dir()
    if root is None or not (root / "aeb").is_dir():
        return
    truth: dict[str, dict[str, str]] = _read_json(root / "aeb" / "ground-truth.json")
    for key in sorted(truth):
        yield CorpusPage(
            corpus="aeb",
            key=key,
            url=truth[key]["url"],
            html=gzip.decompress((root / "aeb" / "html" / f"{key}.html.gz").read_bytes()),
            expected_title=None,
            expected_text=truth[key]["articleBody"],
            expected_published=None,
            expected_lang=None,
        )


def iter_fundus() -> Iterator[CorpusPage]:
    """Fundus's test pages, by country and file name; nothing when absent.

    A publisher's `<Publisher>.json` holds one parser version per page; versions and pages
    are both in date order, so the n-th page by date pairs with the n-th version.
    """
    root = corpora_dir()
    if root is None or not (root / "fundus").is_dir():
        return
    for country in sorted(path for path in (root / "fundus").iterdir() if path.is_dir()):
        meta: dict[str, dict[str, str]] = _read_json(country / "meta.info")
        pages_by_publisher: dict[str, list[Path]] = {}
        for page in sorted(country.glob("*.html.gz")):
            # File names are <Publisher>_<YYYY>_<MM>_<DD>.html.gz; publishers may contain "_".
            publisher = page.name.removesuffix(".html.gz").rsplit("_", 3)[0]
            pages_by_publisher.setdefault(publisher, []).append(page)
        for publisher, pages in sorted(pages_by_publisher.items()):
            versions = _read_json(country / f"{publisher}.json")
            if len(versions) != len(pages):
                raise ValueError(
                    f"{country.name}/{publisher}: {len(pages)} pages but {len(versions)} "
                    "parser versions, so they cannot be paired"
                )
            # Names sort as dates (YYYY_MM_DD); the JSON keeps its versions in date order.
            for page, expected in zip(pages, versions.values(), strict=True):
                yield _fundus_page(country.name, publisher, page, meta[page.name]["url"], expected)


def _fundus_page(
    country: str, publisher: str, page: Path, url: str, expected: dict[str, Any]
) -> CorpusPage:
    body = expected["body"]
    blocks: list[str] = list(body.get("summary", []))
    for section in body.get("sections", []):
        blocks.extend(section.get("headline", []))
        blocks.extend(section.get("paragraphs", []))
    published = expected.get("publishing_date")
    return CorpusPage(
        corpus="fundus",
        key=f"{country}/{page.name.removesuffix('.html.gz')}",
        url=url,
        html=gzip.decompress(page.read_bytes()),
        expected_title=expected.get("title") or None,
        expected_text="\n\n".join(blocks),
        expected_published=datetime.fromisoformat(published) if published else None,
        expected_lang=_fundus_lang(country, publisher, page),
    )


def _fundus_lang(country: str, publisher: str, page: Path) -> str | None:
    stem = page.name.removesuffix(".html.gz")
    for key in (f"{country}/{stem}", f"{country}/{publisher}"):
        if key in _FUNDUS_VERIFIED_LANG:
            return _FUNDUS_VERIFIED_LANG[key]
    return _FUNDUS_COUNTRY_LANG.get(country)


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)
