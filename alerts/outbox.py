"""The dispatcher: sends due deliveries from the outbox, each exactly once, with retries.

A delivery goes pending -> sending -> sent | failed, or back to pending with a later
`next_attempt_at` after a transient error. Claiming (pending -> sending) is one conditional
UPDATE, so two dispatchers never send the same delivery. While a row is `sending`, its
`next_attempt_at` is the end of its lease: a dispatcher that crashed mid-send leaves it
there, and once the lease has run out (LEASE) the row is pending again. That is the one
window in which a message can go out twice (the server accepted it, the crash came before the
archive recorded it); no message is ever lost.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from alerts.channels.base import Channel, DeliveryError, OutgoingAlert, message_id
from alerts.config import AlertsConfig
from alerts.render import DEFAULT_SUBJECT, AlertFacts, render_alert
from db.models import Alert, Article, Delivery, Match, Source, utcnow

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 100


@dataclass(frozen=True, slots=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int, cfg: AlertsConfig) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from the base, capped, ±10% jitter.

    Jitter keeps deliveries that failed together (a server down) from retrying in lockstep.
    """
    delay = min(cfg.retry_max_seconds, cfg.retry_base_seconds * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.9, 1.1))


def release_stale(engine: Engine, now: datetime) -> int:
    """Put deliveries whose sending lease has run out back to pending; how many there were."""
    with Session(engine) as session:
        result = session.exec(
            update(Delivery)
            .where(col(Delivery.status) == "sending", col(Delivery.next_attempt_at) <= now)
            .values(status="pending")
        )
        session.commit()
    released = int(result.rowcount)
    if released:
        logger.warning("%d deliveries left 'sending' by a stopped dispatcher are pending", released)
    return released


def _due(engine: Engine, now: datetime, after: int) -> list[tuple[int, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery.id, Delivery.channel)
            .where(
                col(Delivery.status) == "pending",
                col(Delivery.next_attempt_at) <= now,
                col(Delivery.id) > after,
            )
            .order_by(col(Delivery.id))
            .limit(BATCH)
        ).all()
    return [(delivery_id, channel) for delivery_id, channel in rows if delivery_id is not None]


def _claim(engine: Engine, delivery_id: int, now: datetime) -> int | None:
    """Take the delivery for this dispatcher; its attempts so far, or None if taken already."""
    with Session(engine) as session:
        result = session.exec(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, col(Delivery.status) == "pending")
            .values(status="sending", next_attempt_at=now + LEASE)
        )
        if result.rowcount != 1:
            session.rollback()
            return None
        attempts = session.exec(
            select(Delivery.attempts).where(col(Delivery.id) == delivery_id)
        ).one()
        session.commit()
    return attempts


def _finish(engine: Engine, delivery_id: int, attempts: int, **values: object) -> None:
    with Session(engine) as session:
        session.exec(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id)
            .values(attempts=attempts, **values)
        )
        session.commit()


def load_outgoing(
    engine: Engine, delivery_id: int, snippet_chars: int, subject_template: str
) -> OutgoingAlert:
    """The rendered alert a delivery carries (article, match and source read together)."""
    with Session(engine) as session:
        alert, match, article, source = session.exec(
            select(Alert, Match, Article, Source)
            .join(Delivery, col(Delivery.alert_id) == col(Alert.id))
            .join(Match, col(Match.id) == col(Alert.match_id))
            .join(Article, col(Article.id) == col(Alert.article_id))
            .join(Source, col(Source.id) == col(Article.source_id), isouter=True)
            .where(col(Delivery.id) == delivery_id)
        ).one()
        assert alert.id is not None
        facts = AlertFacts.from_rows(
            article, match, alert.severity, source.name if source else None, snippet_chars
        )
        return OutgoingAlert(
            alert_id=alert.id,
            rendered=render_alert(facts, subject_template),
            message_id=message_id(alert.id, article.url, alert.rule),
        )


def _subject_template(cfg: AlertsConfig, channel: str) -> str:
    channel_cfg = cfg.channels.get(channel)
    return channel_cfg.subject if channel_cfg is not None else DEFAULT_SUBJECT


def _deliver(
    engine: Engine,
    delivery_id: int,
    attempts: int,
    channel_name: str,
    channel: Channel,
    cfg: AlertsConfig,
    clock: Callable[[], datetime],
) -> str:
    """Send one claimed delivery and record how it went: 'sent', 'retried' or 'failed'."""
    outgoing = load_outgoing(
        engine, delivery_id, cfg.snippet_chars, _subject_template(cfg, channel_name)
    )
    attempts += 1
    try:
        channel.send(outgoing)
    except DeliveryError as exc:
        if not exc.retry:
            _finish(engine, delivery_id, attempts, status="failed", last_error=exc.message)
            logger.error(
                "delivery %d (alert %d via %s) failed for good: %s",
                delivery_id,
                outgoing.alert_id,
                channel.name,
                exc.message,
            )
            return "failed"
        retry_at = clock() + backoff(attempts, cfg)
        _finish(
            engine,
            delivery_id,
            attempts,
            status="pending",
            last_error=exc.message,
            next_attempt_at=retry_at,
        )
        logger.warning(
            "delivery %d (alert %d via %s) will be retried at %s: %s",
            delivery_id,
            outgoing.alert_id,
            channel.name,
            retry_at.isoformat(),
            exc.message,
        )
        return "retried"
    _finish(engine, delivery_id, attempts, status="sent", sent_at=clock(), last_error=None)
    logger.info(
        "delivery %d sent: alert %d via %s: %s",
        delivery_id,
        outgoing.alert_id,
        channel.name,
        outgoing.rendered.subject,
    )
    return "sent"


def dispatch_due(
    engine: Engine,
    channels: Mapping[str, Channel],
    cfg: AlertsConfig,
    now: datetime | None = None,
) -> DispatchReport:
    """Send every pending delivery that is due, oldest first.

    Each outcome is committed as soon as it is known, so a sent alert is never sent again.
    `now` fixes the clock (tests, catch-up runs); by default it is the current time.
    """

    def clock() -> datetime:
        return now if now is not None else utcnow()

    release_stale(engine, clock())
    counts = {"sent": 0, "retried": 0, "failed": 0}
    last_id = 0
    while due := _due(engine, clock(), last_id):
        for delivery_id, channel_name in due:
            last_id = delivery_id
            attempts = _claim(engine, delivery_id, clock())
            if attempts is None:
                continue  # another dispatcher has it
            channel = channels.get(channel_name)
            if channel is None:
                reason = f"channel {channel_name!r} is not configured"
                _finish(engine, delivery_id, attempts, status="failed", last_error=reason)
                logger.error("delivery %d failed: %s", delivery_id, reason)
                counts["failed"] += 1
                continue
            counts[_deliver(engine, delivery_id, attempts, channel_name, channel, cfg, clock)] += 1
    return DispatchReport(**counts)
