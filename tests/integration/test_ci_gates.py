"""With CI set, a quality gate that cannot run (no corpora, no PostgreSQL) fails; without, it
is skipped. Shown by running pytest itself on one gate of each kind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.configs import ROOT

CORPUS_GATE = "tests/unit/test_wordsplit.py::test_real_pages_split_alike"
POSTGRES_GATE = "tests/integration/test_archive.py::test_an_archive_survives_upgrades[postgres]"


def _pytest(test: str, ci: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CI": ci,
        "NEWSWATCH_CORPORA": str(ROOT / "no-such-corpora"),
        "NEWSWATCH_TEST_PGPORT": "9",  # nothing listens there
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.parametrize("gate", [CORPUS_GATE, POSTGRES_GATE])
def test_a_gate_that_cannot_run_fails_in_ci_and_is_skipped_elsewhere(gate: str) -> None:
    in_ci = _pytest(gate, "true")
    assert in_ci.returncode == 1, in_ci.stdout
    # A gate in a fixture (PostgreSQL) is reported as an error, one in the test as a failure.
    assert "1 failed" in in_ci.stdout or "1 error" in in_ci.stdout
    assert "a gate that cannot run fails" in in_ci.stdout
    locally = _pytest(gate, "")
    assert locally.returncode == 0, locally.stdout
    assert "1 skipped" in locally.stdout
