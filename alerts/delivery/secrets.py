"""Secrets never reach a log line or the archive: webhook URLs, tokens and passwords are masked.

Channels register every secret they hold (`register`); `redact` replaces each with a masked
form, and `RedactSecrets` does it to every log record passing a handler (our own lines and
those of slack_sdk, Apprise or smtplib alike). Error messages are redacted before they are
stored as a delivery's `last_error`.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit

MASK = "***"
# Tokens that look like Slack's, whether or not they were registered (a pasted one, say).
_SLACK_TOKEN = re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+")
_SLACK_HOOK = re.compile(r"(https?://hooks\.slack\.com/)[^\s\"'>]+")

_lock = threading.Lock()
_secrets: dict[str, str] = {}


# Schemes whose host is a plain server name; in many other Apprise URLs (tgram://BOTTOKEN/...,
# discord://WEBHOOK_ID/TOKEN) the "host" is itself part of the secret.
_HOST_SCHEMES = frozenset({"http", "https", "json", "jsons", "xml", "xmls", "form", "forms"})


def mask_url(url: str) -> str:
    """The URL's scheme, and its host where that is a server name: `https://hooks.slack.com/***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower()
    if not scheme:
        return MASK
    if scheme not in _HOST_SCHEMES:
        return f"{scheme}://{MASK}"
    return f"{scheme}://{parts.hostname or ''}{f':{port}' if port else ''}/{MASK}"


def register(secret: str | None, shown: str | None = None) -> None:
    """Mask `secret` from now on, wherever it appears (as `shown`, or `***`)."""
    # Very short values (a port, "x") would mask ordinary words; nobody's secret is that short.
    if secret is None or len(secret) < 6:
        return
    with _lock:
        _secrets[secret] = shown or MASK


def redact(text: str) -> str:
    with _lock:
        known = sorted(_secrets.items(), key=lambda item: -len(item[0]))
    for secret, shown in known:
        if secret in text:
            text = text.replace(secret, shown)
    text = _SLACK_HOOK.sub(r"\1" + MASK, text)
    return _SLACK_TOKEN.sub("xox?-" + MASK, text)


class RedactSecrets(logging.Filter):
    """A handler filter: the record's final message, with every known secret masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True
