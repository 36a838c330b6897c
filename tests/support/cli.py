"""Running `newswatch` as a user does: a separate process, on a given config file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newswatch", "--config", str(config), *args]


def env() -> dict[str, str]:
    # CI=1: no progress bars, as in logs and CI.
    return {**os.environ, "CI": "1"}


def run_cli(config: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(config, *args), capture_output=True, text=True, timeout=timeout, env=env()
    )


def start_daemon(config: Path, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(command(config, "run"), text=True, env=env(), **popen)
