"""Measurement behind the choice of MinHash over SimHash for near-duplicates.

For the seeds and the English texts of the development set (tests/data/devset/texts), each text's
same-language copies (boilerplate changed, headline changed, paragraphs dropped or
reordered, cut short, light edits) are compared with it: SimHash (64 bits over the same
word 3-shingles) by Hamming distance, MinHash's measure by the share of the copy's shingles
the original has. The baseline is the closest pair of unrelated texts in the same set: a
method that separates copies from it works with one threshold.

Run: `.venv/bin/python bench/dedup_choice.py` (a second; also in `make bench`).
"""

from __future__ import annotations

import itertools
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db.dedup.minhash import containment, shingles  # noqa: E402
from db.seeds import load_catalogue  # noqa: E402
from tests.support.dedup_set import SEEDS_DIR, derive_copies, load_cases  # noqa: E402


def simhash(text: str) -> int:
    hashes = shingles(text).hashes
    bits = ((hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)).astype(np.int64)
    votes = (2 * bits - 1).sum(axis=0)
    return sum(1 << bit for bit in range(64) if votes[bit] > 0)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def main() -> None:
    texts = {
        r.stem: (SEEDS_DIR / r.file).read_text(encoding="utf-8") for r in load_catalogue(SEEDS_DIR)
    }
    texts |= {case.id: case.text for case in load_cases() if case.lang == "en"}
    unrelated = [
        hamming(simhash(a), simhash(b)) for a, b in itertools.combinations(texts.values(), 2)
    ]
    closest = min(unrelated)
    contained = max(
        max(containment(shingles(a), shingles(b)), containment(shingles(b), shingles(a)))
        for a, b in itertools.combinations(texts.values(), 2)
    )
    print(
        f"{len(texts)} texts; unrelated pairs: SimHash Hamming distance min {closest}, "
        f"median {statistics.median(unrelated):.0f}; MinHash containment max {contained:.2f} "
        f"({len(unrelated)} pairs)"
    )
    by_variant: dict[str, list[tuple[int, float]]] = {}
    for number, (key, text) in enumerate(texts.items()):
        for copy in derive_copies(key, "title", text, "", None, number):  # type: ignore[arg-type]
            by_variant.setdefault(copy.variant, []).append(
                (
                    hamming(simhash(text), simhash(copy.text)),
                    containment(shingles(copy.text), shingles(text)),
                )
            )
    for variant, pairs in by_variant.items():
        worst = max(p[0] for p in pairs)
        print(
            f"  {variant:<12} SimHash distance median {statistics.median(p[0] for p in pairs):4.1f}"
            f" max {worst:3d} ({worst / closest:.2f} of the closest unrelated)   "
            f"MinHash containment min {min(p[1] for p in pairs):.2f} (threshold 0.50)"
        )


if __name__ == "__main__":
    main()
