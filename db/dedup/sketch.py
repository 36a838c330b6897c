"""Everything the deduplicator compares about one article, computed once from its text.

The text is compared without its page furniture (db/dedup/furniture.py). A known article is
compared from its stored sketch (about 300 bytes), never from its text: the b-bit MinHash
signature (the low 16 bits of each minimum; equal by chance once in 65536) with the number
of its shingles, and its fingerprint as 32-bit feature hashes whose top four bits keep the
feature's kind, with the weight of the whole fingerprint. A feature weighs its kind's
weight times its specificity in the archive (db/dedup/specificity.py), looked up when the
article is checked.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from db.dedup.fingerprint import (
    WEIGHTS,
    Fingerprint,
    feature_key,
    fingerprint,
    identity,
    index_features,
)
from db.dedup.furniture import strip_furniture
from db.dedup.minhash import NUM_PERM, Hashes, Shingles, band_keys, shingles, signature
from db.dedup.names import DEFAULT, Names
from db.dedup.specificity import factors

# Features an article is filed under in the index (the rest are compared, not looked up).
INDEX_FEATURES = 16
# Features also filed in no week, for looking up articles whose date is unknown.
UNDATED_FEATURES = 6
UNDATED = -(2**31)  # the "week" of those keys
# Features a new article looks known ones up by.
QUERY_FEATURES = 24
# Features kept in a stored sketch, the most telling first.
STORED_FEATURES = 48
WEEK_DAYS = 7

_KINDS = "qdtnapywfc"
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}
_CODE_WEIGHT = np.array([WEIGHTS[kind] for kind in _KINDS] + [0.0] * (16 - len(_KINDS)))
_HEADER = struct.Struct("<iIfH")


def day_number(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() // 86400)


_LOW = 0x0FFFFFFF
# For readers of stored sketches (db/dedup/novelty.py): a feature hash's identity bits, and the
# weight of each kind code (the top four bits).
IDENTITY = _LOW
CODE_WEIGHT = _CODE_WEIGHT


def feature_hash(feature: str) -> int:
    """28 bits of the feature's identity, and its kind in the top four."""
    return (_KIND_CODE[feature[0]] << 28) | (zlib.crc32(identity(feature).encode()) & _LOW)


def _weight(hashes: np.ndarray) -> float:
    return float(_CODE_WEIGHT[hashes >> 28].sum())


@dataclass(frozen=True, slots=True)
class Stored:
    """A known article's sketch as the archive keeps it."""

    day: int
    span: int  # days after `day` the publication may fall on (a date known to the month)
    size: int  # number of distinct shingles
    weight: float  # weight of the whole fingerprint
    signature: np.ndarray  # uint16, NUM_PERM
    features: np.ndarray  # uint32, sorted

    @classmethod
    def decode(cls, data: bytes) -> Stored:
        day, size, weight, span = _HEADER.unpack_from(data)
        sig_end = _HEADER.size + 2 * NUM_PERM
        signature = np.frombuffer(data, dtype="<u2", count=NUM_PERM, offset=_HEADER.size)
        features = np.frombuffer(data, dtype="<u4", offset=sig_end)
        return cls(day, span, size, weight, signature, features)


@dataclass(frozen=True, slots=True)
class Sketch:
    shingles: Shingles
    signature: Hashes
    fingerprint: Fingerprint
    day: int
    span: int = 0  # days after `day` the publication may fall on (a date known to the month)
    dated: bool = True  # False: the publication day is unknown (`day` is when it was seen)
    # A reference article (a seed: what the analysts have read) is filed under all its
    # features and keeps them all in its sketch, so that a short page of it, a teaser or a
    # live-blog entry, finds it by whatever part of it the page has.
    reference: bool = False
    # The fingerprint as sorted identity hashes with their weights and names, for comparing
    # with many stored sketches at numpy speed.
    _ids: np.ndarray = field(init=False, repr=False, compare=False)
    _weights: np.ndarray = field(init=False, repr=False, compare=False)
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    # Each feature's specificity in the archive (1.0 until `specific` looked it up).
    _idf: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {feature_hash(f) & _LOW: f for f in self.fingerprint.features}
        ids = np.array(sorted(by_id), dtype=np.uint32)
        names = tuple(by_id[int(i)] for i in ids)
        object.__setattr__(self, "_ids", ids)
        object.__setattr__(self, "_weights", np.array([WEIGHTS[f[0]] for f in names]))
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_idf", np.ones(len(names)))

    def telling(self, limit: int) -> list[str]:
        """The `limit` most telling features: by weight and specificity once weighed (the
        rarest names and numbers first), else the most specific kinds and the names the
        article mentions most (db/dedup/fingerprint.py `index_features`)."""
        if limit >= len(self._names):
            return list(self._names)
        if not self._weighed:
            return index_features(self.fingerprint, limit)
        score = self._weights * self._idf
        order = sorted(range(len(self._names)), key=lambda i: (-score[i], int(self._ids[i])))
        return [self._names[i] for i in order[:limit]]

    @property
    def _weighed(self) -> bool:
        return bool(len(self._idf)) and bool((self._idf < 1.0).any())

    def frequency_keys(self) -> list[int]:
        """The keys this article counts under in `dedup_frequency`: its feature identities."""
        return [int(i) for i in self._ids]

    def specific(self, df: Mapping[int, int], total: int) -> Sketch:
        """This sketch with each feature weighed by how few of `total` articles carry it.

        Set in place (the weights are part of what the check computes, not of the text's
        identity) and returned, so `weigh(db, sketch)` reads as what it does."""
        counts = np.array([df.get(int(i), 0) for i in self._ids], dtype=np.float64)
        object.__setattr__(self, "_idf", factors(counts, total))
        return self

    @property
    def weight(self) -> float:
        return float((self._weights * self._idf).sum())

    @classmethod
    def of(
        cls,
        title: str,
        text: str,
        lang: str | None,
        when: datetime,
        span: int = 0,
        dated: bool = True,
        reference: bool = False,
        names: Names = DEFAULT,
    ) -> Sketch:
        body = strip_furniture(text)
        sh = shingles(body)
        fp = fingerprint(title, body, lang, names)
        return cls(sh, signature(sh), fp, day_number(when), span, dated, reference)

    # ---- the index ----

    def near_keys(self) -> list[int]:
        if not len(self.shingles):
            return []
        return band_keys(self.signature)

    def fingerprint_keys(self) -> list[int]:
        """The keys stored for this article: its most specific features in its week, and the
        very most specific ones in no week at all, for articles whose date is unknown."""
        weeks = range(self.day // WEEK_DAYS, (self.day + self.span) // WEEK_DAYS + 1)
        limit = len(self._names) if self.reference else INDEX_FEATURES
        features = self.telling(limit)
        undated = self.telling(limit if self.reference else UNDATED_FEATURES)
        return [feature_key(f, week) for week in weeks for f in features] + [
            feature_key(f, UNDATED) for f in undated
        ]

    def index_keys(self) -> list[int]:
        return sorted(set(self.near_keys()) | set(self.fingerprint_keys()))

    def fingerprint_queries(self, window_days: int) -> list[int]:
        """Keys of known articles published within `window_days` that share a feature; for
        an article of unknown date, of known articles of any date."""
        if not self.dated:
            features = self.telling(QUERY_FEATURES)
            return [feature_key(f, UNDATED) for f in features]
        first = (self.day - window_days) // WEEK_DAYS
        last = (self.day + self.span + window_days) // WEEK_DAYS
        features = self.telling(QUERY_FEATURES)
        return [feature_key(f, week) for week in range(first, last + 1) for f in features]

    # ---- comparing with a stored sketch ----

    def encode(self) -> bytes:
        limit = len(self._names) if self.reference else STORED_FEATURES
        kept = np.array(sorted({feature_hash(f) for f in self.telling(limit)}), dtype="<u4")
        sig16 = (self.signature & np.uint64(0xFFFF)).astype("<u2")
        header = _HEADER.pack(self.day, len(self.shingles), self.weight, self.span)
        return header + sig16.tobytes() + kept.tobytes()

    def days_apart(self, old: Stored) -> int:
        """Days between the publications; none while within a known article's span, or when
        this article's date is unknown (then the window cannot apply)."""
        if not self.dated:
            return 0
        if self.day + self.span < old.day:
            return old.day - self.day - self.span
        return max(0, self.day - old.day - old.span)

    def near(self, old: Stored) -> tuple[float, float]:
        """(containment, Jaccard) estimated from the signatures: the share of this article's
        shingles the known one has, and their Jaccard similarity."""
        if not len(self.shingles) or not old.size:
            return 0.0, 0.0
        mine = (self.signature & np.uint64(0xFFFF)).astype(np.uint16)
        j = float(np.count_nonzero(mine == old.signature)) / NUM_PERM
        common = j * (len(self.shingles) + old.size) / (1 + j)
        return min(1.0, common / len(self.shingles)), j

    def overlap(self, old: Stored) -> tuple[float, float, tuple[str, ...]]:
        """(overlap, shared weight, shared features) of the fingerprints: the shared weight
        over the lighter fingerprint's weight.

        A shared feature weighs as the lesser of its two tiers (a first name on one side and
        a name on the other weighs as a first name). The lighter side is the fair
        denominator: a German text's capitalised nouns add features no other language has,
        and a shortened copy has fewer of the original's.
        """
        old_ids = old.features & np.uint32(_LOW)
        _common, mine, theirs = np.intersect1d(self._ids, old_ids, return_indices=True)
        kinds = np.minimum(self._weights[mine], _CODE_WEIGHT[old.features[theirs] >> 28])
        shared = float((kinds * self._idf[mine]).sum())
        lighter = min(self.weight, old.weight)
        names = tuple(sorted(self._names[i] for i in mine))
        return (shared / lighter if lighter else 0.0), shared, names
