"""The daemon's jobs: one per enabled source with a stable id, triggers from the schedules."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.delivery.config import AlertsConfig
from alerts.rules.ruleset import RuleSet
from db.engine import open_archive
from db.store import get_source, record_poll, sync_sources
from scheduler.config import SchedulerConfig
from scheduler.daemon import build_scheduler, trigger_for
from scheduler.service import Service
from spiders.config import CrawlConfig, SourceConfig
from spiders.outcome import PollOutcome
from spiders.worker import install_asyncio_reactor

NOW = datetime(2026, 11, 23, 10, 0, 7, tzinfo=UTC)


def test_interval_schedule_with_jitter_stays_near_its_interval() -> None:
    trigger = trigger_for("15m", jitter=30)
    assert isinstance(trigger, IntervalTrigger)
    previous = NOW
    for _ in range(20):
        fire = trigger.get_next_fire_time(previous, previous)
        assert fire is not None
        assert timedelta(minutes=15) - timedelta(seconds=1) <= fire - previous
        assert fire - previous <= timedelta(minutes=15, seconds=30)
        previous = fire


def test_jitter_never_exceeds_half_a_short_interval() -> None:
    trigger = trigger_for("30s", jitter=300)
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.jitter == 15


def test_cron_schedule_fires_on_its_minutes_in_utc() -> None:
    trigger = trigger_for("*/20 6-22 * * *", jitter=0)
    assert isinstance(trigger, CronTrigger)
    fire = trigger.get_next_fire_time(None, NOW)
    assert fire == datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
    late = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 22, 41, tzinfo=UTC))
    assert late == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def test_one_job_per_enabled_source_and_a_dispatcher(tmp_path: Path) -> None:
    install_asyncio_reactor()
    crawl = CrawlConfig(schedule="30m")
    sources = [
        SourceConfig(name="a", kind="feed", url="http://127.0.0.1:1/a.xml"),
        SourceConfig(name="b", kind="feed", url="http://127.0.0.1:1/b.xml", schedule="2h"),
        SourceConfig(name="off", kind="feed", url="http://127.0.0.1:1/c.xml", enabled=False),
    ]
    engine = open_archive(f"sqlite:///{tmp_path / 'a.db'}")
    sync_sources(engine, [(s.name, s.kind, s.url) for s in sources])
    service = Service(engine, crawl, sources, RuleSet([]), AlertsConfig())
    loop = asyncio.new_event_loop()
    try:
        scheduler, _ = build_scheduler(service, sources, crawl, SchedulerConfig(), loop)
        scheduler.start(paused=True)  # job defaults apply once the jobs are really added
        jobs = {job.id: job for job in scheduler.get_jobs()}
        scheduler.shutdown(wait=False)
    finally:
        loop.close()
        engine.dispose()
    assert set(jobs) == {"poll:a", "poll:b", "dispatch", "maintenance"}
    assert jobs["poll:a"].trigger.interval == timedelta(minutes=30)
    assert jobs["poll:b"].trigger.interval == timedelta(hours=2)
    assert jobs["poll:a"].args == ("a",)
    assert jobs["dispatch"].trigger.interval == timedelta(minutes=1)
    assert jobs["maintenance"].trigger.interval == timedelta(days=1)
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True
        assert job.misfire_grace_time == 300


def test_polls_reschedule_quiet_busy_and_failing_sources(tmp_path: Path) -> None:
    install_asyncio_reactor()
    crawl = CrawlConfig(schedule="15m", adaptive_min_interval="5m", adaptive_max_interval="1h")
    sources = [
        SourceConfig(name="feed", kind="feed", url="http://127.0.0.1:1/a.xml"),
        SourceConfig(name="fixed", kind="feed", url="http://127.0.0.1:1/b.xml", adaptive=False),
    ]
    engine = open_archive(f"sqlite:///{tmp_path / 'a.db'}")
    sync_sources(engine, [(s.name, s.kind, s.url) for s in sources])
    service = Service(engine, crawl, sources, RuleSet([]), AlertsConfig())
    loop = asyncio.new_event_loop()
    config = SchedulerConfig(jitter_seconds=0)
    try:
        scheduler, jobs = build_scheduler(service, sources, crawl, config, loop)
        scheduler.start(paused=True)

        def after(name: str, new: int, error: str | None = None) -> timedelta:
            record_poll(engine, name, error=error, seen=new, new=new)
            jobs.pace(jobs.sources[name], PollOutcome(name, new=new, error=error))
            job = scheduler.get_job(f"poll:{name}")
            assert job is not None
            interval: timedelta = job.trigger.interval
            return interval

        assert after("feed", 0) == timedelta(minutes=22, seconds=30)
        assert after("feed", 0) == timedelta(seconds=2025)
        assert after("feed", 0) == timedelta(seconds=3038)
        assert after("feed", 0) == timedelta(hours=1)
        assert after("feed", 4) == timedelta(minutes=30)
        # The adapted interval is kept in the archive: a restarted daemon starts from it.
        state = get_source(engine, "feed")
        assert state is not None and state.poll_interval_seconds == 1800
        assert jobs.start_interval(sources[0]) == 1800
        assert after("fixed", 0) == timedelta(minutes=15)
        assert after("fixed", 0, "HTTP 503") == timedelta(minutes=15)
        assert after("fixed", 0, "HTTP 503") == timedelta(minutes=30)
        assert after("fixed", 0, "HTTP 503") == timedelta(hours=1)
        assert after("fixed", 2) == timedelta(minutes=15)
        scheduler.shutdown(wait=False)
    finally:
        loop.close()
        engine.dispose()
