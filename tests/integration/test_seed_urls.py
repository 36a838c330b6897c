"""Seed URLs are canonical, and a seed whose page was crawled first never stops an import."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlmodel import Session, select

from db.draft import ArticleDraft
from db.engine import open_archive
from db.models import Article
from db.store import store_article, sync_sources
from spiders.urls import canonical_url
from tests.support.cli import run_cli
from tests.support.configs import ROOT, write_config

CRAWLED = "https://bwabtk.com/china-overweegt-drones-en-munitie-naar-rusland-te-sturen-voor-de-oorlog-in-oekraine/"
PAROOL = "https://www.parool.nl/wereld/rusland-vraagt-china-om-economische-en-militaire-hulp-impact-zou-enorm-zijn~b77f4f80/"


def _seeds_with_tracking(folder: Path) -> Path:
    """The shipped seeds, one URL written as it was shared: with tracking parameters."""
    seeds = folder / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    catalogue = seeds / "seeds.toml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace(PAROOL, PAROOL + "?utm_source=twitter#comments"), "utf-8")
    return seeds


def test_a_seed_already_crawled_is_imported_beside_it_and_urls_are_canonical(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, seeds={"dir": str(_seeds_with_tracking(tmp_path))})
    archive = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    sync_sources(archive, [("bwabtk", "feed", "https://bwabtk.com/feed/")])
    crawled = store_article(
        archive,
        ArticleDraft(
            url=canonical_url(CRAWLED),
            title="China overweegt drones te sturen",
            text="Het artikel zoals de crawler het vond, voordat de seeds werden geladen.",
            lang="nl",
            source="bwabtk",
        ),
    ).article_id

    first = run_cli(config, "seeds", "import")
    second = run_cli(config, "seeds", "import")

    assert first.returncode == 0, first.stderr
    assert "5 added" in first.stderr
    assert "Traceback" not in first.stderr
    warning = f"its URL {canonical_url(CRAWLED)} was already crawled as article {crawled}"
    assert warning in first.stderr
    assert second.returncode == 0 and "5 unchanged" in second.stderr, second.stderr
    with Session(archive) as session:
        urls = {a.seed: a.url for a in session.exec(select(Article))}
    archive.dispose()
    assert urls[None] == canonical_url(CRAWLED)
    assert urls["000_dda8db076cc0bec2"] == "seed:000_dda8db076cc0bec2"
    assert urls["001_1bb5c68ebf213bdb"] == canonical_url(PAROOL) != PAROOL + "?utm_source=twitter"
