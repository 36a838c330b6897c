"""Digests and throttling on a frozen clock: routing at dispatch time, slots, grouping by story
and rule, overflow of a throttled channel (never dropped), retries of a digest."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

from sqlalchemy import Engine
from sqlmodel import Session, select

from alerts.delivery.channels import build_channels
from alerts.delivery.config import AlertsConfig, SlackChannelConfig
from alerts.delivery.outbox import DispatchReport, dispatch_due
from db.models import Digest
from tests.support.receiver import WEBHOOK, Receiver
from tests.support.smtp import Inbox, SmtpServer, free_port, mail_channel
from tests.support.stories import deliveries, evaluate, store, stories

T0 = dt.datetime(2026, 11, 23, 9, 10, tzinfo=dt.UTC)


def _mail(port: int, mode: str, timezone: str = "UTC") -> AlertsConfig:
    return AlertsConfig(timezone=timezone, channels={"mail": mail_channel(port, mode=mode)})


def _run(engine: Engine, cfg: AlertsConfig, now: dt.datetime) -> DispatchReport:
    return dispatch_due(engine, build_channels(cfg), cfg, now=now)


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def test_hourly_digest_holds_every_alert_grouped_by_story(
    archive: Engine, smtp: SmtpServer
) -> None:
    first, *_ = stories(archive, 3)
    store(archive, "https://wire.example/s0-more", "Story 0 follow-up", "More.", "wire", first)
    evaluate(archive, ["mail"], T0)
    cfg = _mail(smtp.port, "hourly")

    routed = _run(archive, cfg, T0)
    assert (routed.sent, routed.digested, routed.digests_sent) == (0, 4, 0)
    assert smtp.inbox.messages == []
    assert _run(archive, cfg, dt.datetime(2026, 11, 23, 9, 59, 59, tzinfo=dt.UTC)).digests_sent == 0
    assert smtp.inbox.messages == []

    at_slot = _run(archive, cfg, dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    assert (at_slot.digests_sent, at_slot.failed) == (1, 0)
    (message,) = smtp.inbox.messages
    assert message["Subject"] == "[newswatch] digest 2026-11-23 10:00: 3 stories, 4 articles"
    assert message["Message-ID"].startswith("<digest-")
    text = _text(message)
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Story 0",
        "## Story 1",
        "## Story 2",
    ]
    # The follow-up is listed under its story, not as a story of its own.
    story0 = text.split("## Story 1")[0]
    assert "  + Story 0 follow-up (wire," in story0
    assert "Carried by 1 other outlet(s)." in story0
    assert {(d.status, d.route) for d in deliveries(archive)} == {("sent", "digest")}
    later = _run(archive, cfg, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    assert (later.sent, later.digests_sent) == (0, 0) and len(smtp.inbox.messages) == 1


def test_throttled_overflow_goes_to_the_next_digest_never_dropped(
    archive: Engine, receiver: Receiver
) -> None:
    stories(archive, 5)
    evaluate(archive, ["slack"], T0)
    channel = SlackChannelConfig(
        kind="slack", webhook_url=receiver.webhook_url, max_per_hour=2, overflow="hourly"
    )
    cfg = AlertsConfig(channels={"slack": channel})

    now = _run(archive, cfg, T0)
    assert (now.sent, now.digested) == (2, 3)
    assert [d.route for d in deliveries(archive)] == ["immediate"] * 2 + ["overflow"] * 3
    digest = _run(archive, cfg, dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    assert digest.digests_sent == 1

    # Still within the hour of the first two: a new alert overflows again...
    store(archive, "https://news.example/late", "Story late", "Late.")
    evaluate(archive, ["slack"], dt.datetime(2026, 11, 23, 10, 5, tzinfo=dt.UTC))
    assert _run(archive, cfg, dt.datetime(2026, 11, 23, 10, 5, tzinfo=dt.UTC)).digested == 1
    # ...and goes out with the 11:00 digest.
    assert _run(archive, cfg, dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)).digests_sent == 1

    posts = receiver.accepted_on(WEBHOOK)
    assert len(posts) == 4  # two alerts, two digests
    seen = []
    for post in posts:
        blocks = post.payload["blocks"]
        texts = [b["text"]["text"] for b in blocks if b["type"] in ("header", "section")]
        seen += re.findall(r"Story (?:\d|late)\b", " ".join(texts))
    # Every alert arrived, each exactly once (the header of an alert and nothing else names it).
    assert sorted(seen) == sorted([f"Story {i}" for i in range(5)] + ["Story late"])
    assert {d.status for d in deliveries(archive)} == {"sent"}


def test_daily_digest_at_local_time(archive: Engine, smtp: SmtpServer) -> None:
    stories(archive, 2)
    evaluate(archive, ["mail"], T0)
    cfg = _mail(smtp.port, "daily at 08:00", timezone="Europe/Berlin")
    assert _run(archive, cfg, T0).digested == 2  # 10:10 in Berlin: tomorrow 08:00
    with Session(archive) as session:
        (digest,) = session.exec(select(Digest)).all()
    assert digest.due_at == dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    assert _run(archive, cfg, dt.datetime(2026, 11, 24, 6, 59, tzinfo=dt.UTC)).digests_sent == 0
    assert _run(archive, cfg, dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)).digests_sent == 1
    (message,) = smtp.inbox.messages
    assert message["Subject"] == "[newswatch] digest 2026-11-24 08:00: 2 stories, 2 articles"


def test_a_digest_is_retried_whole_and_sent_once(archive: Engine) -> None:
    server = SmtpServer(free_port(), Inbox())
    stories(archive, 2)
    evaluate(archive, ["mail"], T0)
    cfg = _mail(server.port, "hourly")
    _run(archive, cfg, T0)
    slot = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    down = _run(archive, cfg, slot)
    assert (down.digests_sent, down.retried) == (0, 1)
    assert {d.status for d in deliveries(archive)} == {"pending"}
    server.start()
    try:
        assert _run(archive, cfg, slot + dt.timedelta(minutes=30)).digests_sent == 1
        assert _run(archive, cfg, slot + dt.timedelta(hours=5)).digests_sent == 0
        assert len(server.inbox.messages) == 1
        assert "2 stories" in server.inbox.messages[0]["Subject"]
    finally:
        server.stop()


def test_digest_html_escapes_what_comes_from_articles(archive: Engine, smtp: SmtpServer) -> None:
    hostile = "<!channel> <b>x</b> <script>alert(1)</script>"
    lead = store(archive, "https://news.example/h", hostile, "<script>steal()</script> & more")
    store(archive, "javascript:alert(1)", "<img src=x onerror=alert(1)>", "Copy.", "other", lead)
    evaluate(archive, ["mail"], T0)
    cfg = _mail(smtp.port, "hourly")
    _run(archive, cfg, T0)
    assert _run(archive, cfg, dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)).digests_sent == 1
    (message,) = smtp.inbox.messages
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    page = html_part.get_content()
    assert "<script" not in page and "<b>" not in page and "<img" not in page
    assert "&lt;script&gt;steal()&lt;/script&gt; &amp; more" in page
    assert "&lt;!channel&gt; &lt;b&gt;x&lt;/b&gt;" in page
    assert 'href="javascript:' not in page  # a non-web link stays text
    assert hostile in _text(message)  # the plain part shows the title as written
