"""Rule evaluation per article: 10, 100, 1,000 and 10,000 rules on a 1,000-word article.

    .venv/bin/python bench/rule_eval.py [--runs 101]

For each rule count: compile time, the memory the compiled RuleSet holds (tracemalloc), and
the median CPU time of `RuleSet.analyse` on one 1,000-word article (tokenising, the Aho-Corasick
scan, the woken rules and the watchlisted entities). The baseline, measured in the same run, is
the 100-rule set; the goals are under 5 ms per article at 10,000 rules and under 3x from 100 to
10,000 rules. Tokenising alone is shown too, as the floor no rule set can go under. All rule
counts of a mix are timed interleaved, run by run, so that load from other work on the machine
falls on all of them alike.

Rules are built like an analyst's: words of real text (the seeds, and the corpora in
../shared/corpora where present) in ORs, phrases, prefixes, NEAR/n and NOT, with entity: and
lang: clauses, the shipped entity watchlist, and some OR-lists naming a shipped term group.
The article is 1,000 words of a seed (Dutch, on the topic), so the shipped groups occur in it.
Two mixes: a monitoring service's (5 % of OR-lists name a group: most rules are about other
things) and a topic-heavy one (50 %: thousands of rules about this very topic). Time grows
with the rules an article wakes and the rules left to evaluate once their other clauses are
checked (both shown), not with the rules there are.

This machine's speed drifts by up to 1.6x over minutes (a shared virtual machine): the
ratios, timed interleaved, hold from run to run; the milliseconds move with the machine, so
compare them with "tokenising alone" of the same run.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts.rules.config import RuleConfig  # noqa: E402
from alerts.rules.ruleset import RuleSet  # noqa: E402
from alerts.rules.tokens import index_words  # noqa: E402
from newswatch.config import load_config  # noqa: E402

COUNTS = (10, 100, 1_000, 10_000)
WORD = re.compile(r"[^\W\d_]{4,}")


def _vocabulary() -> list[str]:
    # Rules are written without knowing the article: its own text is not in the vocabulary.
    texts = [
        path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "seeds").glob("*.txt"))
        if path != _article_path()
    ]
    try:
        from tests.support.corpora import corpora_dir, iter_fundus

        if corpora_dir() is not None:
            texts += [page.expected_text for page in iter_fundus()]
    except ImportError:
        pass
    counts: dict[str, int] = {}
    for text in texts:
        for word in WORD.findall(text):
            counts[word] = counts.get(word, 0) + 1
    # Leave out the 300 commonest words: nobody alerts on "said" or "und".
    ranked = sorted(counts, key=lambda w: -counts[w])
    return ranked[300:]


def _article_path() -> Path:
    return sorted((ROOT / "seeds").glob("*.txt"))[2]  # the longest seed, 1,673 words


def _article() -> tuple[str, str]:
    words = _article_path().read_text(encoding="utf-8").split()
    return "Kans dat China wapens wil leveren aan Rusland", " ".join(words[:1000])


def _rules(
    count: int, vocabulary: list[str], groups: list[str], tags: list[str], share_of_groups: float
) -> list[str]:
    rng = random.Random(count)

    def term() -> str:
        word = rng.choice(vocabulary)
        shape = rng.random()
        if shape < 0.2:
            return word[: max(4, len(word) - 2)] + "*"
        if shape < 0.35:
            return f'"{word} {rng.choice(vocabulary)}"'
        return word

    def alternatives() -> str:
        items = [term() for _ in range(rng.randint(2, 5))]
        if rng.random() < share_of_groups:
            items.append("@" + rng.choice(groups))
        return "(" + " OR ".join(items) + ")"

    queries = []
    for _ in range(count):
        shape = rng.random()
        if shape < 0.4:
            query = f"{alternatives()} NEAR/{rng.randint(5, 40)} {alternatives()}"
        elif shape < 0.7:
            query = f"{alternatives()} AND {alternatives()}"
        elif shape < 0.75:
            query = f"{alternatives()} AND entity:#{rng.choice(tags)}"
        else:
            query = f"title:{alternatives()} AND {alternatives()}"
        if rng.random() < 0.3:
            query += f" AND NOT {term()}"
        if rng.random() < 0.2:
            query += f" AND lang:{rng.choice(['en', 'de', 'nl', 'fr', 'ru', 'uk'])}"
        queries.append(query)
    return queries


@dataclass
class _Subject:
    """One compiled rule set, or tokenising alone (ruleset None), and its timings."""

    count: int
    ruleset: RuleSet | None
    compile_seconds: float = 0.0
    memory_mb: float = 0.0
    times: list[float] = field(default_factory=list)


def _compile(count: int, vocabulary: list[str], share_of_groups: float) -> _Subject:
    config = load_config(ROOT / "config.toml")
    tags = sorted({tag for entity in config.entities for tag in entity.tags})
    queries = _rules(count, vocabulary, sorted(config.groups), tags, share_of_groups)
    rules = [RuleConfig(name=f"r{i}", query=q) for i, q in enumerate(queries)]
    # Memory in a compile of its own: tracemalloc slows allocation several times over.
    tracemalloc.start()
    measured = RuleSet(rules, config.groups, config.entities)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del measured
    started = time.process_time()
    ruleset = RuleSet(rules, config.groups, config.entities)
    return _Subject(count, ruleset, time.process_time() - started, held / 1e6)


def _time_interleaved(subjects: list[_Subject], runs: int) -> None:
    """Each run times every subject once, in a shuffled order: the machine is shared, and a
    busy moment then slows all rule counts alike instead of one of them; and what ran just
    before (how much of the CPU cache it left) is not always the same for one subject."""
    title, text = _article()
    for subject in subjects:  # warm caches (the fold table) as a daemon has them
        if subject.ruleset is not None:
            subject.ruleset.analyse(title, text, "nl")
    order = random.Random(0)
    for _ in range(runs):
        for subject in order.sample(subjects, len(subjects)):
            # CPU time of this process: other work on the machine counts less against it.
            started = time.process_time()
            if subject.ruleset is None:
                index_words(title, text)
            else:
                subject.ruleset.analyse(title, text, "nl")
            subject.times.append(time.process_time() - started)


def _result(subject: _Subject) -> dict[str, float]:
    assert subject.ruleset is not None
    title, text = _article()
    ruleset = subject.ruleset
    analysis = ruleset.analyse(title, text, "nl")
    scan = ruleset.scan(title, text, "nl", None)
    present = np.fromiter(scan.present, dtype=np.int32, count=len(scan.present))
    woken = len(ruleset.wake.woken(present))
    evaluated = len(ruleset.candidates(scan))
    return {
        "rules": subject.count,
        "compile_s": subject.compile_seconds,
        "memory_mb": subject.memory_mb,
        "median_ms": statistics.median(subject.times) * 1000,
        "woken": woken,
        "evaluated": evaluated,
        "matched": len(analysis.matches),
        "atoms": ruleset.atoms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=101, help="timed evaluations per rule count")
    args = parser.parse_args()
    vocabulary = _vocabulary()
    _, text = _article()
    print(
        f"article: {len(text.split())} words; vocabulary {len(vocabulary)} words; "
        f"{args.runs} runs each, interleaved"
    )
    for label, share in (("monitoring mix", 0.05), ("topic-heavy", 0.5)):
        floor = _Subject(0, None)
        subjects = [_compile(count, vocabulary, share) for count in COUNTS]
        _time_interleaved([floor, *subjects], args.runs)
        floor_ms = statistics.median(floor.times) * 1000
        _report(label, share, [_result(s) for s in subjects], floor_ms)


def _report(label: str, share: float, results: list[dict[str, float]], floor_ms: float) -> None:
    baseline = next(r for r in results if r["rules"] == 100)
    print(f"\n{label}: {share:.0%} of OR-lists name a shipped group (@china, @drones, ...)")
    print(f"tokenising alone: {floor_ms:.2f} ms (the floor, timed with them)")
    print(
        f"{'rules':>7} {'compile s':>10} {'memory MB':>10} {'atoms':>7} {'woken':>6} "
        f"{'evaluated':>9} {'matched':>8} {'median ms':>10} {'x 100 rules':>12} {'x tokenise':>11}"
    )
    for r in results:
        print(
            f"{r['rules']:>7,} {r['compile_s']:>10.3f} {r['memory_mb']:>10.1f} {r['atoms']:>7,} "
            f"{r['woken']:>6,} {r['evaluated']:>9,} {r['matched']:>8,} {r['median_ms']:>10.2f} "
            f"{r['median_ms'] / baseline['median_ms']:>12.2f} {r['median_ms'] / floor_ms:>11.2f}"
        )
    top = results[-1]
    ratio = top["median_ms"] / baseline["median_ms"]
    per_rule = (top["median_ms"] - floor_ms) / max(top["woken"], 1) * 1000
    print(
        f"goal: < 5 ms per article at 10,000 rules: {top['median_ms']:.2f} ms "
        f"({'met' if top['median_ms'] < 5 else 'NOT met'}); < 3x from 100 to 10,000 rules: "
        f"{ratio:.2f}x ({'met' if ratio < 3 else 'NOT met'}); "
        f"about {per_rule:.0f} us per woken rule"
    )


if __name__ == "__main__":
    main()
