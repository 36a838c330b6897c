"""`newswatch check URL|FILE`, run as a user runs it: the verdict with its reasons, the
rules that match, and nothing written to the archive."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.configs import shipped_rules, shipped_vocabulary, write_config
from tests.support.dedup_set import load_cases
from tests.support.devset_eval import shipped_dedup
from tests.support.webserver import Reply, serving

CASES = {case.id: case for case in load_cases()}


def _page(case_id: str) -> bytes:
    case = CASES[case_id]
    paragraphs = "".join(f"<p>{p}</p>" for p in case.text.split("\n\n"))
    return (
        f"<html><head><title>{case.title}</title>"
        f'<meta property="article:published_time" content="{case.published}T09:00:00Z">'
        f"</head><body><article><h1>{case.title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def _articles(folder: Path) -> int:
    with sqlite3.connect(folder / "archive.db") as connection:
        return int(connection.execute("SELECT count(*) FROM article").fetchone()[0])


def test_check_explains_a_cross_lingual_copy_and_writes_nothing(tmp_path: Path) -> None:
    # The topic rule alone, sending nowhere: `check` sends nothing anyway.
    topic = [{**r, "channels": []} for r in shipped_rules() if r.get("topic")]
    config = write_config(
        tmp_path,
        rules=topic,
        dedup=shipped_dedup().model_dump(),  # the topic's names, as shipped
        **shipped_vocabulary(),
    )
    assert run_cli(config, "seeds", "import").returncode == 0
    with serving() as server:
        server.route(
            "/wire", Reply(body=_page("s003-en-wire"), headers={"Content-Type": "text/html"})
        )
        result = run_cli(config, "check", server.url("/wire"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "DUPLICATE of article 4 (cross-lingual" in out
    assert "China hilft Moskau" in out  # the seed it copies, with its scores per method
    assert "near 0.00" in out and "fingerprint 0." in out and "days apart" in out
    assert "900000000" in out and "70%" in out  # the shared facts that decided it
    assert "china_russia_military_support (topic)" in out
    assert "nothing was written to the archive" in out
    assert _articles(tmp_path) == 5


def test_check_of_a_text_file_that_is_new(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    assert run_cli(config, "seeds", "import").returncode == 0
    case = CASES["s003-en-new-g7"]
    page = tmp_path / "g7.txt"
    page.write_text(f"{case.title}\n\n{case.text}", encoding="utf-8")
    result = run_cli(config, "check", str(page), "--date", str(case.published))
    assert result.returncode == 0, result.stderr
    assert "verdict:   NEW" in result.stdout
    assert f"published: {case.published}" in result.stdout
    assert _articles(tmp_path) == 5


def test_check_says_why_a_page_cannot_be_checked(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    missing = run_cli(config, "check", str(tmp_path / "nowhere.html"))
    assert missing.returncode == 1
    assert "neither a file nor an http(s) URL" in missing.stderr
    with serving() as server:
        server.route("/teaser", Reply(body=b"<html><body><p>Short.</p></body></html>"))
        empty = run_cli(config, "check", server.url("/teaser"))
    assert empty.returncode == 1 and "no article text found" in empty.stderr
