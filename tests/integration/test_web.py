"""The review UI over real HTTP: a uvicorn server on loopback over a real archive (SQLite file
and PostgreSQL), filled by the product's own storing and rule code."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlmodel import Session, select

from db.export import FIELDS
from db.models import Alert, Delivery
from db.triage import rule_quality
from tests.support.cli import command, env, run_cli
from tests.support.configs import write_config
from tests.support.review import CONFIG, ReviewArchive, fill, serving
from tests.support.smtp import free_port


class Browser:
    """urllib with a cookie jar and no redirect following: what a browser sends, by hand."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        return self._open(request)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        data = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, method="POST"))

    def _open(self, request: urllib.request.Request) -> tuple[int, str, dict[str, str]]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "nw_csrf" and c.value)


@pytest.fixture
def review(archive_url: str, tmp_path: Path) -> Iterator[ReviewArchive]:
    filled = fill(archive_url, tmp_path, toys=12)
    try:
        yield filled
    finally:
        filled.engine.dispose()


@pytest.fixture
def browser(review: ReviewArchive) -> Iterator[Browser]:
    with serving(review.engine, review.config) as base:
        yield Browser(base)


def test_search_facets_story_and_exports(review: ReviewArchive, browser: Browser) -> None:
    status, body, _ = browser.get("/search?q=" + urllib.parse.quote("Kupol OR Garpiya"))
    assert status == 200
    # The English original, its exact copy and the German translation: one story.
    assert "3 articles found in 1 stories" in body
    assert "+2 more in this story" in body
    langs = dict(
        re.findall(r'data-facet="lang" data-value="(\w+)">\w+</a> <span class="count">(\d+)', body)
    )
    assert langs == {"en": "2", "de": "1"}
    status, body, _ = browser.get(
        "/search?q=" + urllib.parse.quote("Kupol OR Garpiya") + "&lang=de"
    )
    assert "1 articles found in 1 stories" in body
    assert "Drohnenmotoren" in body and "<mark>Kupol</mark>" in body

    status, body, _ = browser.get(f"/story/{review.ids['drones_en']}")
    assert status == 200
    assert "cross-lingual" in body and "text-hash" in body
    assert "wire-en, zeitung-de" in body.replace("journal-fr, ", "")

    status, text, headers = browser.get("/search/export.csv?q=Kupol&lang=de")
    assert headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [*FIELDS, "query"]
    assert [r["id"] for r in rows] == [str(review.ids["drones_de"])]
    assert rows[0]["query"] == "search?q=Kupol&lang=de"
    status, text, _ = browser.get(f"/story/{review.ids['drones_en']}/export.jsonl")
    records = [json.loads(line) for line in text.splitlines()]
    assert {r["lang"] for r in records} == {"en", "de"}
    assert all(list(r)[:13] == FIELDS[:13] and r["query"].startswith("story ") for r in records)


def test_triage_is_a_csrf_post_and_changes_precision(
    review: ReviewArchive, browser: Browser
) -> None:
    status, body, _ = browser.get("/?rule=drones")
    assert status == 200 and "Drone engines from Shenzhen" in body
    alert = int(re.findall(r'data-alert="(\d+)"', body)[0])
    form = {"verdict": "noise", "back": "/?rule=drones"}
    assert browser.post(f"/alerts/{alert}/triage", form)[0] == 403  # no form token
    assert browser.post(f"/alerts/{alert}/triage", form | {"csrf": "forged"})[0] == 403
    status, _, headers = browser.post(f"/alerts/{alert}/triage", form | {"csrf": browser.csrf()})
    assert status == 303 and headers["location"] == "/?rule=drones"
    assert rule_quality(review.engine)["drones"].precision == 0.0
    others = [int(a) for a in re.findall(r'data-alert="(\d+)"', body)[1:]]
    browser.post(f"/alerts/{others[0]}/triage", {"verdict": "relevant", "csrf": browser.csrf()})
    status, body, _ = browser.get("/rules")
    assert re.search(r'data-rule="drones">\s*50%', body)
    status, body, _ = browser.get("/?status=noise")
    assert re.findall(r'data-alert="(\d+)"', body) == [str(alert)]


def test_a_rule_with_ten_false_positives_of_most_verdicts_is_noisy(
    review: ReviewArchive, browser: Browser
) -> None:
    _, body, _ = browser.get("/?rule=toys")
    toys = re.findall(r'data-alert="(\d+)"', body)
    assert len(toys) == 12
    for n, alert in enumerate(toys):
        verdict = "noise" if n < 10 else "relevant"
        browser.post(f"/alerts/{alert}/triage", {"verdict": verdict, "csrf": browser.csrf()})
        if n == 8:
            assert not rule_quality(review.engine)["toys"].noisy  # 9 false positives
    assert rule_quality(review.engine)["toys"].noisy
    _, body, _ = browser.get("/rules")
    assert re.search(r'id="toys".*?<strong class="noisy">noisy</strong>', body, re.S)
    # Muting a story mutes every alert of it; "new" clears a verdict again.
    browser.post(f"/alerts/{toys[0]}/triage", {"verdict": "new", "csrf": browser.csrf()})
    assert not rule_quality(review.engine)["toys"].noisy


def test_the_inbox_shows_alerts_of_a_rule_with_no_other_channel(
    review: ReviewArchive, browser: Browser
) -> None:
    with Session(review.engine) as session:
        alert = session.exec(select(Alert).where(Alert.rule == "satellites")).one()
        assert session.exec(select(Delivery).where(Delivery.alert_id == alert.id)).all() == []
    _, body, _ = browser.get("/?rule=satellites")
    assert re.findall(r'data-alert="(\d+)"', body) == [str(alert.id)]
    assert "Spacety a fourni des images" in body and "email:" not in body
    _, body, _ = browser.get("/?channel=email")
    assert ("Spacety" not in body and "Kupol" not in body) or "Drone engines" in body


def test_saved_searches_keep_the_query_and_its_facets(browser: Browser) -> None:
    browser.get("/search")
    form = {"name": "German drones", "q": "Kupol", "filters": "q=Kupol&lang=de&page=2"}
    assert browser.post("/searches", form)[0] == 403  # no form token
    status, _, headers = browser.post("/searches", form | {"csrf": browser.csrf()})
    assert status == 303 and headers["location"] == "/search?q=Kupol&lang=de"
    _, body, _ = browser.get("/search")
    link = re.search(r'<a href="(/search\?q=Kupol[^"]*)">German drones</a>', body)
    assert link is not None
    _, body, _ = browser.get(link.group(1).replace("&amp;", "&"))
    assert "1 articles found in 1 stories" in body
    search_id = re.search(r'action="/searches/(\d+)/delete"', body)
    assert search_id is not None
    browser.post(f"/searches/{search_id.group(1)}/delete", {"csrf": browser.csrf()})
    assert "German drones" not in browser.get("/search")[1]


def test_sources_and_overview_pages(browser: Browser) -> None:
    _, body, _ = browser.get("/sources")
    failing = re.search(r'<tr class="status-failing">(.*?)</tr>', body, re.S)
    assert failing is not None and "gazeta-ru" in failing.group(1)
    assert "HTTP 503 from https://gazeta.example/ru/rss" in failing.group(1)
    assert body.count('<tr class="status-ok">') == 3
    assert "30 min" in body  # the default schedule, as no poll adapted it yet
    _, body, _ = browser.get("/overview")
    assert body.count("<svg") == 4
    # Named in the story of three and in the hostile page.
    assert re.search(r">Shenzhen</text>.*?>4</text>", body, re.S)
    assert 'href="/story/' in body


def test_a_hostile_article_renders_inert(review: ReviewArchive, browser: Browser) -> None:
    status, body, headers = browser.get(f"/article/{review.ids['hostile']}")
    assert status == 200
    assert "<script>document" not in body and "<script>window" not in body
    assert "&lt;script&gt;" in body
    assert 'onerror="' not in body and "<img" not in body
    assert 'href="javascript:' not in body
    assert "script-src 'self'" in headers["content-security-policy"]
    _, inbox, _ = browser.get("/")
    assert "<script>document" not in inbox and 'data-original="javascript:' not in inbox


def test_with_a_token_every_request_needs_it(review: ReviewArchive) -> None:
    with serving(review.engine, review.config, token="s3cret-token") as base:
        anonymous = Browser(base)
        for path in ("/", "/search?q=drone*", "/inbox/export.csv", "/static/app.js"):
            status, body, _ = anonymous.get(path)
            assert status == 401 and "Drone" not in body
        assert anonymous.get("/", {"Authorization": "Bearer wrong"})[0] == 401
        assert anonymous.get("/", {"Authorization": "Bearer s3cret-token"})[0] == 200
        status, _, headers = anonymous.get("/search?q=Kupol&token=s3cret-token")
        assert status == 303 and headers["location"] == "/search?q=Kupol"
        status, body, _ = anonymous.get("/search?q=Kupol")  # the cookie now carries it
        assert status == 200 and "Kupol" in body


def test_serve_refuses_off_loopback_without_a_token(tmp_path: Path) -> None:
    config = write_config(tmp_path, **{k: v for k, v in CONFIG.items() if k != "sources"})
    result = run_cli(config, "serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.returncode != 0
    assert "refusing to serve on 0.0.0.0" in result.stderr
    assert "NEWSWATCH_WEB_TOKEN" in result.stderr


def test_serve_serves_the_ui_on_loopback(tmp_path: Path) -> None:
    config = write_config(tmp_path, **{k: v for k, v in CONFIG.items() if k != "sources"})
    port = free_port()
    process = subprocess.Popen(
        command(config, "serve", "--port", str(port)), env=env(), stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        status, body, _ = Browser(f"http://127.0.0.1:{port}").get("/sources")
        assert status == 200 and "<h1>Sources</h1>" in body
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out
