"""Triage of alerts in the review UI: one verdict per alert, rule precision, noisy rules.

A rule is noisy when, among its alerts of the last 7 days, at least 10 were judged noise and
noise is at least half of its verdicts there (the thresholds of Elastic's noisy-rule flag).
Precision is the share of a rule's judged alerts that were worth reading (relevant or
follow-up); muted stories count for neither side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Text, cast, delete, or_
from sqlmodel import Session, col, select

from db.models import Alert, Article, Delivery, Triage, utcnow

VERDICTS = ("new", "relevant", "noise", "follow-up", "muted")
USEFUL = frozenset({"relevant", "follow-up"})
NOISY_MIN_FALSE = 10
NOISY_WINDOW = timedelta(days=7)


class TriageError(ValueError):
    """A verdict the UI does not know, or an alert that does not exist."""


def set_verdict(engine: Engine, alert_id: int, verdict: str) -> list[int]:
    """Record `verdict` for the alert ("new" clears it); "muted" mutes every alert of its
    story. Returns the ids of the alerts changed."""
    if verdict not in VERDICTS:
        raise TriageError(f"unknown verdict {verdict!r} (one of {', '.join(VERDICTS)})")
    with Session(engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise TriageError(f"no alert with id {alert_id}")
        ids = [alert_id]
        if verdict == "muted":
            story = session.exec(select(Article.story_id).where(Article.id == alert.article_id))
            story_id = story.first()
            if story_id is not None:
                members = select(col(Alert.id)).join(
                    Article, col(Article.id) == col(Alert.article_id)
                )
                ids = [
                    i for i in session.exec(members.where(col(Article.story_id) == story_id)) if i
                ]
        rows = {
            t.alert_id: t for t in session.exec(select(Triage).where(col(Triage.alert_id).in_(ids)))
        }
        if verdict == "new":
            session.connection().execute(delete(Triage).where(col(Triage.alert_id).in_(ids)))
        else:
            now = utcnow()
            for changed in ids:
                row = rows.get(changed) or Triage(alert_id=changed, verdict=verdict)
                row.verdict, row.updated_at = verdict, now
                session.add(row)
        session.commit()
        return sorted(i for i in ids if i is not None)


def alert_rules(alert: Alert) -> list[str]:
    """The rules an alert names, highest severity first (older rows: their one rule)."""
    return _named(alert.rule, alert.rules)


def _named(rule: str, rules: Sequence[Any] | None) -> list[str]:
    return [str(entry["rule"]) for entry in rules or []] or [rule]


def _names_rule(rule: str) -> Any:
    """Alerts naming `rule`: first, or anywhere in `rules` (JSON text, alike on both backends)."""
    pattern = (
        '%"rule": "' + rule.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
    )
    return or_(col(Alert.rule) == rule, cast(col(Alert.rules), Text).like(pattern, escape="\\"))


@dataclass(frozen=True, slots=True)
class InboxRow:
    alert_id: int
    created_at: datetime
    rules: tuple[str, ...]
    kind: str  # new | update | followup (legacy: from before one alert per article)
    severity: str
    article_id: int
    title: str
    url: str
    lang: str | None
    story_id: int | None
    story_size: int  # articles in the alert's story
    channels: tuple[tuple[str, str], ...]  # (channel, status) of its first deliveries
    verdict: str


@dataclass(frozen=True, slots=True)
class InboxFilter:
    rule: str | None = None
    severity: str | None = None
    status: str | None = None  # a triage verdict, "new" included
    channel: str | None = None


def inbox(engine: Engine, where: InboxFilter, limit: int = 100, offset: int = 0) -> list[InboxRow]:
    """Alerts newest first, each with its article, deliveries and verdict."""
    with Session(engine) as session:
        query = (
            select(Alert, Article, Triage.verdict)
            .join(Article, col(Article.id) == col(Alert.article_id))
            .join(Triage, col(Triage.alert_id) == col(Alert.id), isouter=True)
        )
        if where.rule:
            query = query.where(_names_rule(where.rule))
        if where.severity:
            query = query.where(Alert.severity == where.severity)
        if where.status == "new":
            query = query.where(col(Triage.verdict).is_(None))
        elif where.status:
            query = query.where(Triage.verdict == where.status)
        if where.channel:
            query = query.where(
                col(Alert.id).in_(
                    select(Delivery.alert_id).where(Delivery.channel == where.channel)
                )
            )
        rows = session.exec(
            query.order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        alert_ids = [alert.id for alert, _a, _v in rows]
        channels: dict[int, dict[str, str]] = {}
        for delivery in session.exec(
            select(Delivery).where(col(Delivery.alert_id).in_(alert_ids)).order_by(col(Delivery.id))
        ):
            channels.setdefault(delivery.alert_id, {}).setdefault(delivery.channel, delivery.status)
        stories = {article.story_id for _al, article, _v in rows if article.story_id is not None}
        sizes = Counter(
            session.exec(select(Article.story_id).where(col(Article.story_id).in_(stories)))
        )
        result = []
        for alert, article, verdict in rows:
            assert alert.id is not None and article.id is not None
            result.append(
                InboxRow(
                    alert.id,
                    alert.created_at,
                    tuple(alert_rules(alert)),
                    alert.kind,
                    alert.severity,
                    article.id,
                    article.title,
                    article.url,
                    article.lang,
                    article.story_id,
                    sizes.get(article.story_id, 1),
                    tuple(channels.get(alert.id, {}).items()),
                    verdict or "new",
                )
            )
        return result


def inbox_choices(engine: Engine) -> dict[str, list[str]]:
    """The values the inbox can be filtered by: rules, severities and channels seen."""
    with Session(engine) as session:
        # Not DISTINCT: PostgreSQL's json type has no equality.
        named = session.exec(select(Alert.rule, Alert.rules))
        return {
            "rule": sorted({name for rule, rules in named for name in _named(rule, rules)}),
            "severity": sorted(session.exec(select(Alert.severity).distinct())),
            "channel": sorted(session.exec(select(Delivery.channel).distinct())),
        }


@dataclass(frozen=True, slots=True)
class RuleQuality:
    rule: str
    alerts: int
    verdicts: Counter[str]
    noise_7d: int
    judged_7d: int

    @property
    def precision(self) -> float | None:
        useful = sum(self.verdicts[v] for v in USEFUL)
        judged = useful + self.verdicts["noise"]
        return useful / judged if judged else None

    @property
    def noisy(self) -> bool:
        return self.noise_7d >= NOISY_MIN_FALSE and 2 * self.noise_7d >= self.judged_7d


def rule_quality(engine: Engine, now: datetime | None = None) -> dict[str, RuleQuality]:
    """Per alerting rule: its alerts, verdict counts, precision and the noisy flag. A verdict
    on an alert naming several rules counts for each of them."""
    since = (now or utcnow()) - NOISY_WINDOW
    with Session(engine) as session:
        rows = [
            (name, created, verdict)
            for first, rules, created, verdict in session.exec(
                select(Alert.rule, Alert.rules, Alert.created_at, Triage.verdict).join(
                    Triage, col(Triage.alert_id) == col(Alert.id), isouter=True
                )
            )
            for name in _named(first, rules)
        ]
    totals: Counter[str] = Counter()
    verdicts: dict[str, Counter[str]] = {}
    noise_7d: Counter[str] = Counter()
    judged_7d: Counter[str] = Counter()
    for rule, created, verdict in rows:
        totals[rule] += 1
        counts = verdicts.setdefault(rule, Counter())
        counts[verdict or "new"] += 1
        if created >= since and verdict is not None:
            judged_7d[rule] += 1
            noise_7d[rule] += verdict == "noise"
    return {
        rule: RuleQuality(rule, totals[rule], verdicts[rule], noise_7d[rule], judged_7d[rule])
        for rule in sorted(totals)
    }
