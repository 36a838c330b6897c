"""Rules to inbox: evaluation and the outbox against a real SMTP server and a real archive.

The SMTP server is aiosmtpd on 127.0.0.1; the archive is the `archive` fixture (a SQLite file
and a schema on the local PostgreSQL server).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from alerts.delivery.channels import DeliveryError, EmailChannel, OutgoingAlert, build_channels
from alerts.delivery.config import AlertsConfig, EmailChannelConfig
from alerts.delivery.outbox import LEASE, backoff, dispatch_due
from alerts.delivery.render import RenderedAlert
from alerts.evaluate import evaluate_pending
from alerts.rules.config import RuleConfig
from db.draft import ArticleDraft
from db.models import ALERTING_KINDS, Alert, Article, Delivery, Match, utcnow
from db.store import store_article, sync_sources
from tests.support.smtp import Inbox, SmtpServer, free_port

TOPIC = RuleConfig(
    name="china_russia_arms",
    topic=True,
    severity="high",
    channels=["mail"],
    query="(China OR Chinese OR Beijing) AND (Russia* OR Moscow) "
    'AND (drone* OR "machine tool*" OR "artillery shells")',
)
# Matches more often than the topic; records matches but alerts nobody.
MENTIONS = RuleConfig(name="mentions_china", query="China OR Chinese")

MATCHING_TEXT = (
    "Customs records show that Chinese exporters became the main source of machine tools "
    "for Russian missile plants last year. Investigators also traced drone engines shipped "
    "from Shenzhen to a factory near Moscow. Beijing denies that it arms either side."
)
SAME_STORY_TEXT = (
    "A follow-up: more Chinese machine tools reached Russian arms plants in March, the same "
    "customs records show, and the shipments have grown since."
)
OTHER_TEXT = "The city council approved a new bicycle lane along the river on Tuesday evening."
PUBLISHED = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """A port with nothing listening yet; the test may start the server on it later."""
    server = SmtpServer(free_port(), Inbox())
    try:
        yield server
    finally:
        server.stop()


def _mail_config(port: int, **kw: Any) -> AlertsConfig:
    channel = EmailChannelConfig(
        kind="email",
        host="127.0.0.1",
        port=port,
        security=kw.pop("security", "none"),
        sender="newswatch@example.org",
        recipients=["analyst@example.org", "desk@example.org"],
        timeout_seconds=5,
        # These tests follow a story's later article as a reply in its thread.
        followups=kw.pop("followups", "thread"),
        **kw,
    )
    return AlertsConfig(retry_base_seconds=60, retry_max_seconds=3600, channels={"mail": channel})


def _mail_channel(port: int, **kw: Any) -> EmailChannelConfig:
    channel = _mail_config(port, **kw).channels["mail"]
    assert isinstance(channel, EmailChannelConfig)
    return channel


# ------------------------------------------------------------------- the archive


def _store(engine: Engine, url: str, title: str, text: str) -> int:
    draft = ArticleDraft(
        url=url,
        title=title,
        text=text,
        published=PUBLISHED,
        lang="en",
        site_name="Example Site",
        source="example",
    )
    return store_article(engine, draft).article_id


@dataclass(frozen=True)
class Articles:
    matching: int
    other: int
    duplicate: int
    same_story: int
    seed: int


def _fill(engine: Engine) -> Articles:
    sync_sources(engine, [("example", "feed", "https://news.example/feed.xml")])
    matching = _store(
        engine,
        "https://news.example/tools",
        "Chinese machine tools <b>feed</b> Russia's arms plants",
        MATCHING_TEXT,
    )
    other = _store(engine, "https://news.example/bikes", "Bicycle lane approved", OTHER_TEXT)
    duplicate = _store(engine, "https://copy.example/tools", "Copied story", MATCHING_TEXT)
    same_story = _store(engine, "https://news.example/tools-2", "More tools", SAME_STORY_TEXT)
    seed = _store(engine, "seed:tools", "Seed about machine tools", MATCHING_TEXT + " (seed)")
    with Session(engine) as session:
        # The near-duplicate detector (another module) would put the follow-up in the story.
        session.exec(update(Article).where(col(Article.id) == same_story).values(story_id=matching))
        session.exec(update(Article).where(col(Article.id) == seed).values(seed="tools"))
        session.commit()
    return Articles(matching, other, duplicate, same_story, seed)


def _delivery(engine: Engine) -> Delivery:
    """The delivery of the alert itself (the story's follow-up has its own, later one)."""
    with Session(engine) as session:
        return session.exec(
            select(Delivery)
            .join(Alert, col(Alert.id) == col(Delivery.alert_id))
            .where(
                col(Delivery.article_id) == col(Alert.article_id),
                col(Alert.kind).in_(ALERTING_KINDS),
            )
        ).one()


def _deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None and part.get_content_type() == f"text/{subtype}"
    content = part.get_content()
    assert isinstance(content, str)
    return content


# ------------------------------------------------------------------- tests


def test_one_story_alerts_once_and_is_sent_once(
    archive: Engine, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    articles = _fill(archive)
    now = utcnow()
    with caplog.at_level(logging.INFO, logger="alerts.evaluate"):
        report = evaluate_pending(archive, [TOPIC, MENTIONS], snippet_chars=200, now=now)
    assert (report.evaluated, report.relevant, report.alerts, report.failed) == (5, 4, 1, 0)
    assert report.matches == 8  # both rules on all but the bicycle lane
    raised = [r.getMessage() for r in caplog.records if r.getMessage().startswith("alert:")]
    assert raised == [
        f"alert: rule china_russia_arms on article {articles.matching}: "
        "Chinese machine tools <b>feed</b> Russia's arms plants"
    ]

    with Session(archive) as session:
        relevant = dict(session.exec(select(Article.id, Article.relevant)).all())
        matched = {(m.article_id, m.rule) for m in session.exec(select(Match))}
        alerts = session.exec(select(Alert).where(col(Alert.kind).in_(ALERTING_KINDS))).all()
        followups = session.exec(select(Alert).where(Alert.kind == "followup")).all()
        evaluated = session.exec(select(Article.evaluated_at)).all()
    assert relevant == {
        articles.matching: True,
        articles.other: False,
        articles.duplicate: True,
        articles.same_story: True,
        articles.seed: True,
    }
    assert (articles.duplicate, "china_russia_arms") in matched
    assert (articles.same_story, "mentions_china") in matched
    assert [(a.article_id, a.rule, a.severity) for a in alerts] == [
        (articles.matching, "china_russia_arms", "high")
    ]
    # The story's later article is not a new alert: a follow-up of it.
    assert [(a.article_id, a.rule) for a in followups] == [
        (articles.same_story, "china_russia_arms")
    ]
    assert evaluated == [now] * 5
    assert evaluate_pending(archive, [TOPIC, MENTIONS], now=now).evaluated == 0

    cfg = _mail_config(smtp.port)
    sent = dispatch_due(archive, build_channels(cfg), cfg, now=now)
    # The alert, and the later article of its story as a follow-up threaded under it.
    assert (sent.sent, sent.retried, sent.failed) == (2, 0, 0)
    assert len(smtp.inbox.messages) == 2
    message, follow_up = smtp.inbox.messages
    assert follow_up["In-Reply-To"] == message["Message-ID"]
    assert follow_up["References"] == message["Message-ID"]
    assert follow_up["Message-ID"] != message["Message-ID"]
    assert follow_up["Subject"] == "Re: [newswatch] china_russia_arms: More tools"
    assert "More coverage of a story already alerted." in _body(follow_up, "plain")
    assert message["In-Reply-To"] is None
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["To"] == "analyst@example.org, desk@example.org"
    assert message["From"] == "newswatch@example.org"
    assert message["Subject"] == (
        "[newswatch] china_russia_arms: Chinese machine tools <b>feed</b> Russia's arms plants"
    )
    assert message["Message-ID"].startswith(f"<alert-{alerts[0].id}.")
    text, html = _body(message, "plain"), _body(message, "html")
    assert "Chinese machine tools <b>feed</b> Russia's arms plants" in text
    assert "Chinese machine tools &lt;b&gt;feed&lt;/b&gt; Russia&#x27;s arms plants" in html
    assert "<b>" not in html
    for part in (text, html):
        assert "https://news.example/tools" in part
        assert "machine tool* (machine tools)" in part
        assert "drone* (drone)" in part
        assert "Russia* (Russia, Russian)" in part
    assert "Source: example" in text.splitlines() and "<td>example</td>" in html
    assert "**machine tools**" in text and "<mark>machine tools</mark>" in html
    assert "exporters became the main source of" in text  # the snippet

    deliveries = _deliveries(archive)
    assert [(d.status, d.attempts, d.sent_at) for d in deliveries] == [("sent", 1, now)] * 2
    assert [d.article_id for d in deliveries] == [articles.matching, articles.same_story]
    assert deliveries[0].remote_id == message["Message-ID"]
    again = dispatch_due(archive, build_channels(cfg), cfg, now=now + dt.timedelta(days=1))
    assert (again.sent, again.retried, again.failed) == (0, 0, 0)
    assert len(smtp.inbox.messages) == 2


def test_server_down_is_retried_later_and_sent_once(archive: Engine, smtp_down: SmtpServer) -> None:
    _fill(archive)
    t0 = utcnow()
    evaluate_pending(archive, [TOPIC], now=t0)
    cfg = _mail_config(smtp_down.port)
    channels = build_channels(cfg)

    down = dispatch_due(archive, channels, cfg, now=t0)
    assert (down.sent, down.retried, down.failed) == (0, 1, 0)
    delivery = _delivery(archive)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error and "Connection" in delivery.last_error
    # The first retry waits about retry_base_seconds (±10% jitter).
    assert t0 + dt.timedelta(seconds=54) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= t0 + dt.timedelta(seconds=66)

    smtp_down.start()
    early = dispatch_due(archive, channels, cfg, now=t0 + dt.timedelta(seconds=10))
    assert (early.sent, early.retried) == (0, 0)
    assert smtp_down.inbox.messages == []

    later = t0 + dt.timedelta(hours=2)
    up = dispatch_due(archive, channels, cfg, now=later)
    # The alert and its story's follow-up, which waited for it (without using an attempt).
    assert (up.sent, up.retried, up.failed) == (2, 0, 0)
    assert len(smtp_down.inbox.messages) == 2
    assert [d.attempts for d in _deliveries(archive)] == [2, 1]
    delivery = _delivery(archive)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 2, later)
    dispatch_due(archive, channels, cfg, now=later + dt.timedelta(days=1))
    assert len(smtp_down.inbox.messages) == 2


def test_permanent_refusal_fails_without_retry(
    archive: Engine, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    _fill(archive)
    now = utcnow()
    evaluate_pending(archive, [TOPIC], now=now)
    smtp.inbox.rcpt_reply = "550 5.1.1 mailbox unavailable"
    cfg = _mail_config(smtp.port)

    with caplog.at_level(logging.ERROR, logger="alerts.delivery.outbox"):
        report = dispatch_due(archive, build_channels(cfg), cfg, now=now)
    # The alert and its follow-up: each fails once, is logged once, and is not retried.
    assert (report.sent, report.retried, report.failed) == (0, 0, 2)
    delivery = _delivery(archive)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error and "550" in delivery.last_error
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2

    smtp.inbox.rcpt_reply = None
    later = dispatch_due(archive, build_channels(cfg), cfg, now=now + dt.timedelta(days=2))
    assert (later.sent, later.retried, later.failed) == (0, 0, 0)
    assert smtp.inbox.messages == []


def test_transient_refusal_is_retried(archive: Engine, smtp: SmtpServer) -> None:
    _fill(archive)
    now = utcnow()
    evaluate_pending(archive, [TOPIC], now=now)
    smtp.inbox.data_reply = "451 4.3.0 try again later"
    cfg = _mail_config(smtp.port)

    report = dispatch_due(archive, build_channels(cfg), cfg, now=now)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    delivery = _delivery(archive)
    assert delivery.status == "pending" and delivery.last_error
    assert "451" in delivery.last_error

    smtp.inbox.data_reply = None
    report = dispatch_due(archive, build_channels(cfg), cfg, now=now + dt.timedelta(hours=1))
    assert report.sent == 2 and len(smtp.inbox.messages) == 2


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (40, 3600)]
)
def test_backoff_doubles_up_to_the_cap(attempts: int, seconds: float) -> None:
    delay = backoff(attempts, AlertsConfig(retry_base_seconds=60, retry_max_seconds=3600))
    assert 0.9 * seconds <= delay.total_seconds() <= 1.1 * seconds


def test_unconfigured_channel_fails_with_a_reason(archive: Engine) -> None:
    _fill(archive)
    now = utcnow()
    evaluate_pending(archive, [TOPIC], now=now)
    report = dispatch_due(archive, {}, AlertsConfig(), now=now)
    assert (report.sent, report.failed) == (0, 2)
    delivery = _delivery(archive)
    assert delivery.status == "failed"
    assert delivery.last_error == "channel 'mail' is not configured"


def test_claimed_rows_are_left_alone_until_their_lease_runs_out(
    archive: Engine, smtp: SmtpServer
) -> None:
    _fill(archive)
    now = utcnow()
    evaluate_pending(archive, [TOPIC], now=now)
    with Session(archive) as session:
        # What a dispatcher that crashed mid-send leaves behind.
        session.exec(update(Delivery).values(status="sending", next_attempt_at=now + LEASE))
        session.commit()
    cfg = _mail_config(smtp.port)

    busy = dispatch_due(archive, build_channels(cfg), cfg, now=now + dt.timedelta(minutes=5))
    assert busy.sent == 0 and smtp.inbox.messages == []
    assert _delivery(archive).status == "sending"

    stale = dispatch_due(archive, build_channels(cfg), cfg, now=now + dt.timedelta(minutes=11))
    assert stale.sent == 2 and len(smtp.inbox.messages) == 2
    assert _delivery(archive).status == "sent"


# ------------------------------------------------------------------- TLS and login


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1, made at test time, and contexts around it."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return Tls(server, client)


class Logins:
    """An aiosmtpd authenticator accepting one user, remembering every attempt."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.attempts: list[tuple[str, str]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.attempts.append((login, password))
        # handled=False: aiosmtpd itself replies 535 to a failed login.
        return AuthResult(success=(login, password) == (self.user, self.password), handled=False)


def _outgoing() -> OutgoingAlert:
    rendered = RenderedAlert(subject="[newswatch] test", text="plain body", html="<p>body</p>")
    return OutgoingAlert(alert_id=7, rendered=rendered, message_id="<alert-7.abc@newswatch>")


def test_starttls_with_login(
    smtp_down: SmtpServer, tls: Tls, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins = Logins("newswatch", "s3cret-pass")
    smtp_down.start(
        tls_context=tls.server, require_starttls=True, authenticator=logins, auth_required=True
    )
    monkeypatch.setenv("NW_TEST_SMTP_PASSWORD", "s3cret-pass")
    cfg = _mail_channel(
        smtp_down.port,
        security="starttls",
        username="newswatch",
        password_env="NW_TEST_SMTP_PASSWORD",
    )
    EmailChannel("mail", cfg, ssl_context=tls.client).send(_outgoing())
    assert logins.attempts == [("newswatch", "s3cret-pass")]
    assert [m["Message-ID"] for m in smtp_down.inbox.messages] == ["<alert-7.abc@newswatch>"]

    monkeypatch.setenv("NW_TEST_SMTP_PASSWORD", "wrong-pass")
    with pytest.raises(DeliveryError) as refused:
        EmailChannel("mail", cfg, ssl_context=tls.client).send(_outgoing())
    assert not refused.value.retry and "535" in refused.value.message
    assert "wrong-pass" not in refused.value.message

    monkeypatch.delenv("NW_TEST_SMTP_PASSWORD")
    with pytest.raises(DeliveryError) as missing:
        EmailChannel("mail", cfg, ssl_context=tls.client).send(_outgoing())
    assert not missing.value.retry
    assert "NW_TEST_SMTP_PASSWORD" in missing.value.message
    assert len(smtp_down.inbox.messages) == 1


def test_starttls_rejects_an_untrusted_certificate(smtp_down: SmtpServer, tls: Tls) -> None:
    smtp_down.start(tls_context=tls.server, require_starttls=True)
    cfg = _mail_channel(smtp_down.port, security="starttls")
    with pytest.raises(DeliveryError) as untrusted:
        EmailChannel("mail", cfg).send(_outgoing())  # the system's CAs do not know our cert
    assert not untrusted.value.retry and "certificate" in untrusted.value.message
    assert smtp_down.inbox.messages == []


def test_implicit_tls(smtp_down: SmtpServer, tls: Tls) -> None:
    smtp_down.start(ssl_context=tls.server)
    cfg = _mail_channel(smtp_down.port, security="ssl")
    EmailChannel("mail", cfg, ssl_context=tls.client).send(_outgoing())
    assert [m["Subject"] for m in smtp_down.inbox.messages] == ["[newswatch] test"]
