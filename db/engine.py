"""Opening the archive: the engine for SQLite or PostgreSQL, its schema checked (and, where
the caller may, brought up to the newest).

SQLite and several processes (the daemon, a `crawl`, the review UI, CLI reads) at once: WAL
lets readers read while one writer writes; a writer waits up to BUSY_TIMEOUT for the lock
instead of failing; and every transaction starts with `BEGIN IMMEDIATE`, taking the write lock
up front. A deferred transaction that reads and then writes cannot wait for the lock: when
another process wrote in between, SQLite refuses the upgrade at once ("database is locked").
Long pure reads (export, search, the UI) use `reading(engine)`, whose transactions are
deferred: they never take the lock and never hold a writer up.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


# How long a writer waits for another process's write transaction to end; writes are short
# (one article, one poll record, one delivery), so reaching it means something is stuck.
BUSY_TIMEOUT_SECONDS = 30
_READ_ONLY = "newswatch_read_only"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is off: `_sqlite_begin` says how each one begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the review UI and the CLI read while the daemon writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    # The dedup index is read by a hundred key lookups per new article: mapped pages and a
    # 64 MB page cache keep those lookups off read() calls as the archive grows.
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def reading(engine: Engine) -> Engine:
    """The same archive for long read-only work: on SQLite its transactions never take the
    write lock, so an export or a search never holds up the daemon. For reads only."""
    return engine.execution_options(**{_READ_ONLY: True})


def make_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (a user's archive survives upgrades)."""
    cfg = _alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


class SchemaMismatch(Exception):
    """The archive's schema is not the one this code was written for; the message says what
    to do about it."""


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def schema_revision(engine: Engine) -> str | None:
    """The archive's schema revision; None for an archive without a schema (a new one)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def open_archive(url: str, upgrade: bool = True) -> Engine:
    """The archive at `url`, its schema checked against this code's.

    A new (empty) archive gets the schema. An older schema is upgraded only when `upgrade` is
    set (`run`, `crawl`, `migrate`): a reading command must never change the schema under a
    daemon of the older version that is still running. A newer schema is always refused.
    """
    engine = make_engine(url)
    try:
        current = schema_revision(engine)
        script = ScriptDirectory.from_config(_alembic_config())
        head = script.get_current_head()
        if current is None or (current != head and upgrade and _known(script, current)):
            migrate(engine)
        elif current != head:
            raise SchemaMismatch(_mismatch(current, head, _known(script, current)))
    except BaseException:
        engine.dispose()
        raise
    return engine


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _mismatch(current: str, head: str | None, known: bool) -> str:
    if known:
        return (
            f"the archive's schema (revision {current}) is older than this newswatch's ({head}); "
            "run `newswatch migrate` to upgrade it (stop a daemon of the older version first)"
        )
    return (
        f"the archive's schema (revision {current}) is newer than this newswatch knows "
        f"(its newest is {head}): use the newswatch that upgraded it, or upgrade this one"
    )
