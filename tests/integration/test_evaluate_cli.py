"""`newswatch evaluate` run as a user does, on a small labelled set of our own
(tests/data/evaluate/small.jsonl: a wire copy of a seed, a republished copy of that copy, a
French report of the seed's event, the G7 statement a week later, a gas-trade near-miss, a
football result), with the shipped rules and seeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.cli import run_cli
from tests.support.configs import ROOT, shipped_rules, shipped_vocabulary, write_config
from tests.support.devset_eval import shipped_dedup

SMALL = ROOT / "tests" / "data" / "evaluate" / "small.jsonl"
# The shipped rules alert the built-in inbox only, which has no outbox rows; here they alert
# this email channel too, so messages per channel can be counted. Nothing may be sent: it
# leads nowhere.
NOWHERE = {
    "kind": "email",
    "host": "127.0.0.1",
    "port": 9,
    "security": "none",
    "sender": "newswatch@test.invalid",
    "recipients": ["analyst@test.invalid"],
}


def _config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path,
        rules=[
            {**rule, "channels": [*rule["channels"], "email"] if rule["channels"] else []}
            for rule in shipped_rules()
        ],
        alerts={"channels": {"email": NOWHERE}},
        dedup=shipped_dedup().model_dump(),  # the shipped thresholds and the topic's names
        **shipped_vocabulary(),
    )


def _figures(rows: list[dict[str, Any]]) -> dict[str, tuple[float, int]]:
    return {row["key"]: (row["overall"]["hits"], row["overall"]["total"]) for row in rows}


def test_the_table_and_the_misses_of_a_small_set(tmp_path: Path) -> None:
    config = _config(tmp_path)
    done = run_cli(config, "--log-level", "WARNING", "evaluate", "--json", str(SMALL))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["records"] == 6
    assert report["langs"] == ["de", "en", "fr"]
    assert _figures(report["rows"]) == {
        "copies_linked": (2, 2),  # the copy of the copy too: its story is the seed's
        "same_event_joined": (1, 1),
        "new_marked_duplicate": (0, 1),
        "topic_recall": (4, 4),
        "topic_precision": (4, 4),
        "near_miss_flagged": (0, 1),
        # The G7 statement a week later joins the seed's story and fires no rule the story
        # had not: a follow-up, not an alert.
        "new_reached": (0, 1),
        "seed_copy_alerted": (0, 2),
        "same_event_alerted": (0, 1),
        # The G7 statement fires three alerting rules: one message on the one channel.
        "messages_per_channel": (1.0, 1),
    }
    by_lang = {row["key"]: row["by_lang"] for row in report["rows"]}
    assert by_lang["copies_linked"]["en"]["total"] == 2
    assert by_lang["copies_linked"]["fr"]["value"] is None
    assert by_lang["same_event_joined"]["fr"] == {"hits": 1, "total": 1, "value": 1.0, "met": True}
    assert [(m["id"], m["row"]) for m in report["misses"]] == [("g7-en", "new_reached")]
    assert report["misses"][0]["happened"].startswith("a follow-up of a known story")
    # A throwaway archive: the configured one is never created.
    assert not (tmp_path / "archive.db").exists()

    table = run_cli(config, "--log-level", "WARNING", "evaluate", str(SMALL))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "6 records"
    assert lines[1].split() == ["what", "goal", "all", "de", "en", "fr"]
    copies = next(line for line in lines if line.startswith("copies linked"))
    assert copies.split()[-6:] == ["2/2", "1.000", "-", "2/2", "1.000", "-"]
    assert "misses (1):" in lines
    assert "  g7-en [en] new developments that reached the analysts" in lines


def test_a_bad_record_is_named_by_line_and_key(tmp_path: Path) -> None:
    config = _config(tmp_path)
    good = SMALL.read_text(encoding="utf-8").splitlines()
    bad = json.loads(good[2])
    bad["dup_kind"] = "copy"
    labelled = tmp_path / "set.jsonl"
    labelled.write_text("\n".join([good[0], "", json.dumps(bad)]) + "\n", encoding="utf-8")
    done = run_cli(config, "evaluate", str(labelled))
    assert done.returncode == 1
    assert f"{labelled}:3: dup_kind: expected" in done.stderr
    assert done.stdout == ""

    forward = json.loads(good[1])  # a copy of a record that comes later
    labelled.write_text(json.dumps(forward) + "\n" + good[0] + "\n", encoding="utf-8")
    done = run_cli(config, "evaluate", str(labelled))
    assert done.returncode == 1
    assert f"{labelled}:1: duplicate_of: 'wire-en' is neither a seed" in done.stderr
