"""config.toml: loaded and validated once, composed from each package's own section model.

A bad file stops the program with a `ConfigError` that names the file, the key path and what
was expected; nothing else in the program reads the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails
from sqlalchemy.engine import make_url

from alerts.delivery.config import INBOX, AlertsConfig
from alerts.rules.config import EntityConfig, GroupDefinition, RuleConfig
from alerts.rules.ruleset import RuleError, RuleSet
from db.config import DatabaseConfig, DedupConfig
from scheduler.config import SchedulerConfig
from spiders.config import CrawlConfig, SourceConfig

ENV_VAR = "NEWSWATCH_CONFIG"
DEFAULT_PATH = Path("config.toml")


class ConfigError(Exception):
    """config.toml cannot be used; the message says where and why."""


class SeedsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dir: Path = Field(default=Path("seeds"), description="folder with seeds.toml and the texts")
    import_on_start: bool = Field(default=True, description="`run` imports new seeds first")


class LoggingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = Field(
        default="text", description="text lines, or one JSON object per line"
    )


class WebConfig(BaseModel):
    """The review UI (`newswatch serve`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_env: str = Field(
        default="NEWSWATCH_WEB_TOKEN",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="environment variable holding the UI's access token; without one the UI "
        "serves loopback only",
    )

    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


class AppConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    seeds: SeedsConfig = Field(default_factory=SeedsConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    sources: list[SourceConfig] = Field(default_factory=list)
    groups: dict[str, GroupDefinition] = Field(default_factory=dict)
    entities: list[EntityConfig] = Field(default_factory=list)
    rules: list[RuleConfig] = Field(default_factory=list)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)

    @model_validator(mode="after")
    def _cross_references(self) -> AppConfig:
        _unique("sources", [s.name for s in self.sources])
        _unique("rules", [r.name for r in self.rules])
        for index, rule in enumerate(self.rules):
            for channel in rule.channels:
                if channel not in self.alerts.channels and channel != INBOX:
                    known = ", ".join([INBOX, *sorted(self.alerts.channels)])
                    raise ValueError(
                        f"rules[{index}].channels: unknown channel {channel!r} (channels: {known})"
                    )
        return self

    def ruleset(self) -> RuleSet:
        """The rules, groups and entities compiled into one matcher (raises RuleError)."""
        return RuleSet(self.rules, self.groups, self.entities)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"no source named {name!r} in the config")


def _unique(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{section}[{index}].name: {name!r} is used twice")
        seen.add(name)


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _describe(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    if kind in {"value_error", "assertion_error"}:
        return message
    return f"{message} (got {error.get('input')!r})"


def format_errors(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration:"]
    for error in exc.errors():
        where = _key_path(error["loc"])
        lines.append(f"  {where}: {_describe(error)}" if where else f"  {_describe(error)}")
    return "\n".join(lines)


def _resolve_paths(config: AppConfig, base: Path) -> AppConfig:
    """Relative paths in the file are taken from the file's folder, not the working directory."""
    url = make_url(config.database.url)
    database = config.database
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db_path = Path(url.database)
        if not db_path.is_absolute():
            database = DatabaseConfig(url=str(url.set(database=str(base / db_path))))
    seeds_dir = config.seeds.dir if config.seeds.dir.is_absolute() else base / config.seeds.dir
    pid_file = config.scheduler.pid_file
    return config.model_copy(
        update={
            "database": database,
            "seeds": config.seeds.model_copy(update={"dir": seeds_dir}),
            "scheduler": config.scheduler.model_copy(
                update={"pid_file": pid_file if pid_file.is_absolute() else base / pid_file}
            ),
        }
    )


def config_path(explicit: str | Path | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


def parse_config(raw: dict[str, Any], path: Path, check_rules: bool = True) -> AppConfig:
    """The validated config; `check_rules=False` leaves compiling the queries to the caller."""
    try:
        config = AppConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_errors(path, exc)) from None
    if not check_rules:
        return _resolve_paths(config, path.resolve().parent)
    try:
        config.ruleset()  # queries are checked here, not at the first article
    except RuleError as exc:
        lines = "\n".join(f"  {error}" for error in exc.errors)
        raise ConfigError(f"{path}: invalid configuration:\n{lines}") from None
    return _resolve_paths(config, path.resolve().parent)


def load_config(path: Path, check_rules: bool = True) -> AppConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); TOML files are UTF-8"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, path, check_rules)
