"""Benchmark (issue 15): extraction quality of ours against trafilatura's defaults, same run.

Ours is `spiders.extract.extract` called as the crawler calls it (the page's bytes, its URL);
the baseline is trafilatura with its defaults (`extract` for the text, `bare_extraction` with
metadata for title and date). On ../shared/corpora/aeb: token F1 against `articleBody`
(whitespace tokens counted as a multiset, the benchmark's published method). On
../shared/corpora/fundus: the share of pages with the title right (equal after whitespace and
case folding), the date within a day, the language right, and the mean token F1 of the text.
Missing output counts as wrong. Goal: ours never below trafilatura on any figure.

Run: `.venv/bin/python bench/extraction_quality.py` (or `make bench`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime

import pipesite
import trafilatura
from trafilatura.settings import Document

from spiders.extract import ExtractionError, extract
from tests.support.corpora import CorpusPage, iter_aeb, iter_fundus


def token_f1(got: str, expected: str) -> float:
    ours, truth = Counter(got.split()), Counter(expected.split())
    common = sum((ours & truth).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ours.values()), common / sum(truth.values())
    return 2 * precision * recall / (precision + recall)


def _fold(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _day_apart(got: datetime | None, expected: datetime | None) -> bool:
    if got is None or expected is None:
        return False
    if (got.tzinfo is None) != (expected.tzinfo is None):
        # A naive expected date is the publisher's local time: compare calendar dates.
        got, expected = got.replace(tzinfo=None), expected.replace(tzinfo=None)
    return abs((got - expected).total_seconds()) <= 86400


def _ours(page: CorpusPage) -> tuple[str, str | None, datetime | None, str | None]:
    try:
        draft = extract(page.html, page.url)
    except ExtractionError:
        return "", None, None, None
    return draft.text, draft.title, draft.published, draft.lang


def _theirs(page: CorpusPage) -> tuple[str, str | None, datetime | None, str | None]:
    text = trafilatura.extract(page.html, url=page.url) or ""
    document = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    if not isinstance(document, Document):
        return text, None, None, None
    published = None
    if document.date:
        try:
            published = datetime.fromisoformat(document.date).replace(tzinfo=UTC)
        except ValueError:
            published = None
    return text, document.title, published, document.language


def main() -> int:
    aeb, fundus = list(iter_aeb()), list(iter_fundus())
    if not aeb and not fundus:
        print("skipped: ../shared/corpora is not here (set NEWSWATCH_CORPORA)")
        return 0
    figures: dict[str, dict[str, float]] = {}
    for name, run in (("ours", _ours), ("trafilatura", _theirs)):
        aeb_f1 = [token_f1(run(page)[0], page.expected_text) for page in aeb]
        titles, dates, langs, f1s = [], [], [], []
        for page in fundus:
            text, title, published, lang = run(page)
            f1s.append(token_f1(text, page.expected_text))
            if page.expected_title:
                titles.append(_fold(title) == _fold(page.expected_title))
            if page.expected_published:
                dates.append(_day_apart(published, page.expected_published))
            if page.expected_lang:
                langs.append(lang == page.expected_lang)
        figures[name] = {
            "aeb_f1": statistics.fmean(aeb_f1),
            "fundus_text_f1": statistics.fmean(f1s),
            "fundus_title": statistics.fmean(titles),
            "fundus_date_within_day": statistics.fmean(dates),
            "fundus_lang": statistics.fmean(langs),
        }
    ours, theirs = figures["ours"], figures["trafilatura"]
    path = pipesite.save(
        "extraction_quality", {"aeb_pages": len(aeb), "fundus_pages": len(fundus), **figures}
    )
    print(f"{len(aeb)} aeb pages, {len(fundus)} fundus pages; results in {path}")
    pipesite.table(
        [
            (
                key,
                f"{ours[key]:.3f}",
                f"trafilatura {theirs[key]:.3f}",
                ">= baseline" + ("" if ours[key] >= theirs[key] else " (MISSED)"),
            )
            for key in ours
        ]
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
