"""An unexpected error in one delivery or digest is one failed attempt, never a stuck outbox.

The broken channel here is a real misconfiguration: a Slack webhook whose URL, set through its
environment variable, is not a URL (slack_sdk raises ValueError). The working channel is the
loopback Slack receiver; it is also the operator channel that hears of a delivery given up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import Engine

from alerts.delivery.channels import build_channels
from alerts.delivery.config import AlertsConfig, SlackChannelConfig
from alerts.delivery.outbox import dispatch_due
from tests.support.receiver import WEBHOOK, Receiver
from tests.support.stories import deliveries, evaluate, stories

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
BROKEN_ENV = "NEWSWATCH_TEST_BROKEN_WEBHOOK"


def _config(receiver: Receiver, broken_mode: str = "immediate") -> AlertsConfig:
    return AlertsConfig(
        retry_base_seconds=60,
        retry_max_seconds=60,
        max_attempts=3,
        operator_channel="ops",
        channels={
            "broken": SlackChannelConfig(
                kind="slack", webhook_url_env=BROKEN_ENV, mode=broken_mode, timeout_seconds=1
            ),
            "good": SlackChannelConfig(
                kind="slack", webhook_url=receiver.webhook_url, timeout_seconds=1
            ),
            "ops": SlackChannelConfig(
                kind="slack", webhook_url=receiver.webhook_url, timeout_seconds=1
            ),
        },
    )


def _operator_notices(receiver: Receiver) -> list[str]:
    """The operator notices Slack received: subject and text, as one string each."""
    return [
        json.dumps(r.payload)
        for r in receiver.accepted_on(WEBHOOK)
        if "delivery failed" in r.payload["text"]
    ]


def test_an_unexpected_send_error_is_a_failed_attempt_and_the_pass_goes_on(
    archive: Engine,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(BROKEN_ENV, "not a url")
    stories(archive, 3)
    evaluate(archive, ["broken", "good"], T0)
    cfg = _config(receiver)

    with caplog.at_level(logging.WARNING, logger="alerts"):
        report = dispatch_due(archive, build_channels(cfg), cfg, now=T0)

    by_channel = {(d.channel, d.alert_id): d for d in deliveries(archive)}
    assert {d.status for (c, _), d in by_channel.items() if c == "good"} == {"sent"}
    broken = [d for (c, _), d in by_channel.items() if c == "broken"]
    # The channel rests after its first error: one attempt made, the others wait their turn.
    assert sorted(d.attempts for d in broken) == [0, 0, 1]
    assert {d.status for d in broken} == {"pending"}
    tried = next(d for d in broken if d.attempts == 1)
    assert tried.last_error is not None and "ValueError" in tried.last_error
    assert tried.next_attempt_at > T0
    assert report.sent == 3 and report.retried == 1 and report.errors == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert f"delivery {tried.id}" in errors[0].getMessage()
    assert "broken" in errors[0].getMessage()


def test_a_delivery_that_keeps_failing_unexpectedly_fails_for_good_and_is_reported(
    archive: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BROKEN_ENV, "not a url")
    stories(archive, 1)
    evaluate(archive, ["broken"], T0)
    cfg = _config(receiver)
    now = T0
    for _ in range(5):
        dispatch_due(archive, build_channels(cfg), cfg, now=now)
        now += dt.timedelta(minutes=5)

    (delivery,) = deliveries(archive)
    assert delivery.status == "failed"
    assert delivery.attempts == 3
    assert delivery.last_error is not None and "gave up after 3 attempts" in delivery.last_error
    (notice,) = _operator_notices(receiver)
    assert "broken" in notice


def test_an_unexpected_digest_error_is_a_failed_attempt_then_fails_for_good(
    archive: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BROKEN_ENV, "not a url")
    stories(archive, 2)
    evaluate(archive, ["broken", "good"], T0)
    cfg = _config(receiver, broken_mode="hourly")
    now = T0
    for _ in range(6):
        dispatch_due(archive, build_channels(cfg), cfg, now=now)
        now += dt.timedelta(hours=1)

    found = deliveries(archive)
    assert {d.status for d in found if d.channel == "good"} == {"sent"}
    assert {d.status for d in found if d.channel == "broken"} == {"failed"}
    assert all(
        "gave up after 3 attempts" in (d.last_error or "") for d in found if d.channel == "broken"
    )
    (notice,) = _operator_notices(receiver)
    assert "digest" in notice


def test_a_delivery_that_cannot_be_rendered_is_a_failed_attempt_and_the_others_go_out(
    archive: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import alerts.delivery.outbox as outbox
    from alerts.delivery.outgoing import load_outgoing as real

    stories(archive, 3)
    evaluate(archive, ["good"], T0)
    first = deliveries(archive)[0].id

    def load_outgoing(engine: Engine, delivery_id: int, *args: object) -> object:
        if delivery_id == first:
            raise KeyError("a template field")  # a rendering bug, for one delivery only
        return real(engine, delivery_id, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox, "load_outgoing", load_outgoing)
    cfg = _config(receiver)
    report = dispatch_due(archive, build_channels(cfg), cfg, now=T0)

    found = {d.id: d for d in deliveries(archive)}
    assert (found[first].status, found[first].attempts) == ("pending", 1)
    assert "KeyError" in (found[first].last_error or "")
    assert sorted(d.status for i, d in found.items() if i != first) == ["sent", "sent"]
    assert (report.sent, report.retried, report.errors) == (2, 1, 1)
