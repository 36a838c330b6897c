"""Source health through the archive: one operator notice per problem, one when it is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from alerts.delivery.channels import build_channels
from alerts.delivery.config import AlertsConfig
from db.models import Article, Source
from db.polls import POLL_EVENTS_KEPT, PollRecord, add_poll_event, open_issues, poll_events
from db.store import sync_sources
from scheduler.config import HealthConfig
from scheduler.health import SourceHealth
from scheduler.notices import send_source_notices
from tests.support.smtp import SmtpServer


def _channels(smtp: SmtpServer) -> AlertsConfig:
    return AlertsConfig.model_validate(
        {
            "operator_channel": "ops",
            "channels": {
                "ops": {
                    "kind": "email",
                    "host": "127.0.0.1",
                    "port": smtp.port,
                    "security": "none",
                    "sender": "newswatch@localhost",
                    "recipients": ["ops@localhost"],
                }
            },
        }
    )


def _subjects(smtp: SmtpServer) -> list[str]:
    return [str(m["Subject"]) for m in smtp.inbox.messages]


def test_a_failing_source_is_told_once_and_its_recovery_once(
    archive: Engine, smtp: SmtpServer
) -> None:
    sync_sources(archive, [("wire", "feed", "http://127.0.0.1:9/wire.xml")])
    alerts = _channels(smtp)
    channels = build_channels(alerts)
    health = SourceHealth(archive, HealthConfig(failure_score=3.0))
    for _ in range(5):  # 5 temporary failures weigh 1.25: not yet failing
        add_poll_event(archive, "wire", PollRecord("failed", "temporary", "timed out"))
        health.check("wire")
    assert open_issues(archive) == []
    for _ in range(4):
        add_poll_event(archive, "wire", PollRecord("failed", "hard", "HTTP 404"))
        health.check("wire")
        send_source_notices(archive, channels, "ops")
    assert _subjects(smtp) == ["[newswatch] source wire: failing"]
    body = smtp.inbox.messages[0].get_body(preferencelist=("plain",))
    assert body is not None and "HTTP 404" in body.get_content()
    add_poll_event(archive, "wire", PollRecord("ok", entries=3, fetched=3, new=3))
    health.check("wire")
    for _ in range(2):
        send_source_notices(archive, channels, "ops")
    assert _subjects(smtp)[1:] == ["[newswatch] source wire: recovered"]
    assert open_issues(archive) == []


def test_only_the_last_polls_are_kept(archive: Engine) -> None:
    sync_sources(archive, [("wire", "feed", "http://127.0.0.1:9/wire.xml")])
    for n in range(POLL_EVENTS_KEPT + 12):
        add_poll_event(archive, "wire", PollRecord("ok", entries=n))
    events = poll_events(archive, "wire")
    assert len(events) == POLL_EVENTS_KEPT
    assert events[0].entries == POLL_EVENTS_KEPT + 11 and events[-1].entries == 12


def test_a_source_silent_for_a_week_against_its_usual_rate_is_raised(
    archive: Engine,
) -> None:
    sync_sources(archive, [("wire", "feed", "http://127.0.0.1:9/wire.xml")])
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    with Session(archive) as session:
        source_id = session.exec(select(Source.id).where(Source.name == "wire")).one()
        for day in range(8, 40):  # four articles a day until eight days ago, then nothing
            for n in range(4):
                session.add(
                    Article(
                        url=f"https://wire.example/{day}/{n}",
                        source_id=source_id,
                        title="t",
                        text="x",
                        text_hash=f"{day}-{n}",
                        created_at=today - timedelta(days=day),
                    )
                )
        session.commit()
    health = SourceHealth(archive, HealthConfig())
    add_poll_event(archive, "wire", PollRecord("ok", entries=10, fetched=0))
    health.check("wire")
    issues = open_issues(archive, "wire")
    assert [issue.kind for _name, issue in issues] == ["silent"]
    assert "0.0 articles a day last week; usually 4.0" in issues[0][1].detail
