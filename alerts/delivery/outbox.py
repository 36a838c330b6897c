"""The dispatcher: sends due deliveries from the outbox, each exactly once, with retries.

A delivery goes pending -> sending -> sent | failed, or back to pending with a later
`next_attempt_at` after a transient error. Claiming (pending -> sending) is one conditional
UPDATE, so two dispatchers never send the same delivery. While a row is `sending`, its
`next_attempt_at` is the end of its lease: a dispatcher that crashed mid-send leaves it
there, and once the lease has run out (LEASE) the row is pending again. That is the one
window in which a message can go out twice (the server accepted it, the crash came before the
archive recorded it); no message is ever lost.

Decisions about *when* a message goes are made here, at dispatch time, from the channel's
config as it is now: a digest channel's deliveries are routed into its next digest; an
immediate channel over its `max_per_hour` routes the overflow into its `overflow` digest; a
follow-up of a known story becomes what the channel's `followups` says (a digest line, a
reply that waits for the first message of its story so it can thread under it, or nothing); a
429 holds back the whole channel for as long as `Retry-After` says.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from alerts.delivery.channel_config import ChannelConfig
from alerts.delivery.channels.base import Channel, DeliveryError, notice
from alerts.delivery.claims import (
    LEASE,
    alert_of,
    claim,
    due,
    finish,
    hold_channel,
    release_stale,
    sent_last_hour,
    story_parent,
)
from alerts.delivery.config import AlertsConfig
from alerts.delivery.digests import open_digest, release_orphans, route_into, send_due_digests
from alerts.delivery.outgoing import load_outgoing
from alerts.delivery.render import DEFAULT_SUBJECT
from db.models import Digest, utcnow

__all__ = ["LEASE", "DispatchReport", "Dispatcher", "backoff", "dispatch_due", "release_stale"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    # Deliveries put into a digest this pass (digest channels and throttled overflow).
    digested: int = 0
    digests_sent: int = 0
    # Follow-ups a channel does not want (`followups = "none"`).
    skipped: int = 0
    # Unexpected errors (not a DeliveryError): each one also counts as retried or failed.
    errors: int = 0

    def summary(self) -> str:
        line = (
            f"alerts: {self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.digested} into digests, {self.digests_sent} digests sent"
        )
        line += f", {self.skipped} follow-ups skipped" if self.skipped else ""
        return line + (f", {self.errors} unexpected errors" if self.errors else "")


def backoff(attempts: int, cfg: AlertsConfig) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from the base, capped, ±10% jitter.

    Jitter keeps deliveries that failed together (a server down) from retrying in lockstep.
    """
    delay = min(cfg.retry_max_seconds, cfg.retry_base_seconds * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.9, 1.1))


# ------------------------------------------------------------------ the dispatcher


def _subject_template(cfg: AlertsConfig, channel: str) -> str:
    channel_cfg = cfg.channels.get(channel)
    subject = getattr(channel_cfg, "subject", None)
    return subject if isinstance(subject, str) else DEFAULT_SUBJECT


class Dispatcher:
    """One pass over the outbox with one clock; see `dispatch_due`."""

    def __init__(
        self,
        engine: Engine,
        channels: Mapping[str, Channel],
        cfg: AlertsConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.channels = dict(channels)
        self.cfg = cfg
        self.clock = clock
        self.counts = dict.fromkeys(
            ("sent", "retried", "failed", "digested", "digests_sent", "skipped", "errors"), 0
        )
        # Channels a server asked to wait (429), until when; rows fetched earlier in the pass
        # must not be tried either.
        self.held: dict[str, datetime] = {}
        # Channels that failed for a reason that may heal (down, slow, 5xx): the rest of their
        # deliveries wait for the next pass instead of each waiting out its own timeout.
        self.resting: set[str] = set()

    def retry_at(self, attempts: int, exc: DeliveryError) -> datetime:
        if exc.retry_after is not None:
            # The server said how long; it is honoured exactly, not shortened by jitter.
            return self.clock() + max(timedelta(seconds=exc.retry_after), timedelta(seconds=1))
        return self.clock() + backoff(attempts, self.cfg)

    def report_permanent(self, channel: str, what: str, reason: str) -> None:
        """Log a delivery that failed for good (once) and tell the operator channel, if any."""
        logger.error("%s via %s failed for good: %s", what, channel, reason)
        operator = self.cfg.operator_channel
        target = self.channels.get(operator) if operator is not None else None
        if target is None or operator == channel:
            return
        text = (
            f"Newswatch could not deliver {what} via channel {channel!r} and will not retry.\n"
            f"Reason: {reason}\n"
            f"Fix the channel, then: newswatch alerts retry ID (see newswatch alerts).\n"
        )
        message = notice(
            f"[newswatch] delivery failed on {channel}",
            text,
            f"<operator-{abs(hash((what, channel, reason)))}@newswatch>",
        )
        try:
            target.send(message)
        except DeliveryError as exc:
            logger.error("operator channel %s could not be told: %s", operator, exc.message)
        except Exception as exc:
            logger.exception("operator channel %s could not be told: %s", operator, exc)

    def _route_to_digest(
        self, delivery_id: int, channel: str, channel_cfg: ChannelConfig, route: str
    ) -> None:
        schedule = channel_cfg.mode if route == "digest" else channel_cfg.overflow
        digest = open_digest(self.engine, channel, schedule, self.clock(), self.cfg.timezone)
        route_into(self.engine, delivery_id, digest, route)
        self.counts["digested"] += 1

    def _release(self, delivery_id: int, attempts: int, when: datetime) -> None:
        finish(self.engine, delivery_id, attempts, status="pending", next_attempt_at=when)

    def one(self, delivery_id: int, channel_name: str) -> None:
        if channel_name in self.resting or self.held.get(channel_name, self.clock()) > self.clock():
            return
        attempts = claim(self.engine, delivery_id, self.clock(), self.cfg.lease)
        if attempts is None:
            return  # another dispatcher has it
        try:
            self._claimed(delivery_id, attempts, channel_name)
        except Exception as exc:
            # Routing or rendering it failed (channel errors are handled in `send`): one
            # failed attempt, so the row never stays `sending` and the pass goes on.
            self._unexpected(delivery_id, attempts + 1, channel_name, exc)

    def _unexpected(
        self, delivery_id: int, attempts: int, channel_name: str, exc: Exception
    ) -> None:
        what = f"delivery {delivery_id}"
        logger.error("%s via %s: unexpected error", what, channel_name, exc_info=exc)
        self.counts["errors"] += 1
        self.failed_attempt(
            delivery_id, attempts, channel_name, what, DeliveryError.unexpected(exc)
        )

    def _claimed(self, delivery_id: int, attempts: int, channel_name: str) -> None:
        channel = self.channels.get(channel_name)
        channel_cfg = self.cfg.channels.get(channel_name)
        if channel is None or channel_cfg is None:
            reason = f"channel {channel_name!r} is not configured"
            finish(self.engine, delivery_id, attempts, status="failed", last_error=reason)
            self.report_permanent(channel_name, f"delivery {delivery_id}", reason)
            self.counts["failed"] += 1
            return
        alert = alert_of(self.engine, delivery_id)
        parent = story_parent(self.engine, delivery_id)
        if alert.kind == "followup":
            if channel_cfg.followups == "none":
                reason = "a follow-up of a known story; this channel's followups = none"
                finish(self.engine, delivery_id, attempts, status="skipped", last_error=reason)
                self.counts["skipped"] += 1
                return
            # Without a thread to reply in (a seed's story), a follow-up is a digest line.
            if channel_cfg.followups == "digest" or parent is None:
                # A digest channel lists it in its own digest; an immediate one in `overflow`.
                route = "digest" if channel_cfg.digest else "followup"
                self._route_to_digest(delivery_id, channel_name, channel_cfg, route)
                return
        if parent is not None and parent.status in ("pending", "sending"):
            if parent.digest_id is not None:
                # The story's first message waits in a digest: the follow-up joins it there.
                with Session(self.engine) as session:
                    digest = session.get(Digest, parent.digest_id)
                if digest is not None and digest.status == "open":
                    route_into(self.engine, delivery_id, digest, "digest")
                    self.counts["digested"] += 1
                    return
            elif isinstance(parent.next_attempt_at, datetime):
                # Wait for the first message so this one can thread under it.
                later = max(parent.next_attempt_at, self.clock() + timedelta(seconds=1))
                self._release(delivery_id, attempts, later)
                return
        if channel_cfg.digest:
            self._route_to_digest(delivery_id, channel_name, channel_cfg, "digest")
            return
        cap = channel_cfg.max_per_hour
        if cap is not None and sent_last_hour(self.engine, channel_name, self.clock()) >= cap:
            self._route_to_digest(delivery_id, channel_name, channel_cfg, "overflow")
            return
        self.send(delivery_id, attempts, channel_name, channel)

    def send(self, delivery_id: int, attempts: int, channel_name: str, channel: Channel) -> None:
        outgoing = load_outgoing(
            self.engine,
            delivery_id,
            self.cfg.snippet_chars,
            _subject_template(self.cfg, channel_name),
        )
        attempts += 1
        what = f"delivery {delivery_id} (alert {outgoing.alert_id})"
        try:
            remote_id = channel.send(outgoing)
        except DeliveryError as exc:
            if self.failed_attempt(delivery_id, attempts, channel_name, what, exc):
                self.resting.add(channel_name)
            return
        except Exception as exc:
            logger.error("%s via %s: unexpected error", what, channel_name, exc_info=exc)
            self.counts["errors"] += 1
            # Most likely the channel itself (its config, its client): its other deliveries
            # wait for the next pass rather than fail the same way now.
            self.resting.add(channel_name)
            self.failed_attempt(
                delivery_id, attempts, channel_name, what, DeliveryError.unexpected(exc), False
            )
            return
        finish(
            self.engine,
            delivery_id,
            attempts,
            status="sent",
            sent_at=self.clock(),
            last_error=None,
            route="immediate",
            remote_id=remote_id,
            in_doubt=False,
        )
        logger.info("%s sent via %s: %s", what, channel_name, outgoing.rendered.subject)
        self.counts["sent"] += 1

    def failed_attempt(
        self,
        delivery_id: int,
        attempts: int,
        channel_name: str,
        what: str,
        exc: DeliveryError,
        log: bool = True,
    ) -> bool:
        """Record attempt number `attempts` as failed: retried later (True), or failed for good."""
        if not exc.retry or attempts >= self.cfg.max_attempts:
            reason = exc.message
            if exc.retry:
                reason = f"gave up after {attempts} attempts: {exc.message}"
            finish(
                self.engine,
                delivery_id,
                attempts,
                status="failed",
                last_error=reason,
                in_doubt=False,
            )
            self.report_permanent(channel_name, what, reason)
            self.counts["failed"] += 1
            return False
        when = self.retry_at(attempts, exc)
        finish(
            self.engine,
            delivery_id,
            attempts,
            status="pending",
            last_error=exc.message,
            next_attempt_at=when,
            in_doubt=exc.in_doubt,
        )
        if exc.retry_after is not None:
            self.held[channel_name] = when
            hold_channel(self.engine, channel_name, when)
        if log:
            logger.warning(
                "%s via %s will be retried at %s: %s",
                what,
                channel_name,
                when.isoformat(),
                exc.message,
            )
        self.counts["retried"] += 1
        return True

    def run(self) -> DispatchReport:
        release_stale(self.engine, self.clock())
        release_orphans(self.engine)
        last_id = 0
        while batch := due(self.engine, self.clock(), last_id):
            for delivery_id, channel_name in batch:
                last_id = delivery_id
                try:
                    self.one(delivery_id, channel_name)
                except Exception:
                    # The archive itself failed (claiming, recording): the lease hands the
                    # row back later; the other deliveries are still tried.
                    logger.exception(
                        "delivery %d via %s: not dispatched", delivery_id, channel_name
                    )
                    self.counts["errors"] += 1
        digests = send_due_digests(
            self.engine,
            self.channels,
            self.cfg,
            self.clock,
            lambda: self.clock() + self.cfg.lease,
            self.retry_at,
            self.report_permanent,
        )
        self.counts["digests_sent"] += digests["sent"]
        self.counts["retried"] += digests["retried"]
        self.counts["failed"] += digests["failed"]
        self.counts["errors"] += digests["errors"]
        return DispatchReport(**self.counts)


def dispatch_due(
    engine: Engine,
    channels: Mapping[str, Channel],
    cfg: AlertsConfig,
    now: datetime | None = None,
) -> DispatchReport:
    """Send every pending delivery that is due, oldest first, then every digest that is due.

    Each outcome is committed as soon as it is known, so a sent alert is never sent again.
    `now` fixes the clock (tests, catch-up runs); by default it is the current time.
    """

    def clock() -> datetime:
        return now if now is not None else utcnow()

    return Dispatcher(engine, channels, cfg, clock).run()
