"""Hostile servers and pages, on loopback: each is named in one log line with its reason, the
good pages of the same feed are stored, and the crawl's memory stays bounded.

A gzip bomb, a 50 MB page, an endless chunked answer, a slow-loris server, invalid UTF-8 and a
self-redirect are all listed by one feed beside two good pages; a second feed lists 100,000
entries.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from sqlmodel import Session, select

from db.engine import make_engine
from db.models import Article
from tests.support.cli import env
from tests.support.configs import ROOT, write_config
from tests.support.webserver import Reply, WebServer, rss, serving

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
HTML = {"Content-Type": "text/html; charset=utf-8"}
MAX_PAGE_BYTES = 4_000_000
# What the crawl process may grow to: it peaks at about 265 MB here (Scrapy, trafilatura and
# the rules take about 200); a 50 MB page or the bomb's 200 MB, held whole, would not fit.
MAX_RSS_MB = 450


def _gzip_bomb(decompressed_mb: int) -> bytes:
    """A few hundred kilobytes of gzip that inflate to `decompressed_mb` MB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(decompressed_mb)) + packer.flush()


def _endless() -> Iterator[bytes]:
    piece = b"<p>" + b"more " * 13_000 + b"</p>"
    while True:
        yield piece


def _fifty_megabytes() -> Iterator[bytes]:
    yield b"<html><body>"
    for _ in range(50):
        yield b"<p>" + b"x" * ((1 << 20) - 7) + b"</p>"


def _slow_loris() -> Iterator[bytes]:
    yield b"<html><body><p>"
    while True:
        time.sleep(0.2)
        yield b"a"


def _invalid_utf8() -> bytes:
    rng = random.Random(7)
    words = [
        bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randrange(3, 9))) for _ in range(900)
    ]
    garbage = b" ".join(words)
    return (
        b'<!doctype html><html><head><meta charset="utf-8"><title>' + garbage[:60] + b"</title>"
        b"</head><body><article><p>" + garbage + b"</p></article></body></html>"
    )


def _site(server: WebServer) -> dict[str, str]:
    server.route("/robots.txt", Reply(404, b""))
    hostile = {
        "bomb": Reply(200, _gzip_bomb(200), {**HTML, "Content-Encoding": "gzip"}),
        "fifty": Reply(
            200, headers={**HTML, "Content-Length": str(50 << 20)}, stream=_fifty_megabytes()
        ),
        "endless": Reply(200, headers=HTML, stream=_endless()),
        "loris": Reply(200, headers=HTML, stream=_slow_loris()),
        "garbage": Reply(200, _invalid_utf8(), HTML),
        "self": Reply(302, b"", {"Location": "/hostile/self.html"}),
    }
    urls = {}
    for name, reply in hostile.items():
        server.route(f"/hostile/{name}.html", reply)
        urls[name] = server.url(f"/hostile/{name}.html")
    for name, page in (("trade", "en_trade_gas.html"), ("football", "en_football.html")):
        server.route(f"/good/{name}.html", Reply(200, (PAGES / page).read_bytes(), HTML))
        urls[name] = server.url(f"/good/{name}.html")
    now = format_datetime(datetime.now(UTC))
    feed = rss([{"title": name, "link": url, "pubDate": now} for name, url in urls.items()])
    server.route("/feed.xml", Reply(200, feed, {"Content-Type": "application/rss+xml"}))
    # Relative links keep 100,000 entries under the size limit (3.3 MB).
    many = rss([{"link": f"/old/{i}"} for i in range(100_000)])
    server.route("/many.xml", Reply(200, many, {"Content-Type": "application/rss+xml"}))
    urls["many"] = server.url("/many.xml")
    return urls


def _peak_kb(pid: int) -> int:
    """The process's own high-water mark of resident memory (VmHWM), 0 once it has exited.

    Not wait4's ru_maxrss: on Linux that keeps the parent's size across fork and exec, and
    the pytest process is large by the time this test runs.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _crawl_measured(config: Path) -> tuple[int, str, float]:
    """`newswatch crawl`: its exit code, its log, and the peak resident memory of that one
    process in MB."""
    log = config.parent / "crawl.log"
    peak = 0
    with log.open("w") as handle:
        child = subprocess.Popen(
            [sys.executable, "-m", "newswatch", "--config", str(config), "crawl"],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env(),
            cwd=ROOT,
        )
        deadline = time.monotonic() + 120
        try:
            while child.poll() is None and time.monotonic() < deadline:
                peak = max(peak, _peak_kb(child.pid))
                time.sleep(0.05)
        finally:
            child.kill()
            child.wait(timeout=10)
    return child.returncode, log.read_text(), peak / 1024


def test_hostile_pages_each_give_one_line_and_the_good_ones_are_stored(tmp_path: Path) -> None:
    with serving() as server:
        urls = _site(server)
        config = write_config(
            tmp_path,
            crawl={
                "retry_times": 0,
                # Long enough for 4 MB of an endless answer on a loaded machine; the slow-loris
                # server (a byte every 0.2 s) still never finishes within it.
                "download_timeout_seconds": 8.0,
                "max_page_bytes": MAX_PAGE_BYTES,
            },
            sources=[
                {"name": "hostile", "kind": "feed", "url": server.url("/feed.xml")},
                # Its entries are not followed: what is measured is reading the feed.
                {"name": "many", "kind": "feed", "url": urls["many"], "deny": ["*/old/*"]},
            ],
        )
        code, output, peak_mb = _crawl_measured(config)
    assert code == 0, output
    lines = output.splitlines()

    def only_line(url: str) -> str:
        found = [line for line in lines if url in line]
        assert len(found) == 1, (url, found)
        return found[0]

    assert "once decompressed" in only_line(urls["bomb"])
    assert f"larger than the size limit (max_page_bytes = {MAX_PAGE_BYTES})" in only_line(
        urls["fifty"]
    )
    assert f"larger than the size limit (max_page_bytes = {MAX_PAGE_BYTES})" in only_line(
        urls["endless"]
    )
    assert "timed out" in only_line(urls["loris"])
    assert "not text in any encoding" in only_line(urls["garbage"])
    assert "redirect loop" in only_line(urls["self"])
    [capped] = [line for line in lines if "more than 2000 entries" in line]
    assert urls["many"] in capped and "only the first 2000 are read" in capped

    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    with Session(engine) as session:
        stored = {a.url for a in session.exec(select(Article).where(Article.seed == None))}  # noqa: E711
    engine.dispose()
    assert stored == {urls["trade"], urls["football"]}
    [summary] = [line for line in lines if "source many (" in line and " entries, " in line]
    assert "0 entries, 0 known, 0 too old, 0 fetched" in summary
    assert peak_mb < MAX_RSS_MB, peak_mb
