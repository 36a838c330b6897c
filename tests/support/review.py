"""A review archive for the web UI tests: our own articles in four languages, the seeds, a
hostile page, stored and evaluated by the product's own code; and the UI served on loopback.

Every article goes through `store_article` (dedup verdicts and stories as in production) and
`evaluate_pending` (matches, entities, alerts and their outbox rows); source polls through
`record_poll`. Nothing is sent: the email channel points at a closed port and no test
dispatches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine

from alerts.evaluate import evaluate_pending
from db.draft import ArticleDraft
from db.engine import open_archive
from db.models import utcnow
from db.seeds import import_seeds
from db.store import record_poll, store_article, sync_sources
from newswatch.config import AppConfig, parse_config
from newswatch.web.app import build_app
from tests.support.configs import ROOT
from tests.support.smtp import free_port
from tests.support.stories import EXACT_ONLY

SOURCES = [
    ("wire-en", "feed", "https://wire.example/en/feed.xml"),
    ("zeitung-de", "feed", "https://zeitung.example/de/rss"),
    ("gazeta-ru", "feed", "https://gazeta.example/ru/rss"),
    ("journal-fr", "feed", "https://journal.example/fr/rss"),
]

DRONES_EN = (
    "On 14 March 2026 customs records showed that 1,200 drone engines made in Shenzhen by "
    "Xiamen Limbach reached the Kupol factory in Izhevsk. The shipments, worth 14 million "
    "dollars, passed through Hong Kong trader Asia Pacific Links.\n"
    "Kupol assembles Garpiya drones for the army, two people familiar with the deliveries said."
)
# The same report in German: the deduplicator takes it for a cross-lingual copy.
DRONES_DE = (
    "Am 14. März 2026 zeigten Zollunterlagen, dass 1200 Drohnenmotoren von Xiamen Limbach aus "
    "Shenzhen das Kupol-Werk in Ischewsk erreichten. Die Lieferungen im Wert von 14 Millionen "
    "Dollar liefen über den Händler Asia Pacific Links in Hongkong.\n"
    "Kupol baut Garpiya-Drohnen für die Armee, sagten zwei mit den Lieferungen vertraute "
    "Personen."
)
DRONES_RU = (
    "Завод в Ижевске начал выпуск новых дронов-разведчиков, сообщил губернатор региона. "
    "По его словам, предприятие получило станки и электронику из Китая через посредников.\n"
    "Первые дроны поступят в войска летом, добавил он."
)
SATELLITE_FR = (
    "La société chinoise Spacety a fourni des images satellites à un groupe russe, selon des "
    "documents du Trésor américain. Les images montraient des positions en Ukraine.\n"
    "Spacety a été sanctionnée en janvier; l'entreprise n'a pas répondu aux questions."
)
TOY_EN = (
    "A toy drone festival drew families to the park on Sunday. Children flew small toy "
    "drones over the lake while a band played, and the organisers promised a larger event."
)
HOSTILE_TITLE = '<script>document.title="pwned"</script> Drone <img src=x onerror="alert(1)">'
HOSTILE_TEXT = (
    'A drone report. <img src=x onerror="document.body.dataset.pwned=1"> '
    '<a href="javascript:alert(1)">click</a> <script>window.pwned = true</script> '
    "The text goes on about drone parts from Shenzhen for a while so that it is long enough."
)

CONFIG: dict[str, Any] = {
    "entities": [
        {"name": "Spacety", "kind": "company", "aliases": ["Spacety"], "tags": ["sanctioned"]},
        {"name": "Shenzhen", "kind": "place", "aliases": ["Shenzhen"]},
    ],
    "rules": [
        {"name": "topic", "topic": True, "query": "drone* OR Drohne* OR дрон* OR Spacety"},
        {
            "name": "drones",
            "query": '(drone* OR Drohne* OR дрон*) AND NOT "toy drone*"',
            "severity": "high",
            "channels": ["email"],
        },
        # Only the built-in inbox: an alert without any delivery.
        {"name": "satellites", "query": "satellit* OR entity:#sanctioned", "channels": ["inbox"]},
        {"name": "toys", "query": '"toy drone*"', "severity": "low", "channels": ["email"]},
    ],
    "alerts": {
        "channels": {
            "email": {
                "kind": "email",
                "host": "127.0.0.1",
                "port": 9,
                "security": "none",
                "sender": "newswatch@localhost",
                "recipients": ["analyst@localhost"],
            }
        }
    },
    "sources": [{"name": n, "kind": k, "url": u} for n, k, u in SOURCES],
}


@dataclass(frozen=True, slots=True)
class ReviewArchive:
    engine: Engine
    config: AppConfig
    ids: dict[str, int]  # article ids by the names used here


def app_config(folder: Path, url: str) -> AppConfig:
    raw = {**CONFIG, "database": {"url": url}, "seeds": {"dir": str(ROOT / "seeds")}}
    return parse_config(raw, folder / "config.toml")


def fill(url: str, folder: Path, toys: int = 1) -> ReviewArchive:
    """An archive at `url` with the seeds, our articles and their alerts."""
    config = app_config(folder, url)
    engine = open_archive(config.database.url)
    import_seeds(engine, config.seeds.dir)
    sync_sources(engine, SOURCES)
    now = utcnow()
    drafts = {
        "drones_en": (
            "wire-en",
            "Drone engines from Shenzhen reach Moscow plant",
            DRONES_EN,
            "en",
            3,
        ),
        "drones_copy": ("journal-fr", "Drone engines reach Moscow plant", DRONES_EN, "en", 2),
        "drones_de": (
            "zeitung-de",
            "Drohnenmotoren aus Shenzhen erreichen Moskau",
            DRONES_DE,
            "de",
            2,
        ),
        "drones_ru": ("gazeta-ru", "Завод в Ижевске выпускает дроны", DRONES_RU, "ru", 5),
        "satellite_fr": ("journal-fr", "Spacety a fourni des images", SATELLITE_FR, "fr", 1),
        "hostile": ("wire-en", HOSTILE_TITLE, HOSTILE_TEXT, "en", 1),
    }
    for n in range(toys):
        drafts[f"toy{n}"] = (
            "wire-en",
            f"Toy drone festival {n}",
            f"{TOY_EN} Edition {n}.",
            "en",
            0,
        )
    ids: dict[str, int] = {}
    for name, (source, title, text, lang, days_ago) in drafts.items():
        url_of = "javascript:alert(1)" if name == "hostile" else f"https://{source}.example/{name}"
        draft = ArticleDraft(
            url=url_of,
            title=title,
            text=text,
            published=now - timedelta(days=days_ago, hours=1),
            lang=lang,
            site_name=source,
            source=source,
        )
        # The toy reports are alike on purpose; each is its own story (one alert each).
        dedup = EXACT_ONLY if name.startswith("toy") else config.dedup
        ids[name] = store_article(engine, draft, dedup).article_id
    evaluate_pending(engine, config.ruleset())
    for name, _kind, _url in SOURCES:
        record_poll(engine, name, error=None, seen=12, new=3)
    record_poll(
        engine, "gazeta-ru", error="HTTP 503 from https://gazeta.example/ru/rss", seen=0, new=0
    )
    return ReviewArchive(engine, config, ids)


@contextmanager
def serving(archive: Engine, config: AppConfig, token: str | None = None) -> Iterator[str]:
    """The UI over `archive` on a free loopback port, in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(archive, config, token),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review UI did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
