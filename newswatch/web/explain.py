"""Why an article alerted or did not, how it joined its story, and where its hits are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup
from sqlmodel import Session, col, select

from db.models import Alert, Article, Match
from newswatch.config import AppConfig
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


def alert_reasons(
    session: Session,
    config: AppConfig,
    article: Article,
    matches: Sequence[Match],
    alerts: Sequence[Alert],
) -> list[str]:
    """One line per rule that matched: the alert it raised, or why it raised none."""
    if article.evaluated_at is None:
        return ["not evaluated by the rules yet"]
    if not matches:
        return ["no rule matched"]
    rules = {r.name: r for r in config.rules}
    raised = {a.rule: a for a in alerts}
    lines = []
    for match in matches:
        rule = rules.get(match.rule)
        if match.rule in raised:
            lines.append(f"{match.rule}: raised alert #{raised[match.rule].id}")
        elif rule is None:
            lines.append(f"{match.rule}: matched; the rule is no longer in the config")
        elif rule.topic:
            lines.append(f"{match.rule}: the topic rule: marks the article relevant")
        elif not rule.channels:
            lines.append(f"{match.rule}: matched; the rule names no channel, so it never alerts")
        elif article.seed:
            lines.append(f"{match.rule}: matched; seeds never alert")
        elif article.duplicate_of is not None:
            lines.append(f"{match.rule}: matched; a duplicate of #{article.duplicate_of}: no alert")
        elif rule.require_topic and not article.relevant:
            lines.append(f"{match.rule}: matched; the rule needs a relevant article")
        else:
            earlier = session.exec(
                select(Alert.id)
                .join(Article, col(Article.id) == col(Alert.article_id))
                .where(Article.story_id == article.story_id, Alert.rule == match.rule)
            ).first()
            lines.append(
                f"{match.rule}: matched; a follow-up of alert #{earlier} of its story"
                if earlier is not None
                else f"{match.rule}: matched; no alert (a novelty rule found nothing new)"
            )
    return lines
