"""Deduplication quality, pinned so that a regression fails (as trafilatura's eval gate does).

1. The development set (tests/data/devset/dedup.jsonl: our texts and the pages made of them
   with furniture, cut to the lead, teasers, live-blog entries, reordered, respelt, dated a
   few days off, to the month or not at all), run through storage with the shipped
   `[dedup]`: each page about a seed judged alone against the seeds and everything else
   (as the held-out articles are), and all of it stored in file order (chains of copies).
2. A second topic of our own (tests/data/topics/rhine_spill: its own config with seeds,
   groups, rules, entities and names) works with no code change.
3. The real pages of ../shared/corpora, read in place, filed together within four days:
   none may be linked to a seed or to a page about something else; copies derived from them
   at run time must be found.

The floors are what was measured when they were set (December 2026), not rounded up; the
figures are in the README's deduplication section. `python -m tests.support.devset_eval -v`
prints the table and every miss.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from db.config import DedupConfig
from db.engine import open_archive
from newswatch.config import load_config
from tests.support.corpora import iter_aeb, iter_fundus
from tests.support.dedup_set import evaluate_corpus
from tests.support.devset_build import OUTPUT, build, load_written, render
from tests.support.devset_eval import DevReport, evaluate_devset, explain, parse_records
from tests.support.gates import require_corpora

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SECOND_TOPIC = ROOT / "tests" / "data" / "topics" / "rhine_spill"
DEVSET_DIR = ROOT / "tests" / "data" / "devset"
# Short reports of the topic set (tests/data/devset/topic.jsonl) in the story of the report
# they are labelled with, every record stored in file order, with the same-cycle hard
# negatives of dedup_cycle.jsonl after them (December 2026).
SHORT_SAME_EVENT_IN_STORY = 18 / 128  # 17 / 127 before round 2 (en-live-kirby relabelled since)

# Measured on the development set, each page about a seed judged alone (December 2026).
SEED_COPIES_LINKED = 60 / 78  # the goal: 0.95 (teasers and live-blog entries miss)
SAME_EVENT_IN_STORY = 68 / 76  # goal 0.75
NEW_DEVELOPMENTS_DUPLICATE = 1 / 22  # goal 0.02: one same-cycle report (the Rome meeting)
NEW_DEVELOPMENT_COPIES_DUPLICATE = 3 / 129  # with the pages made of them and of our stories
FALSE_LINKS_AMONG_OTHERS = 1  # of 151
OTHER_COPIES_LINKED = 83 / 91
# The same, every record stored in file order (copies of copies: chains).
STREAM_SEED_COPIES_LINKED = 65 / 78
STREAM_SAME_EVENT_IN_STORY = 69 / 76
CORPUS_COPY_RECALL_FLOOR = 1.0


def _rows(report: DevReport) -> dict[str, tuple[int, int]]:
    return {name: (count, total) for name, count, total in report.rows()}


def _evaluate(tmp_path_factory: pytest.TempPathFactory, stream: bool) -> DevReport:
    folder = tmp_path_factory.mktemp("dedup-dev")
    engine = open_archive(f"sqlite:///{folder / 'archive.db'}")
    try:
        report = evaluate_devset(engine, stream=stream)
    finally:
        engine.dispose()
    logger.info("development set (stream=%s):\n%s", stream, report.table())
    return report


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> DevReport:
    return _evaluate(tmp_path_factory, stream=False)


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> DevReport:
    return _evaluate(tmp_path_factory, stream=True)


def test_the_committed_set_is_the_one_the_texts_build() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(build(load_written())), (
        "run .venv/bin/python -m tests.support.devset_build"
    )


def test_the_set_is_shaped_like_real_coverage(alone: DevReport) -> None:
    records = [r.record for r in alone.results]
    assert len(records) >= 150
    assert {r.lang for r in records} == {"en", "de", "nl", "fr"}
    kinds = {r.kind for r in records}
    assert {"translation", "wire-copy", "original", "same-event", "new-development"} <= kinds
    assert {"unrelated", "near-miss"} <= kinds
    dates = [r.date for r in records]
    assert None in dates and any(d is not None and len(d) == 7 for d in dates)


def test_copies_of_a_seed_are_linked_to_it(alone: DevReport) -> None:
    hits, total = _rows(alone)["copies of a seed linked to it"]
    assert hits / total >= SEED_COPIES_LINKED, explain(alone)


def test_reports_of_a_seeds_event_join_its_story(alone: DevReport) -> None:
    hits, total = _rows(alone)["same-event reports in the seed's story"]
    assert hits / total >= SAME_EVENT_IN_STORY, explain(alone)


def test_new_developments_are_not_duplicates_of_a_seed(alone: DevReport) -> None:
    count, total = _rows(alone)["new developments marked duplicate of a seed"]
    assert total >= 20
    assert count / total <= NEW_DEVELOPMENTS_DUPLICATE, explain(alone)
    count, total = _rows(alone)["new developments and copies of them dup of a seed"]
    assert count / total <= NEW_DEVELOPMENT_COPIES_DUPLICATE, explain(alone)


def test_other_articles_are_not_linked_where_they_do_not_belong(alone: DevReport) -> None:
    count, total = _rows(alone)["false links among other articles"]
    assert total >= 100
    assert count <= FALSE_LINKS_AMONG_OTHERS, explain(alone)
    hits, total = _rows(alone)["copies of other articles linked"]
    assert hits / total >= OTHER_COPIES_LINKED, explain(alone)


def test_chains_of_copies_keep_the_seed_as_their_root(stream: DevReport) -> None:
    rows = _rows(stream)
    hits, total = rows["copies of a seed linked to it"]
    assert hits / total >= STREAM_SEED_COPIES_LINKED, explain(stream)
    hits, total = rows["same-event reports in the seed's story"]
    assert hits / total >= STREAM_SAME_EVENT_IN_STORY, explain(stream)
    assert rows["new developments marked duplicate of a seed"][0] <= 1, explain(stream)
    assert rows["new developments and copies of them dup of a seed"][0] <= 3, explain(stream)
    assert rows["false links among other articles"][0] <= 2, explain(stream)


def test_a_second_topic_works_with_no_code_change(tmp_path: Path) -> None:
    # Its own config (seeds, groups, rules, entities, names), loaded as the CLI loads it.
    config = load_config(SECOND_TOPIC / "config.toml")
    records = parse_records(
        [dict(r) for r in build(load_written(SECOND_TOPIC / "texts.toml"))], "rhine_spill"
    )
    engine = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        report = evaluate_devset(engine, config.dedup, seeds_dir=config.seeds.dir, records=records)
    finally:
        engine.dispose()
    logger.info("second topic:\n%s", report.table())
    rows = _rows(report)
    written = {r.record.id: r for r in report.results}
    # The English wire copy and the Dutch translation (Rhine, Rijn; Basel, Bazel; Cologne,
    # Keulen: the topic's own names) are copies of the German seed; the French report
    # joins its story; the later development and the flood report are not duplicates.
    assert written["rs-en-wire"].hit and written["rs-nl-translation"].hit, explain(report)
    assert written["rs-fr-same-event"].hit, explain(report)
    assert rows["new developments marked duplicate of a seed"][0] == 0, explain(report)
    assert rows["false links among other articles"][0] == 0, explain(report)
    hits, total = rows["copies of a seed linked to it"]
    assert hits / total >= 0.6, explain(report)


def test_the_topic_names_are_what_links_the_second_topics_translation(tmp_path: Path) -> None:
    # Without its table of names the Dutch page names other places (Rijn, Bazel, Keulen):
    # the names are topic data, and they are what the config brings.
    config = load_config(SECOND_TOPIC / "config.toml")
    records = parse_records(
        [dict(r) for r in build(load_written(SECOND_TOPIC / "texts.toml"))], "rhine_spill"
    )
    bare = config.dedup.model_copy(update={"names": {}})
    engine = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        report = evaluate_devset(engine, bare, seeds_dir=config.seeds.dir, records=records)
    finally:
        engine.dispose()
    with_names = {"rs-nl-translation"}
    assert not all(r.hit for r in report.results if r.record.id in with_names)


def test_short_reports_and_same_cycle_figures(tmp_path: Path) -> None:
    # A later report that repeats last year's totals as background (a record 240 billion,
    # up 26 %) joins that story but is no copy of it; a short German report of it joins it.
    raws = [
        json.loads(line)
        for name in ("topic.jsonl", "dedup_cycle.jsonl")
        for line in (DEVSET_DIR / name).read_text(encoding="utf-8").splitlines()
    ]
    engine = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        report = evaluate_devset(engine, records=parse_records(raws, "topic"), stream=True)
    finally:
        engine.dispose()
    written = {r.record.id: r for r in report.results}
    assert not written["cyc-en-trade-january"].duplicate, explain(report)
    assert written["cyc-de-handel-januar"].hit, explain(report)
    assert not written["cyc-nl-blinken-later"].duplicate, explain(report)
    assert not written["cyc-en-tariffs-talks"].duplicate, explain(report)
    same = [r for r in report.results if r.record.dup_kind == "same-story"]
    assert sum(r.hit for r in same) / len(same) >= SHORT_SAME_EVENT_IN_STORY, explain(report)


@pytest.mark.corpus
def test_real_pages_are_linked_only_to_pages_on_their_event(tmp_path: Path) -> None:
    require_corpora()
    pages = [
        (
            page.key,
            page.expected_title or page.expected_text[:80],
            page.expected_text,
            page.expected_lang,
        )
        for page in [*iter_fundus(), *iter_aeb()]
        if page.expected_text.strip()
    ]
    from tests.support.devset_eval import shipped_dedup

    config: DedupConfig = shipped_dedup()
    engine = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        report = evaluate_corpus(engine, pages, config)
    finally:
        engine.dispose()
    logger.info(
        "corpus: %d pages, %d links (%d unrelated), copies found %.3f of %d",
        report.pages,
        len(report.links),
        len(report.unrelated_links()),
        report.copy_recall(),
        len(report.copies),
    )
    assert report.pages >= 400
    assert report.seed_links() == []
    assert report.unrelated_links() == []
    assert len(report.copies) >= 800
    assert report.copy_recall() >= CORPUS_COPY_RECALL_FLOOR
