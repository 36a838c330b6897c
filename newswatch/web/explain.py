"""Why an article alerted or did not, how it joined its story, and where its hits are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from db.models import Alert, Article, Match
from db.triage import alert_rules
from newswatch.web.render import marked


def spans(text: str, hits: Sequence[dict[str, Any]], field: str) -> Markup:
    """`text` escaped with the stored hits of one field marked; hits that no longer read as
    recorded (an older match of an edited text) are left out."""
    found = []
    for hit in hits:
        start, end = int(hit.get("start", 0)), int(hit.get("end", 0))
        if hit.get("field") == field and text[start:end] == hit.get("found"):
            found.append((start, end))
    return marked(text, found)


def join_reason(article: Article) -> str:
    """How the article came into its story, from the verdict stored with it."""
    score = f" (score {article.dup_score:.2f})" if article.dup_score is not None else ""
    if article.duplicate_of is not None:
        how = {
            "text-hash": "the same normalised text as",
            "near": "a near-duplicate (shared word shingles) of",
            "cross-lingual": "a copy, in any language (shared names, numbers, dates), of",
        }.get(article.dup_method or "", f"a duplicate ({article.dup_method}) of")
        return f"{how} #{article.duplicate_of}{score}"
    if article.story_id is not None and article.story_id != article.id:
        return "not a copy, but close enough in names, numbers and dates to join the story"
    return "started the story" + (" (a seed)" if article.seed else "")


def alert_reasons(article: Article, matches: Sequence[Match], alerts: Sequence[Alert]) -> list[str]:
    """The article's alert (which rules, new coverage or a follow-up of a known story), and the
    reason evaluation recorded for alerting or not."""
    if article.evaluated_at is None:
        return ["not evaluated by the rules yet"]
    kinds = {
        "new": "new coverage",
        "update": "an update of a known story",
        "followup": "a follow-up",
    }
    lines = [
        f"alert #{alert.id}, {kinds.get(alert.kind, alert.kind)}: {', '.join(alert_rules(alert))}"
        for alert in alerts
    ]
    if article.alert_reason:
        lines.append(article.alert_reason)
    if not matches and not lines:
        lines.append("no rule matched")
    return lines
