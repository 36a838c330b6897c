"""One article or one rule that fails in evaluation never stops the others (fault injection).

The faults are injected into a real RuleSet over a real archive: one rule's compiled
evaluator, or the scan of one article, raises what a bug would raise.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from alerts.evaluate import evaluate_pending
from alerts.rules.config import RuleConfig
from alerts.rules.ruleset import RuleSet
from db.models import Article, Match
from newswatch.commands.show import render_article
from tests.support.stories import stories

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _ruleset() -> RuleSet:
    return RuleSet(
        [
            RuleConfig(name="broken", query="shipments", channels=[]),
            RuleConfig(name="drones", query="drone*", channels=[]),
        ]
    )


def _articles(engine: Engine) -> list[Article]:
    with Session(engine) as session:
        return list(session.exec(select(Article).order_by(col(Article.id))))


def _matches(engine: Engine) -> set[tuple[int, str]]:
    with Session(engine) as session:
        return {(m.article_id, m.rule) for m in session.exec(select(Match))}


def test_a_rule_that_raises_is_logged_once_per_article_and_the_others_still_match(
    archive: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    ids = stories(archive, 3)
    ruleset = _ruleset()

    def broken(_scan: Any) -> None:
        raise ZeroDivisionError("a bug in one rule")

    ruleset._evaluators[0] = broken
    with caplog.at_level(logging.ERROR, logger="alerts"):
        report = evaluate_pending(archive, ruleset, now=T0)

    assert report.evaluated == 3 and report.errors == 3
    assert _matches(archive) == {(i, "drones") for i in ids}
    for article in _articles(archive):
        assert article.evaluated_at is not None
        assert article.eval_error is not None and "broken" in article.eval_error
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lines) == 3
    assert all("rule broken" in line for line in lines)
    assert [f"article {i}" in line for i, line in zip(ids, lines, strict=True)] == [True] * 3
    # Marked, so not tried for ever: the next pass has nothing to do.
    assert evaluate_pending(archive, ruleset, now=T0).evaluated == 0
    shown = render_article(archive, ids[0])
    assert shown is not None and "rules erred: rule broken: ZeroDivisionError" in shown


def test_an_article_that_cannot_be_evaluated_is_set_aside_and_the_pass_goes_on(
    archive: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    ids = stories(archive, 3)
    ruleset = _ruleset()
    scan = ruleset.scan

    def scan_or_fail(title: str, *args: Any) -> Any:
        if title == "Story 0":
            raise RecursionError("maximum recursion depth exceeded")
        return scan(title, *args)

    ruleset.scan = scan_or_fail  # type: ignore[method-assign,assignment]
    with caplog.at_level(logging.ERROR, logger="alerts"):
        report = evaluate_pending(archive, ruleset, now=T0)

    assert report.evaluated == 2 and report.errors == 1
    assert _matches(archive) >= {(ids[1], "drones"), (ids[2], "drones")}
    first = _articles(archive)[0]
    assert first.evaluated_at is not None and not first.relevant
    assert first.eval_error is not None and "RecursionError" in first.eval_error
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lines) == 1 and f"article {ids[0]}" in lines[0]
    assert evaluate_pending(archive, ruleset, now=T0).evaluated == 0
