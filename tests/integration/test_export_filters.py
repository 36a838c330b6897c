"""`newswatch export --since/--relevant/--rule/--query`: fewer articles, the same fields."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from db.export import FIELDS
from tests.support.cli import run_cli
from tests.support.configs import write_config
from tests.support.review import CONFIG, fill


def _ids(config: Path, *args: str) -> list[int]:
    result = run_cli(config, "export", "--format", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(list(r) == FIELDS for r in records)
    return [r["id"] for r in records]


def test_export_filters_choose_articles_not_fields(tmp_path: Path) -> None:
    config = write_config(tmp_path, **{k: v for k, v in CONFIG.items() if k != "sources"})
    review = fill(f"sqlite:///{tmp_path / 'archive.db'}", tmp_path)
    review.engine.dispose()
    ids = review.ids
    everything = _ids(config)
    assert len(everything) == 5 + len(ids)  # the seeds too
    assert _ids(config, "--rule", "satellites", "--since", "30d") == [ids["satellite_fr"]]
    assert 1 in _ids(config, "--rule", "satellites")  # the first seed mentions satellites
    assert _ids(config, "--rule", "satellites", "--rule", "toys", "--since", "30d") == [
        ids["satellite_fr"],
        ids["toy0"],
    ]
    # Our articles were published 0 to 5 days ago, the seeds years ago.
    recent = _ids(config, "--since", "2d")
    assert set(recent) == {ids[n] for n in ("satellite_fr", "hostile", "toy0")}
    relevant = _ids(config, "--relevant", "--since", "30d")
    assert ids["toy0"] in relevant and ids["drones_ru"] in relevant
    assert _ids(config, "--query", "Kupol AND lang:de") == [ids["drones_de"]]
    story = [ids["drones_en"], ids["drones_copy"], ids["drones_de"]]
    assert _ids(config, "--query", "Kupol", "--rule", "drones") == story
    assert _ids(config, "--query", "Kupol", "--rule", "toys") == []

    result = run_cli(config, "export", "--format", "csv", "--query", "Kupol", "--since", "30d")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == FIELDS and len(rows) == 3
    bad = run_cli(config, "export", "--query", "Kupol AND (")
    assert bad.returncode != 0 and "bad query" in bad.stderr
    assert run_cli(config, "export", "--since", "soon").returncode != 0
