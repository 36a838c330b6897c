"""The review UI in a real browser: Playwright driving Debian's Chromium against the app served
on 127.0.0.1, over an archive in four languages filled by the product's own code.

One browser for the session, one server and archive for the module. Without /usr/bin/chromium
these tests skip with the reason, except under CI=true, where they fail. Screenshots of every
page go to `screenshots/` in pytest's base temporary directory of the run.
"""

from __future__ import annotations

import csv
import io
import os
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from db.triage import rule_quality
from tests.support.review import HOSTILE_TITLE, ReviewArchive, fill, serving

CHROMIUM = Path("/usr/bin/chromium")
AXE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "axe"
AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa"]});
  return result.violations.map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""
PAGES = ("/", "/search?q=drone*", "/overview", "/rules", "/sources")

playwright_api = pytest.importorskip("playwright.sync_api")


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


@contextmanager
def _reload(page: Any) -> Iterator[None]:
    """Wait for the page a form's POST redirects back to."""
    with page.expect_response(
        lambda r: r.request.method == "GET" and r.request.is_navigation_request()
    ):
        yield
    page.wait_for_load_state()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing("no /usr/bin/chromium: apt-get install -y chromium")
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReviewArchive, str]]:
    folder = tmp_path_factory.mktemp("review")
    filled = fill(f"sqlite:///{folder / 'archive.db'}", folder)
    with serving(filled.engine, filled.config) as base:
        yield filled, base
    filled.engine.dispose()


@pytest.fixture
def page(chromium: Any, review: tuple[ReviewArchive, str]) -> Iterator[Any]:
    context = chromium.new_context(base_url=review[1], accept_downloads=True)
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))

    def dialog(opened: Any) -> None:
        errors.append(f"dialog: {opened.message}")
        opened.dismiss()

    tab.on("dialog", dialog)
    try:
        yield tab
    finally:
        context.close()
    assert not errors, errors


def test_search_facet_article_story(
    page: Any, review: tuple[ReviewArchive, str], shots: Path
) -> None:
    page.goto("/search?q=" + urllib.parse.quote("Kupol OR Garpiya"))
    assert page.inner_text("#hit-count") == "3 articles found in 1 stories"
    page.screenshot(path=shots / "search.png", full_page=True)
    page.click('a[data-facet="lang"][data-value="de"]')
    assert page.inner_text("#hit-count") == "1 articles found in 1 stories"
    assert "lang=de" in page.url
    page.click(".results .item a.title")
    assert page.inner_text("h1").startswith("Drohnenmotoren")
    assert page.locator(".text mark").count() > 0
    page.screenshot(path=shots / "article.png", full_page=True)
    page.click("#story-link")
    rows = page.locator("table.timeline tbody tr")
    assert rows.count() == 3
    methods = page.locator("table.timeline tbody tr td:nth-child(5)").all_inner_texts()
    assert sorted(methods) == ["cross-lingual", "first", "text-hash"]
    page.screenshot(path=shots / "story.png", full_page=True)


def test_simple_form_shows_the_query_it_builds(page: Any) -> None:
    page.goto("/search")
    page.fill("#any", "Kupol Garpiya")
    page.fill("#none", '"toy drone*"')
    assert page.inner_text("#built") == '(Kupol OR Garpiya) AND NOT "toy drone*"'
    page.click("#simple button[type=submit]")
    assert page.input_value("#q") == '(Kupol OR Garpiya) AND NOT "toy drone*"'
    assert page.inner_text("#hit-count") == "3 articles found in 1 stories"


def test_triage_changes_the_rules_precision(page: Any, review: tuple[ReviewArchive, str]) -> None:
    page.goto("/rules")
    assert "not judged yet" in page.inner_text('.precision[data-rule="satellites"]')
    page.goto("/?rule=satellites")
    with _reload(page):
        page.click('.item >> nth=0 >> button[value="relevant"]')
    assert page.inner_text(".item >> nth=0 >> .verdict") == "relevant"
    page.goto("/rules")
    assert page.inner_text('.precision[data-rule="satellites"]') == "100%"
    assert rule_quality(review[0].engine)["satellites"].precision == 1.0


def test_export_a_view(page: Any) -> None:
    page.goto("/search?q=Kupol&lang=en")
    with page.expect_download() as download:
        page.click("text=CSV")
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert len(rows) == 2 and {r["query"] for r in rows} == {"search?q=Kupol&lang=en"}


def test_walk_the_inbox_with_the_keyboard(page: Any, shots: Path) -> None:
    page.goto("/?rule=drones")
    page.keyboard.press("?")
    assert page.is_visible("#help") and "mark the alert relevant" in page.inner_text("#help")
    page.screenshot(path=shots / "help.png")
    page.keyboard.press("?")
    assert not page.is_visible("#help")
    items = page.locator(".item")
    assert items.count() >= 2
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "selected" in (items.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "selected" in (items.nth(0).get_attribute("class") or "")
    with _reload(page):
        page.keyboard.press("m")
    assert page.inner_text(".item >> nth=0 >> .verdict") == "relevant"
    page.keyboard.press("j")
    target = page.locator(".item >> nth=0").get_attribute("data-open")
    page.keyboard.press("o")
    page.wait_for_url(f"**{target}")
    page.keyboard.press("/")
    page.wait_for_url("**/search")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def test_a_hostile_article_runs_nothing(page: Any, review: tuple[ReviewArchive, str]) -> None:
    page.goto(f"/article/{review[0].ids['hostile']}")
    assert "<script>" in page.inner_text("h1")  # shown as text
    # Run, the script would have set the title to "pwned"; shown, it is the title's text.
    assert page.title() == f"{HOSTILE_TITLE} · Newswatch"
    assert page.evaluate("window.pwned === undefined && !document.body.dataset.pwned")
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator(".text img").count() == 0


def _axe_script() -> Path:
    """axe-core, which `make test` installs from the npm registry into .cache/axe."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        _missing(f"no axe-core in {AXE_DIR} (`make axe` installs it with npm)")
    return script


def test_every_page_passes_axe(
    chromium: Any, review: tuple[ReviewArchive, str], shots: Path
) -> None:
    script = _axe_script()
    # Our CSP forbids injected scripts, as it should; the checker's context may bypass it.
    context = chromium.new_context(base_url=review[1], bypass_csp=True)
    tab = context.new_page()
    archive = review[0]
    paths = [*PAGES, f"/article/{archive.ids['drones_en']}", f"/story/{archive.ids['drones_en']}"]
    problems: list[str] = []
    try:
        for path in paths:
            tab.goto(path)
            tab.add_script_tag(path=str(script))
            found = tab.evaluate(AXE_RUN)
            problems.extend(f"{path}: {v}" for v in found)
            name = path.strip("/").split("?")[0].replace("/", "-") or "inbox"
            tab.screenshot(path=shots / f"{name}.png", full_page=True)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
