"""Reading what a message says out of the archive: an alert, a follow-up, or a digest's groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from alerts.delivery.channels.base import OutgoingAlert, followup_id, message_id
from alerts.delivery.digest_render import DigestGroup, ordered
from alerts.delivery.render import AlertFacts, render_alert
from db.models import Alert, Article, Delivery, Match, Source


@dataclass(frozen=True, slots=True)
class Parent:
    """The story's first message on a channel, as far as a follow-up needs to know it."""

    status: str
    digest_id: int | None
    remote_id: str | None
    next_attempt_at: object


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


def _facts(
    session: Session, alert: Alert, article_id: int, snippet_chars: int
) -> tuple[AlertFacts, Article]:
    article = session.get(Article, article_id)
    assert article is not None
    match = session.exec(
        select(Match).where(Match.article_id == article_id, Match.rule == alert.rule)
    ).first()
    if match is None:
        # A follow-up always has its match; keep the alert renderable if one was deleted.
        match = Match(article_id=article_id, rule=alert.rule)
    source = session.get(Source, article.source_id) if article.source_id is not None else None
    facts = AlertFacts.from_rows(
        article, match, alert.severity, source.name if source else None, snippet_chars
    )
    return facts, article


def parent_of(session: Session, delivery: Delivery, alert: Alert) -> Parent | None:
    """The delivery of the alert's own article on the same channel (None for that one itself)."""
    if delivery.article_id == alert.article_id:
        return None
    row = session.exec(
        select(Delivery).where(
            Delivery.alert_id == alert.id,
            Delivery.channel == delivery.channel,
            Delivery.article_id == alert.article_id,
        )
    ).first()
    if row is None:
        return Parent("sent", None, None, None)
    return Parent(row.status, row.digest_id, row.remote_id, row.next_attempt_at)


def load_outgoing(
    engine: Engine, delivery_id: int, snippet_chars: int, subject_template: str
) -> OutgoingAlert:
    """The message one delivery carries: the alert, or a follow-up threaded under it."""
    with Session(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        alert = session.get(Alert, delivery.alert_id)
        assert alert is not None and alert.id is not None
        facts, article = _facts(session, alert, delivery.article_id, snippet_chars)
        parent = parent_of(session, delivery, alert)
        followup = parent is not None
        thread = parent.remote_id if parent is not None else None
        lead_url = article.url
        if followup:
            lead = session.get(Article, alert.article_id)
            lead_url = lead.url if lead is not None else article.url
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
                else message_id(alert.id, lead_url, alert.rule)
            ),
            facts=facts,
            followup=followup,
            in_reply_to=(message_id(alert.id, lead_url, alert.rule) if followup else None),
            thread=thread,
            outlets=outlets,
            in_doubt=delivery.in_doubt,
            last_remote=last_remote,
        )


def load_groups(
    engine: Engine, delivery_ids: Sequence[int], snippet_chars: int
) -> tuple[DigestGroup, ...]:
    """A digest's deliveries as groups, one per alert (that is, per story and rule)."""
    with Session(engine) as session:
        deliveries = session.exec(
            select(Delivery)
            .where(col(Delivery.id).in_(list(delivery_ids)))
            .order_by(col(Delivery.id))
        ).all()
        by_alert: dict[int, list[Delivery]] = {}
        for delivery in deliveries:
            by_alert.setdefault(delivery.alert_id, []).append(delivery)
        groups = []
        for alert_id, members in by_alert.items():
            alert = session.get(Alert, alert_id)
            assert alert is not None
            lead: AlertFacts | None = None
            followups: list[AlertFacts] = []
            outlets = 0
            for member in members:
                facts, article = _facts(session, alert, member.article_id, snippet_chars)
                if member.article_id == alert.article_id:
                    lead = facts
                    outlets = other_outlets(session, article)
                else:
                    followups.append(facts)
            groups.append(
                DigestGroup(alert_id, alert.rule, alert.severity, lead, tuple(followups), outlets)
            )
    return tuple(ordered(groups))
