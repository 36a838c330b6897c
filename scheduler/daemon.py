"""`newswatch run`: one job per source on APScheduler 3.x, plus the outbox dispatcher."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from alerts.delivery.config import AlertsConfig
from alerts.rules.ruleset import RuleSet
from scheduler.config import SchedulerConfig
from scheduler.jobs import PollJobs, poll_job_id
from scheduler.metrics import HealthServer, start_health_server
from scheduler.pidfile import PidFile
from scheduler.reactor import reactor
from scheduler.service import Service
from spiders.config import CrawlConfig, SourceConfig, interval_seconds

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reloaded:
    """A new config, validated whole, for a running daemon."""

    sources: list[SourceConfig]
    rules: RuleSet
    alerts: AlertsConfig
    rule_count: int


def trigger_for(schedule: str, jitter: int) -> BaseTrigger:
    seconds = interval_seconds(schedule)
    if seconds is not None:
        return IntervalTrigger(seconds=seconds, jitter=min(jitter, seconds // 2) or None)
    return CronTrigger.from_crontab(schedule, timezone="UTC")


def _on_job_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        logger.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    elif event.exception is not None:
        logger.error(
            "job %s failed: %s",
            event.job_id,
            event.exception,
            # APScheduler 3 gives the traceback as text; the exception carries the real one.
            exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
        )


def _add_poll_job(
    scheduler: AsyncIOScheduler,
    jobs: PollJobs,
    source: SourceConfig,
    config: SchedulerConfig,
    first_run: datetime | None,
) -> None:
    interval = jobs.start_interval(source)
    scheduler.add_job(
        jobs.poll,
        jobs.interval_trigger(interval)
        if interval is not None
        else trigger_for(source.effective_schedule(jobs.crawl), config.jitter_seconds),
        args=[source.name],
        id=poll_job_id(source.name),
        name=f"poll {source.name}",
        replace_existing=True,
        **({"next_run_time": first_run} if first_run else {}),
    )


def build_scheduler(
    service: Service,
    sources: list[SourceConfig],
    crawl: CrawlConfig,
    config: SchedulerConfig,
    loop: asyncio.AbstractEventLoop,
) -> tuple[AsyncIOScheduler, PollJobs]:
    """The scheduler with its jobs; ids are stable so logs and later tooling can name them."""
    scheduler = AsyncIOScheduler(
        event_loop=loop,
        timezone="UTC",
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": config.misfire_grace_seconds,
        },
    )
    jobs = PollJobs(service, sources, crawl, config.jitter_seconds)
    jobs.scheduler = scheduler
    first_run = datetime.now().astimezone() if config.poll_on_start else None
    for source in sources:
        if not source.enabled:
            logger.info("source %s is disabled", source.name)
            continue
        _add_poll_job(scheduler, jobs, source, config, first_run)
    scheduler.add_job(
        service.tick,
        IntervalTrigger(seconds=interval_seconds(config.dispatch_interval) or 60),
        id="dispatch",
        name="evaluate pending articles, send due alerts",
        replace_existing=True,
        # At start too: articles and deliveries a crash left behind do not wait for news.
        next_run_time=datetime.now().astimezone(),
    )
    scheduler.add_job(
        service.maintain,
        IntervalTrigger(seconds=interval_seconds(config.maintenance_interval) or 86400),
        id="maintenance",
        name="retention, ANALYZE, VACUUM",
        replace_existing=True,
        # At start too: articles and deliveries a crash left behind do not wait for news.
        next_run_time=datetime.now().astimezone(),
    )
    scheduler.add_listener(_on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler, jobs


SHUTDOWN_GRACE_SECONDS = 3.0


async def _stop_crawls(service: Service, scheduler: AsyncIOScheduler) -> None:
    try:
        await asyncio.wait_for(service.stop(), SHUTDOWN_GRACE_SECONDS)
    except TimeoutError:
        # Crawls stuck in DNS lookups or on silent servers hold reactor threads that would keep
        # the process alive for the resolver's whole timeout. Nothing of theirs is half-written
        # (each store is one transaction), so once alert work has committed the process ends.
        await service.quiesce()
        logger.warning(
            "crawls still under way after %.0fs abandoned; daemon stopped", SHUTDOWN_GRACE_SECONDS
        )
        logging.shutdown()
        os._exit(0)
    await service.quiesce()
    # Only now: shutting the scheduler down cancels the jobs still running, and APScheduler
    # logs each cancelled job as a failure.
    scheduler.shutdown(wait=False)


def apply_sources(
    scheduler: AsyncIOScheduler,
    jobs: PollJobs,
    sources: list[SourceConfig],
    config: SchedulerConfig,
) -> None:
    """Make the poll jobs match `sources`: new ones added, gone ones removed, changed ones
    rescheduled; an unchanged source keeps its job and its next run."""
    old = jobs.sources
    jobs.sources = {source.name: source for source in sources}
    for name in old.keys() - jobs.sources.keys():
        if scheduler.get_job(poll_job_id(name)) is not None:
            scheduler.remove_job(poll_job_id(name))
        logger.info("source %s removed", name)
    for source in sources:
        job = scheduler.get_job(poll_job_id(source.name))
        if not source.enabled:
            if job is not None:
                scheduler.remove_job(poll_job_id(source.name))
            continue
        if job is not None and old.get(source.name) == source:
            continue
        _add_poll_job(scheduler, jobs, source, config, datetime.now().astimezone())
        logger.info("source %s %s", source.name, "changed" if job is not None else "added")


def run_daemon(
    service: Service,
    sources: list[SourceConfig],
    crawl: CrawlConfig,
    config: SchedulerConfig,
    reload: Callable[[], Reloaded] | None = None,
) -> None:
    """Run until SIGINT or SIGTERM; crawls under way are stopped, then the reactor ends.

    SIGHUP calls `reload` for a new config: sources, rules and channels are taken without a
    restart; when it raises, the running config stays and the reason is logged.
    """
    running = reactor()
    scheduler, jobs = build_scheduler(service, sources, crawl, config, asyncio.get_event_loop())
    pid_file = PidFile(config.pid_file)
    http: list[HealthServer] = []

    def start() -> None:
        pid_file.write()
        if config.http_port:
            server = start_health_server(service.metrics, config.http_host, config.http_port)
            http.extend([server] if server is not None else [])
        # The heartbeat /healthz reads: beats while the reactor's loop turns.
        LoopingCall(service.metrics.beat).start(5.0)
        scheduler.start()
        polls = [job for job in scheduler.get_jobs() if job.id.startswith("poll:")]
        logger.info(
            "daemon started (pid %d): %d sources scheduled; stop with Ctrl-C or SIGTERM, "
            "reload with SIGHUP",
            os.getpid(),
            len(polls),
        )

    def do_reload() -> None:
        if reload is None:
            return
        try:
            fresh = reload()
        except Exception as exc:  # a bad file must never stop the daemon
            logger.error("reload refused, the running config stays: %s", exc)
            return
        service.reload(fresh.sources, fresh.rules, fresh.alerts)
        apply_sources(scheduler, jobs, fresh.sources, config)
        logger.info(
            "reloaded: %d sources, %d rules, %d channels",
            len(fresh.sources),
            fresh.rule_count,
            len(fresh.alerts.channels),
        )

    def stop() -> Any:
        logger.info("stopping: no new polls; ending crawls under way")
        service.stopping = True
        scheduler.pause()  # no job starts from now on
        for server in http:
            server.stop()
        pid_file.remove()
        return deferred_from_coro(_stop_crawls(service, scheduler))

    def on_signal(signum: int, _frame: object) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        running.callFromThread(running.stop)

    def on_hangup(_signum: int, _frame: object) -> None:
        logger.info("received SIGHUP: reloading the config")
        running.callFromThread(do_reload)

    # Set explicitly: a process started in the background by a shell inherits SIGINT ignored,
    # and the reactor would then leave it so; the daemon must stop on SIGINT and SIGTERM.
    running.callWhenRunning(signal.signal, signal.SIGINT, on_signal)
    running.callWhenRunning(signal.signal, signal.SIGTERM, on_signal)
    running.callWhenRunning(signal.signal, signal.SIGHUP, on_hangup)
    running.callWhenRunning(start)
    running.addSystemEventTrigger("before", "shutdown", stop)
    running.run()
    logger.info("daemon stopped")
