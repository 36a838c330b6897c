"""Sitemap and listing sources, and bad input from any source, end to end through the CLI.

Loopback servers only; the sitemaps, listing pages and broken replies are written here, the
article pages are the fixtures of tests/data/pages.
"""

from __future__ import annotations

import gzip
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlmodel import Session, create_engine, select

from db.models import Article, RejectedPage
from tests.support.cli import run_cli
from tests.support.configs import write_config
from tests.support.webserver import Reply, WebServer, rss, serving

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads(
    (PAGES / "expected.toml").read_text(encoding="utf-8")
)
HTML = {"Content-Type": "text/html; charset=utf-8"}
NOW = datetime.now(UTC)


def _page(server: WebServer, path: str, fixture: str) -> str:
    server.route(path, Reply(200, (PAGES / fixture).read_bytes(), HTML))
    return server.url(path)


def _stored(folder: Path) -> dict[str, Article]:
    engine = create_engine(f"sqlite:///{folder / 'archive.db'}")
    with Session(engine) as session:
        articles = {a.url: a for a in session.exec(select(Article).where(Article.seed == None))}  # noqa: E711
    engine.dispose()
    return articles


def _rejected(folder: Path) -> dict[str, str]:
    engine = create_engine(f"sqlite:///{folder / 'archive.db'}")
    with Session(engine) as session:
        rejected = {r.url: r.reason for r in session.exec(select(RejectedPage))}
    engine.dispose()
    return rejected


def _paths(requests: list[str]) -> list[str]:
    return [path.split("?")[0] for path in requests]


def _urlset(entries: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        + "".join(entries)
        + "</urlset>"
    ).encode()


def _news_entry(url: str, published: datetime, title: str, lang: str) -> str:
    return (
        f"<url><loc>{escape(url)}</loc><news:news><news:publication>"
        f"<news:name>Loopback Times</news:name><news:language>{lang}</news:language>"
        f"</news:publication><news:publication_date>{published.isoformat()}"
        f"</news:publication_date><news:title>{escape(title)}</news:title>"
        "<news:keywords>test, sitemap</news:keywords></news:news></url>"
    )


def test_sitemap_index_leads_through_a_gzipped_news_sitemap_to_new_recent_articles(
    tmp_path: Path,
) -> None:
    fresh = ["en_trade_gas.html", "de_drohnen.html", "fr_sanctions.html"]
    with serving() as server:
        entries = [
            _news_entry(
                _page(server, f"/{i}/story.html", name),
                NOW - timedelta(hours=i + 1),
                EXPECTED[name]["title"],
                EXPECTED[name]["lang"],
            )
            for i, name in enumerate(fresh)
        ]
        # Older than the source's max_age_days by its news date; its lastmod is recent,
        # and must not count: the publication date says when the news was new.
        old = _page(server, "/old/story.html", "nl_munitie.html")
        entries.append(
            _news_entry(old, NOW - timedelta(days=40), "Old news", "nl").replace(
                "<news:news>", f"<lastmod>{NOW.date().isoformat()}</lastmod><news:news>"
            )
        )
        # A plain entry dated by lastmod only, too old; and one the deny pattern refuses.
        stale = _page(server, "/stale/story.html", "en_football.html")
        entries.append(f"<url><loc>{stale}</loc><lastmod>2020-01-01</lastmod></url>")
        denied = _page(server, "/private/story.html", "de_wetter.html")
        entries.append(f"<url><loc>{denied}</loc></url>")
        server.route(
            "/news-sitemap.xml.gz",
            Reply(
                200, gzip.compress(_urlset(entries)), {"Content-Type": "application/octet-stream"}
            ),
        )
        server.route("/archive-2019.xml", Reply(200, _urlset([]), {"Content-Type": "text/xml"}))
        index = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{server.url('/archive-2019.xml')}</loc>"
            "<lastmod>2019-12-31T23:00:00+01:00</lastmod></sitemap>"
            f"<sitemap><loc>{server.url('/news-sitemap.xml.gz')}</loc>"
            f"<lastmod>{NOW.isoformat()}</lastmod></sitemap>"
            "</sitemapindex>"
        ).encode()
        server.route("/sitemap_index.xml", Reply(200, index, {"Content-Type": "application/xml"}))
        source = {
            "name": "times",
            "kind": "sitemap",
            "url": server.url("/sitemap_index.xml"),
            "max_age_days": 30,
            "deny": ["*/private/*"],
        }
        config = write_config(tmp_path, sources=[source])
        first = run_cli(config, "crawl")
        assert first.returncode == 0, first.stderr
        first_paths = _paths(server.requests())
        server.clear_log()
        second = run_cli(config, "crawl")
        assert second.returncode == 0, second.stderr
        second_paths = _paths(server.requests())

    assert "/news-sitemap.xml.gz" in first_paths
    # The child last modified years before max_age_days is not read at all.
    assert "/archive-2019.xml" not in first_paths
    article_paths = {f"/{i}/story.html" for i in range(len(fresh))}
    assert sorted(p for p in first_paths if p.endswith("/story.html")) == sorted(article_paths)

    stored = _stored(tmp_path)
    assert {a.title for a in stored.values()} == {EXPECTED[name]["title"] for name in fresh}
    assert {a.lang for a in stored.values()} == {"en", "de", "fr"}
    [summary] = [line for line in first.stderr.splitlines() if "source times (" in line]
    # Five listed entries pass the deny pattern: three recent, two too old.
    assert "5 entries, 0 known, 2 too old, 3 fetched, 3 new" in summary

    # The second poll reads the sitemaps again but no article page.
    assert "/news-sitemap.xml.gz" in second_paths
    assert not [p for p in second_paths if p.endswith("/story.html")]
    assert "5 entries, 3 known, 2 too old, 0 fetched" in second.stderr


_UNTITLED = (
    "<!doctype html><html><head><meta charset='utf-8'></head><body><main><article>"
    + "".join(
        f"<p>Paragraph {n}: customs records reviewed by analysts show shipments of machine "
        "tools and electronic components crossing the border in the third quarter, routed "
        "through trading firms registered weeks before the first delivery.</p>"
        for n in range(6)
    )
    + "</article></main></body></html>"
).encode()


def test_news_sitemap_fields_fill_what_the_page_lacks_and_keywords_are_kept(
    tmp_path: Path,
) -> None:
    published = (NOW - timedelta(hours=3)).replace(microsecond=0)
    title = "Customs records show machine tools crossing the border"
    with serving() as server:
        server.route("/untitled.html", Reply(200, _UNTITLED, HTML))
        entry = _news_entry(server.url("/untitled.html"), published, title, "en").replace(
            "test, sitemap", "customs, machine tools, Customs"
        )
        server.route("/news.xml", Reply(200, _urlset([entry]), {"Content-Type": "text/xml"}))
        source = {"name": "news", "kind": "sitemap", "url": server.url("/news.xml")}
        config = write_config(tmp_path, sources=[source])
        crawled = run_cli(config, "crawl")
        assert crawled.returncode == 0, crawled.stderr
        exported = run_cli(config, "export", "--format", "jsonl")

    [article] = _stored(tmp_path).values()
    # The page has neither a headline nor a date: the sitemap's news fields stand in.
    assert article.title == title
    assert article.published is not None and article.published == published
    # Keywords once each, whatever their case, in the publisher's order.
    assert article.keywords == ["customs", "machine tools"]
    assert '"keywords": ["customs", "machine tools"]' in exported.stdout


def _listing(links: list[str]) -> bytes:
    anchors = "".join(f'<li><a href="{escape(link)}">{escape(link)}</a></li>' for link in links)
    return (
        "<!doctype html><html><head><title>World news</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/about/">About us</a> <a href="/section/">World</a>'
        ' <a href="mailto:desk@example.org">Write to us</a></nav>'
        f"<main><ul>{anchors}</ul></main></body></html>"
    ).encode()


def test_listing_pages_lead_to_their_article_links_only_down_to_depth(tmp_path: Path) -> None:
    with serving() as server:
        articles = {
            "/news/2026/trade-gas.html": "en_trade_gas.html",
            "/news/2026/drohnen.html": "de_drohnen.html",
            "/news/2026/munitie.html": "nl_munitie.html",
            "/news/2026/football.html": "en_football.html",  # on page 2
            "/news/2026/sanctions.html": "fr_sanctions.html",  # on page 3, beyond depth 2
        }
        for path, fixture in articles.items():
            _page(server, path, fixture)
        for path in ("/", "/about/"):
            server.route(path, Reply(200, _listing([]), HTML))
        other_host = server.url("/news/2026/elsewhere.html").replace("127.0.0.1", "localhost")
        _page(server, "/news/2026/elsewhere.html", "de_wetter.html")
        page_one = _listing(
            [
                "/news/2026/trade-gas.html?utm_source=front#comments",
                "/news/2026/trade-gas.html",
                "../news/2026/drohnen.html",  # relative to /section/
                server.url("/news/2026/munitie.html"),
                other_host,
                "/section/?page=2",
            ]
        )
        page_two = _listing(
            ["/news/2026/football.html", "/news/2026/drohnen.html", "/section/?page=3", "/section/"]
        )
        page_three = _listing(["/news/2026/sanctions.html", "/section/?page=2"])
        server.route(
            "/section/",
            lambda handler: Reply(
                200,
                {"/section/?page=2": page_two, "/section/?page=3": page_three}.get(
                    handler.path, page_one
                ),
                HTML,
            ),
        )
        source = {
            "name": "world",
            "kind": "listing",
            "url": server.url("/section/"),
            "allow": ["*/news/2026/*.html"],
            # The first page matches too: page two links back to it, and it is not read again.
            "pages": ["*/section/", "*/section/?page=*"],
            "depth": 2,
        }
        config = write_config(tmp_path, sources=[source])
        first = run_cli(config, "crawl")
        assert first.returncode == 0, first.stderr
        first_requests = server.requests()
        server.clear_log()
        second = run_cli(config, "crawl")
        assert second.returncode == 0, second.stderr
        second_requests = server.requests()

    fetched_articles = [p for p in _paths(first_requests) if p.startswith("/news/")]
    assert sorted(fetched_articles) == sorted(
        [
            "/news/2026/trade-gas.html",
            "/news/2026/drohnen.html",
            "/news/2026/munitie.html",
            "/news/2026/football.html",
        ]
    )
    # Listing page one is read once, though page two links back to it; page three is too deep.
    assert first_requests.count("/section/") == 1
    assert first_requests.count("/section/?page=2") == 1
    assert "/section/?page=3" not in first_requests
    # Navigation is never fetched, and the other host was neither fetched nor tried.
    assert "/" not in first_requests and "/about/" not in first_requests
    assert "localhost" not in first.stderr

    stored = _stored(tmp_path)
    assert len(stored) == 4
    assert server.url("/news/2026/trade-gas.html") in stored
    assert "4 entries, 0 known, 0 too old, 4 fetched, 4 new" in first.stderr

    # The second poll reads the listing pages again and fetches no article.
    assert "/section/" in second_requests and "/section/?page=2" in second_requests
    assert not [p for p in _paths(second_requests) if p.startswith("/news/")]
    assert "4 entries, 4 known, 0 too old, 0 fetched" in second.stderr


def _article_html(title: str, paragraphs: list[str], charset: str | None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head>{meta}<title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>{body}</article></body></html>"
    )


FRENCH = [
    "Le conseil municipal de Montréal a adopté jeudi un budget révisé de 6,8 milliards d'euros,"
    " après une séance où l'opposition a dénoncé la hausse des tarifs du métro.",
    "Selon la mairesse, l'équilibre financier exigeait des économies « difficiles mais"
    " nécessaires » dans les arrondissements, où les élus craignent des fermetures d'écoles.",
    "Les syndicats ont annoncé une manifestation devant l'hôtel de ville la semaine prochaine,"
    " tandis que les commerçants du quartier réclament un moratoire sur les travaux.",
]
GERMAN = [
    "Der Stadtrat von Köln hat am Donnerstag nach langer Debatte über die Brücke über den Rhein"
    " beschlossen, die Sanierung um zwei Jahre zu verschieben; die Kosten steigen auf 90 Mio. €.",
    "Bürgermeisterin Müller sagte, die Verzögerung sei ärgerlich, aber die Sicherheit der"
    " Fußgänger und Radfahrer gehe vor; Gutachter hatten Risse in drei Trägern gefunden.",
    "Die Opposition warf der Verwaltung vor, die Schäden seit Jahren gekannt und die Öffentlichkeit"
    " zu spät informiert zu haben. Eine Sondersitzung ist für Dezember geplant.",
]


def _slow(handler: BaseHTTPRequestHandler) -> Reply:
    time.sleep(2.5)
    return Reply(200, b"<html><body>late</body></html>", HTML)


def test_bad_input_gives_one_clear_line_each_and_the_crawl_goes_on(tmp_path: Path) -> None:
    with serving() as server:
        good = _page(server, "/good/story.html", "en_trade_gas.html")
        pdf = server.url("/files/report.pdf")
        server.route(
            "/files/report.pdf",
            Reply(200, b"%PDF-1.7\n" + b"0" * 2000, {"Content-Type": "application/pdf"}),
        )
        image = server.url("/img/chart.png")
        server.route(
            "/img/chart.png",
            Reply(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, {"Content-Type": "image/png"}),
        )
        loop = server.url("/loop/a.html")
        server.route("/loop/a.html", Reply(302, b"", {"Location": "/loop/b.html"}))
        server.route("/loop/b.html", Reply(302, b"", {"Location": "/loop/a.html"}))
        huge = server.url("/huge/story.html")
        server.route(
            "/huge/story.html",
            Reply(200, b"<html><body>" + b"<p>word</p>" * 30_000 + b"</body></html>", HTML),
        )
        slow = server.url("/slow/story.html")
        server.route("/slow/story.html", _slow)
        binary = server.url("/garbage/story.html")
        server.route("/garbage/story.html", Reply(200, bytes(range(256)) * 40, HTML))
        # windows-1252 bytes, declared UTF-8 in the header and in the page.
        cp1252 = server.url("/koeln/bruecke.html")
        server.route(
            "/koeln/bruecke.html",
            Reply(
                200,
                _article_html("Kölner Brücke: Sanierung verschoben", GERMAN, "utf-8").encode(
                    "cp1252"
                ),
                HTML,
            ),
        )
        articles = [good, pdf, image, loop, huge, slow, binary, cp1252]
        server.route(
            "/feed.xml",
            Reply(
                200,
                rss([{"title": f"entry {i}", "link": link} for i, link in enumerate(articles)]),
                {"Content-Type": "application/rss+xml"},
            ),
        )
        # ISO-8859-1 declared nowhere: not in the XML, not in the header, not in the page.
        latin_page = server.url("/montreal/budget.html")
        server.route(
            "/montreal/budget.html",
            Reply(
                200,
                _article_html("Montréal adopte un budget révisé", FRENCH, None).encode("latin-1"),
                {"Content-Type": "text/html"},
            ),
        )
        latin_feed = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Québec</title>'
            f"<item><title>Montréal adopte un budget révisé</title><link>{latin_page}</link></item>"
            "</channel></rss>"
        ).encode("latin-1")
        server.route("/latin.xml", Reply(200, latin_feed, {"Content-Type": "application/rss+xml"}))
        server.route(
            "/api.json",
            Reply(
                200, b'{"items": [{"title": "not a feed"}]}', {"Content-Type": "application/json"}
            ),
        )
        server.route("/sitemap.html", Reply(200, (PAGES / "de_wetter.html").read_bytes(), HTML))
        truncated = gzip.compress(_urlset([f"<url><loc>{good}</loc></url>"] * 50))[:-40]
        server.route(
            "/sitemap.xml.gz", Reply(200, truncated, {"Content-Type": "application/x-gzip"})
        )
        sources = [
            {"name": "mixed", "kind": "feed", "url": server.url("/feed.xml")},
            {"name": "latin", "kind": "feed", "url": server.url("/latin.xml")},
            {"name": "json", "kind": "feed", "url": server.url("/api.json")},
            {"name": "html-sitemap", "kind": "sitemap", "url": server.url("/sitemap.html")},
            {"name": "cut-gzip", "kind": "sitemap", "url": server.url("/sitemap.xml.gz")},
        ]
        config = write_config(
            tmp_path,
            crawl={"retry_times": 0, "download_timeout_seconds": 1.0, "max_page_bytes": 100_000},
            sources=sources,
        )
        done = run_cli(config, "crawl")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()

    def only_line(url: str) -> str:
        found = [line for line in lines if url in line]
        assert len(found) == 1, (url, found)
        return found[0]

    assert "not an HTML page (application/pdf)" in only_line(pdf)
    assert "not an HTML page (image/png)" in only_line(image)
    assert "redirect loop" in only_line(loop)
    assert "timed out" in only_line(slow)
    assert "undecodable text" in only_line(binary)
    assert "not a feed: the server sent application/json" in only_line(server.url("/api.json"))
    assert "not a sitemap: the server sent an HTML page" in only_line(server.url("/sitemap.html"))
    assert "truncated gzip" in only_line(server.url("/sitemap.xml.gz"))
    # Scrapy's download handler (scrapy.core.downloader.handlers.http11) logs its own warning
    # for an oversized page until newswatch/logs.py quiets it; ours is the one that counts.
    too_large = [line for line in lines if huge in line and " spiders." in line]
    assert len(too_large) == 1
    assert "larger than the size limit (max_page_bytes = 100000)" in too_large[0]

    stored = {a.url: a for a in _stored(tmp_path).values()}
    assert set(stored) == {good, cp1252, latin_page}
    assert stored[cp1252].title == "Kölner Brücke: Sanierung verschoben"
    assert "Bürgermeisterin Müller" in stored[cp1252].text and "90 Mio. €" in stored[cp1252].text
    assert stored[latin_page].title == "Montréal adopte un budget révisé"
    assert "« difficiles mais nécessaires »" in stored[latin_page].text
    rejected = _rejected(tmp_path)
    assert "undecodable text" in rejected[binary]
    assert "crawl: 5 sources polled (3 failed)" in done.stderr


def test_a_feed_sends_the_source_headers_and_follows_only_wanted_links(tmp_path: Path) -> None:
    desks: list[str | None] = []

    def recording(body: bytes, headers: dict[str, str]) -> Callable[..., Reply]:
        def route(handler: BaseHTTPRequestHandler) -> Reply:
            desks.append(handler.headers.get("X-Desk"))
            return Reply(200, body, headers)

        return route

    with serving() as server:
        for path, fixture in [("/world/", "en_trade_gas.html"), ("/sport/", "en_football.html")]:
            server.route(f"{path}story.html", recording((PAGES / fixture).read_bytes(), HTML))
        entries = [
            {"title": "Trade", "link": server.url("/world/story.html")},
            {"title": "Football", "link": server.url("/sport/story.html")},
        ]
        feed = {"Content-Type": "application/rss+xml"}
        server.route("/feed.xml", recording(rss(entries), feed))
        source = {
            "name": "desk",
            "kind": "feed",
            "url": server.url("/feed.xml"),
            "deny": ["*/sport/*"],
        }
        config = write_config(tmp_path, sources=[source])
        # write_config's TOML has no inline tables; the last [[sources]] gets its headers here.
        with config.open("a", encoding="utf-8") as file:
            file.write('[sources.headers]\n"X-Desk" = "loopback"\n')
        done = run_cli(config, "crawl")
        requests = _paths(server.requests())
    assert done.returncode == 0, done.stderr
    assert "/world/story.html" in requests
    assert "/sport/story.html" not in requests
    # The feed and the article both carried the configured header.
    assert desks == ["loopback", "loopback"]
    assert "1 entries, 0 known, 0 too old, 1 fetched, 1 new" in done.stderr
