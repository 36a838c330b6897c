"""Every stored article gets its verdict, on SQLite and PostgreSQL, from an index that lives
in the archive: it survives restarts, other workers see it, and old archives get it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select

from db.config import DedupConfig
from db.draft import ArticleDraft
from db.engine import make_engine, migrate, open_archive
from db.models import Article, DedupKey, DedupSketch
from db.seeds import import_seeds
from db.store import store_article
from tests.support.dedup_set import load_cases, paragraphs
from tests.support.devset_eval import shipped_dedup

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CASES = {case.id: case for case in load_cases()}
# The shipped [dedup]: its thresholds and the topic's names.
DEDUP = shipped_dedup()


def _seed_id(engine: Engine, stem: str) -> int:
    with Session(engine) as session:
        article = session.exec(select(Article).where(Article.seed == stem)).one()
        assert article.id is not None
        return article.id


def _draft(case_id: str, url: str | None = None, text: str | None = None) -> ArticleDraft:
    case = CASES[case_id]
    return ArticleDraft(
        url=url or f"https://news.example/{case_id}",
        title=case.title,
        text=text or case.text,
        published=datetime.combine(case.published, datetime.min.time(), tzinfo=UTC),
        lang=case.lang,
    )


def test_copies_in_any_language_join_the_seeds_story(archive: Engine) -> None:
    import_seeds(archive, SEEDS, dedup=DEDUP)
    seed = _seed_id(archive, "003_989638f27897ee02")

    wire = store_article(archive, _draft("s003-en-wire"), DEDUP)
    assert (wire.duplicate_of, wire.dup_method, wire.story_id) == (seed, "cross-lingual", seed)

    # The English wire copy republished elsewhere with its last paragraphs cut: a near copy
    # of the English text, pointing at the first article of what it copies (the seed).
    cut = "\n\n".join(paragraphs(CASES["s003-en-wire"].text)[:5])
    again = store_article(archive, _draft("s003-en-wire", "https://other.example/x", cut), DEDUP)
    assert (again.duplicate_of, again.dup_method, again.story_id) == (seed, "near", seed)

    french = store_article(archive, _draft("s003-fr-wire"), DEDUP)
    assert french.duplicate_of == seed and french.dup_method in {"cross-lingual", "near"}

    news = store_article(archive, _draft("s003-en-new-g7"), DEDUP)
    assert news.duplicate_of is None and news.dup_method is None

    with Session(archive) as session:
        row = session.get(Article, wire.article_id)
        assert row is not None
        assert (row.duplicate_of, row.dup_method, row.story_id) == (seed, "cross-lingual", seed)
        assert row.dup_score is not None and 0.45 <= row.dup_score <= 1.0
        indexed = session.exec(select(func.count(col(DedupSketch.article_id)))).one()
        keys = session.exec(
            select(func.count()).where(col(DedupKey.article_id) == wire.article_id)
        ).one()
    assert indexed == 5 + 4  # every article is filed, seeds and duplicates too
    assert 10 <= keys <= 40


def test_the_index_survives_a_restart_and_serves_every_worker(archive_url: str) -> None:
    first = open_archive(archive_url)
    try:
        base = store_article(first, _draft("own-garpiya-base"), DEDUP)
    finally:
        first.dispose()
    # Two workers on the archive after a restart: each sees what the other filed.
    worker_a, worker_b = open_archive(archive_url), open_archive(archive_url)
    try:
        german = store_article(worker_a, _draft("own-garpiya-de"), DEDUP)
        dutch = store_article(worker_b, _draft("own-garpiya-nl"), DEDUP)
    finally:
        worker_a.dispose()
        worker_b.dispose()
    assert german.duplicate_of == base.article_id and german.dup_method == "cross-lingual"
    assert dutch.duplicate_of == base.article_id and dutch.story_id == base.article_id


def test_thresholds_come_from_the_config(archive: Engine) -> None:
    store_article(archive, _draft("own-garpiya-base"), DEDUP)
    strict = DedupConfig(cross_lingual_threshold=1.0, story_threshold=1.0)
    german = store_article(archive, _draft("own-garpiya-de"), strict)
    assert german.duplicate_of is None and german.story_id == german.article_id


def test_an_old_archive_is_indexed_by_the_migration(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate(engine, "0003")
        case = CASES["own-garpiya-base"]
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO article (url, title, text, published, lang, text_hash, "
                    "relevant, created_at) VALUES (:url, :title, :text, :published, 'en', "
                    "'x', 0, :published)"
                ),
                {
                    "url": "https://old.example/1",
                    "title": case.title,
                    "text": case.text,
                    "published": datetime(2024, 9, 13),
                },
            )
        migrate(engine)
        with Session(engine) as session:
            assert session.exec(select(func.count(col(DedupSketch.article_id)))).one() == 1
        # The migration knows no config; the seed import builds the index anew with the
        # topic's names, so the old article is compared with the same names as new ones.
        import_seeds(engine, SEEDS, dedup=DEDUP)
        with Session(engine) as session:
            assert session.exec(select(func.count(col(DedupSketch.article_id)))).one() == 6
        copy = store_article(engine, _draft("own-garpiya-fr"), DEDUP)
        assert copy.duplicate_of == 1 and copy.dup_method == "cross-lingual"
        assert import_seeds(engine, SEEDS, dedup=DEDUP).unchanged == 5
    finally:
        engine.dispose()


def test_feature_counts_follow_the_archive(archive: Engine) -> None:
    # How many articles carry a feature is what weighs it: counted once per article as it
    # is filed (an upsert, on SQLite and PostgreSQL), never twice for a seed imported again.
    from db.dedup import specificity
    from db.dedup.sketch import Sketch

    import_seeds(archive, SEEDS, dedup=DEDUP)
    import_seeds(archive, SEEDS, dedup=DEDUP)
    names = DEDUP.name_table()
    blinken = Sketch.of("", "Antony Blinken met Wang Yi.", "en", datetime.now(UTC), names=names)
    pairs = zip(blinken.frequency_keys(), blinken.telling(99), strict=True)
    key = next(k for k, f in pairs if "blinken" in f)
    with Session(archive) as session:
        counts, total = specificity.lookup(session, [key])
    assert total == 5 and counts[key] == 3  # seeds 000, 002 and 003 name Blinken
    store_article(archive, _draft("s003-en-wire"), DEDUP)
    store_article(archive, _draft("own-garpiya-base"), DEDUP)
    with Session(archive) as session:
        counts, total = specificity.lookup(session, [key])
    assert total == 7 and counts[key] == 4
