"""Reading what a message says out of the archive: an alert, a follow-up, or a digest's groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from alerts.delivery.channels.base import OutgoingAlert, followup_id, message_id
from alerts.delivery.digest_render import DigestGroup, ordered
from alerts.delivery.render import AlertFacts, render_alert
from db.models import ALERTING_KINDS, Alert, Article, Delivery, Match, Source


@dataclass(frozen=True, slots=True)
class Parent:
    """The story's first message on a channel, as far as a follow-up needs to know it."""

    status: str
    digest_id: int | None
    remote_id: str | None
    next_attempt_at: object
    # The Message-ID of the story's first alert, which a follow-up replies to.
    in_reply_to: str


def _outlet(article: Article, source: Source | None) -> str:
    return (source.name if source else None) or article.site_name or urlsplit(article.url).netloc


def other_outlets(session: Session, article: Article) -> int:
    """How many outlets other than this article's carry its story (seeds are not outlets)."""
    story = article.story_id or article.id
    rows = session.exec(
        select(Article, Source)
        .join(Source, col(Source.id) == col(Article.source_id), isouter=True)
        .where(col(Article.story_id) == story, col(Article.seed).is_(None))
    ).all()
    own = _outlet(
        article, None if article.source_id is None else session.get(Source, article.source_id)
    )
    return len({_outlet(a, s) for a, s in rows} - {own})


def _rules(alert: Alert) -> list[tuple[str, str]]:
    """The rules the alert names, as (name, severity), the first of the highest severity."""
    named = [(str(r["rule"]), str(r["severity"])) for r in alert.rules or []]
    return named or [(alert.rule, alert.severity)]


def _facts(
    session: Session, alert: Alert, article_id: int, snippet_chars: int
) -> tuple[AlertFacts, Article]:
    article = session.get(Article, article_id)
    assert article is not None
    named = _rules(alert)
    found = {
        m.rule: m
        for m in session.exec(
            select(Match).where(
                Match.article_id == article_id, col(Match.rule).in_([n for n, _ in named])
            )
        )
    }
    # A match deleted since keeps its alert renderable, without terms.
    matches = [found.get(name) or Match(article_id=article_id, rule=name) for name, _ in named]
    source = session.get(Source, article.source_id) if article.source_id is not None else None
    facts = AlertFacts.from_rows(
        article,
        matches,
        alert.severity,
        source.name if source else None,
        snippet_chars,
        also=tuple(named[1:]),
    )
    if alert.kind == "update" and article.alert_reason:
        facts = replace(facts, note=f"New in a known story: {_brings(article.alert_reason)}.")
    return facts, article


def _brings(reason: str) -> str:
    """`update of story 7 (alert 3): brings rule x` -> `brings rule x`."""
    return reason[reason.index("brings") :] if "brings" in reason else reason


def _story_message(session: Session, channel: str, alert: Alert) -> Delivery | None:
    """The first message on `channel` of the story of `alert`'s article, other than its own."""
    article = session.get(Article, alert.article_id)
    if article is None:
        return None
    return session.exec(
        select(Delivery)
        .join(Alert, col(Alert.id) == col(Delivery.alert_id))
        .join(Article, col(Article.id) == col(Alert.article_id))
        .where(
            col(Article.story_id) == (article.story_id or article.id),
            col(Delivery.channel) == channel,
            col(Delivery.article_id) == col(Alert.article_id),
            col(Alert.id) != alert.id,
            col(Alert.kind).in_(ALERTING_KINDS),
        )
        .order_by(col(Delivery.id))
        .limit(1)
    ).first()


def parent_of(session: Session, delivery: Delivery, alert: Alert) -> Parent | None:
    """The story's first message on the delivery's channel, for a delivery that threads
    under it; None for a story's first message."""
    if alert.kind == "legacy":
        # Then a later article of the story was a delivery of the story's alert itself.
        if delivery.article_id == alert.article_id:
            return None
        row = session.exec(
            select(Delivery).where(
                Delivery.alert_id == alert.id,
                Delivery.channel == delivery.channel,
                Delivery.article_id == alert.article_id,
            )
        ).first()
        lead: Alert | None = alert
    elif alert.kind in ("update", "followup"):
        row = _story_message(session, delivery.channel, alert)
        if row is None:
            return None
        lead = session.get(Alert, row.alert_id)
    else:
        return None
    if lead is None or lead.id is None:
        return None
    first = session.get(Article, lead.article_id)
    in_reply_to = message_id(lead.id, first.url if first else "", lead.rule)
    if row is None:
        return Parent("sent", None, None, None, in_reply_to)
    return Parent(row.status, row.digest_id, row.remote_id, row.next_attempt_at, in_reply_to)


def load_outgoing(
    engine: Engine, delivery_id: int, snippet_chars: int, subject_template: str
) -> OutgoingAlert:
    """The message one delivery carries: the alert, or a follow-up threaded under its story."""
    with Session(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        alert = session.get(Alert, delivery.alert_id)
        assert alert is not None and alert.id is not None
        facts, article = _facts(session, alert, delivery.article_id, snippet_chars)
        parent = parent_of(session, delivery, alert)
        followup = parent is not None
        outlets = other_outlets(session, article)
        last_remote = session.exec(
            select(Delivery.remote_id)
            .where(Delivery.channel == delivery.channel, col(Delivery.remote_id).is_not(None))
            .order_by(col(Delivery.id).desc())
            .limit(1)
        ).first()
        return OutgoingAlert(
            alert_id=alert.id,
            rendered=render_alert(facts, subject_template, followup, outlets),
            message_id=(
                followup_id(alert.id, delivery.article_id, article.url)
                if followup
                else message_id(alert.id, article.url, alert.rule)
            ),
            facts=facts,
            followup=followup,
            in_reply_to=parent.in_reply_to if parent is not None else None,
            thread=parent.remote_id if parent is not None else None,
            outlets=outlets,
            in_doubt=delivery.in_doubt,
            last_remote=last_remote,
        )


def _seed_of(session: Session, story_id: int) -> str | None:
    return session.exec(
        select(Article.seed)
        .where(col(Article.story_id) == story_id, col(Article.seed).is_not(None))
        .limit(1)
    ).first()


def load_groups(
    engine: Engine, delivery_ids: Sequence[int], snippet_chars: int
) -> tuple[DigestGroup, ...]:
    """A digest's deliveries as groups, one per story: its first alert in this digest, if any,
    and the story's other articles (follow-ups, updates) listed under it."""
    with Session(engine) as session:
        deliveries = session.exec(
            select(Delivery)
            .where(col(Delivery.id).in_(list(delivery_ids)))
            .order_by(col(Delivery.id))
        ).all()
        by_story: dict[int, list[tuple[Alert, AlertFacts, Article]]] = {}
        for delivery in deliveries:
            alert = session.get(Alert, delivery.alert_id)
            assert alert is not None
            facts, article = _facts(session, alert, delivery.article_id, snippet_chars)
            assert article.id is not None
            by_story.setdefault(article.story_id or article.id, []).append((alert, facts, article))
        groups = []
        for story, members in by_story.items():
            lead_at = next(
                (
                    i
                    for i, (alert, _, article) in enumerate(members)
                    if alert.kind in ALERTING_KINDS and article.id == alert.article_id
                ),
                None,
            )
            head_alert, head, head_article = members[0 if lead_at is None else lead_at]
            lead = head if lead_at is not None else None
            followups = tuple(facts for i, (_, facts, _) in enumerate(members) if i != lead_at)
            seed = _seed_of(session, story)
            note = f"a story the team has read (seed {seed})" if lead is None and seed else None
            assert head_alert.id is not None
            groups.append(
                DigestGroup(
                    head_alert.id,
                    head.rules,
                    head.severity,
                    lead,
                    followups,
                    other_outlets(session, head_article) if lead is not None else 0,
                    note,
                )
            )
    return tuple(ordered(groups))
