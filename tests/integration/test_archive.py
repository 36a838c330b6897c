"""The archive on SQLite and PostgreSQL: schema by migrations, seeds, storing, search, export."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import Session, SQLModel, select

from db.draft import ArticleDraft
from db.engine import migrate
from db.export import FIELDS, write_csv, write_jsonl
from db.models import Article
from db.search import search_articles
from db.seeds import import_seeds, load_catalogue
from db.store import known_urls, store_article

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

BODY = (
    "Officials in Brussels said on Tuesday that a shipment of machine tools reached a Russian "
    "arms plant through a trading house in Hong Kong. The officials said the shipment was "
    "paid for in yuan and routed through two intermediaries. " * 3
)


def _draft(
    url: str, text: str = BODY, title: str = "Machine tools reach Russian plant"
) -> ArticleDraft:
    return ArticleDraft(
        url=url,
        title=title,
        text=text,
        published=datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        lang="en",
    )


def _not_search_index(obj: object, name: str | None, *_: object) -> bool:
    # The full-text index is backend-specific DDL in the migration, not part of the models.
    return not (name or "").startswith(("article_fts", "ix_article_fts"))


def test_migrations_create_the_models_schema(archive: Engine) -> None:
    with archive.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _not_search_index})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    tables = set(inspect(archive).get_table_names())
    assert {"source", "article", "match", "alert", "delivery", "alembic_version"} <= tables
    migrate(archive)  # a second upgrade is a no-op, as on every start


def test_seed_import_is_idempotent(archive: Engine) -> None:
    first = import_seeds(archive, SEEDS)
    assert (first.added, first.updated, first.unchanged) == (5, 0, 0)
    second = import_seeds(archive, SEEDS)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 5)
    with Session(archive) as session:
        seeds = session.exec(select(Article).where(Article.seed.is_not(None))).all()  # type: ignore[union-attr]
    catalogue = {record.stem: record for record in load_catalogue(SEEDS)}
    assert {a.seed for a in seeds} == set(catalogue)
    for article in seeds:
        record = catalogue[article.seed or ""]
        assert article.lang == record.lang
        assert article.title == record.title
        assert article.story_id == article.id
        assert article.published is not None
        assert article.published.date() == record.published
        assert len(article.text) > 1000


def test_exact_duplicates_by_url_and_text(archive: Engine) -> None:
    first = store_article(archive, _draft("https://a.example/news/1"))
    assert first.created and first.duplicate_of is None
    again = store_article(archive, _draft("https://a.example/news/1"))
    assert not again.created and again.article_id == first.article_id
    # The same text under another URL, with other whitespace and case: a republished copy.
    copy = store_article(
        archive, _draft("https://b.example/x", text=BODY.upper().replace(". ", ".\n\n"))
    )
    assert copy.created
    assert copy.duplicate_of == first.article_id and copy.dup_method == "text-hash"
    # A copy of the copy points at the first article too.
    third = store_article(archive, _draft("https://c.example/y", text=BODY + " "))
    assert third.duplicate_of == first.article_id
    with Session(archive) as session:
        stored = session.get(Article, copy.article_id)
        assert stored is not None and stored.story_id == first.article_id
        assert stored.published == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    assert known_urls(archive, ["https://a.example/news/1", "https://z.example/"]) == {
        "https://a.example/news/1"
    }


def test_full_text_search(archive: Engine) -> None:
    import_seeds(archive, SEEDS)
    store_article(archive, _draft("https://a.example/news/1"))
    titles = [a.seed for a in search_articles(archive, "Spacety")]
    assert titles == ["000_dda8db076cc0bec2"]
    hits = search_articles(archive, "Hongkong OR yuan")
    assert [a.url for a in hits] == ["https://a.example/news/1"]
    assert search_articles(archive, "nothingmatchesthis") == []


def test_export_contract(archive: Engine) -> None:
    import_seeds(archive, SEEDS)
    first = store_article(archive, _draft("https://a.example/news/1"))
    store_article(archive, _draft("https://b.example/copy", title="Copy"))
    out = io.StringIO()
    assert write_jsonl(archive, out) == 7
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    for record in records:
        assert list(record)[:13] == FIELDS[:13]
    seed = records[0]
    assert seed["seed"] == "000_dda8db076cc0bec2" and seed["source"] is None
    assert seed["story"] == seed["id"] and seed["duplicate_of"] is None
    copy = records[-1]
    assert copy["duplicate_of"] == first.article_id and copy["dup_method"] == "text-hash"
    assert copy["published"] == "2026-11-02T08:30:00+00:00"
    assert copy["rules"] == [] and copy["relevant"] is False and copy["alerted"] is False
    csv_out = io.StringIO()
    assert write_csv(archive, csv_out) == 7
    assert csv_out.getvalue().splitlines()[0] == ",".join(FIELDS)


def test_an_archive_survives_upgrades(archive_url: str) -> None:
    from sqlalchemy import text

    from db.engine import make_engine

    engine = make_engine(archive_url)
    try:
        migrate(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO source (name, kind, url, consecutive_failures, items_seen, "
                    "items_new) VALUES ('old', 'feed', 'https://old.example/rss', 2, 5, 1)"
                )
            )
        migrate(engine)
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT name, consecutive_failures, poll_interval_seconds FROM source")
            ).one()
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert tuple(row) == ("old", 2, None)
        assert "rejected_page" in inspect(engine).get_table_names()
        assert version == "0004"
    finally:
        engine.dispose()
