"""The shipped topic rule on real, mostly off-topic news: few false positives, pinned.

Every page of ../shared/corpora (439 real articles from many countries, read in place) is
matched with the text and title a person or a careful parser found in it. None of them is about
China supplying Russia's military: each page the topic rule flags was read by hand.

Measured when pinned (November 2026): 1 page of 439 flagged (0.23 %), a Le Figaro live blog
whose entries put China's call for "restraint" right after Russia's hypersonic missile launch
and a Russia–North Korea "assistance militaire" treaty: a near-miss no word rule can tell apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.rules.ruleset import RuleSet
from newswatch.config import load_config
from tests.support.corpora import iter_aeb, iter_fundus
from tests.support.gates import require_corpora

pytestmark = pytest.mark.corpus

CONFIG = Path(__file__).resolve().parents[2] / "config.toml"
TOPIC = "china_russia_military_support"
# Pages read by hand and found off the topic although the rule flags them.
KNOWN_FALSE_POSITIVES = {"fr/LeFigaro_2024_11_22"}
MAX_FLAGGED_SHARE = 0.01


@pytest.fixture(scope="module")
def flagged() -> tuple[list[str], int]:
    require_corpora()
    rules: RuleSet = load_config(CONFIG).ruleset()
    pages = [*iter_aeb(), *iter_fundus()]
    keys = [
        page.key
        for page in pages
        if any(
            m.rule.name == TOPIC
            for m in rules.match(page.expected_title or "", page.expected_text, page.expected_lang)
        )
    ]
    return keys, len(pages)


def test_few_real_pages_are_flagged_relevant(flagged: tuple[list[str], int]) -> None:
    keys, total = flagged
    assert total >= 430
    assert len(keys) / total <= MAX_FLAGGED_SHARE, keys


def test_every_flagged_page_was_checked_by_hand(flagged: tuple[list[str], int]) -> None:
    keys, _ = flagged
    unchecked = sorted(set(keys) - KNOWN_FALSE_POSITIVES)
    assert not unchecked, f"read these pages and label them: {unchecked}"
