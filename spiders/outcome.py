"""What one poll of a source brought: counted by the spider and pipelines, read by the scheduler."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class PollOutcome:
    source: str
    entries: int = 0  # article links the source listed
    known: int = 0  # of those, already in the archive (not fetched)
    too_old: int = 0  # older than max_age_days (not fetched)
    fetched: int = 0  # article pages downloaded
    new: int = 0  # stored as new articles
    duplicates: int = 0  # stored, but repeating an earlier article
    failed_pages: int = 0  # pages that could not be fetched or yielded no article
    errors: int = 0  # unexpected errors (a parser, extraction or the archive failing)
    not_modified: bool = False  # the source answered 304
    error: str | None = None  # why the source itself failed, if it did
    interrupted: bool = False  # cut short by shutdown: no verdict on the source
    etag: str | None = None
    last_modified: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        if self.error is not None:
            return f"failed: {self.error}"
        if self.not_modified:
            return "not modified since the last poll"
        return (
            f"{self.entries} entries, {self.known} known, {self.too_old} too old, "
            f"{self.fetched} fetched, {self.new} new, {self.duplicates} duplicates, "
            f"{self.failed_pages} failed" + (f", {self.errors} errors" if self.errors else "")
        )
