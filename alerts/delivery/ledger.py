"""The outbox as the operator sees it: what was alerted, where it went, and how it went.

`rows` lists deliveries newest first; `retry` puts a failed (or stuck) delivery back into the
outbox; `send_test` sends a test message through one channel, outside the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from alerts.delivery.channels.base import Channel, notice
from db.models import Alert, Article, Delivery, Digest, utcnow


@dataclass(frozen=True, slots=True)
class LedgerRow:
    delivery_id: int
    alert_id: int
    created: datetime
    rule: str
    severity: str
    article_id: int
    title: str
    followup: bool
    channel: str
    status: str
    route: str | None
    digest_due: datetime | None
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None


def rows(
    engine: Engine, limit: int = 50, status: str | None = None, channel: str | None = None
) -> list[LedgerRow]:
    with Session(engine) as session:
        query = (
            select(Delivery, Alert, Article, Digest)
            .join(Alert, col(Alert.id) == col(Delivery.alert_id))
            .join(Article, col(Article.id) == col(Delivery.article_id))
            .join(Digest, col(Digest.id) == col(Delivery.digest_id), isouter=True)
        )
        if status is not None:
            query = query.where(col(Delivery.status) == status)
        if channel is not None:
            query = query.where(col(Delivery.channel) == channel)
        found = session.exec(query.order_by(col(Delivery.id).desc()).limit(limit)).all()
        return [
            LedgerRow(
                delivery_id=d.id or 0,
                alert_id=a.id or 0,
                created=a.created_at,
                rule=", ".join(str(r["rule"]) for r in a.rules) if a.rules else a.rule,
                severity=a.severity,
                article_id=art.id or 0,
                title=art.title,
                followup=a.kind == "followup" or d.article_id != a.article_id,
                channel=d.channel,
                status=d.status,
                route=d.route,
                digest_due=g.due_at if g is not None else None,
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at,
                sent_at=d.sent_at,
                last_error=d.last_error,
            )
            for d, a, art, g in found
        ]


class LedgerError(Exception):
    """The operator asked for something the outbox cannot do; the message says why."""


def retry(engine: Engine, delivery_id: int, now: datetime | None = None) -> str:
    """Put a delivery back into the outbox, due now; its status before."""
    with Session(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            raise LedgerError(f"no delivery with id {delivery_id}")
        if delivery.status == "sent":
            raise LedgerError(
                f"delivery {delivery_id} was sent at {delivery.sent_at}; it is not sent twice"
            )
        before = delivery.status
        # Routed afresh at the next dispatch: the channel's config may have changed.
        session.exec(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, col(Delivery.status) != "sent")
            .values(
                status="pending",
                attempts=0,
                next_attempt_at=now or utcnow(),
                route=None,
                digest_id=None,
            )
        )
        session.commit()
    return before


def send_test(channel: Channel, now: datetime | None = None) -> str | None:
    """A short test message through `channel`; raises DeliveryError like any send."""
    stamp = (now or utcnow()).strftime("%Y-%m-%d %H:%M:%S UTC")
    text = (
        f"This is a test message from Newswatch ({stamp}) to channel {channel.name!r}.\n"
        "If you can read it, alerts will reach you here.\n"
    )
    message = notice(
        f"[newswatch] test message for {channel.name}",
        text,
        f"<test-{int((now or utcnow()).timestamp())}.{channel.name}@newswatch>",
    )
    return channel.send(message)
