"""Extraction of the fixture pages in tests/data/pages against expected.toml."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from db.draft import ArticleDraft
from spiders.extract import EntryHint, ExtractionError, decode_html, extract
from spiders.urls import canonical_url

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads(
    (PAGES / "expected.toml").read_text(encoding="utf-8")
)
ARTICLES = sorted(name for name, entry in EXPECTED.items() if not entry.get("error"))
FAILURES = sorted(name for name, entry in EXPECTED.items() if entry.get("error"))

_CANONICAL_LINK = re.compile(rb'<link rel="canonical" href="([^"]+)"')


def page_url(name: str) -> str:
    found = _CANONICAL_LINK.search((PAGES / name).read_bytes())
    assert found is not None, f"{name} has no canonical link"
    return found.group(1).decode("ascii")


@cache
def extracted(name: str) -> ArticleDraft:
    return extract((PAGES / name).read_bytes(), page_url(name), source="fixtures")


def test_every_page_has_an_expectation() -> None:
    assert sorted(path.name for path in PAGES.glob("*.html")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", ARTICLES)
def test_page_metadata(name: str) -> None:
    expected = EXPECTED[name]
    draft = extracted(name)
    assert draft.title == expected["title"]
    assert draft.published is not None
    assert draft.published.tzinfo is UTC
    assert draft.published.date() == date.fromisoformat(expected["published"])
    assert draft.lang == expected["lang"]
    assert draft.url == canonical_url(page_url(name))
    assert draft.source == "fixtures"


@pytest.mark.parametrize("name", ARTICLES)
def test_page_text_keeps_the_article_and_drops_the_boilerplate(name: str) -> None:
    text = extracted(name).text
    for sentence in EXPECTED[name]["must_contain"]:
        assert sentence in text
    for boilerplate in EXPECTED[name]["must_not_contain"]:
        assert boilerplate not in text
    assert "\n\n\n" not in text
    assert text == text.strip()


@pytest.mark.parametrize("name", FAILURES)
def test_teaser_is_too_short(name: str) -> None:
    url = page_url(name)
    with pytest.raises(ExtractionError) as raised:
        extract((PAGES / name).read_bytes(), url)
    assert raised.value.url == url
    assert url in str(raised.value)
    assert "no article text found" in str(raised.value)
    assert "minimum 200" in str(raised.value)


def test_republished_copy_has_the_same_text() -> None:
    for name, entry in EXPECTED.items():
        if "duplicate_of" in entry:
            assert extracted(name).text == extracted(entry["duplicate_of"]).text
            assert extracted(name).title != extracted(entry["duplicate_of"]).title


# A page with no metadata at all: no <title>, no headline, no date anywhere.
BARE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div class="menu"><a href="/">Start</a> <a href="/news">News</a></div>
<div class="story">
<p>The harbour authority has asked ferry operators to publish their winter timetables early
this year, after complaints that passengers could not plan journeys over the holidays.</p>
<p>Operators said the request was reasonable but warned that crew shortages could still force
late changes. One company said it was recruiting deckhands on short contracts to cover the
busiest weeks.</p>
<p>Passenger groups welcomed the move and asked for a single website listing every crossing,
something the authority said it would consider once the new booking system is running.</p>
</div></body></html>"""


def test_the_feed_entry_fills_what_the_page_lacks() -> None:
    hint = EntryHint(
        title="Ferry operators told to publish winter timetables early",
        published=datetime(2026, 11, 2, 7, 30, tzinfo=timezone(timedelta(hours=2))),
        author="Ruth Ellery",
        summary="Harbour authority acts on passenger complaints.",
        lang="en",
    )
    draft = extract(
        BARE_PAGE,
        "https://News.Example.com/ferries?utm_source=rss#top",
        hint=hint,
        fetched_url="https://news.example.com/ferries?utm_source=rss",
    )
    assert draft.title == hint.title
    assert draft.published == datetime(2026, 11, 2, 5, 30, tzinfo=UTC)
    assert draft.published is not None and draft.published.tzinfo is UTC
    assert draft.author == "Ruth Ellery"
    assert draft.url == "https://news.example.com/ferries"
    assert draft.fetched_url == "https://news.example.com/ferries?utm_source=rss"
    assert draft.text.startswith("The harbour authority has asked ferry operators")
    assert draft.text.count("\n\n") == 2  # three paragraphs, wrapped lines joined


def test_a_naive_feed_date_is_taken_as_utc() -> None:
    hint = EntryHint(title="Ferry timetables", published=datetime(2026, 11, 2, 7, 30))
    draft = extract(BARE_PAGE, "https://news.example.com/ferries", hint=hint)
    assert draft.published == datetime(2026, 11, 2, 7, 30, tzinfo=UTC)


def test_no_title_anywhere_is_an_error() -> None:
    with pytest.raises(ExtractionError, match=r"no title found at https://news\.example\.com/x"):
        extract(BARE_PAGE, "https://news.example.com/x")


def test_the_page_title_wins_over_the_hint() -> None:
    name = "en_football.html"
    hint = EntryHint(title="Feed headline", published=datetime(2020, 1, 1, tzinfo=UTC))
    draft = extract((PAGES / name).read_bytes(), page_url(name), hint=hint)
    assert draft.title == EXPECTED[name]["title"]
    assert draft.published == datetime(2026, 11, 8, tzinfo=UTC)


def test_short_text_takes_the_declared_language() -> None:
    page = "<html><body><article><p>Kurz und knapp: der Pegel steigt.</p></article></body></html>"
    hint = EntryHint(title="Pegel", lang="de-DE")
    draft = extract(page, "https://example.com/a", hint=hint, min_text_chars=10)
    assert draft.lang == "de"
    no_hint = extract(page, "https://example.com/a", lang_hint="de", min_text_chars=10, hint=hint)
    assert no_hint.lang == "de"


def test_min_text_chars_is_reported() -> None:
    with pytest.raises(ExtractionError) as raised:
        extract(BARE_PAGE, "https://news.example.com/f", min_text_chars=5000)
    assert raised.value.reason == "no article text found"
    assert str(raised.value).startswith("no article text found at https://news.example.com/f: ")
    assert str(raised.value).endswith("characters after extraction (minimum 5000)")


def test_an_empty_page_is_an_error_not_none() -> None:
    with pytest.raises(ExtractionError, match=r"no article text found at https://e\.example/"):
        extract(b"", "https://e.example/")


# A page in windows-1252 that declares ISO-8859-1, as many older European sites do; the
# euro sign and curly quotes exist only in windows-1252.
LEGACY_PAGE = """<!DOCTYPE html>
<html lang="fr"><head>
<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">
<title>À l’Élysée, le budget de la défense à 64 milliards d’euros</title>
</head><body><article>
<h1>À l’Élysée, le budget de la défense à 64 milliards d’euros</h1>
<p>Le président a réuni jeudi à l’Élysée les chefs d’état-major pour arrêter l’enveloppe de la
défense : 64 milliards d’euros, soit 3 milliards de plus que l’an dernier, a-t-on appris
auprès de son entourage.</p>
<p>« C’est un effort considérable, mais nécessaire », a déclaré un conseiller, qui évoque un
coût de 12 € par habitant et par mois. Les crédits iront d’abord aux munitions et à la
défense aérienne, deux domaines jugés prioritaires après les retours d’expérience d’Ukraine.</p>
<p>Les syndicats de la fonction publique dénoncent un arbitrage fait au détriment de
l’éducation et de la santé, où les budgets progresseront moins vite que l’inflation.</p>
</article></body></html>"""


def test_a_windows_1252_page_is_decoded() -> None:
    raw = LEGACY_PAGE.encode("cp1252")
    assert not _is_utf8(raw)
    draft = extract(raw, "https://journal.example.fr/defense")
    assert draft.title == "À l’Élysée, le budget de la défense à 64 milliards d’euros"
    assert "coût de 12 € par habitant" in draft.text
    assert "« C’est un effort considérable, mais nécessaire »" in draft.text
    assert "\ufffd" not in draft.text
    assert draft.lang == "fr"


def test_utf8_wins_over_a_wrong_legacy_declaration() -> None:
    raw = LEGACY_PAGE.encode("utf-8")
    assert decode_html(raw) == LEGACY_PAGE
    assert decode_html(b"\xef\xbb\xbf" + raw) == LEGACY_PAGE


def test_a_bom_decides_the_encoding() -> None:
    assert decode_html("\ufeff<p>Grüße</p>".encode("utf-16-le")) == "<p>Grüße</p>"


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_keywords_come_once_each_entry_first_and_capped() -> None:
    from spiders.extract import keywords

    assert keywords(("Sanctions", " drones "), ["sanctions", "China", ""], None) == (
        "Sanctions",
        "drones",
        "China",
    )
    assert keywords(["x" * 81, "ok"]) == ("ok",)
    assert len(keywords([f"tag {n}" for n in range(100)])) == 30
