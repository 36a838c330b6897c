"""What the analysts already know of an article's story, and what kind of alert it makes.

An article is reported to the analysts once, in one message per channel that names every rule
it fired. What that message is depends on its story (the deduplicator's `story_id`):
- a story the analysts do not know yet: a `new` alert;
- a known story (it holds a seed, which the team has read, or an article already alerted):
  - the article brings something the story had not: a rule or a watchlisted entity no other
    article of the story matched, or mostly evidence of its own (a new statement of the same
    people: most of its weighed names, numbers and dates are in no other article of the
    story, db/dedup/novelty.py): an `update`, sent in the story's thread;
  - it brings nothing new (another outlet's report of the same event): a `followup`, which is
    not a new alert; each channel's `followups` setting makes it a digest line, a thread reply
    or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from alerts.rules.ruleset import RuleMatch
from db.dedup.novelty import new_evidence
from db.models import ALERTING_KINDS, Alert, Article, ArticleEntity, Match

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
# An article of a known story most of whose evidence the story does not have says something
# new: more than half, so that a report of the same event with background of its own (an
# earlier date, a figure from last year) stays a follow-up.
NEW_EVIDENCE_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class KnownStory:
    """The rest of a story, as far as deciding on one of its articles needs it."""

    story_id: int
    seed: str | None  # a seed of the story (file stem), if it holds one
    alert_id: int | None  # the story's first alert, if one was raised
    rules: frozenset[str]  # every rule another article of the story matched
    entities: frozenset[str]  # every watchlisted entity another article of it names
    # The share of the article's weighed evidence that no other article of the story has.
    fresh: float | None = None

    @property
    def known(self) -> bool:
        return self.seed is not None or self.alert_id is not None

    @property
    def label(self) -> str:
        if self.alert_id is not None:
            return f"story {self.story_id} (alert {self.alert_id})"
        return f"story {self.story_id} (seed {self.seed})"


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str  # new | update | followup (see db.models.ALERT_KINDS)
    reason: str


def by_severity(matches: Sequence[RuleMatch]) -> list[RuleMatch]:
    """Highest severity first; rules of one severity in the order config.toml lists them."""
    return sorted(matches, key=lambda m: _SEVERITY_ORDER.get(m.rule.severity, 9))


def known_story(session: Session, article_id: int, story_id: int) -> KnownStory:
    """The other articles of `story_id` that the rules have already looked at."""
    others = (
        select(Article.id)
        .where(col(Article.story_id) == story_id, col(Article.id) != article_id)
        .where(col(Article.evaluated_at).is_not(None) | col(Article.seed).is_not(None))
    )
    seed = session.exec(
        select(Article.seed)
        .where(col(Article.story_id) == story_id, col(Article.seed).is_not(None))
        .order_by(col(Article.id))
        .limit(1)
    ).first()
    alert_id = session.exec(
        select(Alert.id)
        .join(Article, col(Article.id) == col(Alert.article_id))
        .where(
            col(Article.story_id) == story_id,
            col(Alert.article_id) != article_id,
            col(Alert.kind).in_(ALERTING_KINDS),
        )
        .order_by(col(Alert.id))
        .limit(1)
    ).first()
    rules = session.exec(select(Match.rule).where(col(Match.article_id).in_(others)).distinct())
    entities = session.exec(
        select(ArticleEntity.entity).where(col(ArticleEntity.article_id).in_(others)).distinct()
    )
    fresh = new_evidence(session, article_id, story_id)
    return KnownStory(story_id, seed, alert_id, frozenset(rules), frozenset(entities), fresh)


def decide(story: KnownStory, fired: Sequence[RuleMatch], entities: Sequence[str]) -> Decision:
    """What the alert of an article that fired `fired` and names `entities` is."""
    if not story.known:
        return Decision("new", "new story: " + ", ".join(m.rule.name for m in fired))
    new_rules = [m.rule.name for m in fired if m.rule.name not in story.rules]
    new_entities = [name for name in dict.fromkeys(entities) if name not in story.entities]
    brings = [f"rule {name}" for name in new_rules]
    brings += [f"entity {name}" for name in new_entities]
    if story.fresh is not None and story.fresh > NEW_EVIDENCE_SHARE:
        brings.append(f"evidence of its own ({story.fresh:.0%} of its names, numbers and dates)")
    if brings:
        return Decision("update", f"update of {story.label}: brings {', '.join(brings)}")
    return Decision("followup", f"follow-up of {story.label}: nothing new")
