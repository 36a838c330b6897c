"""Digests: deliveries routed into a channel's next slot go out there as one message.

A delivery joins a digest when its channel's mode is a digest (`hourly`, `daily at HH:MM`) or
when an immediate channel has used up its `max_per_hour` (the overflow, never dropped). A digest
row per channel and slot holds them (unique on both); at its slot the dispatcher claims it the
way it claims a delivery (open -> sending, with a lease), sends one message grouped by story and
rule, and records the digest and every delivery in it as sent in one transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from alerts.delivery.channels.base import Channel, DeliveryError, OutgoingAlert
from alerts.delivery.config import AlertsConfig
from alerts.delivery.digest_render import render_digest
from alerts.delivery.outgoing import load_groups
from alerts.delivery.schedule import next_slot
from db.models import Delivery, Digest

logger = logging.getLogger(__name__)


def digest_message_id(digest_id: int, channel: str, due_at: datetime) -> str:
    token = hashlib.sha256(f"{digest_id}\n{channel}\n{due_at.isoformat()}".encode()).hexdigest()
    return f"<digest-{digest_id}.{token[:16]}@newswatch>"


def open_digest(
    engine: Engine, channel: str, schedule: str, now: datetime, timezone: str
) -> Digest:
    """The open digest of `channel` for the next slot of `schedule`, created if need be."""
    due = next_slot(schedule, now, timezone)
    with Session(engine) as session:
        found = session.exec(
            select(Digest).where(Digest.channel == channel, Digest.due_at == due)
        ).first()
        if found is not None:
            return found
        digest = Digest(channel=channel, due_at=due, next_attempt_at=due)
        session.add(digest)
        try:
            session.commit()
        except IntegrityError:
            # Another dispatcher created it a moment ago.
            session.rollback()
            return session.exec(
                select(Digest).where(Digest.channel == channel, Digest.due_at == due)
            ).one()
        session.refresh(digest)
        return digest


def route_into(engine: Engine, delivery_id: int, digest: Digest, route: str) -> None:
    """Hand a claimed delivery to a digest: pending again, due at the digest's slot."""
    with Session(engine) as session:
        session.exec(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id)
            .values(
                status="pending", route=route, digest_id=digest.id, next_attempt_at=digest.due_at
            )
        )
        session.commit()


def release_orphans(engine: Engine) -> None:
    """Deliveries left pending in a digest that has gone out (a race with a second dispatcher)
    are routed again, so they reach the next one instead of waiting forever."""
    done = select(Digest.id).where(col(Digest.status).in_(["sent", "failed"]))
    with Session(engine) as session:
        session.exec(
            update(Delivery)
            .where(col(Delivery.status) == "pending", col(Delivery.digest_id).in_(done))
            .values(digest_id=None, route=None)
        )
        session.commit()


def _claim(engine: Engine, digest_id: int, until: datetime) -> Digest | None:
    with Session(engine) as session:
        result = session.exec(
            update(Digest)
            .where(col(Digest.id) == digest_id, col(Digest.status) == "open")
            .values(status="sending", next_attempt_at=until)
        )
        if result.rowcount != 1:
            session.rollback()
            return None
        session.commit()
        return session.get(Digest, digest_id)


def _members(engine: Engine, digest_id: int) -> list[int]:
    with Session(engine) as session:
        ids = session.exec(
            select(Delivery.id)
            .where(col(Delivery.digest_id) == digest_id, col(Delivery.status) == "pending")
            .order_by(col(Delivery.id))
        ).all()
    return [i for i in ids if i is not None]


def _record(
    engine: Engine,
    digest_id: int,
    members: list[int],
    digest_values: dict[str, object],
    member_values: dict[str, object],
) -> None:
    with Session(engine) as session:
        session.exec(update(Digest).where(col(Digest.id) == digest_id).values(**digest_values))
        if member_values:
            session.exec(
                update(Delivery).where(col(Delivery.id).in_(members)).values(**member_values)
            )
        session.commit()


def _fail(engine: Engine, digest_id: int, members: list[int], attempts: int, reason: str) -> None:
    _record(
        engine,
        digest_id,
        members,
        {"status": "failed", "attempts": attempts, "last_error": reason},
        {"status": "failed", "last_error": reason},
    )


def send_due_digests(
    engine: Engine,
    channels: dict[str, Channel],
    cfg: AlertsConfig,
    clock: Callable[[], datetime],
    lease_until: Callable[[], datetime],
    retry_at: Callable[[int, DeliveryError], datetime],
    on_permanent: Callable[[str, str, str], None],
) -> dict[str, int]:
    """Send every open digest whose time has come; counts of 'sent', 'retried', 'failed' and
    'errors' (unexpected ones, also counted as retried or failed)."""
    counts = {"sent": 0, "retried": 0, "failed": 0, "errors": 0}
    with Session(engine) as session:
        due = session.exec(
            select(Digest.id)
            .where(col(Digest.status) == "open", col(Digest.next_attempt_at) <= clock())
            .order_by(col(Digest.due_at), col(Digest.id))
        ).all()
    sender = _DigestSender(engine, channels, cfg, clock, retry_at, on_permanent, counts)
    for digest_id in due:
        assert digest_id is not None
        try:
            digest = _claim(engine, digest_id, lease_until())
        except Exception:
            logger.exception("digest %d: not claimed", digest_id)
            counts["errors"] += 1
            continue
        if digest is None:
            continue
        try:
            sender.one(digest)
        except Exception as exc:
            # Gathering or rendering it failed: one failed attempt, never a digest left
            # `sending` until its lease runs out; the other digests are still sent.
            logger.error(
                "digest %d via %s: unexpected error", digest_id, digest.channel, exc_info=exc
            )
            counts["errors"] += 1
            try:
                sender.failed(digest, _members(engine, digest_id), DeliveryError.unexpected(exc))
            except Exception:
                logger.exception("digest %d: failure not recorded", digest_id)
    return counts


class _DigestSender:
    def __init__(
        self,
        engine: Engine,
        channels: dict[str, Channel],
        cfg: AlertsConfig,
        clock: Callable[[], datetime],
        retry_at: Callable[[int, DeliveryError], datetime],
        on_permanent: Callable[[str, str, str], None],
        counts: dict[str, int],
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.cfg = cfg
        self.clock = clock
        self.retry_at = retry_at
        self.on_permanent = on_permanent
        self.counts = counts

    def one(self, digest: Digest) -> None:
        engine = self.engine
        assert digest.id is not None
        digest_id = digest.id
        members = _members(engine, digest_id)
        if not members:
            _record(engine, digest_id, [], {"status": "sent", "sent_at": self.clock()}, {})
            return
        channel = self.channels.get(digest.channel)
        attempts = digest.attempts + 1
        if channel is None:
            reason = f"channel {digest.channel!r} is not configured"
            _fail(engine, digest_id, members, attempts, reason)
            self.counts["failed"] += 1
            return
        groups = load_groups(engine, members, self.cfg.snippet_chars)
        outgoing = OutgoingAlert(
            alert_id=0,
            rendered=render_digest(groups, digest.due_at, self.cfg.timezone),
            message_id=digest_message_id(digest_id, digest.channel, digest.due_at),
            groups=groups,
        )
        try:
            channel.send(outgoing)
        except DeliveryError as exc:
            self.failed(digest, members, exc)
            return
        except Exception as exc:
            logger.error(
                "digest %d via %s: unexpected error", digest_id, digest.channel, exc_info=exc
            )
            self.counts["errors"] += 1
            self.failed(digest, members, DeliveryError.unexpected(exc), log=False)
            return
        now = self.clock()
        _record(
            engine,
            digest_id,
            members,
            {"status": "sent", "attempts": attempts, "sent_at": now, "last_error": None},
            {"status": "sent", "sent_at": now, "last_error": None},
        )
        logger.info(
            "digest %d sent via %s: %d deliveries in %d groups",
            digest_id,
            digest.channel,
            len(members),
            len(groups),
        )
        self.counts["sent"] += 1

    def failed(
        self, digest: Digest, members: list[int], exc: DeliveryError, log: bool = True
    ) -> None:
        """Attempt `digest.attempts + 1` failed: the digest is retried, or failed for good."""
        assert digest.id is not None
        attempts = digest.attempts + 1
        if not exc.retry or attempts >= self.cfg.max_attempts:
            reason = (
                exc.message
                if not exc.retry
                else f"gave up after {attempts} attempts: {exc.message}"
            )
            _fail(self.engine, digest.id, members, attempts, reason)
            self.on_permanent(digest.channel, f"digest {digest.id} ({len(members)} alerts)", reason)
            self.counts["failed"] += 1
            return
        when = self.retry_at(attempts, exc)
        _record(
            self.engine,
            digest.id,
            members,
            {
                "status": "open",
                "attempts": attempts,
                "last_error": exc.message,
                "next_attempt_at": when,
            },
            {"last_error": exc.message, "next_attempt_at": when},
        )
        if log:
            logger.warning(
                "digest %d via %s will be retried at %s: %s",
                digest.id,
                digest.channel,
                when.isoformat(),
                exc.message,
            )
        self.counts["retried"] += 1
