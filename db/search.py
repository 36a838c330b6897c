"""Full-text search of the archive: FTS5 on SQLite, tsvector on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from db.engine import reading
from db.models import Article


class SearchError(Exception):
    """The query cannot be run (bad syntax for the backend's search language)."""


def search_articles(engine: Engine, query: str, limit: int = 20) -> list[Article]:
    """Articles matching `query`, best first.

    SQLite takes FTS5 syntax (words, "phrases", AND/OR/NOT, prefix*); PostgreSQL takes web-search
    syntax (words, "phrases", or, -word).
    """
    if engine.dialect.name == "sqlite":
        sql = text(
            "SELECT rowid FROM article_fts WHERE article_fts MATCH :q "
            "ORDER BY bm25(article_fts, 5.0, 1.0) LIMIT :n"
        )
    else:
        sql = text(
            "SELECT id FROM article, websearch_to_tsquery('simple', :q) AS q "
            "WHERE to_tsvector('simple', title || ' ' || text) @@ q "
            "ORDER BY ts_rank(to_tsvector('simple', title || ' ' || text), q) DESC LIMIT :n"
        )
    with Session(reading(engine)) as session:
        try:
            ids = [row[0] for row in session.connection().execute(sql, {"q": query, "n": limit})]
        except DBAPIError as exc:
            raise SearchError(f"cannot search for {query!r}: {exc.orig}") from exc
        if not ids:
            return []
        found = {a.id: a for a in session.exec(select(Article).where(col(Article.id).in_(ids)))}
        return [found[i] for i in ids if i in found]


def fts_candidates(engine: Engine, expression: str) -> list[int] | None:
    """Ids of the articles an FTS5 expression matches, best first; None where there is no FTS5.

    For callers that evaluate a query of their own on the candidates (alerts.archive_search):
    on PostgreSQL (tsvector keeps accents) they scan instead.
    """
    if engine.dialect.name != "sqlite":
        return None
    sql = text(
        "SELECT rowid FROM article_fts WHERE article_fts MATCH :q "
        "ORDER BY bm25(article_fts, 5.0, 1.0)"
    )
    with Session(reading(engine)) as session:
        try:
            return [row[0] for row in session.connection().execute(sql, {"q": expression})]
        except DBAPIError as exc:
            raise SearchError(f"cannot search for {expression!r}: {exc.orig}") from exc
