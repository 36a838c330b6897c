"""Progress bars for a person at a terminal; logs and CI get none."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def bars_wanted() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


class Bar:
    """A counted task; does nothing when bars are not wanted."""

    def __init__(self, progress: Progress | None, total: int, label: str) -> None:
        self._progress = progress
        self._task = progress.add_task(label, total=total) if progress else None

    def advance(self, steps: int = 1, label: str | None = None) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=steps, description=label)

    def update(self, done: int, total: int) -> None:
        """For work whose size is known only once it starts."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done, total=total)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Bar]:
    if not bars_wanted():
        yield Bar(None, total, label)
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        yield Bar(progress, total, label)
