"""`rules check`, `rules test NAME` and `search` in the rule language, run as a user does,
and the archive search underneath on SQLite (FTS5 prefilter) and PostgreSQL (scan)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from alerts.archive_search import run_rule
from alerts.rules.config import EntityConfig, RuleConfig
from alerts.rules.ruleset import RuleSet
from db.models import Delivery, Match
from db.seeds import import_seeds
from newswatch.config import load_config
from tests.support.cli import run_cli
from tests.support.configs import ROOT, shipped_rules, shipped_vocabulary, write_config

SEEDS = ROOT / "seeds"


# The shipped rules name this channel; nothing here may send anything, so it leads nowhere.
NOWHERE = {
    "kind": "email",
    "host": "127.0.0.1",
    "port": 9,
    "security": "none",
    "sender": "newswatch@test.invalid",
    "recipients": ["analyst@test.invalid"],
}


def _shipped(tmp_path: Path, **sections: object) -> Path:
    rules = sections.pop("rules", shipped_rules())
    alerts = {"channels": {"email": NOWHERE}}
    return write_config(tmp_path, rules=rules, alerts=alerts, **shipped_vocabulary(), **sections)


def test_rules_check_accepts_the_shipped_rules(tmp_path: Path) -> None:
    result = run_cli(ROOT / "config.toml", "rules", "check")
    assert result.returncode == 0, result.stderr
    assert "lethal_aid: severity high, inbox" in result.stdout
    assert ": 9 rules, " in result.stderr and "entities" in result.stderr
    assert result.stderr.rstrip().endswith("OK") or "groups no rule uses" in result.stderr


def test_rules_check_reports_every_error_with_rule_and_column(tmp_path: Path) -> None:
    rules = [
        {"name": "good", "query": "@china AND drones"},
        {"name": "unclosed", "query": "@china AND (drones OR UAV"},
        {"name": "unknown_group", "query": "@chinaa NEAR/5 drones"},
        {"name": "bad_entity", "query": "entity:#nosuchtag"},
    ]
    config = _shipped(tmp_path, rules=rules)
    result = run_cli(config, "rules", "check")
    assert result.returncode == 1
    err = result.stderr
    assert "3 errors in the rules" in err
    assert (
        "rules[1] 'unclosed': query: column 26: expected ')' to close the '(' at column 12" in err
    )
    assert "@china AND (drones OR UAV\n" in err and "^" in err
    assert "rules[2] 'unknown_group': query: column 1: unknown group @chinaa" in err
    assert "rules[3] 'bad_entity': query: column 1: no watchlisted tag #nosuchtag" in err
    # Every other command refuses the file with the same errors.
    crawl = run_cli(config, "crawl")
    assert crawl.returncode != 0 and "rules[2] 'unknown_group'" in crawl.stderr


def test_rules_test_lists_matches_with_reasons_and_sends_nothing(tmp_path: Path) -> None:
    config = _shipped(tmp_path)
    assert run_cli(config, "seeds", "import").returncode == 0
    result = run_cli(config, "rules", "test", "request_for_aid", "--since", "36500d")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    titles = [line for line in lines if not line.startswith("        why:")]
    assert len(titles) == 3
    assert any("Russland hat China um militärische und wirtschaftliche Hilfe" in t for t in titles)
    why = [line for line in lines if line.startswith("        why:")]
    assert len(why) == 3 and all("China" in line for line in why)
    assert "gebeten" in result.stdout
    assert "rule request_for_aid: 3 articles matched, 3 read (full-text prefilter)" in result.stderr
    # Nothing recorded, nothing queued.
    engine = load_config(config).database.url
    from db.engine import open_archive

    archive = open_archive(engine)
    try:
        with Session(archive) as session:
            assert session.exec(select(func.count()).select_from(Match)).one() == 0
            assert session.exec(select(func.count()).select_from(Delivery)).one() == 0
    finally:
        archive.dispose()
    # An old window finds nothing; a wrong name is an error naming the rules.
    recent = run_cli(config, "rules", "test", "request_for_aid", "--since", "1d")
    assert recent.stdout == "" and "0 articles matched" in recent.stderr
    missing = run_cli(config, "rules", "test", "no_such_rule")
    assert missing.returncode != 0 and "no rule named 'no_such_rule'" in missing.stderr


def test_search_takes_the_rule_language(tmp_path: Path) -> None:
    config = _shipped(tmp_path)
    assert run_cli(config, "seeds", "import").returncode == 0

    def titles(query: str) -> list[str]:
        result = run_cli(config, "search", query)
        assert result.returncode == 0, result.stderr
        return [line.split("seed ", 1)[1] for line in result.stdout.splitlines()]

    spacety = titles("entity:Spacety")
    assert len(spacety) == 2 and all(t.startswith(("China", "Kans")) for t in spacety)
    assert len(titles("lang:de AND @china")) == 2
    assert len(titles('"machine tools" OR Werkzeugmaschine*')) == 1
    assert titles('title:(Rusland AND "militaire hulp")') == [
        "Rusland vraagt China om economische en militaire hulp: impact zou enorm zijn"
    ]
    assert titles('text:"militaire hulp" AND NOT title:hulp') == [
        "Kans dat China wapens wil leveren aan Rusland is niet zo groot"
    ]
    # "Antony Blinken dat hij tegen Wang Yi" (4 words apart) and "Blinken en de hoogste
    # Chinese diplomaat Wang Yi" (6 apart), both with Blinken first.
    assert len(titles("Blinken NEAR/4 Wang")) == 1
    assert len(titles("Wang NEAR/6 Blinken")) == 2
    assert titles("Wang ONEAR/6 Blinken") == []
    bad = run_cli(config, "search", "china AND")
    assert bad.returncode != 0
    assert "bad query: column 10: expected" in bad.stderr


ENTITIES = [EntityConfig(name="Spacety", kind="company", aliases=["Чанша Тяньи"], tags=["x"])]


def test_archive_search_on_both_backends(archive: Engine) -> None:
    import_seeds(archive, SEEDS)
    cases = {
        "entity:#x": 1,  # the other Spacety seed names it only by its institute name
        "Sullivan AND NOT Psaki": 1,
        "lang:nl AND (sanctie* OR sancties)": 2,
        "NOT china": 0,
        "(@china NEAR/3 drones) AND lang:nl": 1,
    }
    for query, expected in cases.items():
        rules = RuleSet(
            [RuleConfig(name="q", query=query)], {"china": ["China", "Chinese"]}, ENTITIES
        )
        report = run_rule(archive, rules, "q")
        assert len(report.found) == expected, (query, [f.title for f in report.found])
        assert report.prefiltered == (archive.dialect.name == "sqlite" and query != "NOT china")
