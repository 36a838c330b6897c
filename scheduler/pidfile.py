"""The daemon's pid file: written at start, removed at a clean stop, read by `status`/`reload`.

A pid file left by a killed daemon names a process that is gone (or someone else's): readers
check that the process lives and is a newswatch daemon before they trust it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


class PidFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(f"{os.getpid()}\n", encoding="ascii")
        temporary.replace(self.path)

    def remove(self) -> None:
        if self.read() == os.getpid():
            self.path.unlink(missing_ok=True)

    def read(self) -> int | None:
        try:
            return int(self.path.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def running(self) -> int | None:
        """The pid of the live daemon this file names, or None."""
        pid = self.read()
        if pid is None:
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            try:
                os.kill(pid, 0)  # no /proc (macOS): does the process exist at all?
            except OSError:
                return None
            return pid
        return pid if b"newswatch" in cmdline and b"run" in cmdline else None
