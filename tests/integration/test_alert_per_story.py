"""One alert per story and rule is held by the archive, not only by a look before the insert."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

import alerts.evaluate
from db.models import Alert, Delivery
from tests.support.stories import evaluate, store

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_a_second_alert_for_a_story_loses_to_the_constraint_and_becomes_a_follow_up(
    archive: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = store(archive, "https://news.example/first", "Drone parts reach Moscow")
    assert evaluate(archive, ["email"], T0) == 1
    later = store(
        archive, "https://other.example/later", "More drone parts", "Later.", story_of=first
    )
    # The race: this evaluator looked before the other's alert was committed and saw none.
    monkeypatch.setattr(alerts.evaluate, "story_alert", _first_look_sees_nothing())

    assert evaluate(archive, ["email"], T0) == 0

    with Session(archive) as session:
        found = list(session.exec(select(Alert)))
        sent = list(session.exec(select(Delivery).order_by(col(Delivery.id))))
    assert [(a.article_id, a.story_id) for a in found] == [(first, first)]
    assert [(d.alert_id, d.article_id) for d in sent] == [
        (found[0].id, first),
        (found[0].id, later),
    ]


def _first_look_sees_nothing() -> object:
    from alerts.delivery.enqueue import story_alert as real

    looks = iter([None])

    def story_alert(session: Session, rule: str, story_id: int) -> int | None:
        return next(looks, real(session, rule, story_id))

    return story_alert


def test_the_upgrade_gives_each_story_one_alert_and_keeps_the_extra_ones(archive_url: str) -> None:
    from sqlalchemy import text

    from db.engine import make_engine, migrate

    engine = make_engine(archive_url)
    try:
        migrate(engine, "0008a")
        with engine.begin() as connection:
            for number, story in ((1, 1), (2, 1), (3, 3)):
                connection.execute(
                    text(
                        "INSERT INTO article (id, url, title, text, text_hash, story_id, relevant,"
                        " created_at) VALUES (:id, :url, 't', 'x', 'h', :story, false, :now)"
                    ),
                    {"id": number, "url": f"https://e.example/{number}", "story": story, "now": T0},
                )
                connection.execute(
                    text(
                        "INSERT INTO match (id, article_id, rule, terms, snippet, created_at)"
                        " VALUES (:id, :id, 'r', '[]', '', :now)"
                    ),
                    {"id": number, "now": T0},
                )
                # Before the constraint, a race could give story 1 two alerts for rule r.
                connection.execute(
                    text(
                        "INSERT INTO alert (id, match_id, article_id, rule, severity, created_at)"
                        " VALUES (:id, :id, :id, 'r', 'high', :now)"
                    ),
                    {"id": number, "now": T0},
                )
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, story_id FROM alert ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, 1), (2, None), (3, 3)]
    finally:
        engine.dispose()
