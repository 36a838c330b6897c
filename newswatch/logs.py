"""Logging for the daemon and the CLI: one line per event, no progress bars in logs."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from alerts.delivery.secrets import RedactSecrets

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

# Scrapy and Twisted narrate every request; their problems reach the log through our own lines
# (one per failed source or page), so their chatter stays below WARNING unless asked for.
_QUIET = {
    "scrapy": logging.WARNING,
    "scrapy.downloadermiddlewares.robotstxt": logging.CRITICAL,
    "scrapy.downloadermiddlewares.retry": logging.CRITICAL,
    # Its warnings are the items our pipeline drops (each already logged with its reason);
    # its errors are a callback or pipeline failing where our own code did not catch it.
    "scrapy.core.scraper": logging.ERROR,
    "scrapy.core.engine": logging.ERROR,
    # Its own line for a page over DOWNLOAD_MAXSIZE; ours names the source and the limit.
    "scrapy.core.downloader.handlers.http11": logging.ERROR,
    # The same for a compressed page that inflates past it (a gzip bomb).
    "scrapy.downloadermiddlewares.httpcompression": logging.ERROR,
    "scrapy.spidermiddlewares.httperror": logging.CRITICAL,
    "twisted": logging.ERROR,
    "py.warnings": logging.ERROR,
    "trafilatura": logging.CRITICAL,
    "htmldate": logging.CRITICAL,
    "courlan": logging.CRITICAL,
    "apscheduler.executors.default": logging.WARNING,
    "apscheduler.scheduler": logging.WARNING,
    "alembic": logging.WARNING,
    # Each failed delivery is reported once, by the outbox; the clients' own lines repeat it.
    "apprise": logging.CRITICAL,
    "alerts.delivery.channels.slack.sdk": logging.CRITICAL,
}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is now, so a progress bar can print log lines above itself."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and a poll's own fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        poll = getattr(record, "poll", None)
        if isinstance(poll, dict):
            entry["poll"] = poll
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(FORMAT))
    # Webhook URLs, tokens and passwords are masked in every line, ours or a library's.
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    root.setLevel(level)
    if level != "DEBUG":
        for name, quiet_level in _QUIET.items():
            logging.getLogger(name).setLevel(quiet_level)
