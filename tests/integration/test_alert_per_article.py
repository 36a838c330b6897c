"""What an analyst receives: one message per article and channel naming every rule that fired;
nothing new for a report of a story the analysts already have (a seed's, or an alerted one),
unless it brings something new; and `show` and the export say why.

Real parts: an SMTP server (aiosmtpd) on loopback, the archive on SQLite and PostgreSQL, a
frozen clock for the digest slots.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from alerts.delivery.channels import build_channels
from alerts.delivery.config import AlertsConfig
from alerts.delivery.outbox import DispatchReport, dispatch_due
from alerts.evaluate import evaluate_pending
from alerts.rules.config import EntityConfig, RuleConfig
from alerts.rules.ruleset import RuleSet
from db.export import write_jsonl
from db.models import Alert, Article, Delivery
from newswatch.commands.show import render_article
from tests.support.smtp import SmtpServer, mail_channel
from tests.support.stories import deliveries, store

T0 = dt.datetime(2026, 11, 23, 9, 10, tzinfo=dt.UTC)
NEXT_HOUR = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

RULES = [
    RuleConfig(name="engines", severity="medium", channels=["mail"], query="engine*"),
    RuleConfig(name="drone_parts", severity="high", channels=["mail"], query="drone*"),
    RuleConfig(name="moscow", severity="low", channels=["mail"], query="Moscow"),
    RuleConfig(name="sanctions", severity="high", channels=["mail"], query="sanction*"),
]
ENTITIES = [EntityConfig(name="Shenzhen Skyparts", kind="company", aliases=["Skyparts"])]


def _mail(port: int, **kw: Any) -> AlertsConfig:
    return AlertsConfig(channels={"mail": mail_channel(port, **kw)})


def _evaluate(engine: Engine) -> int:
    return evaluate_pending(engine, RuleSet(RULES, {}, ENTITIES), now=T0).alerts


def _dispatch(engine: Engine, cfg: AlertsConfig, now: dt.datetime) -> DispatchReport:
    return dispatch_due(engine, build_channels(cfg), cfg, now=now)


def _seed(engine: Engine, stem: str, title: str, extra: str = "") -> int:
    article_id = store(engine, f"seed:{stem}", title, extra, source="seeds")
    with Session(engine) as session:
        session.exec(update(Article).where(col(Article.id) == article_id).values(seed=stem))
        session.commit()
    return article_id


def _alert(engine: Engine, article_id: int) -> Alert | None:
    with Session(engine) as session:
        return session.exec(select(Alert).where(Alert.article_id == article_id)).first()


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def _exported(engine: Engine) -> dict[int, dict[str, Any]]:
    out = io.StringIO()
    write_jsonl(engine, out)
    return {r["id"]: r for r in map(json.loads, out.getvalue().splitlines())}


def test_one_message_per_article_names_every_rule_most_severe_first(
    archive: Engine, smtp: SmtpServer
) -> None:
    # "drone*", "engine*" and "Moscow" all match the shared text: three rules, one article.
    article = store(archive, "https://news.example/parts", "Drone engines reach Moscow")
    assert _evaluate(archive) == 1
    (delivery,) = deliveries(archive)
    assert (delivery.article_id, delivery.channel) == (article, "mail")

    report = _dispatch(archive, _mail(smtp.port), T0)
    assert (report.sent, report.failed) == (1, 0)
    (message,) = smtp.inbox.messages
    assert message["Subject"] == (
        "[newswatch] drone_parts, engines, moscow: Drone engines reach Moscow"
    )
    body = _text(message)
    assert "Rules: drone_parts (high), engines (medium), moscow (low)" in body
    alert = _alert(archive, article)
    assert alert is not None
    assert (alert.kind, alert.rule, alert.severity) == ("new", "drone_parts", "high")


def test_a_report_of_a_seeds_story_is_a_digest_line_not_an_alert(
    archive: Engine, smtp: SmtpServer
) -> None:
    seed = _seed(archive, "seed_parts", "What the team read: drone engines for Moscow")
    report = store(
        archive, "https://wire.example/parts", "Wire: drone engines", "A wire.", story_of=seed
    )
    assert _evaluate(archive) == 0  # no new alert: the seed is known, nothing new
    alert = _alert(archive, report)
    assert alert is not None and alert.kind == "followup"
    assert _alert(archive, seed) is None  # seeds never alert

    cfg = _mail(smtp.port)  # followups = "digest" by default, into the hourly overflow
    assert _dispatch(archive, cfg, T0).sent == 0
    assert smtp.inbox.messages == []
    at_slot = _dispatch(archive, cfg, NEXT_HOUR)
    assert (at_slot.digests_sent, at_slot.failed) == (1, 0)
    (message,) = smtp.inbox.messages
    text = _text(message)
    assert "## Wire: drone engines" in text
    assert "(a story the team has read (seed seed_parts); more coverage since)" in text

    record = _exported(archive)[report]
    assert (record["alerted"], record["alert_kind"]) == (False, "followup")
    assert record["alert_reason"].startswith(f"follow-up of story {seed} (seed seed_parts)")
    shown = render_article(archive, report)
    assert shown is not None
    assert f"why:        follow-up of story {seed} (seed seed_parts): nothing new" in shown


def test_followups_none_sends_nothing_and_says_so(archive: Engine, smtp: SmtpServer) -> None:
    seed = _seed(archive, "seed_parts", "Drone engines for Moscow")
    store(archive, "https://wire.example/parts", "Wire copy", "A wire.", story_of=seed)
    _evaluate(archive)
    report = _dispatch(archive, _mail(smtp.port, followups="none"), NEXT_HOUR)
    assert (report.sent, report.skipped, report.digests_sent) == (0, 1, 0)
    (delivery,) = deliveries(archive)
    assert delivery.status == "skipped"
    assert "followups = none" in (delivery.last_error or "")
    assert smtp.inbox.messages == []


def test_a_thread_reply_needs_a_thread_else_it_is_a_digest_line(
    archive: Engine, smtp: SmtpServer
) -> None:
    seed = _seed(archive, "seed_parts", "Drone engines for Moscow")
    store(archive, "https://wire.example/parts", "Wire copy", "A wire.", story_of=seed)
    _evaluate(archive)
    cfg = _mail(smtp.port, followups="thread")
    assert _dispatch(archive, cfg, T0).digested == 1  # a seed was never sent: no thread
    assert smtp.inbox.messages == []


def test_an_alerted_storys_later_report_threads_under_it_when_asked(
    archive: Engine, smtp: SmtpServer
) -> None:
    first = store(archive, "https://news.example/parts", "Drone engines reach Moscow")
    later = store(
        archive, "https://other.example/parts", "Another outlet", "Also here.", story_of=first
    )
    assert _evaluate(archive) == 1
    cfg = _mail(smtp.port, followups="thread")
    assert _dispatch(archive, cfg, T0).sent == 2
    lead, reply = smtp.inbox.messages
    assert reply["In-Reply-To"] == lead["Message-ID"]
    assert reply["Subject"].startswith("Re: ")
    assert "More coverage of a story already alerted." in _text(reply)
    alert = _alert(archive, later)
    assert alert is not None and alert.kind == "followup"


def test_a_known_story_article_with_a_new_rule_or_entity_alerts_in_its_thread(
    archive: Engine, smtp: SmtpServer
) -> None:
    first = store(archive, "https://news.example/parts", "Drone engines reach Moscow")
    sanctions = store(
        archive,
        "https://news.example/sanctions",
        "Washington answers",
        "Washington sanctioned the exporters on Friday.",
        story_of=first,
    )
    supplier = store(
        archive,
        "https://news.example/supplier",
        "The supplier",
        "The parts came from Skyparts, customs files show.",
        story_of=first,
    )
    assert _evaluate(archive) == 3  # the story's first alert and two updates
    kinds = {a: (x.kind if (x := _alert(archive, a)) else None) for a in (sanctions, supplier)}
    assert kinds == {sanctions: "update", supplier: "update"}

    assert _dispatch(archive, _mail(smtp.port), T0).sent == 3
    lead, *updates = smtp.inbox.messages
    assert all(m["In-Reply-To"] == lead["Message-ID"] for m in updates)
    texts = [_text(m) for m in updates]
    assert any("New in a known story: brings rule sanctions." in t for t in texts)
    assert any("New in a known story: brings entity Shenzhen Skyparts." in t for t in texts)
    records = _exported(archive)
    assert [records[a]["alerted"] for a in (first, sanctions, supplier)] == [True] * 3
    assert records[first]["alert_reason"].startswith("new story: drone_parts")


def test_an_article_that_alerts_nowhere_says_why(archive: Engine) -> None:
    seed = _seed(archive, "seed_parts", "Drone engines for Moscow")
    copy = store(archive, "https://copy.example/parts", "Copy", story_of=seed)
    with Session(archive) as session:
        session.exec(update(Article).where(col(Article.id) == copy).values(duplicate_of=seed))
        session.commit()
    _evaluate(archive)
    records = _exported(archive)
    assert records[seed]["alert_reason"] == "a seed: the team has read it"
    assert records[copy]["alert_reason"] == f"a copy of article {seed}"
    assert not records[seed]["alerted"] and not records[copy]["alerted"]
    with Session(archive) as session:
        assert session.exec(select(Delivery)).all() == []


def test_a_new_statement_in_a_known_story_is_an_update_the_same_report_a_follow_up(
    archive: Engine,
) -> None:
    first = store(archive, "https://news.example/parts", "Drone engines reach Moscow")
    again = store(
        archive,
        "https://other.example/parts",
        "Drone engines for Moscow",
        "Moscow and Shenzhen are named in the customs records.",
        story_of=first,
    )
    statement = store(
        archive,
        "https://wire.example/peskov",
        "Kremlin answers",
        "Kremlin spokesman Dmitry Peskov told Interfax in Vladivostok on 14 March 2026 that "
        "Rosoboronexport had paid 312 million yuan to Zhuhai Avionics and Harbin Motor Works, "
        "and that Sergei Chemezov would meet Liu Wei in Tianjin.",
        story_of=first,
    )
    _evaluate(archive)
    kinds = {a: (x.kind if (x := _alert(archive, a)) else None) for a in (again, statement)}
    assert kinds == {again: "followup", statement: "update"}
    records = _exported(archive)
    assert "brings evidence of its own" in records[statement]["alert_reason"]
    assert records[again]["alert_reason"].endswith("nothing new")
