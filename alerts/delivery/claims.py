"""The outbox's rows as the dispatcher moves them: due, claimed, finished, held, released.

Each function is one short transaction, so an outcome is committed as soon as it is known.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from alerts.delivery.outgoing import Parent, parent_of
from alerts.delivery.secrets import redact
from db.models import Alert, Delivery, Digest

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 100
THROTTLE_WINDOW = timedelta(hours=1)


def release_stale(engine: Engine, now: datetime) -> int:
    """Put deliveries and digests whose sending lease has run out back; how many there were."""
    with Session(engine) as session:
        result = session.exec(
            update(Delivery)
            .where(col(Delivery.status) == "sending", col(Delivery.next_attempt_at) <= now)
            # The dispatcher may have died after the server took the message.
            .values(status="pending", in_doubt=True)
        )
        digests = session.exec(
            update(Digest)
            .where(col(Digest.status) == "sending", col(Digest.next_attempt_at) <= now)
            .values(status="open")
        )
        session.commit()
    released = int(result.rowcount) + int(digests.rowcount)
    if released:
        logger.warning("%d deliveries left 'sending' by a stopped dispatcher are pending", released)
    return released


def due(engine: Engine, now: datetime, after: int) -> list[tuple[int, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery.id, Delivery.channel)
            .where(
                col(Delivery.status) == "pending",
                col(Delivery.digest_id).is_(None),
                col(Delivery.next_attempt_at) <= now,
                col(Delivery.id) > after,
            )
            .order_by(col(Delivery.id))
            .limit(BATCH)
        ).all()
    return [(delivery_id, channel) for delivery_id, channel in rows if delivery_id is not None]


def claim(engine: Engine, delivery_id: int, now: datetime, lease: timedelta = LEASE) -> int | None:
    """Take the delivery for this dispatcher; its attempts so far, or None if taken already."""
    with Session(engine) as session:
        result = session.exec(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, col(Delivery.status) == "pending")
            .values(status="sending", next_attempt_at=now + lease)
        )
        if result.rowcount != 1:
            session.rollback()
            return None
        attempts = session.exec(
            select(Delivery.attempts).where(col(Delivery.id) == delivery_id)
        ).one()
        session.commit()
    return attempts


def finish(engine: Engine, delivery_id: int, attempts: int, **values: object) -> None:
    if isinstance(values.get("last_error"), str):
        values["last_error"] = redact(str(values["last_error"]))
    with Session(engine) as session:
        session.exec(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id)
            .values(attempts=attempts, **values)
        )
        session.commit()


def sent_last_hour(engine: Engine, channel: str, now: datetime) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(
                col(Delivery.channel) == channel,
                col(Delivery.route) == "immediate",
                col(Delivery.sent_at) > now - THROTTLE_WINDOW,
            )
        ).one()


def alert_of(engine: Engine, delivery_id: int) -> Alert:
    with Session(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        alert = session.get(Alert, delivery.alert_id)
        assert alert is not None
        return alert


def story_parent(engine: Engine, delivery_id: int) -> Parent | None:
    with Session(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        alert = session.get(Alert, delivery.alert_id)
        assert alert is not None
        return parent_of(session, delivery, alert)


def hold_channel(engine: Engine, channel: str, until: datetime) -> None:
    """Slack asked us to wait: no delivery of this channel is tried before `until`."""
    with Session(engine) as session:
        session.exec(
            update(Delivery)
            .where(
                col(Delivery.channel) == channel,
                col(Delivery.status) == "pending",
                col(Delivery.digest_id).is_(None),
                col(Delivery.next_attempt_at) < until,
            )
            .values(next_attempt_at=until)
        )
        session.commit()
