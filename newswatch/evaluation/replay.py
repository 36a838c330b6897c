"""A labelled set replayed as the daemon would meet it, in a throwaway archive.

The seeds are imported and evaluated first (as `newswatch run` does on start), then each
record is stored as an extracted article (canonical URL, dedup verdict, story) and the rules
evaluate it, raising alerts and writing their outbox rows, before the next record arrives.
Nothing is fetched and nothing is sent. What became of every article is read back from the
archive's tables (Article, Match, Alert, Delivery) as they are.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from alerts.evaluate import evaluate_pending
from alerts.rules.ruleset import RuleSet
from db.config import DedupConfig
from db.draft import ArticleDraft
from db.engine import open_archive
from db.models import ALERTING_KINDS, Alert, Article, Delivery, Match
from db.seeds import import_seeds
from db.store import store_article
from newswatch.evaluation.records import LabelledRecord, RecordError


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the archive made of one article."""

    article_id: int
    duplicate_of: int | None
    dup_method: str | None
    dup_score: float | None
    story_id: int
    relevant: bool
    rules: tuple[str, ...]  # the rules that matched
    # The article's alert: its kind (new, update, followup; legacy rows are one per rule)...
    alert_kind: str | None = None
    # ...and the rules it names; for per-rule (legacy) alerts, every such alert's rule.
    alert_rules: tuple[str, ...] = ()
    # Outbox rows about this article, per channel: the rules each row's alert names.
    deliveries: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    @property
    def alerted(self) -> bool:
        """A new alert or an update, not a follow-up of a known story."""
        return self.alert_kind in ALERTING_KINDS


@dataclass(frozen=True, slots=True)
class Replay:
    outcomes: dict[int, Outcome]  # every article, seeds too, by article id
    records: dict[str, int]  # record id -> article id
    seeds: dict[str, int]  # seed stem -> article id
    names: dict[int, str]  # article id -> record id, or `seed:STEM`

    def name(self, article_id: int) -> str:
        """How a report names an article: its record id, or `seed:STEM`."""
        return self.names.get(article_id, f"#{article_id}")

    def target(self, name: str) -> Outcome:
        """The outcome of a `duplicate_of` target: a seed stem or a record id."""
        number = self.seeds.get(name)
        return self.outcomes[number if number is not None else self.records[name]]

    def of(self, record: LabelledRecord) -> Outcome:
        return self.outcomes[self.records[record.id]]


def _draft(record: LabelledRecord) -> ArticleDraft:
    return ArticleDraft(
        url=record.url,
        title=record.title,
        text=record.text,
        published=record.published,
        lang=record.lang,
        # A date known to the month only ("2024-04"): any day of it, for the time window.
        date_precision="month" if record.date is not None and len(record.date) == 7 else "day",
    )


def _read_back(engine: Engine) -> dict[int, Outcome]:
    with Session(engine) as session:
        articles = session.exec(select(Article).order_by(col(Article.id))).all()
        matched: dict[int, list[str]] = defaultdict(list)
        for article_id, rule in session.exec(
            select(Match.article_id, Match.rule).order_by(col(Match.id))
        ):
            matched[article_id].append(rule)
        kinds: dict[int, str] = {}
        alerted: dict[int, list[str]] = defaultdict(list)
        named: dict[int, tuple[str, ...]] = {}
        for alert in session.exec(select(Alert).order_by(col(Alert.id))):
            assert alert.id is not None
            names = tuple(entry["rule"] for entry in alert.rules or ()) or (alert.rule,)
            named[alert.id] = names
            kinds.setdefault(alert.article_id, alert.kind)
            alerted[alert.article_id].extend(names)
        rows: dict[int, dict[str, list[tuple[str, ...]]]] = defaultdict(lambda: defaultdict(list))
        for article_id, channel, alert_id in session.exec(
            select(Delivery.article_id, Delivery.channel, Delivery.alert_id).order_by(
                col(Delivery.id)
            )
        ):
            rows[article_id][channel].append(named[alert_id])
    outcomes: dict[int, Outcome] = {}
    for article in articles:
        assert article.id is not None
        outcomes[article.id] = Outcome(
            article_id=article.id,
            duplicate_of=article.duplicate_of,
            dup_method=article.dup_method,
            dup_score=article.dup_score,
            story_id=article.story_id or article.id,
            relevant=article.relevant,
            rules=tuple(matched[article.id]),
            alert_kind=kinds.get(article.id),
            alert_rules=tuple(alerted[article.id]),
            deliveries={channel: tuple(r) for channel, r in rows[article.id].items()},
        )
    return outcomes


def replay(
    records: Sequence[LabelledRecord],
    seeds_dir: Path,
    dedup: DedupConfig,
    rules: RuleSet,
    snippet_chars: int,
    on_record: Callable[[], None] | None = None,
) -> Replay:
    """Store and evaluate the records one by one in a fresh archive, then read it back;
    `on_record` is called after each record (a progress bar)."""
    with tempfile.TemporaryDirectory(prefix="newswatch-evaluate-") as folder:
        engine = open_archive(f"sqlite:///{Path(folder) / 'evaluate.db'}")
        try:
            import_seeds(engine, seeds_dir, dedup=dedup)
            evaluate_pending(engine, rules, snippet_chars)
            with Session(engine) as session:
                seeds = {
                    stem: number
                    for stem, number in session.exec(select(Article.seed, Article.id))
                    if stem is not None and number is not None
                }
            stored: dict[str, int] = {}
            for record in records:
                result = store_article(engine, _draft(record), dedup)
                if not result.created:
                    raise RecordError(record.where, "url", "a seed already has this URL")
                stored[record.id] = result.article_id
                evaluate_pending(engine, rules, snippet_chars)
                if on_record is not None:
                    on_record()
            outcomes = _read_back(engine)
        finally:
            engine.dispose()
    names = {number: f"seed:{stem}" for stem, number in seeds.items()}
    names.update({number: record for record, number in stored.items()})
    return Replay(outcomes, stored, seeds, names)
