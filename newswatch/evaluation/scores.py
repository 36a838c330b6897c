"""The quality table of a replayed labelled set: one row per question, overall and per language.

Each row asks one thing of some records (the copies, the new developments, ...) and counts
how many answer it; the misses say, per record, what was expected and what happened. The
alerting rows are read from the archive's tables as they are (alerts raised on an article,
outbox rows about it per channel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from newswatch.evaluation.records import LabelledRecord
from newswatch.evaluation.replay import Outcome, Replay


@dataclass(frozen=True, slots=True)
class Goal:
    op: Literal[">=", "<="]
    value: float

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.value if self.op == ">=" else value <= self.value

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"


@dataclass(frozen=True, slots=True)
class Figure:
    """A row's figure over some records: `hits` of `total` (or, for a mean, their sum)."""

    hits: float
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    goal: Goal
    mean: bool  # a mean per item (messages per article and channel), not a share
    overall: Figure
    by_lang: dict[str, Figure]


@dataclass(frozen=True, slots=True)
class Miss:
    id: str
    lang: str
    row: str
    expected: str
    happened: str


@dataclass(frozen=True, slots=True)
class Scores:
    records: int
    langs: tuple[str, ...]
    rows: tuple[Row, ...]
    misses: tuple[Miss, ...]

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)

    def to_json(self) -> dict[str, Any]:
        def figure(f: Figure, goal: Goal, mean: bool) -> dict[str, Any]:
            value = f.value
            return {
                "hits": f.hits if mean else int(f.hits),
                "total": f.total,
                "value": None if value is None else round(value, 4),
                "met": goal.met(value),
            }

        return {
            "records": self.records,
            "langs": list(self.langs),
            "rows": [
                {
                    "key": row.key,
                    "label": row.label,
                    "goal": {"op": row.goal.op, "value": row.goal.value},
                    "mean": row.mean,
                    "overall": figure(row.overall, row.goal, row.mean),
                    "by_lang": {
                        lang: figure(f, row.goal, row.mean) for lang, f in row.by_lang.items()
                    },
                }
                for row in self.rows
            ],
            "misses": [
                {
                    "id": m.id,
                    "lang": m.lang,
                    "row": m.row,
                    "expected": m.expected,
                    "happened": m.happened,
                }
                for m in self.misses
            ],
        }


# One record's part in a row: what it adds to the count, how many items it is, and, when it
# answers the row's question wrongly, what was expected and what happened.
@dataclass(frozen=True, slots=True)
class _Seen:
    hits: float
    items: int = 1
    miss: tuple[str, str] | None = None


_Ask = Callable[[LabelledRecord, Outcome, Replay], _Seen | None]


def _verdict(outcome: Outcome, replay: Replay) -> str:
    """The dedup verdict in words: a duplicate of what, the story joined, or a new story."""
    if outcome.duplicate_of is not None:
        score = "" if outcome.dup_score is None else f" {outcome.dup_score:.2f}"
        what = f"duplicate of {replay.name(outcome.duplicate_of)} ({outcome.dup_method}{score})"
    elif outcome.story_id != outcome.article_id:
        what = "not a duplicate"
    else:
        return "not a duplicate, a story of its own"
    root = outcome.story_id
    return f"{what}, in the story of {replay.name(root)}"


def _expected_story(record: LabelledRecord, replay: Replay) -> str:
    target = replay.target(record.duplicate_of or "")
    return f"the story of {replay.name(target.story_id)}"


def _copy_linked(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    if not record.is_copy:
        return None
    target = replay.target(record.duplicate_of or "")
    linked = outcome.duplicate_of is not None and outcome.story_id == target.story_id
    expected = f"a duplicate of {record.duplicate_of}, in {_expected_story(record, replay)}"
    return _Seen(linked, miss=None if linked else (expected, _verdict(outcome, replay)))


def _same_event_joined(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    if not record.is_same_event:
        return None
    joined = outcome.story_id == replay.target(record.duplicate_of or "").story_id
    expected = f"in {_expected_story(record, replay)}"
    return _Seen(joined, miss=None if joined else (expected, _verdict(outcome, replay)))


def _new_marked_duplicate(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    if not record.is_new_development:
        return None
    marked = outcome.duplicate_of is not None
    return _Seen(marked, miss=("not a duplicate", _verdict(outcome, replay)) if marked else None)


def _rules(outcome: Outcome) -> str:
    return ", ".join(outcome.rules) if outcome.rules else "none"


def _recall(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    if not record.relevant:
        return None
    miss = None if outcome.relevant else ("relevant", f"not relevant (rules: {_rules(outcome)})")
    return _Seen(outcome.relevant, miss=miss)


def _precision(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    if not outcome.relevant:
        return None
    # A near-miss flagged relevant is listed under its own row.
    listed = record.relevant or record.kind == "near-miss"
    miss = None if listed else ("not relevant", f"relevant (rules: {_rules(outcome)})")
    return _Seen(record.relevant, miss=miss)


def _near_miss(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    if record.kind != "near-miss":
        return None
    miss = ("not relevant", f"relevant (rules: {_rules(outcome)})") if outcome.relevant else None
    return _Seen(outcome.relevant, miss=miss)


def _messages(outcome: Outcome) -> str:
    if not outcome.deliveries:
        return "no message"
    return "; ".join(
        f"{channel}: {len(rows)} (" + "; ".join(", ".join(rules) for rules in rows) + ")"
        for channel, rows in outcome.deliveries.items()
    )


def _alert(outcome: Outcome) -> str:
    rules = ", ".join(outcome.alert_rules)
    if outcome.alert_kind is None:
        return "no alert"
    if outcome.alert_kind == "followup":
        return f"a follow-up of a known story, not an alert ({rules})"
    return f"{outcome.alert_kind} alert ({rules})"


def _new_reached(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    # Developments of the topic: one off it is right not to reach the analysts.
    if not record.is_new_development or not record.relevant:
        return None
    if outcome.alerted:
        return _Seen(True)
    why = "not relevant" if not outcome.relevant else "relevant"
    happened = f"{_alert(outcome)} ({why}; rules: {_rules(outcome)}; {_verdict(outcome, replay)})"
    return _Seen(False, miss=("a new alert, or an update in its story's thread", happened))


def _root_is_seed(record: LabelledRecord, records: dict[str, LabelledRecord]) -> bool:
    target = record.duplicate_of
    seen: set[str] = set()
    while target is not None and target in records and target not in seen:
        seen.add(target)
        target = records[target].duplicate_of if records[target].is_copy else None
    return target is not None and target not in records


def _alerted(what: str, outcome: Outcome, replay: Replay) -> _Seen:
    raised = outcome.alerted
    happened = f"{_alert(outcome)}; {_messages(outcome)}; {_verdict(outcome, replay)}"
    return _Seen(raised, miss=(what, happened) if raised else None)


def _same_event_alerted(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    # Only reports the rules should take up: one off the topic that alerts is a precision miss.
    if not record.is_same_event or not record.relevant:
        return None
    return _alerted("no new alert (a follow-up of its story at most)", outcome, replay)


def _per_channel(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
    if not outcome.deliveries:
        return None
    messages = sum(len(rows) for rows in outcome.deliveries.values())
    pairs = len(outcome.deliveries)
    many = messages > pairs
    return _Seen(messages, pairs, ("one message per channel", _messages(outcome)) if many else None)


def _figure(totals: dict[str | None, list[float]], where: str | None) -> Figure:
    hits, total = totals.get(where, [0.0, 0])
    return Figure(hits, int(total))


def score(records: Sequence[LabelledRecord], replay: Replay) -> Scores:
    by_id = {record.id: record for record in records}

    def seed_copy_alerted(record: LabelledRecord, outcome: Outcome, replay: Replay) -> _Seen | None:
        if not record.is_copy or not _root_is_seed(record, by_id):
            return None
        return _alerted("no alert (a copy of a seed)", outcome, replay)

    questions: list[tuple[str, str, Goal, bool, _Ask]] = [
        ("copies_linked", "copies linked to their seed (or target)", Goal(">=", 0.95), False,
         _copy_linked),
        ("same_event_joined", "same-event reports in the target's story", Goal(">=", 0.75),
         False, _same_event_joined),
        ("new_marked_duplicate", "new developments marked duplicate", Goal("<=", 0.02), False,
         _new_marked_duplicate),
        ("topic_recall", "topic recall", Goal(">=", 0.97), False, _recall),
        ("topic_precision", "topic precision", Goal(">=", 0.97), False, _precision),
        ("near_miss_flagged", "near-misses flagged relevant", Goal("<=", 0.05), False,
         _near_miss),
        ("new_reached", "new developments that reached the analysts", Goal(">=", 0.95), False,
         _new_reached),
        ("seed_copy_alerted", "seed copies that raised an alert", Goal("<=", 0.0), False,
         seed_copy_alerted),
        ("same_event_alerted", "relevant same-event reports that alerted (new or update)",
         Goal("<=", 0.25), False, _same_event_alerted),
        ("messages_per_channel", "messages per alerted article and channel", Goal("<=", 1.0),
         True, _per_channel),
    ]  # fmt: skip
    langs = tuple(sorted({record.lang for record in records}))
    rows: list[Row] = []
    misses: list[Miss] = []
    for key, label, goal, mean, ask in questions:
        totals: dict[str | None, list[float]] = {None: [0.0, 0]}
        for record in records:
            seen = ask(record, replay.of(record), replay)
            if seen is None:
                continue
            for where in (None, record.lang):
                total = totals.setdefault(where, [0.0, 0])
                total[0] += seen.hits
                total[1] += seen.items
            if seen.miss is not None:
                misses.append(Miss(record.id, record.lang, key, *seen.miss))
        rows.append(
            Row(
                key,
                label,
                goal,
                mean,
                _figure(totals, None),
                {lang: _figure(totals, lang) for lang in langs},
            )
        )
    return Scores(len(records), langs, tuple(rows), tuple(misses))
