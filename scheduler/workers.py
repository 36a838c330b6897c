"""The processing workers of the crawling process: started, watched, restarted, stopped.

With `[pipeline] workers = N > 0` they are N spawned processes (scheduler.processing.worker_main),
each with its own archive connections; one that dies is started again on the next check. With
0, the crawling process processes the pages itself, in a thread off the reactor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from multiprocessing.process import BaseProcess

from scheduler.processing import Processor, WorkerSetup, worker_main

logger = logging.getLogger(__name__)

# How often the supervisor looks for dead workers.
_CHECK_SECONDS = 1.0
# The in-process loop's longest nap when the queue is empty.
_LOCAL_IDLE_SECONDS = 0.5


class WorkerPool:
    def __init__(self, count: int, setup: WorkerSetup | None, local: Processor) -> None:
        self.count = count if setup is not None else 0
        self.setup = setup
        self.local = local
        self._processes: list[BaseProcess] = []
        self._task: asyncio.Task[None] | None = None
        self._running = False
        self.restarts = 0

    @property
    def processes(self) -> list[BaseProcess]:
        return list(self._processes)

    def ensure_started(self) -> None:
        """Start the workers (and their supervisor) unless they run already."""
        if self._running:
            return
        self._running = True
        if self.count:
            self._processes = [self._spawn(i) for i in range(self.count)]
            self._task = asyncio.ensure_future(self._supervise())
        else:
            self._task = asyncio.ensure_future(self._process_here())

    def _spawn(self, index: int) -> BaseProcess:
        # spawn, not fork: the parent holds a reactor, threads and open connections.
        process = multiprocessing.get_context("spawn").Process(
            target=worker_main, args=(self.setup,), name=f"newswatch-worker-{index}"
        )
        process.start()
        logger.debug("processing worker %d started (pid %s)", index, process.pid)
        return process

    def check(self) -> None:
        """Start again each worker that has died."""
        for index, process in enumerate(self._processes):
            if self._running and not process.is_alive():
                logger.warning(
                    "processing worker %d (pid %s) ended with exit code %s; started again",
                    index,
                    process.pid,
                    process.exitcode,
                )
                process.close()
                self._processes[index] = self._spawn(index)
                self.restarts += 1

    async def _supervise(self) -> None:
        while self._running:
            self.check()
            await asyncio.sleep(_CHECK_SECONDS)

    async def _process_here(self) -> None:
        wait = 0.01
        while self._running:
            try:
                busy = await asyncio.to_thread(self.local.next)
            except Exception:  # the archive is away: wait and try again
                logger.exception("the work queue could not be read")
                busy = False
            if busy:
                wait = 0.01
            else:
                await asyncio.sleep(wait)
                wait = min(wait * 2, _LOCAL_IDLE_SECONDS)

    def recycle(self, setup: WorkerSetup, local: Processor) -> None:
        """Take a new setup (a reload): each worker finishes its page and is started anew."""
        self.setup, self.local = setup, local
        for process in self._processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: the worker ends after its page

    async def stop(self, timeout: float) -> None:
        """SIGTERM every worker; those not gone within `timeout` seconds are killed (their
        page is claimed again after its lease: nothing is half-written)."""
        self._running = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + timeout
        for process in self._processes:
            await asyncio.to_thread(process.join, max(0.0, deadline - time.monotonic()))
        self.kill()

    def kill(self) -> None:
        for process in self._processes:
            if process.is_alive():
                logger.warning("processing worker pid %s did not stop; killed", process.pid)
                process.kill()
                process.join()
        self._processes = []
