"""Slack delivery against a real HTTP receiver on loopback that answers like Slack.

Webhook and Web API (`chat.postMessage` through slack_sdk pointed at the receiver), Block Kit
layout and escaping, threads for follow-ups, 429 with Retry-After, permanent errors, 5xx,
timeouts and refused connections, and masking of the webhook URL and token in logs.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from typing import Any

import pytest
from sqlalchemy import Engine

from alerts.delivery.channels import build_channels
from alerts.delivery.config import AlertsConfig, SlackChannelConfig
from alerts.delivery.outbox import dispatch_due
from alerts.delivery.secrets import RedactSecrets
from tests.support.receiver import API, WEBHOOK, Answer, Receiver
from tests.support.smtp import free_port
from tests.support.stories import deliveries, evaluate, store, stories

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
TOKEN = "xoxb-1111-2222-s3cr3tB0tT0k3n"
POST = API + "chat.postMessage"


def _hook_cfg(url: str, **kw: Any) -> AlertsConfig:
    # These tests follow a story's later article as a reply in its thread.
    kw.setdefault("followups", "thread")
    channel = SlackChannelConfig(kind="slack", webhook_url=url, timeout_seconds=1, **kw)
    return AlertsConfig(retry_base_seconds=60, channels={"slack": channel})


def _bot_cfg(receiver: Receiver, channel: str = "C0ALERTS") -> AlertsConfig:
    bot = SlackChannelConfig(
        kind="slack",
        token_env="NW_TEST_SLACK_TOKEN",
        channel=channel,
        api_url=receiver.api_url,
        timeout_seconds=1,
        followups="thread",
    )
    return AlertsConfig(channels={"slack": bot})


def _dispatch(engine: Engine, cfg: AlertsConfig, now: dt.datetime) -> tuple[int, int, int]:
    report = dispatch_due(engine, build_channels(cfg), cfg, now=now)
    return report.sent, report.retried, report.failed


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn text in a message (where Slack would parse links and mentions)."""
    found = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            found.append(text["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                found.append(element["text"])
    return found


HOSTILE_TITLE = "<!channel> <b>x</b> *bold* `code` @here"
HOSTILE_TEXT = '<script>alert("x")</script> <https://evil.example|click> & "quotes" \\ back'


def test_webhook_block_kit_layout_and_escaping(archive: Engine, receiver: Receiver) -> None:
    lead = store(archive, "https://news.example/hostile", HOSTILE_TITLE, HOSTILE_TEXT)
    store(archive, "https://other.example/copy", "Another outlet", "More.", "other", lead)
    assert evaluate(archive, ["slack"], T0) == 1
    assert _dispatch(archive, _hook_cfg(receiver.webhook_url), T0) == (2, 0, 0)

    first, follow = receiver.accepted_on(WEBHOOK)
    blocks = first.payload["blocks"]
    assert [b["type"] for b in blocks] == ["header", "context", "section", "context", "actions"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": HOSTILE_TITLE, "emoji": False}
    assert blocks[1]["elements"][0]["text"] == (
        "example · 2026-11-02 08:30 UTC · en · drone_parts · high"
    )
    snippet = blocks[2]["text"]["text"]
    assert "*drone*" in snippet and "*drone parts*" not in snippet  # each term bold
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in snippet
    assert "&lt;https://evil.example|click&gt;" in snippet and "&amp;" in snippet
    assert blocks[3]["elements"][0]["text"] == "Also carried by 1 other outlet."
    button = blocks[4]["elements"][0]
    assert button["url"] == "https://news.example/hostile" and button["type"] == "button"
    for text in [first.payload["text"], *_texts(blocks), *_texts(follow.payload["blocks"])]:
        # No mention, link or formatting Slack would act on survives from the article.
        assert "<!" not in text and "<https://evil" not in text and "<script" not in text
        assert "@here" not in text and "`" not in text
    assert "&lt;!channel&gt;" in first.payload["text"]
    assert first.payload["unfurl_links"] is False
    assert follow.payload["blocks"][0]["text"]["text"] == "Follow-up: Another outlet"


def test_bot_posts_follow_ups_into_the_first_alerts_thread(
    archive: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NW_TEST_SLACK_TOKEN", TOKEN)
    lead = store(archive, "https://news.example/lead", "Drone engines for Moscow")
    evaluate(archive, ["slack"], T0)
    assert _dispatch(archive, _bot_cfg(receiver), T0) == (1, 0, 0)
    # Later coverage of the same story, in a later crawl.
    store(archive, "https://wire.example/more", "More drone parts", "Update.", "wire", lead)
    store(archive, "https://paper.example/more", "Even more", "Update 2.", "paper", lead)
    evaluate(archive, ["slack"], T0 + dt.timedelta(hours=1))
    assert _dispatch(archive, _bot_cfg(receiver), T0 + dt.timedelta(hours=1)) == (2, 0, 0)

    posts = receiver.accepted_on(POST)
    assert len(posts) == 3
    assert all(p.headers["Authorization"] == f"Bearer {TOKEN}" for p in posts)
    assert posts[0].payload["channel"] == "C0ALERTS" and "thread_ts" not in posts[0].payload
    parent = deliveries(archive)[0].remote_id
    assert parent is not None
    channel, ts = parent.split("/")
    for reply in posts[1:]:
        assert (reply.payload["channel"], reply.payload["thread_ts"]) == (channel, ts)
    assert posts[2].payload["blocks"][3]["elements"][0]["text"] == (
        "Also carried by 2 other outlets."
    )


def test_429_waits_as_long_as_retry_after_says(archive: Engine, receiver: Receiver) -> None:
    stories(archive, 2)
    evaluate(archive, ["slack"], T0)
    receiver.script(WEBHOOK, Answer(429, "rate_limited", {"Retry-After": "120"}))
    cfg = _hook_cfg(receiver.webhook_url)

    # The first answer is 429: nothing more goes to the channel this pass.
    assert _dispatch(archive, cfg, T0) == (0, 1, 0)
    assert len(receiver.on(WEBHOOK)) == 1
    waiting = deliveries(archive)
    assert [d.next_attempt_at for d in waiting] == [T0 + dt.timedelta(seconds=120)] * 2
    assert waiting[0].last_error == "Slack 429 rate_limited"

    assert _dispatch(archive, cfg, T0 + dt.timedelta(seconds=119)) == (0, 0, 0)
    assert len(receiver.on(WEBHOOK)) == 1  # not one request during the wait
    assert _dispatch(archive, cfg, T0 + dt.timedelta(seconds=120)) == (2, 0, 0)
    assert len(receiver.accepted_on(WEBHOOK)) == 2


@pytest.mark.parametrize(
    ("status", "reason"),
    [(404, "no_service"), (403, "invalid_token"), (410, "channel_is_archived")],
)
def test_webhook_permanent_errors_fail_once_and_tell_the_operator(
    archive: Engine, receiver: Receiver, status: int, reason: str
) -> None:
    stories(archive, 1)
    evaluate(archive, ["slack"], T0)
    receiver.script(WEBHOOK, Answer(status, reason))
    operator = SlackChannelConfig(kind="slack", webhook_url=receiver.base + "/services/OPS")
    cfg = _hook_cfg(receiver.webhook_url).model_copy(
        update={
            "operator_channel": "ops",
            "channels": {**_hook_cfg(receiver.webhook_url).channels, "ops": operator},
        }
    )
    logs = _capture("alerts")
    assert _dispatch(archive, cfg, T0) == (0, 0, 1)
    (delivery,) = deliveries(archive)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == f"Slack HTTP {status}: {reason}"
    errors = [line for line in logs.getvalue().splitlines() if "failed for good" in line]
    assert len(errors) == 1 and reason in errors[0]
    (notice,) = receiver.accepted_on("/services/OPS")
    assert reason in notice.payload["blocks"][0]["text"]["text"]

    for day in range(1, 4):
        assert _dispatch(archive, cfg, T0 + dt.timedelta(days=day)) == (0, 0, 0)
    assert len(receiver.on(WEBHOOK)) == 1  # never tried again


def test_bot_permanent_and_transient_api_errors(
    archive: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NW_TEST_SLACK_TOKEN", TOKEN)
    stories(archive, 2)
    evaluate(archive, ["slack"], T0)
    receiver.script(
        POST,
        Answer(200, {"ok": False, "error": "invalid_auth"}),
        Answer(200, {"ok": False, "error": "internal_error"}),
    )
    assert _dispatch(archive, _bot_cfg(receiver), T0) == (0, 1, 1)
    first, second = deliveries(archive)
    assert (first.status, first.last_error) == ("failed", "Slack invalid_auth")
    assert (second.status, second.last_error) == ("pending", "Slack HTTP 200: internal_error")
    assert _dispatch(archive, _bot_cfg(receiver), T0 + dt.timedelta(hours=1)) == (1, 0, 0)


def test_bot_429_waits_for_retry_after(
    archive: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NW_TEST_SLACK_TOKEN", TOKEN)
    stories(archive, 1)
    evaluate(archive, ["slack"], T0)
    receiver.script(POST, Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}))
    assert _dispatch(archive, _bot_cfg(receiver), T0) == (0, 1, 0)
    (delivery,) = deliveries(archive)
    assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=7)
    assert _dispatch(archive, _bot_cfg(receiver), T0 + dt.timedelta(seconds=6)) == (0, 0, 0)
    assert _dispatch(archive, _bot_cfg(receiver), T0 + dt.timedelta(seconds=7)) == (1, 0, 0)
    assert len(receiver.on(POST)) == 2


def test_a_channel_that_is_down_rests_for_the_rest_of_the_pass(
    archive: Engine, receiver: Receiver
) -> None:
    stories(archive, 5)
    evaluate(archive, ["slack"], T0)
    refused = _hook_cfg(f"http://127.0.0.1:{free_port()}/services/T/B/x")
    # One connection attempt, not five: the others wait for the next pass, untouched.
    assert _dispatch(archive, refused, T0) == (0, 1, 0)
    assert [d.attempts for d in deliveries(archive)] == [1, 0, 0, 0, 0]
    assert _dispatch(archive, _hook_cfg(receiver.webhook_url), T0 + dt.timedelta(hours=1)) == (
        5,
        0,
        0,
    )


def test_bot_does_not_repost_a_message_that_got_through_before_a_timeout(
    archive: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NW_TEST_SLACK_TOKEN", TOKEN)
    stories(archive, 2)
    evaluate(archive, ["slack"], T0)
    # Slack posts the first message but answers after the 1 s timeout; the first attempt of
    # the other message never gets posted (503) and times out too.
    receiver.script(POST, Answer(delay=2.5), Answer(503, "busy", delay=2.5))
    cfg = _bot_cfg(receiver)
    assert _dispatch(archive, cfg, T0) == (0, 1, 0)
    assert [d.in_doubt for d in deliveries(archive)] == [True, False]
    assert len(receiver.messages) == 1

    # The first is found in the channel's history by its metadata and recorded, not reposted.
    assert _dispatch(archive, cfg, T0 + dt.timedelta(minutes=5)) == (1, 1, 0)
    first, second = deliveries(archive)
    assert first.remote_id == f"C0ALERTS/{receiver.messages[0]['ts']}"
    assert (first.attempts, first.in_doubt) == (2, False)
    assert second.in_doubt and len(receiver.messages) == 1

    # The second is not in the history: it is posted.
    assert _dispatch(archive, cfg, T0 + dt.timedelta(hours=2)) == (1, 0, 0)
    assert len(receiver.messages) == 2
    assert len(receiver.on(API + "conversations.history")) == 2
    keys = [m["metadata"]["event_payload"]["key"] for m in receiver.messages]
    assert len(set(keys)) == 2
    assert not any(d.in_doubt for d in deliveries(archive))


def test_5xx_timeouts_and_refused_connections_are_retried(
    archive: Engine, receiver: Receiver
) -> None:
    stories(archive, 1)
    evaluate(archive, ["slack"], T0)
    cfg = _hook_cfg(receiver.webhook_url)
    receiver.script(
        WEBHOOK,
        Answer(500, "internal error"),
        # Slower than the 1 s timeout, and not accepted: the client must try again.
        Answer(503, "busy", delay=2.5),
    )
    assert _dispatch(archive, cfg, T0) == (0, 1, 0)
    assert "HTTP 500" in (deliveries(archive)[0].last_error or "")
    assert _dispatch(archive, cfg, T0 + dt.timedelta(hours=1)) == (0, 1, 0)
    assert "timed out" in (deliveries(archive)[0].last_error or "")

    refused = _hook_cfg(f"http://127.0.0.1:{free_port()}/services/T/B/x")
    assert _dispatch(archive, refused, T0 + dt.timedelta(hours=3)) == (0, 1, 0)
    assert "Connection refused" in (deliveries(archive)[0].last_error or "")

    assert _dispatch(archive, cfg, T0 + dt.timedelta(hours=6)) == (1, 0, 0)
    assert len(receiver.accepted_on(WEBHOOK)) == 1
    assert deliveries(archive)[0].attempts == 4


def test_gives_up_after_max_attempts(archive: Engine, receiver: Receiver) -> None:
    stories(archive, 1)
    evaluate(archive, ["slack"], T0)
    cfg = _hook_cfg(receiver.webhook_url).model_copy(update={"max_attempts": 3})
    receiver.script(WEBHOOK, *[Answer(500, "down")] * 5)
    outcomes = [_dispatch(archive, cfg, T0 + dt.timedelta(days=day)) for day in range(5)]
    assert outcomes == [(0, 1, 0), (0, 1, 0), (0, 0, 1), (0, 0, 0), (0, 0, 0)]
    (delivery,) = deliveries(archive)
    assert delivery.status == "failed"
    assert delivery.last_error == "gave up after 3 attempts: Slack HTTP 500: down"


def _capture(name: str) -> io.StringIO:
    """Log lines as the daemon writes them: through a handler with the redacting filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return stream


def test_webhook_url_and_token_never_reach_logs_or_the_archive(
    archive: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NW_TEST_SLACK_TOKEN", TOKEN)
    stories(archive, 1)
    evaluate(archive, ["slack"], T0)
    logs = _capture("")  # the root: every library's lines too
    root = logging.getLogger()
    level = root.level
    try:
        receiver.script(WEBHOOK, Answer(500, f"echo {receiver.webhook_url}"))
        _dispatch(archive, _hook_cfg(receiver.webhook_url), T0)
        receiver.script(POST, Answer(200, {"ok": False, "error": f"internal_error {TOKEN}"}))
        _dispatch(archive, _bot_cfg(receiver), T0 + dt.timedelta(hours=1))
    finally:
        root.handlers = [
            h
            for h in root.handlers
            if not isinstance(h, logging.StreamHandler) or not isinstance(h.stream, io.StringIO)
        ]
        root.setLevel(level)
    text = logs.getvalue()
    assert "will be retried" in text
    stored = json.dumps([d.last_error for d in deliveries(archive)])
    for secret in ("s3cr3tW3bh00kT0k3n", "s3cr3tB0tT0k3n"):
        assert secret not in text and secret not in stored
