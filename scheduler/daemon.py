"""`newswatch run`: one job per source on APScheduler 3.x, plus the outbox dispatcher."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from datetime import datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from scrapy.utils.defer import deferred_from_coro

from scheduler.config import SchedulerConfig
from scheduler.jobs import PollJobs, poll_job_id
from scheduler.reactor import reactor
from scheduler.service import Service
from spiders.config import CrawlConfig, SourceConfig, interval_seconds

logger = logging.getLogger(__name__)


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
            exc_info=(type(event.exception), event.exception, event.traceback),
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
        interval = jobs.start_interval(source)
        scheduler.add_job(
            jobs.poll,
            jobs.interval_trigger(interval)
            if interval is not None
            else trigger_for(source.effective_schedule(crawl), config.jitter_seconds),
            args=[source.name],
            id=poll_job_id(source.name),
            name=f"poll {source.name}",
            replace_existing=True,
            **({"next_run_time": first_run} if first_run else {}),
        )
    scheduler.add_job(
        service.catch_up,
        IntervalTrigger(seconds=interval_seconds(config.dispatch_interval) or 60),
        id="dispatch",
        name="evaluate pending articles, send due alerts",
        replace_existing=True,
        # At start too: articles and deliveries a crash left behind do not wait for news.
        next_run_time=datetime.now().astimezone(),
    )
    scheduler.add_listener(_on_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler, jobs


SHUTDOWN_GRACE_SECONDS = 3.0


async def _stop_crawls(service: Service) -> None:
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


def run_daemon(
    service: Service,
    sources: list[SourceConfig],
    crawl: CrawlConfig,
    config: SchedulerConfig,
) -> None:
    """Run until SIGINT or SIGTERM; crawls under way are stopped, then the reactor ends."""
    running = reactor()
    scheduler, _jobs = build_scheduler(service, sources, crawl, config, asyncio.get_event_loop())

    def start() -> None:
        scheduler.start()
        jobs = [job for job in scheduler.get_jobs() if job.id.startswith("poll:")]
        logger.info("daemon started: %d sources scheduled; stop with Ctrl-C or SIGTERM", len(jobs))

    def stop() -> Any:
        logger.info("stopping: no new polls; ending crawls under way")
        scheduler.shutdown(wait=False)
        return deferred_from_coro(_stop_crawls(service))

    def on_signal(signum: int, _frame: object) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        running.callFromThread(running.stop)

    # Set explicitly: a process started in the background by a shell inherits SIGINT ignored,
    # and the reactor would then leave it so; the daemon must stop on SIGINT and SIGTERM.
    running.callWhenRunning(signal.signal, signal.SIGINT, on_signal)
    running.callWhenRunning(signal.signal, signal.SIGTERM, on_signal)
    running.callWhenRunning(start)
    running.addSystemEventTrigger("before", "shutdown", stop)
    running.run()
    logger.info("daemon stopped")
