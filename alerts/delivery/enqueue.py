"""Writing to the outbox: the deliveries of a new alert, and of a later article of its story.

Called by evaluation inside the transaction that stores the match, so an alert and its
deliveries exist together or not at all. When and how each goes out is the dispatcher's
decision (alerts/delivery/outbox.py), taken at dispatch time.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from db.models import Alert, Article, Delivery


def enqueue(
    session: Session, alert_id: int, article_id: int, channels: list[str], now: datetime
) -> int:
    """Put one delivery per channel in the outbox, in the caller's transaction.

    Called with the alert (its own article) and again for each later article of the story
    (a follow-up); how many rows were added.
    """
    for channel in dict.fromkeys(channels):
        session.add(
            Delivery(alert_id=alert_id, article_id=article_id, channel=channel, next_attempt_at=now)
        )
    return len(dict.fromkeys(channels))


def story_alert(session: Session, rule: str, story_id: int) -> int | None:
    """The id of the alert a story already raised for `rule`, if any."""
    return session.exec(
        select(Alert.id)
        .join(Article, col(Article.id) == col(Alert.article_id))
        .where(Alert.rule == rule, Article.story_id == story_id)
        .order_by(col(Alert.id))
        .limit(1)
    ).first()
