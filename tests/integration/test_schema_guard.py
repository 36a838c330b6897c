"""Only `run`, `crawl` and `migrate` upgrade the archive; the others say why they will not read
it. And `crawl` fails when no source could be polled."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from db.engine import make_engine, migrate, schema_revision
from tests.support.cli import run_cli
from tests.support.configs import write_config


def _revision(folder: Path) -> str | None:
    engine = make_engine(f"sqlite:///{folder / 'archive.db'}")
    try:
        return schema_revision(engine)
    finally:
        engine.dispose()


def test_reading_commands_leave_an_older_schema_alone_and_migrate_upgrades_it(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    migrate(engine, "0007")  # as an older daemon, still running, left it
    engine.dispose()

    for args in (["show", "1"], ["export"], ["search", "drone*"], ["sources"]):
        refused = run_cli(config, *args)
        assert refused.returncode == 1, args
        assert "schema (revision 0007) is older than this newswatch's" in refused.stderr
        assert "newswatch migrate" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert _revision(tmp_path) == "0007"

    upgraded = run_cli(config, "migrate")
    assert upgraded.returncode == 0, upgraded.stderr
    head = _revision(tmp_path)
    assert head != "0007"
    assert f"schema upgraded from revision 0007 to {head}" in upgraded.stdout
    assert "up to date" in run_cli(config, "migrate").stdout
    assert run_cli(config, "export").returncode == 0


def test_a_newer_schema_is_refused_by_every_command(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, sources=[{"name": "refused", "kind": "feed", "url": "http://127.0.0.1:9/rss"}]
    )
    assert run_cli(config, "migrate").returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for args in (["show", "1"], ["crawl"], ["migrate"]):
        refused = run_cli(config, *args)
        assert refused.returncode == 1
        assert "schema (revision 9999) is newer than this newswatch knows" in refused.stderr
    assert _revision(tmp_path) == "9999"


def test_crawl_fails_when_no_source_could_be_polled(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        crawl={"retry_times": 0},
        sources=[
            {"name": "refused", "kind": "feed", "url": "http://127.0.0.1:9/feed.xml"},
            {"name": "gone", "kind": "feed", "url": "http://no-such-host.invalid/feed.xml"},
        ],
    )
    done = run_cli(config, "crawl")
    assert done.returncode == 1
    assert "crawl: 2 sources polled (2 failed)" in done.stderr
    assert "no source could be polled: all 2 failed" in done.stderr
