"""The review UI's pure parts: spike detection, SVG escaping, the simple form's query, marks,
links and facet toggles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from alerts.rules.config import RuleConfig
from alerts.rules.ruleset import RuleSet
from newswatch.web.charts import bar_list, days_back, line_chart, timeline, with_spikes
from newswatch.web.render import marked, safe_url, toggled
from newswatch.web.searching import build_query

END = date(2026, 11, 30)


def _series(values: list[int]) -> dict[date, int]:
    days = days_back(END, len(values))
    return dict(zip(days, values, strict=True))


def test_a_spike_is_a_day_against_the_fourteen_before_it() -> None:
    quiet = [1, 0, 1, 2, 1, 0, 1, 1, 2, 1, 0, 1, 1, 1]
    points = with_spikes(_series([*quiet, 9, 2]), days_back(END, 2))
    assert [p.spike for p in points] == [True, False]
    # The same nine after a busy fortnight is no spike.
    busy = [8, 9, 7, 10, 8, 9, 9, 8, 7, 10, 9, 8, 9, 8]
    assert not with_spikes(_series([*busy, 9]), [END])[0].spike
    # Too few articles never spike, however quiet the days before.
    assert not with_spikes(_series([0] * 14 + [2]), [END])[0].spike
    assert with_spikes(_series([0] * 14 + [3]), [END])[0].spike


def test_charts_are_valid_svg_with_escaped_labels() -> None:
    hostile = '<script>alert("x")</script>&'
    days = days_back(END, 20)
    charts = [
        line_chart(hostile, {hostile: with_spikes({END: 5}, days)}),
        bar_list(hostile, [(hostile, 3), ("Spacety", 1)]),
        timeline(hostile, [(hostile, datetime(2026, 11, 2, tzinfo=UTC), "<b>")]),
    ]
    for svg in charts:
        tree = ElementTree.fromstring(svg)  # well-formed: nothing unescaped broke it
        assert tree.tag.endswith("svg")
        assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'class="spike"' in charts[0]


def test_the_simple_form_builds_a_rule_language_query() -> None:
    assert build_query("drone* UAV", "China", '"toy drone*" model') == (
        '(drone* OR UAV) AND China AND NOT ("toy drone*" OR model)'
    )
    assert build_query("", "", "sport") == "NOT sport"
    assert build_query('"machine tools"', "", "") == '"machine tools"'
    assert build_query("", "", "") == ""


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßабв", min_size=1, max_size=8)


@given(st.lists(words, max_size=3), st.lists(words, max_size=3), st.lists(words, max_size=3))
def test_every_built_query_parses(anys: list[str], alls: list[str], nones: list[str]) -> None:
    query = build_query(" ".join(anys), " ".join(alls), " ".join(nones))
    if anys or alls:
        RuleSet([RuleConfig(name="q", query=query)])  # raises RuleError if it does not parse


def test_marks_escape_everything_and_links_are_web_only() -> None:
    text = "<b>drone</b> & <i>UAV</i>"
    html = str(marked(text, [(3, 8), (18, 21), (5, 7)]))
    assert html == "&lt;b&gt;<mark>drone</mark>&lt;/b&gt; &amp; &lt;i&gt;<mark>UAV</mark>&lt;/i&gt;"
    assert safe_url("https://example.org/a") == "https://example.org/a"
    for bad in (
        "javascript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,x",
        "seed:abc",
        None,
    ):
        assert safe_url(bad) is None


def test_a_facet_link_toggles_its_value_and_resets_the_page() -> None:
    params = [("q", "drone*"), ("lang", "de"), ("page", "3")]
    assert toggled(params, "lang", "de") == "?q=drone%2A"
    assert toggled(params, "lang", "en") == "?q=drone%2A&lang=de&lang=en"
    assert toggled([], "source", "wire-en") == "?source=wire-en"


def test_days_back_ends_on_the_day() -> None:
    days = days_back(END, 90)
    assert len(days) == 90 and days[-1] == END and days[0] == END - timedelta(days=89)
