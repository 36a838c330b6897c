"""Near-duplicates in one language: word shingles, their MinHash signature and its LSH bands.

MinHash (not SimHash) because its bands give a tunable recall curve and an exact Jaccard
check of the few candidates is cheap; SimHash's Hamming neighbourhoods cannot be looked up
with an equality index in SQL. The numbers behind the choice are in the README's
deduplication section.

Hashing is our own (numpy, multiply-shift over CRC32 token hashes) rather than datasketch:
the signature must be identical in every process and release, and it costs about 60 µs for
a 600-word article.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from db.text import normalise

# The index layout: changing any of these changes every stored band key (needs a reindex).
SHINGLE_WORDS = 3
BANDS = 16
ROWS = 3
NUM_PERM = BANDS * ROWS

_rng = np.random.default_rng(0x4E57_0004)
_A = _rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
# Odd multipliers that make a shingle's hash depend on the order of its words.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)

Hashes = npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class Shingles:
    """The sorted, distinct hashes of an article's word shingles."""

    hashes: Hashes

    def __len__(self) -> int:
        return int(self.hashes.size)


def shingles(text: str) -> Shingles:
    words = normalise(text).split()
    if not words:
        return Shingles(np.zeros(0, dtype=np.uint64))
    tokens = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    k = min(SHINGLE_WORDS, len(words))
    n = len(words) - k + 1
    mixed = np.zeros(n, dtype=np.uint64)
    for offset in range(k):
        mixed ^= tokens[offset : offset + n] * _MIX[offset]
    return Shingles(np.unique(mixed))


def signature(sh: Shingles) -> Hashes:
    """NUM_PERM minimum hashes; an empty text has a signature of all-ones (matches nothing)."""
    if not len(sh):
        return np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    permuted = (sh.hashes[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    result: Hashes = permuted.min(axis=0)
    return result


def band_keys(sig: Hashes) -> list[int]:
    """One signed 32-bit key per band, tagged with the band and the kind of key.

    32 bits keep the index small; at a million articles a lookup finds a stranger by chance
    about once in a hundred keys, and the comparison that follows sets it aside.
    """
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].astype(np.uint32).tobytes()
        digest = hashlib.blake2b(b"near" + bytes([band]) + chunk, digest_size=4).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def containment(new: Shingles, old: Shingles) -> float:
    """The share of `new`'s shingles that `old` already has: 1.0 for a copy cut short."""
    if not len(new):
        return 0.0
    common = np.intersect1d(new.hashes, old.hashes, assume_unique=True).size
    return common / len(new)


def jaccard(a: Shingles, b: Shingles) -> float:
    if not len(a) and not len(b):
        return 0.0
    common = np.intersect1d(a.hashes, b.hashes, assume_unique=True).size
    return common / (len(a) + len(b) - common)
