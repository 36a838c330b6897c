"""Quality gates that need something outside the repository: skipped on a developer's machine
that lacks it, failed in CI, where a skipped gate would let a regression through green."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """`CI` is set the way CI services set it (`true`, `1`, `yes`)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip the test for `reason`, or fail it when running in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: a gate that cannot run fails)", pytrace=False)
    pytest.skip(reason)


def require_corpora() -> None:
    from tests.support.corpora import corpora_dir

    if corpora_dir() is None:
        unavailable("no corpora folder: put it at ../shared/corpora or set NEWSWATCH_CORPORA")
