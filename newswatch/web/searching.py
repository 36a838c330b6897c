"""The review UI's search: the rule language over the archive, facets, stories collapsed.

The query is run exactly as `newswatch search` runs it (alerts.archive_search: FTS5 finds
candidates on SQLite, the compiled query decides); the facets then narrow the articles found,
and results are grouped by story so a story's copies take one entry.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from alerts.archive_search import run_rule
from alerts.hits import Hit
from alerts.rules.config import RuleConfig
from alerts.rules.ruleset import RuleError, RuleSet
from alerts.snippet import Snippet, make_snippet
from db.facets import FACETS, Facts, load_facts, narrow
from db.models import Article
from db.search import SearchError
from newswatch.config import AppConfig

SEARCH_RULE = "search"
# Without a query the page lists the newest articles; their facets are counted over this many
# (over a whole archive of 100,000 that took seconds), while any query searches everything.
BROWSE_LIMIT = 5000
SNIPPET_CHARS = 240
_TERM = re.compile(r'"[^"]*"|\S+')


def _terms(text: str) -> list[str]:
    """Words and "quoted phrases" of one box of the simple form."""
    return [t for t in _TERM.findall(text) if t.strip('"')]


def build_query(any_of: str, all_of: str, none_of: str) -> str:
    """The rule-language query of the simple form: any of, all of, none of these words."""
    parts: list[str] = []
    anys = _terms(any_of)
    if anys:
        parts.append(anys[0] if len(anys) == 1 else "(" + " OR ".join(anys) + ")")
    parts.extend(_terms(all_of))
    query = " AND ".join(parts)
    nones = _terms(none_of)
    if nones:
        excluded = nones[0] if len(nones) == 1 else "(" + " OR ".join(nones) + ")"
        query = f"{query} AND NOT {excluded}" if query else f"NOT {excluded}"
    return query


@dataclass(frozen=True, slots=True)
class Entry:
    """One result: an article, its snippet, and the other results of its story."""

    article: Article
    source: str
    snippet: Snippet
    story_hits: int  # results in this article's story, itself included


@dataclass(frozen=True, slots=True)
class Results:
    query: str
    error: str | None
    total: int  # articles found after the facets
    stories: int  # entries (stories) found
    entries: list[Entry]
    facets: dict[str, list[tuple[str, int]]]
    ids: list[int]  # every article found, in result order, for the exports


@dataclass(frozen=True, slots=True)
class _Found:
    ids: list[int]
    hits: dict[int, tuple[Hit, ...]]
    facts: list[Facts]


class _Recent:
    """The last few queries' results, kept while the archive is unchanged: paging, choosing a
    facet or exporting a view does not evaluate the query again. The archive's state is its
    article count, newest id and evaluated count (texts are never edited in place, and the
    facets' rules, entities and relevance are written when an article is evaluated)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[str, str], tuple[tuple[Any, ...], _Found]] = OrderedDict()

    @staticmethod
    def state(engine: Engine) -> tuple[Any, ...]:
        with Session(engine) as session:
            row = session.exec(
                select(func.count(), func.max(Article.id), func.count(col(Article.evaluated_at)))
            ).one()
        return tuple(row)

    def get(self, engine: Engine, query: str, state: tuple[Any, ...]) -> _Found | None:
        with self.lock:
            entry = self.entries.get((str(engine.url), query))
            if entry is None or entry[0] != state:
                return None
            self.entries.move_to_end((str(engine.url), query))
            return entry[1]

    def put(self, engine: Engine, query: str, state: tuple[Any, ...], found: _Found) -> None:
        with self.lock:
            self.entries[(str(engine.url), query)] = (state, found)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


RECENT = _Recent()


def _found(engine: Engine, config: AppConfig, query: str) -> _Found:
    state = RECENT.state(engine)
    cached = RECENT.get(engine, query, state)
    if cached is not None:
        return cached
    ids, hits = _evaluate(engine, config, query)
    found = _Found(ids, hits, load_facts(engine, ids))
    RECENT.put(engine, query, state, found)
    return found


def _evaluate(
    engine: Engine, config: AppConfig, query: str
) -> tuple[list[int], dict[int, tuple[Hit, ...]]]:
    if not query.strip():
        with Session(engine) as session:
            newest = select(Article.id).order_by(col(Article.id).desc()).limit(BROWSE_LIMIT)
            ids = session.exec(newest).all()
        return [i for i in ids if i is not None], {}
    ruleset = RuleSet([RuleConfig(name=SEARCH_RULE, query=query)], config.groups, config.entities)
    report = run_rule(engine, ruleset, SEARCH_RULE)
    return [f.article_id for f in report.found], {f.article_id: f.match.hits for f in report.found}


def search(
    engine: Engine,
    config: AppConfig,
    query: str,
    chosen: Mapping[str, set[str]],
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Results:
    try:
        found = _found(engine, config, query)
    except RuleError as exc:
        message = "; ".join(exc.errors).replace(f"rules[0] {SEARCH_RULE!r}: query: ", "")
        return Results(query, message, 0, 0, [], {f: [] for f in FACETS}, [])
    except SearchError as exc:
        return Results(query, str(exc), 0, 0, [], {f: [] for f in FACETS}, [])
    narrowed = narrow(found.facts, chosen, since, until)
    # One entry per story, at the place of its best result.
    groups: dict[str, list[Facts]] = {}
    for facts in narrowed.facts:
        groups.setdefault(facts.story, []).append(facts)
    heads = list(groups.values())
    shown = heads[(page - 1) * per_page : page * per_page]
    entries = _entries(engine, [(g[0], len(g)) for g in shown], found.hits)
    found_ids = [f.article_id for f in narrowed.facts]
    return Results(query, None, len(found_ids), len(heads), entries, narrowed.counts, found_ids)


def _entries(
    engine: Engine, heads: Sequence[tuple[Facts, int]], hits: Mapping[int, tuple[Hit, ...]]
) -> list[Entry]:
    with Session(engine) as session:
        articles = {
            a.id: a
            for a in session.exec(
                select(Article).where(col(Article.id).in_([f.article_id for f, _n in heads]))
            )
        }
    entries = []
    for facts, size in heads:
        article = articles[facts.article_id]
        snippet = make_snippet(article.text, hits.get(facts.article_id, ()), SNIPPET_CHARS)
        entries.append(Entry(article, facts.source, snippet, size))
    return entries
