"""`newswatch alerts` run as a user runs it: a separate process, a config file, real servers."""

from __future__ import annotations

from pathlib import Path

from db.engine import open_archive
from db.models import utcnow
from tests.support.cli import run_cli
from tests.support.configs import write_config
from tests.support.receiver import WEBHOOK, Answer, Receiver
from tests.support.stories import deliveries, evaluate, stories


def _config(folder: Path, receiver: Receiver) -> Path:
    return write_config(
        folder,
        alerts={
            "channels": {
                "slack": {"kind": "slack", "webhook_url": receiver.webhook_url},
                "ops": {"kind": "apprise", "url": receiver.json_url},
            }
        },
    )


def test_list_retry_and_test_a_channel(tmp_path: Path, receiver: Receiver) -> None:
    config = _config(tmp_path, receiver)
    engine = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        stories(engine, 2)
        evaluate(engine, ["slack"], utcnow())
    finally:
        engine.dispose()
    receiver.script(WEBHOOK, Answer(404, "no_service"))

    # At DEBUG slack_sdk logs every request with its URL: the webhook's token is masked.
    sent = run_cli(config, "--log-level", "DEBUG", "alerts", "dispatch")
    assert sent.returncode == 0, sent.stderr
    assert "alerts: 1 sent, 0 to retry, 1 failed" in sent.stderr
    assert "Sending a request - url: http://127.0.0.1" in sent.stderr
    assert "s3cr3tW3bh00kT0k3n" not in sent.stderr

    listed = run_cli(config, "alerts")
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split() == [
        "ID",
        "TIME",
        "RULE",
        "ARTICLE",
        "CHANNEL",
        "STATUS",
        "TRIES",
        "LAST",
        "ERROR",
    ]
    assert len(lines) == 2
    newest, oldest = lines
    assert "drone_parts (high)" in newest and "2 Story 1" in newest and "slack" in newest
    assert "failed" in oldest.split() and "Slack HTTP 404: no_service" in oldest
    assert "sent" in newest.split()
    assert "s3cr3tW3bh00kT0k3n" not in listed.stdout + listed.stderr
    failed = [line for line in lines if "failed" in line.split()]
    failed_id = failed[0].split()[0]

    retried = run_cli(config, "alerts", "retry", failed_id)
    assert retried.returncode == 0, retried.stderr
    assert f"delivery {failed_id} (failed) is pending again" in retried.stderr
    assert "alerts: 1 sent" in retried.stderr
    assert len(receiver.accepted_on(WEBHOOK)) == 2
    again = run_cli(config, "alerts", "retry", failed_id)
    assert again.returncode == 1 and "it is not sent twice" in again.stderr
    only_failed = run_cli(config, "alerts", "--status", "failed")
    assert only_failed.stdout.splitlines()[1:] == []

    tested = run_cli(config, "alerts", "test", "--channel", "ops")
    assert tested.returncode == 0, tested.stderr
    (note,) = receiver.accepted_on("/notify")
    assert note.payload["title"] == "[newswatch] test message for ops"

    receiver.script(WEBHOOK, Answer(403, "invalid_token"))
    broken = run_cli(config, "alerts", "test", "--channel", "slack")
    assert broken.returncode == 1
    assert "channel slack: permanent failure: Slack HTTP 403: invalid_token" in broken.stderr
    unknown = run_cli(config, "alerts", "test", "--channel", "nope")
    assert unknown.returncode == 1 and "channels: ops, slack" in unknown.stderr

    engine = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        assert {d.status for d in deliveries(engine)} == {"sent"}
    finally:
        engine.dispose()
