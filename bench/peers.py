"""Benchmark (issue 15): newswatch against news-please and newspaper4k, same site, same run.

Each peer gets a virtual environment of its own under .cache/bench-venvs/ (their pins differ,
bench/peers-requirements.txt; installed from the registry on first use) and is run the way its
documentation recommends for a list of URLs: news-please's `NewsPlease.from_urls` (threads to
fetch, a process pool to extract; no image downloads, they are off the loopback site),
newspaper4k's `Article.download()/parse()` in 4 threads (as its `mthreading.fetch_news`, no
images). All fetch from the same loopback site (bench/pipesite.py, one URL per corpus page) as
`newswatch crawl`, measured in the same run; peak RSS from /proc for every process of each
tree, summed.

Run: `.venv/bin/python bench/peers.py [--variants N]` (or `make bench`).
Goals: newswatch >= 5x news-please's pages/s, >= 2x newspaper4k's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pipesite

from tests.support.webserver import serving

VENVS = pipesite.ROOT / ".cache" / "bench-venvs"
REQUIREMENTS = pipesite.ROOT / "bench" / "peers-requirements.txt"
GOALS = {"news-please": 5.0, "newspaper4k": 2.0}

# Run inside the peer's venv: argv[1] a JSON list of URLs, argv[2] where to write the count.
# tldextract (both peers use it) would fetch the public suffix list from the internet on first
# use; its bundled copy keeps them on the loopback site.
OFFLINE = """
import tldextract.tldextract
tldextract.tldextract.TLD_EXTRACTOR = tldextract.tldextract.TLDExtract(suffix_list_urls=())
"""
RUNNERS = {
    "news-please": OFFLINE
    + """
import json, sys
from newsplease import NewsPlease
urls = json.load(open(sys.argv[1]))
# No images: they live on the publishers, off the loopback site.
articles = NewsPlease.from_urls(urls, request_args={"timeout": 30}, fetch_images=False)
ok = sum(1 for a in articles.values() if getattr(a, "maintext", None))
json.dump({"ok": ok}, open(sys.argv[2], "w"))
""",
    "newspaper4k": OFFLINE
    + """
import json, sys
from newspaper import Article, Config
from concurrent.futures import ThreadPoolExecutor
urls = json.load(open(sys.argv[1]))
# No images: they live on the publishers, off the loopback site.
config = Config()
config.fetch_images = False
def fetch(url):
    # What newspaper.mthreading.fetch_news does, but one page that fails (a Korean page
    # wants nltk) does not end the run.
    try:
        article = Article(url, config=config)
        article.download()
        article.parse()
        return bool(article.text)
    except Exception:
        return False
with ThreadPoolExecutor(max_workers=4) as pool:
    ok = sum(pool.map(fetch, urls))
json.dump({"ok": ok}, open(sys.argv[2], "w"))
""",
}


def _venv(name: str) -> Path:
    python = VENVS / name / "bin" / "python"
    if python.exists():
        return python
    requirements = next(
        line.split()[1:]
        for line in REQUIREMENTS.read_text().splitlines()
        if line and not line.startswith("#") and line.split()[0] == name
    )
    subprocess.run([sys.executable, "-m", "venv", str(VENVS / name)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *requirements,
        ],
        check=True,
    )
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=1, help="URL variants per page (1-5)")
    args = parser.parse_args()
    pages = pipesite.corpus_pages()
    if not pages:
        print("skipped: ../shared/corpora is not here (set NEWSWATCH_CORPORA)")
        return 0
    pythons = {name: _venv(name) for name in RUNNERS}
    results: dict[str, dict[str, object]] = {}
    with serving() as server, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        site = pipesite.build_site(server, pages, args.variants)
        ours = pipesite.crawl(pipesite.bench_config(folder / "ours", site.sources))
        if ours.returncode != 0:
            print(ours.stderr_tail)
            return 1
        fetched = pipesite.fetched_articles(server)
        results["newswatch"] = {
            "pages": fetched,
            "pages_per_s": fetched / ours.wall_s,
            "peak_rss_mb": ours.rss_total_mb,
            "run": ours,
        }
        urls = folder / "urls.json"
        urls.write_text(json.dumps([server.url(path) for path in site.article_paths]))
        for name, code in RUNNERS.items():
            script, out = folder / f"{name}.py", folder / f"{name}.out.json"
            script.write_text(code)
            run = pipesite.run_tree(
                [str(pythons[name]), str(script), str(urls), str(out)], timeout_s=1200
            )
            if run.returncode != 0:
                print(f"{name} failed:\n{run.stderr_tail}")
                return 1
            ok = json.loads(out.read_text())["ok"]
            results[name] = {
                "pages": len(site.article_paths),
                "with_text": ok,
                "pages_per_s": len(site.article_paths) / run.wall_s,
                "peak_rss_mb": run.rss_total_mb,
                "run": run,
            }
    ours_rate = float(str(results["newswatch"]["pages_per_s"]))
    rows = [
        (
            "newswatch pages/s",
            f"{ours_rate:.1f}",
            f"peak RSS {float(str(results['newswatch']['peak_rss_mb'])):.0f} MB",
            "",
        )
    ]
    for name, goal in GOALS.items():
        rate = float(str(results[name]["pages_per_s"]))
        rows.append(
            (
                f"{name} pages/s",
                f"{rate:.1f}",
                f"peak RSS {float(str(results[name]['peak_rss_mb'])):.0f} MB",
                "",
            )
        )
        rows.append((f"newswatch / {name}", f"x{ours_rate / rate:.2f}", "", f">= {goal:g}x"))
    path = pipesite.save("peers", {"variants": args.variants, **results})
    print(f"{len(site.article_paths)} article pages; results in {path}")
    pipesite.table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
