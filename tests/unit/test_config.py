"""config.toml: the shipped file validates and documents every key; mistakes name the key."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from newswatch.config import AppConfig, ConfigError, config_path, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config.toml"


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    names: set[str] = set()
    if model in seen:
        return names
    seen.add(model)
    for name, info in model.model_fields.items():
        names.add(name)
        for candidate in _nested_models(info.annotation):
            names |= _field_names(candidate, seen)
    return names


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()):
        found.extend(_nested_models(arg))
    return found


def test_shipped_config_validates() -> None:
    config = load_config(SHIPPED)
    assert config.sources, "the shipped config names real sources"
    assert any(rule.topic for rule in config.rules), "the shipped config has a topic rule"
    assert config.database.url.startswith("sqlite:///")
    assert Path(config.database.url.removeprefix("sqlite:///")).is_absolute()
    assert config.seeds.dir == ROOT / "seeds"


def test_every_key_is_documented_in_the_shipped_config() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    missing = [
        name
        for name in sorted(_field_names(AppConfig, set()))
        if not re.search(
            rf"^\s*(#?\s*{re.escape(name)}\s*(=|\s)|\[\[?([\w.]+\.)?{re.escape(name)}[\].])",
            text,
            re.MULTILINE,
        )
    ]
    assert not missing, f"keys not shown or commented in config.toml: {missing}"


def _email(**changes: Any) -> dict[str, Any]:
    """An email channel table (the shipped file has it commented out, ready to fill in)."""
    table = {"kind": "email", "host": "127.0.0.1", "port": 25, "security": "none"}
    return table | {"sender": "nw@localhost", "recipients": ["a@localhost"]} | changes


def _raw() -> dict[str, Any]:
    return tomllib.loads(SHIPPED.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda raw: raw["crawl"].update(user_agnet="x"), "crawl.user_agnet: unknown key"),
        (lambda raw: raw.update(databse={"url": "x"}), "databse: unknown key"),
        (lambda raw: raw["crawl"].update(max_page_bytes="big"), "crawl.max_page_bytes: "),
        (lambda raw: raw["sources"][1].update(kind="fed"), "sources[1].kind: "),
        (lambda raw: raw["sources"][0].pop("url"), "sources[0].url: required key is missing"),
        (lambda raw: raw["sources"][2].update(schedule="often"), "sources[2].schedule: expected"),
        (lambda raw: raw["alerts"].update(channels={"email": _email(port=70000)}), "email.port"),
        (lambda raw: raw["alerts"].update(channels={"email": _email(security="tls")}), "security"),
        (lambda raw: raw["alerts"].update(channels={"inbox": _email()}), "built-in channel"),
        (lambda raw: raw["rules"][1].update(channels=["pager"]), "unknown channel 'pager'"),
        (lambda raw: raw["rules"][0].pop("query"), "rules[0].query: required key is missing"),
        (lambda raw: raw["rules"][0].update(all=[["x"]]), "rules[0].all: unknown key"),
        (
            lambda raw: raw["rules"][1].update(query="@china NEAR/ drone*"),
            "rules[1] 'lethal_aid': query: column 8: NEAR needs a distance",
        ),
        (
            lambda raw: raw["groups"].update(drones=["drone*", "dro*ne"]),
            "groups.drones[1]: column 1: '*' may only end a word",
        ),
        (lambda raw: raw["entities"][0].update(kind="firm"), "entities[0].kind: "),
        (lambda raw: raw["entities"].append(dict(raw["entities"][0])), "the name is used twice"),
        (lambda raw: raw["rules"][2].update(novelty_days=3), "novelty_days is set but novelty"),
        (lambda raw: raw["sources"].append(dict(raw["sources"][0])), "is used twice"),
    ],
)
def test_mistakes_name_the_file_and_the_key(mutate: Any, expected: str) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, Path("/etc/newswatch/config.toml"))
    message = str(caught.value)
    assert message.startswith("/etc/newswatch/config.toml: invalid configuration")
    assert expected in message


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[crawl\nuser_agent = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        load_config(broken)


def test_relative_paths_are_taken_from_the_config_folder(tmp_path: Path) -> None:
    config = parse_config({"database": {"url": "sqlite:///x/a.db"}}, tmp_path / "c.toml")
    assert config.database.url == f"sqlite:///{tmp_path}/x/a.db"
    assert config.seeds.dir == tmp_path / "seeds"


def test_config_path_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_CONFIG", "/srv/nw.toml")
    assert config_path(None) == Path("/srv/nw.toml")
    assert config_path("here.toml") == Path("here.toml")


def test_cli_stops_on_a_bad_config_with_the_key_path(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[crawl]\nretry_times = "twice"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "newswatch", "--config", str(bad), "crawl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert str(bad) in done.stderr
    assert "crawl.retry_times" in done.stderr
    assert "Traceback" not in done.stderr


def test_shipped_sources_cover_the_topics_languages() -> None:
    config = load_config(SHIPPED)
    languages = {source.lang for source in config.sources}
    assert len(config.sources) >= 25
    assert {"en", "de", "nl", "fr", "ru", "uk"} <= languages
    assert any("news.google.com/rss/search" in s.url for s in config.sources)
    assert any("api.gdeltproject.org" in s.url for s in config.sources)
