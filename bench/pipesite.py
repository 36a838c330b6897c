"""The shared parts of the pipeline benchmarks (issue 15): the loopback site, the crawl run.

The site serves the real pages of ../shared/corpora, read in place, each under several URL
variants (another section, an AMP copy, a print view: the same HTML at another address, as
publishers serve it), behind four RSS feeds and one Google News sitemap. `newswatch crawl`
runs as a user runs it: a fresh process with a generated config.toml. Its memory is read from
/proc while it runs (every process of its tree: the crawler and any worker processes), since
the benchmarks must work before and after the crawler is split from its workers.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.configs import shipped_rules, shipped_vocabulary, write_config  # noqa: E402
from tests.support.corpora import CorpusPage, iter_aeb, iter_fundus  # noqa: E402
from tests.support.webserver import Reply, WebServer, rss  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FEEDS = 4
VARIANTS = ("news", "world", "amp", "print", "m")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def corpus_pages() -> list[CorpusPage]:
    return [*iter_aeb(), *iter_fundus()]


@dataclass(frozen=True)
class Site:
    sources: list[dict[str, Any]]
    article_paths: list[str]
    html: dict[str, bytes]  # one copy of each distinct page, by its first path


def build_site(server: WebServer, pages: list[CorpusPage], variants: int) -> Site:
    """Routes `len(pages) * variants` article pages; every fifth is only in the sitemap."""
    now = datetime.now(UTC)
    paths: list[str] = []
    html: dict[str, bytes] = {}
    headers = {"Content-Type": "text/html; charset=utf-8"}
    for number, page in enumerate(pages):
        for variant in VARIANTS[:variants]:
            path = f"/{variant}/{page.corpus}/{number}.html"
            server.route(path, Reply(200, page.html, headers))
            paths.append(path)
        html[paths[-variants]] = page.html
    feeds: list[list[dict[str, str]]] = [[] for _ in range(FEEDS)]
    sitemap: list[str] = []
    for index, path in enumerate(paths):
        if index % (FEEDS + 1) == FEEDS:
            sitemap.append(
                f"<url><loc>{escape(server.url(path))}</loc><news:news><news:publication>"
                "<news:name>Bench</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{now.isoformat()}"
                f"</news:publication_date><news:title>page {index}</news:title>"
                "</news:news></url>"
            )
        else:
            feeds[index % (FEEDS + 1)].append(
                {
                    "title": f"page {index}",
                    "link": server.url(path),
                    "pubDate": format_datetime(now),
                }
            )
    sources: list[dict[str, Any]] = []
    for number, entries in enumerate(feeds):
        server.route(
            f"/feed{number}.xml", Reply(200, rss(entries), {"Content-Type": "application/rss+xml"})
        )
        sources.append(
            {"name": f"feed{number}", "kind": "feed", "url": server.url(f"/feed{number}.xml")}
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        + "".join(sitemap)
        + "</urlset>"
    ).encode()
    server.route("/news-sitemap.xml", Reply(200, body, {"Content-Type": "application/xml"}))
    sources.append({"name": "sitemap", "kind": "sitemap", "url": server.url("/news-sitemap.xml")})
    server.route(
        "/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
    )
    return Site(sources, paths, html)


def bench_config(
    folder: Path,
    sources: list[dict[str, Any]],
    *,
    database_url: str | None = None,
    workers: int | None = None,
) -> Path:
    """A config for the crawl: the shipped rules without channels, no start-up delay."""
    rules = [{**rule, "channels": []} for rule in shipped_rules()]
    sections: dict[str, Any] = {
        "logging": {"level": "WARNING"},
        "sources": sources,
        "rules": rules,
        **shipped_vocabulary(),
    }
    if database_url:
        sections["database"] = {"url": database_url}
    if workers is not None:
        sections["pipeline"] = {"workers": workers}
    folder.mkdir(parents=True, exist_ok=True)
    return write_config(folder, **sections)


def workers_supported(folder: Path) -> bool:
    """Whether this newswatch accepts `[pipeline] workers` (an unknown key is a config error)."""
    config = bench_config(folder / "probe", [], workers=1)
    done = subprocess.run(
        [sys.executable, "-m", "newswatch", "--config", str(config), "rules", "check"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CI": "1"},
    )
    if done.returncode != 0 and "pipeline" not in done.stderr:
        raise RuntimeError(f"the benchmark's config is refused:\n{done.stderr[-2000:]}")
    return done.returncode == 0


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    returncode: int
    peak_rss_mb: dict[int, float] = field(default_factory=dict)  # per process of the tree
    stderr_tail: str = ""
    loop_lag_ms: dict[str, float] | None = None
    summary: list[str] = field(default_factory=list)  # the crawl's own outcome lines

    @property
    def rss_total_mb(self) -> float:
        return sum(self.peak_rss_mb.values())

    @property
    def rss_max_mb(self) -> float:
        return max(self.peak_rss_mb.values(), default=0.0)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _hwm_mb(pid: int) -> float | None:
    # VmHWM is the process's own peak resident set: sampling cannot miss a short peak.
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_tree(command: list[str], *, timeout_s: float, env: dict[str, str] | None = None) -> Run:
    """Run `command`, sampling the peak RSS of it and every descendant until it ends."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "1", **(env or {})},
    )
    peaks: dict[int, float] = {}
    stderr: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: stderr.extend(process.stderr or []), daemon=True)
    reader.start()
    while process.poll() is None:
        pending = [process.pid]
        while pending:
            pid = pending.pop()
            hwm = _hwm_mb(pid)
            if hwm is not None:
                peaks[pid] = max(peaks.get(pid, 0.0), hwm)
            pending.extend(_children(pid))
        if time.perf_counter() - started > timeout_s:
            process.kill()
            break
        time.sleep(0.05)
    process.wait()
    wall = time.perf_counter() - started
    reader.join(timeout=5)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = "".join(stderr)
    summary = [line for line in text.splitlines() if line.startswith(("crawl:", "rules:"))]
    return Run(wall, cpu, process.returncode, peaks, text[-4000:], _loop_lag(text), summary)


_LAG = re.compile(r"loop lag.*?p50[=: ]+([\d.]+).*?p99[=: ]+([\d.]+).*?max[=: ]+([\d.]+)", re.I)


def _loop_lag(stderr: str) -> dict[str, float] | None:
    # The crawler's own report, once the pipeline issue makes it print one; a lag cannot be
    # read from outside the process.
    match = _LAG.search(stderr)
    if match is None:
        return None
    return {"p50": float(match[1]), "p99": float(match[2]), "max": float(match[3])}


def crawl(config: Path, *, timeout_s: float = 900) -> Run:
    return run_tree(
        [sys.executable, "-m", "newswatch", "--config", str(config), "crawl"], timeout_s=timeout_s
    )


def fetched_articles(server: WebServer) -> int:
    return sum(1 for path in server.requests() if path.split("/")[1] in VARIANTS)


def trafilatura_rate(pages: list[bytes]) -> float:
    """The baseline: trafilatura alone over the same HTML, in this one process."""
    import trafilatura

    started = time.perf_counter()
    for html in pages:
        trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    return len(pages) / (time.perf_counter() - started)


@contextmanager
def postgres_schema() -> Iterator[str | None]:
    """A schema of its own in the `test` database, dropped after; None when it is not up."""
    try:
        import psycopg
    except ImportError:
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        conn = psycopg.connect(
            "host=127.0.0.1 port=5432 dbname=test user=postgres", autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError:
        yield None
        return
    with conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def save(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    stamped = {"benchmark": name, "when": datetime.now(UTC).isoformat(), **result}
    path.write_text(json.dumps(stamped, indent=2, default=_plain) + "\n", encoding="utf-8")
    return path


def _plain(value: object) -> object:
    if isinstance(value, Run):
        return {**asdict(value), "rss_total_mb": value.rss_total_mb, "rss_max_mb": value.rss_max_mb}
    raise TypeError(type(value).__name__)


def table(rows: list[tuple[str, str, str, str]]) -> None:
    """The printed summary: figure, value, baseline (same run), goal."""
    header = ("figure", "value", "against", "goal")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
