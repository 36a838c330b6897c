"""The outbox's guarantee, shown with real processes and a real receiver on loopback.

Nothing is lost, and nothing is sent twice, across restarts of the dispatcher and failures of
every kind; a message is repeated only in one window: the server accepted it and the process
died before the archive recorded that. The last tests open that window on purpose, by killing
`newswatch alerts dispatch` while the receiver holds its answer back: a webhook repeats the
message once; a Slack bot finds it in the channel by its metadata and does not.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine

from alerts.delivery.channels import build_channels
from alerts.delivery.config import AlertsConfig, SlackChannelConfig
from alerts.delivery.outbox import LEASE, dispatch_due
from db.engine import open_archive
from db.models import utcnow
from tests.support.cli import command, env
from tests.support.configs import write_config
from tests.support.receiver import API, CHANNEL_ID, WEBHOOK, Answer, Receiver
from tests.support.stories import deliveries, evaluate, stories

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
POST = API + "chat.postMessage"


def _titles(receiver: Receiver) -> Counter[str]:
    return Counter(r.payload["blocks"][0]["text"]["text"] for r in receiver.accepted_on(WEBHOOK))


def test_every_alert_arrives_exactly_once_across_restarts(
    archive: Engine, receiver: Receiver
) -> None:
    stories(archive, 8)
    evaluate(archive, ["slack"], T0)
    receiver.script(
        WEBHOOK,
        Answer(500, "internal error"),
        Answer(200, "ok"),
        Answer(503, "busy", delay=1.5),  # slower than the timeout, not accepted
        Answer(429, "rate_limited", {"Retry-After": "30"}),
        Answer(200, "ok"),
        Answer(500, "internal error"),
        Answer(502, "bad gateway"),
    )
    cfg = AlertsConfig(
        retry_base_seconds=10,
        retry_max_seconds=60,
        channels={
            "slack": SlackChannelConfig(
                kind="slack", webhook_url=receiver.webhook_url, timeout_seconds=1
            )
        },
    )
    now = T0
    for _restart in range(12):
        # A new dispatcher each time (new channels, new process state), a later clock.
        dispatch_due(archive, build_channels(cfg), cfg, now=now)
        now += dt.timedelta(minutes=5)
    assert _titles(receiver) == Counter({f"Story {i}": 1 for i in range(8)})
    assert {d.status for d in deliveries(archive)} == {"sent"}


def test_two_dispatchers_at_once_send_each_alert_once(archive_url: str, receiver: Receiver) -> None:
    engine = open_archive(archive_url)
    try:
        stories(engine, 12)
        evaluate(engine, ["slack"], T0)
    finally:
        engine.dispose()
    channel = SlackChannelConfig(kind="slack", webhook_url=receiver.webhook_url)
    cfg = AlertsConfig(channels={"slack": channel})

    # Each dispatcher has its own engine (its own connections), opened here: migrating is
    # not something two threads do at once.
    engines = [open_archive(archive_url) for _ in range(2)]
    threads = [
        threading.Thread(target=dispatch_due, args=(own, build_channels(cfg), cfg, T0))
        for own in engines
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for own in engines:
            own.dispose()
    assert _titles(receiver) == Counter({f"Story {i}": 1 for i in range(12)})


def _kill_while_the_server_holds_the_answer(
    config: Path, receiver: Receiver, path: str, extra_env: dict[str, str]
) -> None:
    """Run `newswatch alerts dispatch` and kill it once the receiver has taken the message."""
    process = subprocess.Popen(
        command(config, "alerts", "dispatch"),
        env={**env(), **extra_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not receiver.accepted_on(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.accepted_on(path)) == 1
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)


def test_the_one_window_a_crash_after_the_server_accepted(
    tmp_path: Path, receiver: Receiver
) -> None:
    hook = {"kind": "slack", "webhook_url": receiver.webhook_url, "timeout_seconds": 60}
    config = write_config(tmp_path, alerts={"channels": {"slack": hook}})
    engine = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        stories(engine, 1)
        evaluate(engine, ["slack"], utcnow())
        # The server takes the message at once and holds its answer back.
        receiver.script(WEBHOOK, Answer(200, "ok", delay=30))
        _kill_while_the_server_holds_the_answer(config, receiver, WEBHOOK, {})
        (delivery,) = deliveries(engine)
        assert delivery.status == "sending"  # accepted, but the archive never learnt it

        cfg = AlertsConfig(
            channels={"slack": SlackChannelConfig(kind="slack", webhook_url=receiver.webhook_url)}
        )
        # Within the lease another dispatcher leaves it alone (the first might still answer).
        early = dispatch_due(engine, build_channels(cfg), cfg, now=utcnow() + LEASE / 2)
        assert early.sent == 0 and len(receiver.accepted_on(WEBHOOK)) == 1
        # After it, the message is sent again: not lost, and repeated exactly this once.
        late = dispatch_due(engine, build_channels(cfg), cfg, now=utcnow() + LEASE * 2)
        assert late.sent == 1
        assert len(receiver.accepted_on(WEBHOOK)) == 2
        (delivery,) = deliveries(engine)
        assert (delivery.status, delivery.attempts) == ("sent", 1)
    finally:
        engine.dispose()


def test_a_slack_bot_closes_the_window(tmp_path: Path, receiver: Receiver) -> None:
    bot = {
        "kind": "slack",
        "token_env": "NW_TEST_SLACK_TOKEN",
        "channel": CHANNEL_ID,
        "api_url": receiver.api_url,
        "timeout_seconds": 60,
    }
    config = write_config(tmp_path, alerts={"channels": {"slack": bot}})
    token = {"NW_TEST_SLACK_TOKEN": "xoxb-1-2-crashwindow"}
    engine = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        stories(engine, 1)
        evaluate(engine, ["slack"], utcnow())
        receiver.script(POST, Answer(delay=30))
        _kill_while_the_server_holds_the_answer(config, receiver, POST, token)
        assert deliveries(engine)[0].status == "sending"

        again = subprocess.run(
            command(config, "alerts", "dispatch"),
            env={**env(), **token},
            capture_output=True,
            text=True,
            timeout=120,
        )
        # Still within the lease: nothing is tried.
        assert again.returncode == 0 and "0 sent" in again.stderr
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("NW_TEST_SLACK_TOKEN", token["NW_TEST_SLACK_TOKEN"])
            cfg = AlertsConfig.model_validate({"channels": {"slack": bot}})
            late = dispatch_due(engine, build_channels(cfg), cfg, now=utcnow() + LEASE * 2)
        assert late.sent == 1
        (delivery,) = deliveries(engine)
        assert delivery.remote_id == f"{CHANNEL_ID}/{receiver.messages[0]['ts']}"
        assert len(receiver.messages) == 1  # looked up, not posted again
        assert len(receiver.on(POST)) == 1
    finally:
        engine.dispose()
