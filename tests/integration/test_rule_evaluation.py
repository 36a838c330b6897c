"""Rules evaluated over the archive (SQLite and PostgreSQL): entities stored per article,
novelty against earlier relevant coverage, source: fields, and why each match fired."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from alerts.evaluate import evaluate_pending
from alerts.hits import Hit
from alerts.rules.config import EntityConfig, RuleConfig
from alerts.rules.ruleset import RuleSet
from db.draft import ArticleDraft
from db.models import Alert, Article, ArticleEntity, Match
from db.store import store_article, sync_sources
from newswatch.commands.show import render_article

GROUPS = {
    "china": ["China", "Chinese", "Beijing"],
    "russia": ["Russia*", "Moscow"],
    "military": ["drone*", "machine tool*", "missile*", "satellite imag*"],
}
ENTITIES = [
    EntityConfig(
        name="Spacety",
        kind="company",
        aliases=["Changsha Tianyi", "Чанша Тяньи"],
        tags=["prc", "supplier", "sanctioned"],
    ),
    EntityConfig(name="Xiamen Limbach", kind="company", tags=["prc", "supplier"]),
    EntityConfig(name="Xi Jinping", kind="person", tags=["official"]),
]
RULES = [
    RuleConfig(name="topic", topic=True, query="(@china NEAR/20 @russia) NEAR/20 @military"),
    RuleConfig(
        name="new_supplier",
        query="entity:#supplier",
        require_topic=True,
        novelty=True,
        channels=["mail"],
    ),
    RuleConfig(
        name="new_supplier_30d",
        query="entity:#supplier",
        require_topic=True,
        novelty=True,
        novelty_days=30,
    ),
    RuleConfig(name="from_dw", query="@china AND source:dw-*"),
]
RULESET = RuleSet(RULES, GROUPS, ENTITIES)
T0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _store(engine: Engine, url: str, text: str, source: str = "example") -> int:
    draft = ArticleDraft(url=url, title="", text=text, lang="en", source=source)
    return store_article(engine, draft).article_id


def _entities(engine: Engine, article_id: int) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(
            select(ArticleEntity).where(ArticleEntity.article_id == article_id)
        ).all()
        return {row.entity: row.mentions for row in rows}


def _rules(engine: Engine, article_id: int) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Match.rule).where(Match.article_id == article_id)).all())


def _set_created(engine: Engine, article_id: int, when: dt.datetime) -> None:
    with Session(engine) as session:
        article = session.get(Article, article_id)
        assert article is not None
        article.created_at = when
        session.add(article)
        session.commit()


def test_entities_are_stored_and_novelty_fires_once(archive: Engine) -> None:
    sync_sources(archive, [("example", "feed", "https://e.example/f"), ("dw-en", "feed", "u")])
    first = _store(
        archive,
        "https://e.example/1",
        "Chinese firm Spacety sold satellite imagery to Russia's army, officials said. "
        "Spacety denies it. Xi Jinping said nothing.",
    )
    # Off the topic: names Xiamen Limbach, but that must not count as its first mention.
    off_topic = _store(archive, "https://e.example/2", "Xiamen Limbach opened a new office.")
    second = _store(
        archive,
        "https://e.example/3",
        "Beijing's Changsha Tianyi and Xiamen Limbach shipped drone engines to Moscow factories.",
        source="dw-en",
    )
    _set_created(archive, first, T0)
    _set_created(archive, off_topic, T0)
    report = evaluate_pending(archive, RULESET, now=T0 + dt.timedelta(days=1))
    assert (report.evaluated, report.relevant, report.alerts) == (3, 2, 2)

    assert _entities(archive, first) == {"Spacety": 2, "Xi Jinping": 1}
    assert _entities(archive, off_topic) == {"Xiamen Limbach": 1}
    assert _entities(archive, second) == {"Spacety": 1, "Xiamen Limbach": 1}

    # Spacety is new in the first article; in the second only Xiamen Limbach is.
    assert _rules(archive, first) == {"topic", "new_supplier", "new_supplier_30d"}
    assert _rules(archive, off_topic) == set()
    assert _rules(archive, second) == {"topic", "new_supplier", "new_supplier_30d", "from_dw"}
    with Session(archive) as session:
        match = session.exec(
            select(Match).where(Match.article_id == second, Match.rule == "new_supplier")
        ).one()
        hits = [Hit.from_dict(item) for item in match.terms]
        alerts = session.exec(select(Alert.article_id).order_by(col(Alert.id))).all()
    assert alerts == [first, second]
    # Why it fired: both suppliers found, with where; the snippet shows them in context.
    assert [(h.entity, h.found) for h in hits] == [
        ("Spacety", "Changsha Tianyi"),
        ("Xiamen Limbach", "Xiamen Limbach"),
    ]
    assert "Changsha Tianyi" in match.snippet
    shown = render_article(archive, second)
    assert shown is not None
    assert "entities:   Spacety (company, 1x), Xiamen Limbach (company, 1x)" in shown
    assert "rule:       new_supplier: Spacety, Xiamen Limbach" in shown


def test_novelty_within_days_forgets_old_coverage(archive: Engine) -> None:
    text = "Chinese company Spacety delivered satellite imagery to Russia, investigators say."
    old = _store(archive, "https://e.example/old", text)
    _set_created(archive, old, T0)
    evaluate_pending(archive, RULESET, now=T0)
    new = _store(archive, "https://e.example/new", text + " Again.")
    evaluate_pending(archive, RULESET, now=T0 + dt.timedelta(days=45))
    # Named 45 days earlier: not new to the archive, but new within 30 days.
    assert _rules(archive, old) == {"topic", "new_supplier", "new_supplier_30d"}
    assert _rules(archive, new) == {"topic", "new_supplier_30d"}
