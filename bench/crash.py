"""The crash drill with its figures: the daemon SIGKILLed at random moments and restarted.

    .venv/bin/python bench/crash.py [--kills 20] [--seed 14]

Loopback feeds grow while a local SMTP server takes the alerts; after the kills the daemon
catches up and is stopped with SIGTERM. Printed: kills, entries missing and stored twice,
alerts missing, doubled and undelivered, repeated messages (the README's bound: at most one
per kill), PRAGMA integrity_check, and how long the SIGTERM shutdown took.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.crash import run_drill  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newswatch-crash-") as folder:
        figures = run_drill(Path(folder), kills=args.kills, seed=args.seed)
    print(f"crash drill (seed {args.seed})")
    for line in figures.lines():
        print("  " + line)


if __name__ == "__main__":
    main()
