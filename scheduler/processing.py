"""Processing the fetched pages: claim one off the archive's queue, extract, store, evaluate.

This is where extraction (spiders), storage with deduplication (db) and evaluation (alerts)
meet, so it lives in the scheduler layer. `Processor.next` is one step; a worker process
(`worker_main`, started by scheduler/workers.py) runs it in a loop, and with `[pipeline]
workers = 0` the crawling process runs the same loop in a thread.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from sqlalchemy import Engine

from alerts.evaluate import evaluate_pending
from alerts.rules.config import EntityConfig, GroupDefinition, RuleConfig
from alerts.rules.ruleset import RuleSet
from db.config import DedupConfig
from db.queue import PageWork, claim, fail
from db.store import record_rejected, store_article
from scheduler.config import PipelineConfig
from spiders.config import CrawlConfig
from spiders.encoding import UndecodablePage, decode_page
from spiders.extract import ExtractionError, extract, hint_from_data

logger = logging.getLogger(__name__)

# Idle workers look at the queue at most this often; a busy one never waits.
_IDLE_WAIT_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class WorkerSetup:
    """What a worker process needs, as plain picklable config (it opens its own archive)."""

    archive_url: str
    crawl: CrawlConfig
    pipeline: PipelineConfig
    dedup: DedupConfig
    rules: list[RuleConfig] = field(default_factory=list)
    groups: dict[str, GroupDefinition] = field(default_factory=dict)
    entities: list[EntityConfig] = field(default_factory=list)
    snippet_chars: int = 240
    # Sets up the worker's logging as the crawling process's (a picklable module function,
    # handed down by the CLI, so the lines look alike); None: plain lines to stderr.
    log_setup: Callable[[], None] | None = None


class Processor:
    """One worker's state: the archive, the rules, the configs."""

    def __init__(
        self,
        archive: Engine,
        crawl: CrawlConfig,
        pipeline: PipelineConfig,
        rules: RuleSet,
        dedup: DedupConfig | None = None,
        snippet_chars: int = 240,
        evaluate: bool = True,
    ) -> None:
        self.archive = archive
        self.evaluate = evaluate
        self.crawl = crawl
        self.pipeline = pipeline
        self.rules = rules
        self.dedup = dedup or DedupConfig()
        self.snippet_chars = snippet_chars

    def next(self) -> bool:
        """Process the oldest free page; False when there was none."""
        page = claim(self.archive, self.pipeline.lease_seconds, self.pipeline.max_attempts)
        if page is None:
            return False
        try:
            self.process(page)
        except Exception as exc:
            # The archive failed, or a bug: the page stays queued for another try, and is set
            # aside with this reason once its attempts are used up.
            reason = f"{type(exc).__name__}: {exc}"
            set_aside = fail(self.archive, page, reason, self.pipeline.max_attempts)
            logger.error(
                "source %s: %s not processed (%s): %s",
                page.source,
                page.url,
                "set aside: newswatch status" if set_aside else "tried again",
                reason,
                exc_info=exc,
            )
        return True

    def process(self, page: PageWork) -> None:
        try:
            html = decode_page(page.body, page.content_type)
        except UndecodablePage as exc:
            self._reject(page, f"{exc} at {page.fetched_url}")
            return
        try:
            draft = extract(
                html,
                page.url,
                hint=hint_from_data(page.hint),
                source=page.source,
                lang_hint=page.lang_hint,
                min_text_chars=self.crawl.min_text_chars,
                fetched_url=page.fetched_url,
            )
        except ExtractionError as exc:
            self._reject(page, str(exc))
            return
        except Exception as exc:
            # A crash inside extraction (trafilatura, the language guesser): the page is set
            # aside like one that held no article, so it is retried a few times, not for ever.
            logger.error(
                "source %s: %s could not be extracted: %s: %s",
                page.source,
                page.url,
                type(exc).__name__,
                exc,
                exc_info=exc,
            )
            self._reject(page, f"extraction crashed: {type(exc).__name__}: {exc}")
            return
        result = store_article(self.archive, draft, self.dedup, queued=page)
        if not result.created:
            return
        if result.duplicate_of is not None:
            logger.info(
                "source %s: stored %s as a duplicate of article %d (%s)",
                page.source,
                draft.url,
                result.duplicate_of,
                result.dup_method,
            )
        else:
            logger.info(
                "source %s: new article %d: %s", page.source, result.article_id, draft.title
            )
        if not self.evaluate:
            return
        # Evaluated here, by the worker that stored it; an evaluation lost to a crash is caught
        # up by the daemon's dispatch tick (`Service.catch_up`).
        evaluate_pending(self.archive, self.rules, self.snippet_chars, only=[result.article_id])

    def _reject(self, page: PageWork, reason: str) -> None:
        retry_at = record_rejected(
            self.archive,
            page.url,
            page.source,
            reason,
            self.crawl.rejected_retry_seconds,
            queued=page,
        )
        when = (
            "given up: newswatch sources --given-up"
            if retry_at is None
            else f"tried again after {retry_at.strftime('%Y-%m-%d %H:%M')} UTC"
        )
        logger.warning("source %s: %s (%s)", page.source, reason, when)


class _Stop:
    requested = False

    def __call__(self, _signum: int, _frame: FrameType | None) -> None:
        self.requested = True


def _die_with_parent() -> None:
    """Ask Linux for a SIGTERM when the crawling process dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def worker_main(setup: WorkerSetup) -> None:
    """A processing worker process: claim and process pages until SIGTERM or SIGINT.

    A signal lets the page under way finish (its transaction is short); a SIGKILL leaves it
    leased, and another worker claims it once the lease is over. A worker whose crawling
    process died (SIGKILL leaves no time to stop it) ends too: the next start brings its own.
    """
    from db.engine import make_engine  # the worker's own connections, never the parent's

    if setup.log_setup is not None:
        setup.log_setup()
    else:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = _Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _die_with_parent()
    processor = Processor(
        make_engine(setup.archive_url),
        setup.crawl,
        setup.pipeline,
        RuleSet(setup.rules, setup.groups, setup.entities),
        setup.dedup,
        setup.snippet_chars,
    )
    # The pid recorded at spawn: a crawler killed while this worker was still starting is
    # already gone here, and PR_SET_PDEATHSIG then never fires.
    spawner = multiprocessing.parent_process()
    parent = spawner.pid if spawner is not None else os.getppid()
    while not stop.requested and os.getppid() == parent:
        try:
            busy = processor.next()
        except Exception:  # the archive is away: wait and try again, never die of it
            logger.exception("the work queue could not be read")
            busy = False
        if not busy:
            time.sleep(_IDLE_WAIT_SECONDS)
