"""Writing to the outbox: the deliveries of an article's alert, one per channel.

Called by evaluation inside the transaction that stores the match, so an alert and its
deliveries exist together or not at all. When and how each goes out is the dispatcher's
decision (alerts/delivery/outbox.py), taken at dispatch time.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from alerts.delivery.config import INBOX
from db.models import Delivery


def enqueue(
    session: Session, alert_id: int, article_id: int, channels: list[str], now: datetime
) -> int:
    """Put one delivery per channel in the outbox, in the caller's transaction.

    The channels of every rule the alert names, each once; how many rows were added. The
    inbox needs none: it shows the alert itself.
    """
    targets = [channel for channel in dict.fromkeys(channels) if channel != INBOX]
    for channel in targets:
        session.add(
            Delivery(alert_id=alert_id, article_id=article_id, channel=channel, next_attempt_at=now)
        )
    return len(targets)
