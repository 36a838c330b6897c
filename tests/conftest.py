"""Shared fixtures: a real archive on SQLite (a file) and on the local PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from db.engine import open_archive
from tests.support.gates import unavailable

# Another port for a second server (or, in the gate's own test, for none at all).
PORT = int(os.environ.get("NEWSWATCH_TEST_PGPORT", "5432"))
POSTGRES = f"postgresql+psycopg://postgres@127.0.0.1:{PORT}/test"


def _postgres_schema() -> Iterator[str]:
    """A fresh schema in the `test` database per test; the URL routes every query into it."""
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed")
    schema = f"nw_{uuid.uuid4().hex[:12]}"
    try:
        conn = psycopg.connect(
            f"host=127.0.0.1 port={PORT} dbname=test user=postgres",
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL at 127.0.0.1:{PORT} is not reachable: {exc}")
    with conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty archive, once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
    else:
        yield from _postgres_schema()


@pytest.fixture
def archive(archive_url: str) -> Iterator[Engine]:
    engine = open_archive(archive_url)
    try:
        yield engine
    finally:
        engine.dispose()
