"""The shipped rules against labelled passages (tests/data/topic_cases.toml) and the seeds.

Floors are pinned at what the rules score today: a change to a rule, a group or the matcher
that loses a case fails here, with the scores and the cases it got wrong in the message.
Measured when pinned (November 2026): 81 cases, every one decided as labelled; the development
rules fire as labelled on every on-topic case that lists them.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from alerts.delivery.render import AlertFacts, render_text
from alerts.rules.ruleset import RuleSet
from alerts.snippet import make_snippet
from newswatch.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.toml"
CASES = ROOT / "tests" / "data" / "topic_cases.toml"
SEED_LABELS = ROOT / "tests" / "data" / "seed_labels.toml"
TOPIC = "china_russia_military_support"

# Share of cases of each kind decided as labelled, overall precision and recall, and the share
# of near-misses flagged relevant (a ceiling: the goal is at most 5 %).
FLOORS = {"on_topic": 1.0, "near_miss": 1.0, "off_topic": 1.0, "precision": 1.0, "recall": 1.0}
NEAR_MISS_FLAGGED_CEILING = 0.0
# Share of labelled development-rule expectations met (each listed rule fires).
RULE_RECALL_FLOOR = 1.0


@dataclass(frozen=True)
class Case:
    lang: str
    relevant: bool
    kind: str
    text: str
    rules: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_config(CONFIG).ruleset()


def _cases() -> list[Case]:
    with CASES.open("rb") as handle:
        return [Case(**case) for case in tomllib.load(handle)["cases"]]


@pytest.fixture(scope="module")
def verdicts(ruleset: RuleSet) -> list[tuple[Case, set[str]]]:
    return [
        (case, {m.rule.name for m in ruleset.match("", case.text, case.lang)}) for case in _cases()
    ]


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def _scores(verdicts: list[tuple[Case, set[str]]]) -> dict[str, float]:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for case, matched in verdicts:
        by_kind[case.kind].append((TOPIC in matched) == case.relevant)
    scores = {kind: _ratio(sum(right), len(right)) for kind, right in by_kind.items()}
    tp = sum(1 for case, matched in verdicts if TOPIC in matched and case.relevant)
    fp = sum(1 for case, matched in verdicts if TOPIC in matched and not case.relevant)
    fn = sum(1 for case, matched in verdicts if TOPIC not in matched and case.relevant)
    scores["precision"] = _ratio(tp, tp + fp)
    scores["recall"] = _ratio(tp, tp + fn)
    return scores


def test_the_case_file_covers_every_kind_and_language(
    verdicts: list[tuple[Case, set[str]]],
) -> None:
    kinds = {case.kind for case, _ in verdicts}
    langs = {case.lang for case, _ in verdicts}
    assert kinds == {"on_topic", "near_miss", "off_topic"}
    assert langs >= {"en", "de", "nl", "fr", "ru", "uk"}
    assert all(case.relevant == (case.kind == "on_topic") for case, _ in verdicts)
    assert len(verdicts) >= 80


def test_topic_rule_holds_its_floors(verdicts: list[tuple[Case, set[str]]]) -> None:
    scores = _scores(verdicts)
    wrong = [
        f"  {case.kind} [{case.lang}] expected {case.relevant}: {case.text[:90]}"
        for case, matched in verdicts
        if (TOPIC in matched) != case.relevant
    ]
    report = ", ".join(f"{name} {value:.3f}" for name, value in sorted(scores.items()))
    below = {
        name: scores.get(name, 0.0)
        for name, floor in FLOORS.items()
        if scores.get(name, 0.0) < floor
    }
    assert not below, f"below the floors {FLOORS}: {report}\n" + "\n".join(wrong)
    flagged = 1 - scores["near_miss"]
    assert flagged <= NEAR_MISS_FLAGGED_CEILING, f"near-misses flagged relevant: {flagged:.3f}"


def test_development_rules_fire_where_labelled(verdicts: list[tuple[Case, set[str]]]) -> None:
    expected = [(case, rule, matched) for case, matched in verdicts for rule in case.rules]
    assert len(expected) >= 15
    missed = [
        f"  {rule} [{case.lang}]: {case.text[:90]}"
        for case, rule, matched in expected
        if rule not in matched
    ]
    rate = 1 - len(missed) / len(expected)
    assert rate >= RULE_RECALL_FLOOR, f"labelled rules fired: {rate:.3f}\n" + "\n".join(missed)


def test_every_seed_is_relevant_and_fires_its_labelled_rules(ruleset: RuleSet) -> None:
    with SEED_LABELS.open("rb") as handle:
        labels = tomllib.load(handle)["seeds"]
    with (ROOT / "seeds" / "seeds.toml").open("rb") as handle:
        catalogue = {seed["file"]: seed for seed in tomllib.load(handle)["seeds"]}
    assert {label["file"] for label in labels} == set(catalogue)
    for label in labels:
        seed = catalogue[label["file"]]
        text = (ROOT / "seeds" / seed["file"]).read_text(encoding="utf-8")
        analysis = ruleset.analyse(seed["title"], text, seed["lang"])
        matched = {m.rule.name for m in analysis.matches}
        assert analysis.relevant, seed["file"]
        assert set(label["rules"]) <= matched, (seed["file"], matched)
        assert set(label["entities"]) <= {e.name for e in analysis.entities}, seed["file"]


def test_every_alert_shows_its_matched_terms_in_context(ruleset: RuleSet) -> None:
    # An alerting rule's match, rendered as the email renders it: the snippet holds marked
    # words, and every marked piece is a term or entity the rule matched.
    rendered = 0
    for case in _cases():
        for match in ruleset.match("", case.text, case.lang):
            if not match.rule.channels:
                continue
            facts = AlertFacts(
                title="",
                url="https://example.org/a",
                source=None,
                published=None,
                lang=case.lang,
                rule=match.rule.name,
                severity=match.rule.severity,
                terms=tuple((term, ()) for term in match.terms),
                snippet=make_snippet(case.text, match.hits, 240),
            )
            text = render_text(facts)
            marked = [piece for piece, mark in facts.snippet.parts() if mark]
            assert marked, (match.rule.name, case.text[:80])
            found = {" ".join(hit.found.split()) for hit in match.hits}
            assert all(any(f in piece for f in found) for piece in marked)
            assert all(f"**{piece}**" in text for piece in marked)
            rendered += 1
    assert rendered >= 40


def test_a_headline_carries_the_topic_across_a_long_text(ruleset: RuleSet) -> None:
    filler = " ".join(["The report runs to many pages of tables and annexes."] * 8)
    text = (
        "Customs data compiled by researchers list the shipments in detail. "
        + filler
        + " Most of the consignments ended up with factories working for Russia's army, "
        + filler
        + " which builds attack drones there."
    )
    title = "Chinese engines keep Russian drone factories running"
    assert ruleset.analyse(title, text, "en").relevant
    assert not ruleset.analyse("", text, "en").relevant
    drills = "Chinese and Russian warships hold joint drills"
    assert not ruleset.analyse(
        drills, "The navies fired missiles at targets at sea.", "en"
    ).relevant
