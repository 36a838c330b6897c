"""A Hit: one place in an article where a term or a watchlisted entity was found.

`Match.terms` in the archive is a list of `Hit.to_dict()`; alert rendering and the channels
read it back with `Hit.from_dict`. New keys are only ever added (`entity`), never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal

# The two text fields of an article that a rule can read.
FieldName = Literal["title", "text"]


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
# creating the thousands of hits of a long article several times slower. Treat it as a value.
@dataclass(slots=True, unsafe_hash=True)
class Hit:
    """Where a term occurs in the original field text, and how it reads there."""

    term: str  # as written in the rule, or the entity's name for an entity hit
    field: FieldName
    start: int
    end: int
    found: str
    # The watchlisted entity this hit names (None for a plain term).
    entity: str | None = None
    # Word positions in the article (title words first), for NEAR; not stored.
    first: int = dataclass_field(default=-1, compare=False)
    last: int = dataclass_field(default=-1, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "term": self.term,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "found": self.found,
        }
        if self.entity is not None:
            data["entity"] = self.entity
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hit:
        field_name = data["field"]
        if field_name not in ("title", "text"):
            raise ValueError(f"unknown field {field_name!r} in a stored match")
        entity = data.get("entity")
        return cls(
            term=str(data["term"]),
            field=field_name,
            start=int(data["start"]),
            end=int(data["end"]),
            found=str(data["found"]),
            entity=str(entity) if entity is not None else None,
        )
