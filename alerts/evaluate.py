"""Evaluation of new articles: rules matched, relevance set, one alert per article in the outbox.

Each article is settled in its own transaction: its matches, its alerts and their deliveries,
and `evaluated_at`. A crash loses nothing (the article is still pending) and one bad article
rolls back nobody else's work. An unexpected error (a bug in one rule, a text that breaks the
scanner) is logged once with the article and rule, counted, and written to the article's
`eval_error`: the article is settled with whatever the other rules found, never tried again
and again ahead of the rest. A database error leaves the article pending for the next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from alerts.delivery.enqueue import enqueue
from alerts.novelty import novelty_match
from alerts.rules.config import RuleConfig
from alerts.rules.ruleset import Analysis, RuleMatch, RuleSet
from alerts.snippet import make_snippet
from alerts.story import by_severity, decide, known_story
from db.models import Alert, Article, ArticleEntity, Match, Source, utcnow

logger = logging.getLogger(__name__)

BATCH = 100


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    evaluated: int = 0
    relevant: int = 0
    matches: int = 0
    alerts: int = 0
    # Articles left pending after a database error; they are tried again on the next run.
    failed: int = 0
    # Unexpected errors, per article or per rule: logged, recorded in `eval_error`.
    errors: int = 0


@dataclass(frozen=True, slots=True)
class _Pending:
    id: int
    title: str
    text: str
    lang: str | None
    source: str | None
    seed: str | None
    duplicate_of: int | None
    story_id: int | None


@dataclass(frozen=True, slots=True)
class _Outcome:
    relevant: bool
    matches: int
    alerts: int


def _pending_batch(engine: Engine, after: int, only: Sequence[int] | None = None) -> list[_Pending]:
    with Session(engine) as session:
        query = (
            select(Article, Source.name)
            .join(Source, col(Source.id) == col(Article.source_id), isouter=True)
            .where(col(Article.evaluated_at).is_(None), col(Article.id) > after)
        )
        if only is not None:
            query = query.where(col(Article.id).in_(list(only)))
        rows = session.exec(query.order_by(col(Article.id)).limit(BATCH)).all()
        return [
            _Pending(a.id, a.title, a.text, a.lang, source, a.seed, a.duplicate_of, a.story_id)
            for a, source in rows
            if a.id is not None
        ]


def _why_not(article: _Pending, match: RuleMatch, relevant: bool) -> str | None:
    """Why `match` raises no alert for this article, or None when it may."""
    rule = match.rule
    if not rule.channels:
        return f"rule {rule.name} has no channels"
    if article.seed is not None:
        return "a seed: the team has read it"
    if article.duplicate_of is not None:
        return f"a copy of article {article.duplicate_of}"
    if rule.require_topic and not relevant:
        return f"rule {rule.name} needs the topic and the article is off it"
    return None


def _save_match(session: Session, article: _Pending, match: RuleMatch, snippet_chars: int) -> Match:
    """Insert the match, or refresh it when the article is evaluated again (an edited seed)."""
    snippet = make_snippet(article.text, match.hits, snippet_chars).text
    row = session.exec(
        select(Match).where(Match.article_id == article.id, Match.rule == match.rule.name)
    ).first()
    if row is None:
        row = Match(article_id=article.id, rule=match.rule.name)
    row.terms = match.terms_json()
    row.snippet = snippet
    session.add(row)
    session.flush()
    return row


def _drop_stale_matches(session: Session, article_id: int, matched: set[str]) -> None:
    """Forget matches of rules that no longer match a re-evaluated article, unless alerted."""
    alerted = select(Alert.match_id)
    stale = session.exec(
        select(Match).where(
            Match.article_id == article_id,
            col(Match.rule).not_in(matched),
            col(Match.id).not_in(alerted),
        )
    ).all()
    for row in stale:
        session.delete(row)


def _save_entities(session: Session, article_id: int, analysis: Analysis) -> None:
    for row in session.exec(select(ArticleEntity).where(ArticleEntity.article_id == article_id)):
        session.delete(row)
    session.flush()
    for found in analysis.entities:
        session.add(
            ArticleEntity(
                article_id=article_id,
                entity=found.name,
                kind=found.kind,
                mentions=len(found.hits),
                hits=[hit.to_dict() for hit in found.hits],
            )
        )


def _novel(
    session: Session, article: _Pending, analysis: Analysis, now: datetime
) -> list[RuleMatch]:
    """The matches, with novelty rules kept only where they name an entity new to the topic."""
    kept: list[RuleMatch] = []
    for match in analysis.matches:
        if match.rule.novelty:
            novel = novelty_match(session, match, analysis, article.id, now)
            if novel is None:
                continue
            match = novel
        kept.append(match)
    return kept


def _set_reason(session: Session, article_id: int, reason: str) -> None:
    session.exec(update(Article).where(col(Article.id) == article_id).values(alert_reason=reason))


def _raise(
    session: Session,
    article: _Pending,
    fired: list[RuleMatch],
    analysis: Analysis,
    rows: dict[str, Match],
    now: datetime,
) -> int:
    """The article's one alert, naming every rule in `fired`, and its deliveries; 1 if it is
    a new alert (a `new` or an `update`), 0 for a follow-up of a known story."""
    if session.exec(select(Alert.id).where(Alert.article_id == article.id)).first() is not None:
        return 0  # evaluated again (an edited seed, a retried pass): it has its alert
    story_id = article.story_id or article.id
    entities = [entity.name for entity in analysis.entities]
    lead = rows[fired[0].rule.name]
    assert lead.id is not None
    for _attempt in range(2):
        decision = decide(known_story(session, article.id, story_id), fired, entities)
        alert = Alert(
            match_id=lead.id,
            article_id=article.id,
            story_id=story_id,
            rule=fired[0].rule.name,
            severity=fired[0].rule.severity,
            kind=decision.kind,
            rules=[{"rule": m.rule.name, "severity": m.rule.severity} for m in fired],
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(alert)
            break
        except IntegrityError:
            # Another evaluator wrote the story's first (`new`) alert between our look and
            # our insert (uq_alert_story_new): decided again, this article follows it.
            logger.info("article %d: story %d was alerted meanwhile", article.id, story_id)
    assert alert.id is not None
    channels = [channel for m in fired for channel in m.rule.channels]
    enqueue(session, alert.id, article.id, channels, now)
    _set_reason(session, article.id, decision.reason)
    rules = ", ".join(m.rule.name for m in fired)
    what = "follow-up" if decision.kind == "followup" else "alert"
    logger.info("%s: rule %s on article %d: %s", what, rules, article.id, article.title)
    logger.debug("article %d: %s", article.id, decision.reason)
    return int(decision.kind != "followup")


def _settle(
    session: Session,
    article: _Pending,
    analysis: Analysis,
    snippet_chars: int,
    now: datetime,
) -> _Outcome | None:
    """Record one article's outcome; None when another evaluator got there first."""
    relevant = analysis.relevant
    problems = [f"rule {name}: {_reason(exc)}" for name, exc in analysis.failures]
    claimed = session.exec(
        update(Article)
        .where(col(Article.id) == article.id, col(Article.evaluated_at).is_(None))
        .values(evaluated_at=now, relevant=relevant, eval_error="; ".join(problems) or None)
    )
    if claimed.rowcount != 1:
        return None
    _save_entities(session, article.id, analysis)
    matches = _novel(session, article, analysis, now)
    _drop_stale_matches(session, article.id, {match.rule.name for match in matches})
    rows = {
        match.rule.name: _save_match(session, article, match, snippet_chars) for match in matches
    }
    fired = by_severity([m for m in matches if _why_not(article, m, relevant) is None])
    alerts = 0
    if fired:
        alerts = _raise(session, article, fired, analysis, rows, now)
    else:
        reasons = [why for m in matches if (why := _why_not(article, m, relevant)) is not None]
        reason = "; ".join(dict.fromkeys(reasons)) or "no rule that alerts matched"
        session.exec(
            update(Article).where(col(Article.id) == article.id).values(alert_reason=reason)
        )
    return _Outcome(relevant, len(matches), alerts)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _set_aside(engine: Engine, article_id: int, reason: str, now: datetime) -> None:
    """Settle an article the rules cannot look at: no matches, the reason kept."""
    try:
        with Session(engine) as session:
            session.exec(
                update(Article)
                .where(col(Article.id) == article_id, col(Article.evaluated_at).is_(None))
                .values(evaluated_at=now, relevant=False, eval_error=reason)
            )
            session.commit()
    except SQLAlchemyError:
        logger.exception("article %d: could not be set aside; pending still", article_id)


def evaluate_pending(
    engine: Engine,
    rules: RuleSet | Sequence[RuleConfig],
    snippet_chars: int = 240,
    now: datetime | None = None,
    only: Sequence[int] | None = None,
) -> EvaluationReport:
    """Run the rules over every article not evaluated yet (of `only`, if given), oldest first.

    `relevant` is set when a topic rule matches; every matching rule is recorded as a Match.
    The rules with channels that matched (unless the article is a seed or a duplicate, or a
    rule requires the topic and the article is off it) make one alert for the article, with
    one outbox delivery per channel naming all of them; whether it is a new alert, an update
    of a known story or a follow-up is decided by alerts.story, and `alert_reason` says why
    the article did or did not alert. The watchlisted entities each article names are stored
    with it; a novelty rule matches only where one of them is new to the relevant coverage
    (alerts.novelty).
    """
    ruleset = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    evaluated = relevant = matched = alerted = failed = errors = 0
    last_id = 0
    while batch := _pending_batch(engine, last_id, only):
        for article in batch:
            last_id = article.id
            when = now or utcnow()
            try:
                analysis = ruleset.analyse(
                    article.title, article.text, article.lang, article.source
                )
                for name, exc in analysis.failures:
                    logger.error(
                        "article %d: rule %s failed: %s",
                        article.id,
                        name,
                        _reason(exc),
                        exc_info=exc,
                    )
                    errors += 1
                with Session(engine) as session:
                    outcome = _settle(session, article, analysis, snippet_chars, when)
                    session.commit()
            except SQLAlchemyError:
                logger.exception("article %d: evaluation not recorded", article.id)
                failed += 1
                continue
            except Exception as exc:
                logger.error(
                    "article %d: cannot be evaluated: %s", article.id, _reason(exc), exc_info=exc
                )
                errors += 1
                _set_aside(engine, article.id, _reason(exc), when)
                continue
            if outcome is None:
                continue
            evaluated += 1
            relevant += outcome.relevant
            matched += outcome.matches
            alerted += outcome.alerts
    report = EvaluationReport(evaluated, relevant, matched, alerted, failed, errors)
    if evaluated or failed or errors:
        # A worker evaluates each article it stores: its line would be one per article.
        logger.log(
            logging.DEBUG if only is not None else logging.INFO,
            "evaluated %d articles: %d relevant, %d matches, %d alerts, %d failed, %d errors",
            evaluated,
            relevant,
            matched,
            alerted,
            failed,
            errors,
        )
    return report
