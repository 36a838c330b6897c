"""Everything the deduplicator compares about one article, computed once from its text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from db.dedup.fingerprint import Fingerprint, feature_key, fingerprint, index_features
from db.dedup.minhash import Hashes, Shingles, band_keys, shingles, signature

# Features an article is filed under in the index (the rest are compared, not looked up).
INDEX_FEATURES = 12
# Features a new article looks known ones up by.
QUERY_FEATURES = 60
WEEK_DAYS = 7


def day_number(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() // 86400)


@dataclass(frozen=True, slots=True)
class Sketch:
    shingles: Shingles
    signature: Hashes
    fingerprint: Fingerprint
    day: int

    @classmethod
    def of(cls, title: str, text: str, lang: str | None, when: datetime) -> Sketch:
        sh = shingles(text)
        return cls(sh, signature(sh), fingerprint(title, text, lang), day_number(when))

    def near_keys(self) -> list[int]:
        if not len(self.shingles):
            return []
        return band_keys(self.signature)

    def fingerprint_keys(self) -> list[int]:
        """The keys stored for this article: its most specific features in its week."""
        week = self.day // WEEK_DAYS
        return [feature_key(f, week) for f in index_features(self.fingerprint, INDEX_FEATURES)]

    def index_keys(self) -> list[int]:
        return sorted(set(self.near_keys()) | set(self.fingerprint_keys()))

    def fingerprint_queries(self, window_days: int) -> list[int]:
        """Keys of known articles published within `window_days` that share a feature."""
        first = (self.day - window_days) // WEEK_DAYS
        last = (self.day + window_days) // WEEK_DAYS
        features = index_features(self.fingerprint, QUERY_FEATURES)
        return [feature_key(f, week) for week in range(first, last + 1) for f in features]
