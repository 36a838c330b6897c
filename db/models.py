"""The archive's tables.

Every "only once" the code relies on is a unique constraint here: one article per canonical
URL, one seed per file stem, one match per article and rule, one row per entity an article
names, one alert per match and per story and rule, one delivery per alert, article and
channel, one digest per channel and slot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are aware UTC in Python on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), **kw))


class Source(SQLModel, table=True):
    """A configured source and its crawl state (the config names it; the archive remembers it)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    kind: str
    url: str
    last_run_at: datetime | None = _ts()
    last_success_at: datetime | None = _ts()
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0
    items_seen: int = 0
    items_new: int = 0
    etag: str | None = None
    last_modified: str | None = None
    # The interval adaptive polling settled on, kept so a restart does not forget it.
    poll_interval_seconds: int | None = None


class Article(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Canonical URL; seeds whose page is unknown get a `seed:` URN so the column stays unique.
    url: str = Field(unique=True, index=True)
    fetched_url: str | None = None
    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    seed: str | None = Field(default=None, unique=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    author: str | None = None
    published: datetime | None = _ts(index=True)
    lang: str | None = Field(default=None, index=True)
    site_name: str | None = None
    # The publisher's own tags for the article (feed categories, news:keywords, page tags).
    keywords: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    text_hash: str = Field(index=True)
    duplicate_of: int | None = Field(default=None, foreign_key="article.id", index=True)
    dup_method: str | None = None
    dup_score: float | None = None
    # The id of the story's first article; an article that repeats no other starts its own.
    story_id: int | None = Field(default=None, index=True)
    relevant: bool = False
    # Why the rules did or did not alert the analysts (set with `evaluated_at`).
    alert_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Set once the rules have looked at the article; NULL marks work still to do.
    evaluated_at: datetime | None = _ts()
    # Why the rules could not (all) be evaluated on it: it is not tried again for ever.
    eval_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )

    __table_args__ = (Index("ix_article_pending", "evaluated_at"),)


class Match(SQLModel, table=True):
    """A rule that matched an article, and why (terms with their positions, a snippet)."""

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    rule: str
    terms: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    snippet: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )

    __table_args__ = (UniqueConstraint("article_id", "rule", name="uq_match_article_rule"),)


class ArticleEntity(SQLModel, table=True):
    """A watchlisted entity named in an article, and where (hits as in Match.terms).

    Written when the rules evaluate the article; it feeds the review UI, alert texts and
    novelty (the first relevant article naming an entity).
    """

    __tablename__ = "article_entity"

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    entity: str = Field(index=True)
    kind: str
    mentions: int = 0
    hits: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))

    __table_args__ = (
        UniqueConstraint("article_id", "entity", name="uq_article_entity_article_entity"),
    )


# What an alert is to the analysts (see alerts.evaluate):
#   new       the first report of a story: a message of its own
#   update    a known story's article that brings something new: a message in its thread
#   followup  a known story's article that brings nothing new: a digest line, a thread
#             reply or nothing, as each channel's `followups` says; not a new alert
#   legacy    written before alerts were one per article (one per story and rule)
ALERT_KINDS = ("new", "update", "followup", "legacy")
ALERTING_KINDS = ("new", "update", "legacy")


class Alert(SQLModel, table=True):
    """What the analysts are told about one article: one message per channel, naming every
    rule that fired (`rules`, highest severity first; `rule` and `match_id` are the first)."""

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="match.id", unique=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    # The story of the article when the alert was written (NULL on legacy rows).
    story_id: int | None = None
    rule: str
    severity: str = "info"
    kind: str = Field(default="new", sa_column_kwargs={"server_default": "legacy"})
    # [{"rule": name, "severity": severity}, ...]; empty for legacy rows (then: `rule` alone).
    rules: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )

    __table_args__ = (
        # One alert per article; rows from before that rule keep their per-rule alerts.
        Index(
            "uq_alert_article",
            "article_id",
            unique=True,
            sqlite_where=text("kind != 'legacy'"),
            postgresql_where=text("kind != 'legacy'"),
        ),
        # One `new` alert per story: two articles of one story evaluated at once cannot both
        # be its first report.
        Index(
            "uq_alert_story_new",
            "story_id",
            unique=True,
            sqlite_where=text("kind = 'new'"),
            postgresql_where=text("kind = 'new'"),
        ),
    )


class Digest(SQLModel, table=True):
    """One digest message of one channel: the deliveries routed to it go out together at `due_at`.

    Its status goes open -> sending -> sent | failed like a delivery's; `next_attempt_at` is
    when to try (the slot, then backoff, or the lease end while sending).
    """

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="open", index=True)  # open | sending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    sent_at: datetime | None = _ts()

    __table_args__ = (UniqueConstraint("channel", "due_at", name="uq_digest_channel_due"),)


class Delivery(SQLModel, table=True):
    """The outbox: one row per alert, article and channel, written with the alert (or with a
    later article of its story, a follow-up), sent by the dispatcher."""

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    # The article this message is about: the alert's own, or a later one of its story.
    article_id: int = Field(foreign_key="article.id", index=True)
    channel: str
    # pending | sending | sent | failed | skipped (a follow-up its channel does not want)
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    sent_at: datetime | None = _ts()
    # Decided by the dispatcher: immediate | digest | overflow (throttled into a digest).
    route: str | None = None
    digest_id: int | None = Field(default=None, foreign_key="digest.id", index=True)
    # What the target calls the message (Slack `channel/ts`, a Message-ID), to thread replies.
    remote_id: str | None = None
    # The last attempt may have reached the server without our learning it (a timeout, a
    # dispatcher that died mid-send): a channel that can look its messages up does so first.
    in_doubt: bool = Field(default=False, sa_column_kwargs={"server_default": false()})

    __table_args__ = (
        UniqueConstraint("alert_id", "channel", "article_id", name="uq_delivery_alert_channel"),
    )


class RejectedPage(SQLModel, table=True):
    """A page that was fetched but held no article (a teaser, an index, not HTML).

    Not fetched again before `retry_at`; once its retries are used up `retry_at` is NULL and
    the page is given up, skipped like an archived article until the operator clears it. A
    page that could not be fetched at all is not recorded and is tried again next time.
    """

    __tablename__ = "rejected_page"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, index=True)
    source_id: int | None = Field(default=None, foreign_key="source.id")
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    # How often it was fetched and held no article; when it may be fetched again (NULL: never).
    attempts: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    retry_at: datetime | None = _ts()


class DedupKey(SQLModel, table=True):
    """The deduplicator's index: one row per LSH band key or fingerprint key of an article.

    Articles that share a key are candidates to compare; the index lives in the archive, so
    it survives restarts and every worker sees the same one. On SQLite the table has no rowid:
    the primary key is the only B-tree, about 16 bytes per key.
    """

    __tablename__ = "dedup_key"

    key: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    article_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("article.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )

    __table_args__ = {"sqlite_with_rowid": False}


class DedupSketch(SQLModel, table=True):
    """What the deduplicator compares a new article with, about 300 bytes per article: its
    day, b-bit MinHash signature and hashed fingerprint (db/dedup/sketch.py packs them)."""

    __tablename__ = "dedup_sketch"

    article_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("article.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PollEvent(SQLModel, table=True):
    """One poll of a source and how it went; the last POLL_EVENTS_KEPT per source are kept.

    `failure` is the kind of a failed poll (hard: the source is gone or is not what it says;
    soft: the server answers but refuses or errs; temporary: the network), which source
    health weighs.
    """

    __tablename__ = "poll_event"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    outcome: str  # ok | not_modified | failed
    failure: str | None = None  # hard | soft | temporary
    error: str | None = Field(default=None, sa_column=Column(Text))
    entries: int = 0
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    failed_pages: int = 0
    duration_ms: int = 0


class SourceIssue(SQLModel, table=True):
    """A source health problem the operator is told about once, and told again when it ends.

    Raised (notified_at NULL until the operator channel took the notice), then cleared when
    the source is well again; the row goes once the "recovered" notice is out.
    """

    __tablename__ = "source_issue"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    kind: str  # failing | silent | surge | yield
    detail: str = Field(sa_column=Column(Text, nullable=False))
    raised_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    notified_at: datetime | None = _ts()
    cleared_at: datetime | None = _ts()

    __table_args__ = (UniqueConstraint("source_id", "kind", name="uq_source_issue_source_kind"),)


class Triage(SQLModel, table=True):
    """An analyst's verdict on one alert in the review UI; an alert without a row is new.

    Verdicts: relevant | noise | follow-up | muted (the alert's story is muted). Rule precision
    and the noisy-rule flag are computed from these rows.
    """

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", unique=True)
    verdict: str = Field(index=True)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SavedSearch(SQLModel, table=True):
    """A search of the review UI kept under a name: the rule-language query and its facets."""

    __tablename__ = "saved_search"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    query: str = Field(sa_column=Column(Text, nullable=False))
    # The facet filters as the page's query string (source=..&lang=..), applied on opening.
    filters: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class DedupFrequency(SQLModel, table=True):
    """How many archived articles carry each fingerprint feature (its identity hash): what
    makes a shared name or number telling is how few articles share it. The row with key
    -1 counts the articles. Kept by the deduplicator as it files articles, so it is the
    same for every worker and on every backend."""

    __tablename__ = "dedup_frequency"

    key: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    articles: int = Field(sa_column=Column(Integer, nullable=False))

    __table_args__ = {"sqlite_with_rowid": False}
