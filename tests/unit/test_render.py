"""Rendering one alert: subject, text and HTML parts, highlighting, escaping; and snippets."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from alerts.delivery.render import AlertFacts, render_alert, render_subject
from alerts.hits import Hit
from alerts.rules.config import RuleConfig
from alerts.rules.ruleset import RuleSet
from alerts.snippet import ELLIPSIS, make_snippet
from db.models import Article, Match

TEXT = (
    "Officials in Brussels said on Tuesday that a shipment of machine tools reached a Russian "
    "arms plant. The lathes came from a trading house in Shenzhen, China, and were paid in "
    "yuan. Drones were not part of the cargo, the officials said, but the plant also builds "
    "drone engines. The ministry in Beijing declined to comment on the report."
)


def _facts(
    title: str = "Machine tools reach Russian plant",
    text: str = TEXT,
    url: str = "https://news.example/tools",
    terms: tuple[str, ...] = ("machine tools", "china", "drone*"),
    snippet_chars: int = 240,
) -> AlertFacts:
    query = " OR ".join(f'"{term}"' for term in terms)
    rule = RuleConfig(name="tools", query=query, severity="high")
    match = RuleSet([rule]).match(title, text, "en")[0]
    article = Article(
        url=url,
        title=title,
        text=text,
        text_hash="x",
        lang="en",
        published=datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        site_name="Example News",
    )
    row = Match(article_id=1, rule="tools", terms=match.terms_json())
    return AlertFacts.from_rows(article, [row], "high", None, snippet_chars)


def test_both_parts_carry_the_alert() -> None:
    rendered = render_alert(_facts())
    for part in (rendered.text, rendered.html):
        assert "Machine tools reach Russian plant" in part
        assert "https://news.example/tools" in part
        assert "Example News" in part
        assert "2026-11-02 08:30 UTC" in part
        assert "tools (severity high)" in part
        assert "machine tools" in part and "drone* (Drones, drone)" in part
    assert rendered.subject == "[newswatch] tools: Machine tools reach Russian plant"


def test_matched_terms_are_highlighted() -> None:
    rendered = render_alert(_facts())
    assert "**machine tools**" in rendered.text
    assert "**China**" in rendered.text
    assert "<mark>machine tools</mark>" in rendered.html
    assert "<mark>China</mark>" in rendered.html
    assert '<a href="https://news.example/tools">' in rendered.html


def test_article_markup_is_escaped_in_html() -> None:
    title = "<script>alert(1)</script> and <b>bold</b> China"
    text = 'Beware <script>alert("x")</script> of <b>China</b> & "quotes" ' + TEXT
    html = render_alert(_facts(title=title, text=text)).html
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;<mark>China</mark>&lt;/b&gt;" in html
    assert "&amp; &quot;quotes&quot;" in html


def test_only_web_links_become_anchors() -> None:
    html = render_alert(_facts(url='javascript:alert(1)"')).html
    assert "href" not in html
    assert "javascript:alert(1)&quot;" in html


def test_subject_stays_on_one_line() -> None:
    facts = _facts(title="Machine tools\r\nBcc: victim@example.org\u2028reach China")
    subject = render_alert(facts, "{severity} | {rule} | {title} | {source} | {lang}").subject
    assert "\n" not in subject and "\r" not in subject and "\u2028" not in subject
    assert subject == (
        "high | tools | Machine tools Bcc: victim@example.org reach China | Example News | en"
    )


def test_subject_template_faults_do_not_lose_the_alert() -> None:
    facts = _facts()
    assert render_subject("{rule} {unknown}", facts) == "tools {unknown}"
    assert render_subject("{rule", facts) == "[newswatch] tools: Machine tools reach Russian plant"
    assert render_subject("{title.upper}", facts).startswith("[newswatch] tools")


def test_snippet_prefers_a_window_with_several_terms() -> None:
    text = (
        "China " + "filler words here " * 30 + "later China and Russia and drones here " + "x " * 50
    )
    hits = [
        h
        for m in RuleSet([RuleConfig(name="r", query="china OR russia OR drone*")]).match(
            "", text, "en"
        )
        for h in m.hits
    ]
    snippet = make_snippet(text, hits, 80)
    assert "China and Russia and drones" in snippet.text
    assert snippet.text.startswith(ELLIPSIS) and snippet.text.endswith(ELLIPSIS)
    marked = [snippet.text[a:b] for a, b in snippet.marks]
    assert marked == ["China", "Russia", "drones"]


def test_snippet_cuts_between_words() -> None:
    text = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike"
    hit = Hit("golf", "text", text.index("golf"), text.index("golf") + 4, "golf")
    snippet = make_snippet(text, [hit], 24)
    inner = snippet.text.strip(ELLIPSIS)
    words = text.split()
    assert all(word in words for word in inner.split())
    assert "golf" in inner


def test_snippet_without_text_hits_is_the_opening() -> None:
    snippet = make_snippet(TEXT, [Hit("x", "title", 0, 1, "M")], 60)
    assert snippet.text.startswith("Officials in Brussels")
    assert snippet.text.endswith(ELLIPSIS)
    assert snippet.marks == ()


def test_stale_positions_are_ignored() -> None:
    snippet = make_snippet("a changed text", [Hit("china", "text", 2, 7, "China")], 60)
    assert snippet.text == "a changed text"
    assert snippet.marks == ()


@given(
    words=st.lists(st.sampled_from(["china", "russia", "arms", "tea", "the", "a"]), max_size=80),
    size=st.integers(min_value=40, max_value=200),
)
def test_snippet_marks_always_show_matched_words(words: list[str], size: int) -> None:
    text = " ".join(words)
    matches = RuleSet([RuleConfig(name="r", query="china OR russia OR arms")]).match("", text, "en")
    hits = [h for m in matches for h in m.hits]
    snippet = make_snippet(text, hits, size)
    assert len(snippet.text) <= size + 2 * len(ELLIPSIS)
    for start, end in snippet.marks:
        assert snippet.text[start:end] in {"china", "russia", "arms"}
    if hits:
        assert snippet.marks
