"""Escaping for Slack, masking of secrets, and channel config mistakes named by key."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.delivery.channels.slack_blocks import alert_blocks, digest_blocks, escape
from alerts.delivery.digest_render import DigestGroup
from alerts.delivery.render import AlertFacts
from alerts.delivery.secrets import RedactSecrets, mask_url, redact, register
from alerts.snippet import Snippet
from newswatch.config import ConfigError, parse_config


def _facts(
    title: str, text: str = "a drone here", marks: tuple[tuple[int, int], ...] = ()
) -> AlertFacts:
    return AlertFacts(
        title=title,
        url="https://news.example/x",
        source="example",
        published=datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        lang="en",
        rule="drone_parts",
        severity="high",
        terms=(("drone*", ("drone",)),),
        snippet=Snippet(text, marks),
    )


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel> ping", "&lt;!channel&gt; ping"),
        ("<@U123> <#C123> <!subteam^S1>", "&lt;@U123&gt; &lt;#C123&gt; &lt;!subteam^S1&gt;"),
        ("a & b", "a &amp; b"),
        ("*bold* _it_ ~st~ `code`", "∗bold∗ ˍitˍ ∼st∼ ˋcodeˋ"),
        ("snake_case and 2*3", "snake_case and 2*3"),
        ("hello @channel and @here", "hello @\u2060channel and @\u2060here"),
        ("mail me at a@b.org", "mail me at a@b.org"),
    ],
)
def test_escape_makes_article_text_inert(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


@given(st.text())
def test_escaped_text_has_no_control_sequences(raw: str) -> None:
    out = escape(raw)
    assert "<" not in out and ">" not in out and "`" not in out
    assert "@channel" not in out.lower() and "@here" not in out.lower()


def test_bold_marks_keep_spaces_outside_the_asterisks() -> None:
    facts = _facts("t", "before drone after", ((6, 13),))
    section = alert_blocks(facts, followup=False, outlets=0)[2]
    assert section["text"]["text"] == "before *drone* after"


def test_blocks_survive_json_and_limits() -> None:
    title = '"quotes" \\ back </script> ' + "x" * 300
    blocks = alert_blocks(_facts(title), followup=True, outlets=0)
    assert json.loads(json.dumps(blocks)) == blocks
    assert len(blocks[0]["text"]["text"]) <= 150
    assert blocks[0]["text"]["text"].startswith('Follow-up: "quotes"')


def test_a_huge_digest_stays_under_slacks_block_limit() -> None:
    groups = tuple(
        DigestGroup(i, "drone_parts", "high", _facts(f"Story {i} " + "y" * 200), ())
        for i in range(500)
    )
    blocks = digest_blocks("digest", groups)
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "more; `newswatch alerts` lists them all" in blocks[-1]["elements"][0]["text"]


def test_masking_of_urls_tokens_and_registered_secrets() -> None:
    assert mask_url("https://hooks.slack.com/services/T1/B2/abc") == "https://hooks.slack.com/***"
    assert mask_url("tgram://123456:ABC/-100") == "tgram://***"
    assert mask_url("json://user:pw@127.0.0.1:8080/hook") == "json://127.0.0.1:8080/***"
    assert redact("token xoxb-123-456-abcdef leaked") == "token xox?-*** leaked"
    assert "abc123" not in redact("see https://hooks.slack.com/services/T1/B2/abc123 now")
    register("correct horse battery", "***")
    assert redact("login with correct horse battery failed") == "login with *** failed"


def test_log_filter_masks_every_record() -> None:
    register("p4ssw0rd-for-smtp")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    log = logging.getLogger("test.redact")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("auth with %s failed", "p4ssw0rd-for-smtp")
        try:
            raise ValueError("p4ssw0rd-for-smtp")
        except ValueError:
            log.exception("boom")
    finally:
        log.removeHandler(handler)
    assert "p4ssw0rd" not in stream.getvalue()
    assert "auth with *** failed" in stream.getvalue()


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ({"kind": "slack"}, "give a webhook (webhook_url) or a bot (token_env and channel)"),
        ({"kind": "slack", "token_env": "T"}, "a bot needs both token_env and channel"),
        (
            {"kind": "slack", "webhook_url": "https://h.example/x", "channel": "#a"},
            "give a webhook (webhook_url) or a bot",
        ),
        ({"kind": "apprise"}, "give url or url_env (exactly one)"),
        ({"kind": "apprise", "url": "json://x", "mode": "weekly"}, "mode: Value error"),
        ({"kind": "apprise", "url": "json://x", "max_per_hour": 0}, "max_per_hour"),
    ],
)
def test_channel_mistakes_name_the_key_and_file(channel: dict[str, object], message: str) -> None:
    raw = {"alerts": {"channels": {"hook": channel}}}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, Path("cfg.toml"))
    text = str(caught.value)
    assert text.startswith("cfg.toml: invalid configuration:")
    assert "alerts.channels.hook" in text
    assert message.split(":")[0] in text


def test_operator_channel_and_time_zone_are_checked() -> None:
    with pytest.raises(ConfigError, match="operator_channel: unknown channel 'ops'"):
        parse_config({"alerts": {"operator_channel": "ops"}}, Path("c.toml"))
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        parse_config({"alerts": {"timezone": "Mars/Olympus"}}, Path("c.toml"))
