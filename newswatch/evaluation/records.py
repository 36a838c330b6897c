"""A labelled set in JSON Lines: one article a line, with what should become of it.

Keys: `id`, `url`, `title`, `lang`, `date` (`YYYY-MM-DD`, `YYYY-MM` or null), `text`,
`relevant` (bool), `duplicate_of` (a seed's file stem, the id of an earlier record, or null),
`dup_kind` (`translation`: a copy in any language, wire copies and source-language originals
included; `same-story`: another report of the same event; or null) and, optionally, `kind`
(translation, wire-copy, original, same-event, new-development, unrelated, near-miss).

Every problem is a `RecordError` naming the file, the line and the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

DupKind = Literal["translation", "same-story"]
KINDS = (
    "translation",
    "wire-copy",
    "original",
    "same-event",
    "new-development",
    "unrelated",
    "near-miss",
)
_REQUIRED = ("id", "url", "title", "lang", "date", "text", "relevant", "duplicate_of", "dup_kind")
_KEYS = frozenset((*_REQUIRED, "kind"))
_MONTH = re.compile(r"^\d{4}-\d{2}$")
# Kinds that are off the topic by definition: a record saying otherwise is a labelling slip.
_OFF_TOPIC = frozenset({"unrelated", "near-miss"})


class RecordError(ValueError):
    """A record that cannot be used: `where` is `FILE:LINE`, `key` the offending key."""

    def __init__(self, where: str, key: str | None, message: str) -> None:
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")
        self.where = where
        self.key = key


@dataclass(frozen=True, slots=True)
class LabelledRecord:
    id: str
    url: str
    title: str
    lang: str
    # Midnight UTC of the day; None when the page gives no day (a month alone, or nothing).
    published: datetime | None
    date: str | None  # as written
    text: str
    relevant: bool
    duplicate_of: str | None
    dup_kind: DupKind | None
    kind: str | None
    where: str  # FILE:LINE

    @property
    def is_copy(self) -> bool:
        return self.dup_kind == "translation"

    @property
    def is_same_event(self) -> bool:
        return self.dup_kind == "same-story"

    @property
    def is_new_development(self) -> bool:
        return self.kind == "new-development"


def _text(value: Any, where: str, key: str, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise RecordError(where, key, f"expected a string, found {json.dumps(value)}")
    if not empty and not value.strip():
        raise RecordError(where, key, "must not be empty")
    return value


def _day(value: Any, where: str) -> tuple[datetime | None, str | None]:
    if value is None:
        return None, None
    text = _text(value, where, "date")
    if _MONTH.match(text):
        try:
            date.fromisoformat(f"{text}-01")
        except ValueError:
            raise RecordError(where, "date", f"no such month {text!r}") from None
        return None, text
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise RecordError(
            where, "date", f"expected YYYY-MM-DD, YYYY-MM or null, found {text!r}"
        ) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC), text


def parse_record(raw: Any, where: str) -> LabelledRecord:
    """One decoded line as a record; raises RecordError."""
    if not isinstance(raw, dict):
        raise RecordError(where, None, f"expected a JSON object, found {type(raw).__name__}")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise RecordError(where, unknown[0], f"unknown key (keys: {', '.join(sorted(_KEYS))})")
    for key in _REQUIRED:
        if key not in raw:
            raise RecordError(where, key, "missing")
    relevant = raw["relevant"]
    if not isinstance(relevant, bool):
        raise RecordError(
            where, "relevant", "expected true or false, found " + json.dumps(relevant)
        )
    dup_kind = raw["dup_kind"]
    if dup_kind not in (None, "translation", "same-story"):
        raise RecordError(
            where,
            "dup_kind",
            'expected "translation", "same-story" or null, found ' + json.dumps(dup_kind),
        )
    duplicate_of = raw["duplicate_of"]
    if duplicate_of is not None:
        duplicate_of = _text(duplicate_of, where, "duplicate_of")
    if (duplicate_of is None) != (dup_kind is None):
        key = "dup_kind" if duplicate_of is not None else "duplicate_of"
        raise RecordError(where, key, "duplicate_of and dup_kind are set together or not at all")
    kind = raw.get("kind")
    if kind is not None and kind not in KINDS:
        raise RecordError(
            where, "kind", f"expected one of {', '.join(KINDS)}, found " + json.dumps(kind)
        )
    if kind in _OFF_TOPIC and relevant:
        raise RecordError(where, "relevant", f"a {kind} record is not relevant")
    published, written = _day(raw["date"], where)
    lang = _text(raw["lang"], where, "lang")
    if not re.match(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]+)?$", lang):
        raise RecordError(where, "lang", f"expected a code such as en or pt-BR, found {lang!r}")
    return LabelledRecord(
        id=_text(raw["id"], where, "id"),
        url=_text(raw["url"], where, "url"),
        title=_text(raw["title"], where, "title", empty=True),
        lang=lang.split("-")[0].split("_")[0].lower(),
        published=published,
        date=written,
        text=_text(raw["text"], where, "text"),
        relevant=relevant,
        duplicate_of=duplicate_of,
        dup_kind=dup_kind,
        kind=kind,
        where=where,
    )


def read_records(paths: Iterable[Path], seeds: Collection[str]) -> list[LabelledRecord]:
    """Every record of the files, in order; `seeds` are the stems `duplicate_of` may name.

    Ids and URLs are unique across the files, and a record may point only at a seed or at
    an earlier record (a copy is filed after what it copies)."""
    records: list[LabelledRecord] = []
    ids: dict[str, str] = {}
    urls: dict[str, str] = {}
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise RecordError(str(path), None, f"cannot read: {exc}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RecordError(
                    where, None, f"not JSON: {exc.msg} (column {exc.colno})"
                ) from None
            record = parse_record(raw, where)
            if record.id in ids:
                raise RecordError(where, "id", f"{record.id!r} is taken, at {ids[record.id]}")
            if record.url in urls:
                raise RecordError(where, "url", f"{record.url!r} is taken, at {urls[record.url]}")
            target = record.duplicate_of
            if target is not None and target not in seeds and target not in ids:
                raise RecordError(
                    where,
                    "duplicate_of",
                    f"{target!r} is neither a seed (seeds.toml) nor the id of an earlier record",
                )
            ids[record.id] = where
            urls[record.url] = where
            records.append(record)
    if not records:
        raise RecordError(", ".join(str(p) for p in paths) or "(no files)", None, "no records")
    return records
