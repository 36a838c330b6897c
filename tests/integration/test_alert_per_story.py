"""A story's one `new` alert is held by the archive (a unique index), not only by a look
before the insert: an evaluator that loses the race files its article under the winner."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

import alerts.evaluate
from alerts.story import KnownStory
from db.models import Alert
from tests.support.stories import evaluate, store

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_a_second_new_alert_for_a_story_loses_to_the_index_and_is_decided_again(
    archive: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = store(archive, "https://news.example/first", "Drone parts reach Moscow")
    assert evaluate(archive, ["email"], T0) == 1
    later = store(
        archive, "https://other.example/later", "More drone parts", "Later.", story_of=first
    )
    # The race: this evaluator looked before the other's alert was committed and saw none.
    from alerts.story import known_story as real

    looks = iter([KnownStory(first, None, None, frozenset(), frozenset())])

    def known_story(session: Session, article_id: int, story_id: int) -> KnownStory:
        return next(looks, None) or real(session, article_id, story_id)

    monkeypatch.setattr(alerts.evaluate, "known_story", known_story)

    assert evaluate(archive, ["email"], T0) == 0

    with Session(archive) as session:
        found = [
            (a.article_id, a.story_id, a.kind)
            for a in session.exec(select(Alert).order_by(col(Alert.id)))
        ]
    assert found == [(first, first, "new"), (later, first, "followup")]


def test_the_upgrade_keeps_one_new_alert_per_story(archive_url: str) -> None:
    from sqlalchemy import text

    from db.engine import make_engine, migrate

    engine = make_engine(archive_url)
    try:
        migrate(engine, "0008a")
        with engine.begin() as connection:
            for number, story, kind in (
                (1, 1, "new"),
                (2, 1, "new"),
                (3, 1, "legacy"),
                (4, 4, "new"),
            ):
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
                # Before the index, a race could give story 1 two `new` alerts.
                connection.execute(
                    text(
                        "INSERT INTO alert (id, match_id, article_id, rule, severity, kind,"
                        " created_at) VALUES (:id, :id, :id, 'r', 'high', :kind, :now)"
                    ),
                    {"id": number, "kind": kind, "now": T0},
                )
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, story_id FROM alert ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, 1), (2, None), (3, 1), (4, 4)]
    finally:
        engine.dispose()
