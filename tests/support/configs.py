"""Writing temporary config files for end-to-end tests (TOML from plain Python values)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def shipped_rules() -> list[dict[str, Any]]:
    raw = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    rules: list[dict[str, Any]] = raw["rules"]
    return rules


def shipped_vocabulary() -> dict[str, Any]:
    """The shipped `groups` and `entities` sections, which the shipped rules refer to."""
    raw = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    return {"groups": raw["groups"], "entities": raw["entities"]}


def _value(value: Any) -> str:
    # JSON strings, numbers, booleans and arrays are valid TOML.
    return json.dumps(value, ensure_ascii=False)


def to_toml(config: dict[str, Any]) -> str:
    lines: list[str] = []
    for key, item in config.items():
        if isinstance(item, dict):
            nested = {k: v for k, v in item.items() if isinstance(v, dict)}
            lines.append(f"[{key}]")
            lines.extend(f"{k} = {_value(v)}" for k, v in item.items() if k not in nested)
            for sub, table in nested.items():
                if not all(isinstance(v, dict) for v in table.values()):
                    lines.append(f"[{key}.{sub}]")  # a table of values: [dedup.names]
                    lines.extend(f"{k} = {_value(v)}" for k, v in table.items())
                    continue
                for name, values in table.items():
                    lines.append(f"[{key}.{sub}.{name}]")
                    lines.extend(f"{k} = {_value(v)}" for k, v in values.items())
        elif isinstance(item, list):
            for entry in item:
                lines.append(f"[[{key}]]")
                lines.extend(f"{k} = {_value(v)}" for k, v in entry.items())
    return "\n".join(lines) + "\n"


def write_config(folder: Path, **sections: Any) -> Path:
    """A config file in `folder`; the archive is a SQLite file there and seeds are the repo's."""
    config: dict[str, Any] = {
        "database": {"url": f"sqlite:///{folder / 'archive.db'}"},
        "seeds": {"dir": str(ROOT / "seeds")},
        "crawl": {"autothrottle_start_delay_seconds": 0.0, "max_age_days": 3650},
    }
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(config.get(name), dict):
            config[name] = {**config[name], **value}
        else:
            config[name] = value
    path = folder / "config.toml"
    path.write_text(to_toml(config), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))
    return path
