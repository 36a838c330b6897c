"""The daemon's Prometheus metrics, and the loopback HTTP endpoint serving them with /healthz.

Counters move as polls end and deliveries are sent; the gauges (outbox, pending evaluation)
are refreshed by the dispatch job, so a scrape never queries the archive.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from db.models import Alert, Article, Delivery, utcnow
from spiders.outcome import PollOutcome

logger = logging.getLogger(__name__)

# A heartbeat older than this means the daemon's loop is stuck: /healthz answers 503.
STALE_AFTER_SECONDS = 60.0


class Metrics:
    """One set per process (Prometheus names must be unique within a registry)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter(
            "newswatch_polls", "polls of sources, by outcome", ["source", "outcome"], registry=r
        )
        self.fetch_duration = Histogram(
            "newswatch_fetch_duration_seconds",
            "how long one poll of a source took (feed, pages, extraction, storage)",
            ["kind"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=r,
        )
        self.articles = Counter(
            "newswatch_articles", "article pages by verdict", ["verdict"], registry=r
        )
        self.alerts_sent = Counter(
            "newswatch_alerts_sent", "alert messages sent, by channel", ["channel"], registry=r
        )
        self.delivery_latency = Histogram(
            "newswatch_delivery_latency_seconds",
            "from an alert being raised to its message being sent",
            buckets=(1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600),
            registry=r,
        )
        self.outbox_pending = Gauge(
            "newswatch_outbox_pending", "deliveries waiting to be sent", registry=r
        )
        self.evaluation_pending = Gauge(
            "newswatch_evaluation_pending", "articles the rules have not seen yet", registry=r
        )
        self.heartbeat = time.monotonic()
        self.last_poll: datetime | None = None
        self._sent_since: datetime = utcnow()

    def polled(self, kind: str, outcome: PollOutcome, seconds: float) -> None:
        result = "failed" if not outcome.ok else "not_modified" if outcome.not_modified else "ok"
        self.polls.labels(outcome.source, result).inc()
        self.fetch_duration.labels(kind).observe(seconds)
        self.articles.labels("new").inc(outcome.new)
        self.articles.labels("duplicate").inc(outcome.duplicates)
        self.articles.labels("failed").inc(outcome.failed_pages)
        self.last_poll = utcnow()

    def refresh(self, archive: Engine) -> None:
        """Count what was sent since the last call, and the backlogs (the dispatch job)."""
        now = utcnow()
        with Session(archive) as session:
            sent = session.exec(
                select(Delivery.channel, Delivery.sent_at, Alert.created_at)
                .join(Alert, col(Alert.id) == col(Delivery.alert_id))
                .where(col(Delivery.sent_at) > self._sent_since, col(Delivery.sent_at) <= now)
            ).all()
            pending = session.exec(
                select(func.count())
                .select_from(Delivery)
                .where(col(Delivery.status).in_(["pending", "sending"]))
            ).one()
            unevaluated = session.exec(
                select(func.count()).select_from(Article).where(col(Article.evaluated_at).is_(None))
            ).one()
        self._sent_since = now
        for channel, sent_at, raised in sent:
            self.alerts_sent.labels(channel).inc()
            if sent_at is not None:
                self.delivery_latency.observe(max(0.0, (sent_at - raised).total_seconds()))
        self.outbox_pending.set(pending)
        self.evaluation_pending.set(unevaluated)

    def beat(self) -> None:
        self.heartbeat = time.monotonic()

    def health(self) -> tuple[bool, dict[str, Any]]:
        age = time.monotonic() - self.heartbeat
        ok = age < STALE_AFTER_SECONDS
        return ok, {
            "status": "ok" if ok else "stuck",
            "heartbeat_age_seconds": round(age, 1),
            "last_poll": self.last_poll.isoformat() if self.last_poll else None,
        }


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # scrapes every few seconds would drown the log


Respond = Callable[[str, list[tuple[str, str]]], Any]


def _app(metrics: Metrics) -> Callable[[dict[str, Any], Respond], Iterable[bytes]]:
    prometheus = make_wsgi_app(metrics.registry)

    def app(environ: dict[str, Any], respond: Respond) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            result: Iterable[bytes] = prometheus(environ, respond)
            return result
        if path == "/healthz":
            ok, body = metrics.health()
            respond(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json")],
            )
            return [json.dumps(body).encode()]
        respond("404 Not Found", [("Content-Type", "text/plain")])
        return [b"/healthz or /metrics\n"]

    return app


class HealthServer:
    """/healthz and /metrics on a loopback port, in a thread of their own."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self.server = make_server(
            host, port, _app(metrics), server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="health-http", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_health_server(metrics: Metrics, host: str, port: int) -> HealthServer | None:
    """The endpoint, or None (logged) when the port is taken: the daemon runs on without it."""
    try:
        server = HealthServer(metrics, host, port)
    except OSError as exc:
        logger.warning("no /healthz and /metrics: cannot listen on %s:%d: %s", host, port, exc)
        return None
    server.start()
    logger.info("health and metrics on http://%s:%d/healthz and /metrics", host, server.port)
    return server
