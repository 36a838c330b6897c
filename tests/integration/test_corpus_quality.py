"""Extraction quality on real pages, pinned so that a regression fails.

Every page of ../shared/corpora is extracted once (module fixture) and scored:
- aeb: token F1 of the text against the article text a person marked, as the benchmark
  scores it (whitespace tokens counted as a multiset);
- fundus: title, publication day and text against what Fundus's hand-written parsers found,
  and the identified language where the country (or a checked page) tells it.
A page that raises ExtractionError scores 0 everywhere.

The floors sit about 0.02 under the figures measured when they were set (November 2026,
trafilatura 2.3.1): aeb mean F1 0.958; fundus title 0.833, day 0.965, text F1 0.946 and
recall 0.973, language 1.000 (173 pages); 1 ExtractionError in 439 pages; about 17 pages/s
on one core, so this module takes about half a minute.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date
from statistics import mean

import pytest

from db.draft import ArticleDraft
from spiders.extract import ExtractionError, extract
from tests.support.corpora import CorpusPage, iter_aeb, iter_fundus
from tests.support.gates import require_corpora

pytestmark = pytest.mark.corpus

logger = logging.getLogger(__name__)

AEB_MEAN_F1_FLOOR = 0.94
FUNDUS_TITLE_FLOOR = 0.81
FUNDUS_DAY_FLOOR = 0.945
FUNDUS_TEXT_F1_FLOOR = 0.925
FUNDUS_TEXT_RECALL_FLOOR = 0.95
FUNDUS_LANG_FLOOR = 0.98
MAX_EXTRACTION_ERRORS = 3


@dataclass(frozen=True)
class Outcome:
    page: CorpusPage
    draft: ArticleDraft | None
    error: str | None


@dataclass(frozen=True)
class Run:
    outcomes: list[Outcome]
    seconds: float

    def of(self, corpus: str) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.page.corpus == corpus]

    @property
    def errors(self) -> list[str]:
        return [outcome.error for outcome in self.outcomes if outcome.error]


@pytest.fixture(scope="module")
def run() -> Run:
    require_corpora()
    pages = [*iter_aeb(), *iter_fundus()]
    started = time.perf_counter()
    outcomes = list(_extract_all(pages))
    seconds = time.perf_counter() - started
    logger.info("extracted %d pages in %.1f s", len(pages), seconds)
    return Run(outcomes, seconds)


def _extract_all(pages: list[CorpusPage]) -> Iterator[Outcome]:
    for page in pages:
        try:
            yield Outcome(page, extract(page.html, page.url), None)
        except ExtractionError as error:
            yield Outcome(page, None, str(error))


def test_both_corpora_are_read(run: Run) -> None:
    assert len(run.of("aeb")) == 181
    assert len(run.of("fundus")) >= 250


def test_few_pages_fail(run: Run) -> None:
    assert len(run.errors) <= MAX_EXTRACTION_ERRORS, "\n".join(run.errors)


def test_aeb_text_f1(run: Run) -> None:
    scores = [_f1(_text(outcome), outcome.page.expected_text)[0] for outcome in run.of("aeb")]
    assert mean(scores) >= AEB_MEAN_F1_FLOOR, f"aeb mean F1 {mean(scores):.3f}"


def test_fundus_text(run: Run) -> None:
    scores = [_f1(_text(outcome), outcome.page.expected_text) for outcome in run.of("fundus")]
    f1 = mean(score[0] for score in scores)
    recall = mean(score[1] for score in scores)
    assert f1 >= FUNDUS_TEXT_F1_FLOOR, f"fundus mean text F1 {f1:.3f}"
    assert recall >= FUNDUS_TEXT_RECALL_FLOOR, f"fundus mean text recall {recall:.3f}"


def test_fundus_titles(run: Run) -> None:
    checked = [outcome for outcome in run.of("fundus") if outcome.page.expected_title]
    misses = [
        f"{outcome.page.key}: {outcome.draft.title if outcome.draft else None!r}"
        f" != {outcome.page.expected_title!r}"
        for outcome in checked
        if outcome.draft is None
        or _title_key(outcome.draft.title) != _title_key(outcome.page.expected_title or "")
    ]
    rate = 1 - len(misses) / len(checked)
    assert rate >= FUNDUS_TITLE_FLOOR, f"title match {rate:.3f}:\n" + "\n".join(misses)


def test_fundus_publication_days(run: Run) -> None:
    checked = [outcome for outcome in run.of("fundus") if outcome.page.expected_published]
    misses = [
        f"{outcome.page.key}: {outcome.draft.published if outcome.draft else None}"
        f" vs {outcome.page.expected_published}"
        for outcome in checked
        if not _same_day(outcome)
    ]
    rate = 1 - len(misses) / len(checked)
    assert rate >= FUNDUS_DAY_FLOOR, f"publication day match {rate:.3f}:\n" + "\n".join(misses)


def test_fundus_languages(run: Run) -> None:
    checked = [outcome for outcome in run.of("fundus") if outcome.page.expected_lang]
    misses = [
        f"{outcome.page.key}: {outcome.draft.lang if outcome.draft else None}"
        f" != {outcome.page.expected_lang}"
        for outcome in checked
        if outcome.draft is None or outcome.draft.lang != outcome.page.expected_lang
    ]
    rate = 1 - len(misses) / len(checked)
    assert len(checked) >= 150
    assert rate >= FUNDUS_LANG_FLOOR, f"language accuracy {rate:.3f}:\n" + "\n".join(misses)


def _text(outcome: Outcome) -> str:
    return outcome.draft.text if outcome.draft else ""


def _f1(predicted: str, expected: str) -> tuple[float, float]:
    """Token F1 and recall: whitespace tokens, counted as a multiset."""
    predicted_tokens, expected_tokens = Counter(predicted.split()), Counter(expected.split())
    common = sum((predicted_tokens & expected_tokens).values())
    if common == 0:
        return 0.0, 0.0
    precision = common / sum(predicted_tokens.values())
    recall = common / sum(expected_tokens.values())
    return 2 * precision * recall / (precision + recall), recall


_QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'}
)


def _title_key(title: str) -> str:
    """Titles compared as a reader would: case, spacing, quote styles and soft hyphens aside."""
    title = unicodedata.normalize("NFKC", title).replace("\u00ad", "")
    title = title.translate(_QUOTES)
    return re.sub(r"\s+", " ", title).strip().casefold()


def _same_day(outcome: Outcome) -> bool:
    expected = outcome.page.expected_published
    if outcome.draft is None or outcome.draft.published is None or expected is None:
        return False
    # The publisher's own calendar day, or the UTC one where the corpus gives an offset.
    days: set[date] = {expected.date()}
    if expected.tzinfo is not None:
        days.add(expected.astimezone(UTC).date())
    return outcome.draft.published.date() in days
