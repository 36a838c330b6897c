"""Apprise delivery to a local JSON webhook (`json://`) on loopback: payload, escaping, errors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from alerts.delivery.channels import build_channels
from alerts.delivery.config import AlertsConfig, AppriseChannelConfig
from alerts.delivery.outbox import dispatch_due
from tests.support.receiver import JSON_HOOK, Answer, Receiver
from tests.support.stories import deliveries, evaluate, store, stories

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _cfg(url: str) -> AlertsConfig:
    return AlertsConfig(channels={"hook": AppriseChannelConfig(kind="apprise", url=url)})


def _dispatch(engine: Engine, cfg: AlertsConfig, now: dt.datetime) -> tuple[int, int, int]:
    report = dispatch_due(engine, build_channels(cfg), cfg, now=now)
    return report.sent, report.retried, report.failed


def test_json_webhook_gets_title_and_plain_text(archive: Engine, receiver: Receiver) -> None:
    title = '<!channel> <b>x</b> "quoted" \\ {json}'
    store(archive, "https://news.example/a", title, "<script>alert(1)</script>")
    evaluate(archive, ["hook"], T0)
    assert _dispatch(archive, _cfg(receiver.json_url), T0) == (1, 0, 0)
    (request,) = receiver.accepted_on(JSON_HOOK)
    # The receiver parsed the JSON: quotes, backslashes and braces did not break it.
    assert request.payload["title"] == f"[newswatch] drone_parts: {title}"
    message = request.payload["message"]
    assert message.startswith(title + "\n")
    assert "<script>alert(1)</script>" in message  # plain text, as written, for the service
    assert "Link: https://news.example/a" in message
    assert "**drone**" in message


def test_server_errors_are_retried_and_4xx_fails_for_good(
    archive: Engine, receiver: Receiver
) -> None:
    stories(archive, 2)
    evaluate(archive, ["hook"], T0)
    receiver.script(JSON_HOOK, Answer(404, "no such hook"), Answer(500, "down"))
    assert _dispatch(archive, _cfg(receiver.json_url), T0) == (0, 1, 1)
    first, second = deliveries(archive)
    assert first.status == "failed" and "error=404" in (first.last_error or "")
    assert second.status == "pending" and "error=500" in (second.last_error or "")
    assert _dispatch(archive, _cfg(receiver.json_url), T0 + dt.timedelta(hours=1)) == (1, 0, 0)
    assert len(receiver.accepted_on(JSON_HOOK)) == 1


def test_unusable_url_fails_with_a_reason(archive: Engine) -> None:
    stories(archive, 1)
    evaluate(archive, ["hook"], T0)
    assert _dispatch(archive, _cfg("nosuchscheme://x/y"), T0) == (0, 0, 1)
    (delivery,) = deliveries(archive)
    assert delivery.last_error == "not a usable Apprise URL: nosuchscheme://***"
