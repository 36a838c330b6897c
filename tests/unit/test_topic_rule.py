"""The shipped topic rule against the labelled passages in tests/data/topic_cases.toml.

Floors are pinned at what the rule scores today: a change to the rule or the matcher that loses
a case fails here, with the per-kind scores and the cases it got wrong in the message.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from alerts.config import RuleConfig
from alerts.rules import RuleSet

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.toml"
CASES = ROOT / "tests" / "data" / "topic_cases.toml"
RULE = "china_russia_military_support"

# Share of cases of each kind the rule decides as labelled, and overall precision and recall.
FLOORS = {"on_topic": 1.0, "near_miss": 1.0, "off_topic": 1.0, "precision": 1.0, "recall": 1.0}


@dataclass(frozen=True)
class Case:
    lang: str
    relevant: bool
    kind: str
    text: str


def _topic_rule() -> RuleConfig:
    with CONFIG.open("rb") as handle:
        rules: list[dict[str, Any]] = tomllib.load(handle).get("rules", [])
    found = [rule for rule in rules if rule.get("name") == RULE]
    assert len(found) == 1, f"{CONFIG} should define rule {RULE} once"
    return RuleConfig.model_validate(found[0])


def _cases() -> list[Case]:
    with CASES.open("rb") as handle:
        return [Case(**case) for case in tomllib.load(handle)["cases"]]


@pytest.fixture(scope="module")
def verdicts() -> list[tuple[Case, bool]]:
    rules = RuleSet([_topic_rule()])
    return [(case, bool(rules.match("", case.text, case.lang))) for case in _cases()]


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def _scores(verdicts: list[tuple[Case, bool]]) -> dict[str, float]:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for case, matched in verdicts:
        by_kind[case.kind].append(matched == case.relevant)
    scores = {kind: _ratio(sum(right), len(right)) for kind, right in by_kind.items()}
    tp = sum(1 for case, matched in verdicts if matched and case.relevant)
    fp = sum(1 for case, matched in verdicts if matched and not case.relevant)
    fn = sum(1 for case, matched in verdicts if not matched and case.relevant)
    scores["precision"] = _ratio(tp, tp + fp)
    scores["recall"] = _ratio(tp, tp + fn)
    return scores


def test_the_case_file_covers_every_kind_and_language(verdicts: list[tuple[Case, bool]]) -> None:
    kinds = {case.kind for case, _ in verdicts}
    langs = {case.lang for case, _ in verdicts}
    assert kinds == {"on_topic", "near_miss", "off_topic"}
    assert langs >= {"en", "de", "nl", "fr", "ru", "uk"}
    assert all(case.relevant == (case.kind == "on_topic") for case, _ in verdicts)


def test_topic_rule_holds_its_floors(verdicts: list[tuple[Case, bool]]) -> None:
    scores = _scores(verdicts)
    wrong = [
        f"  {case.kind} [{case.lang}] expected {case.relevant}: {case.text[:90]}"
        for case, matched in verdicts
        if matched != case.relevant
    ]
    report = ", ".join(f"{name} {value:.3f}" for name, value in sorted(scores.items()))
    below = {
        name: scores.get(name, 0.0)
        for name, floor in FLOORS.items()
        if scores.get(name, 0.0) < floor
    }
    assert not below, f"below the floors {FLOORS}: {report}\n" + "\n".join(wrong)
