"""Property tests: the sitemap parser, the extraction wrapper, the rule parser and the config
loader, fed arbitrary input, give a result or their own clear error, never anything else.

(The HTML decoder's are in test_encoding.py, the feed parser's in
tests/integration/test_hostile_feeds.py: it needs an archive.)
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.rules.config import RuleConfig
from alerts.rules.ruleset import RuleError, RuleSet
from newswatch.config import ConfigError, load_config, parse_config
from spiders.extract import ExtractionError, extract
from spiders.sitemap import SitemapError, parse_sitemap, sitemap_body
from tests.support.configs import ROOT

SHIPPED: dict[str, Any] = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"

xml_fragments = st.lists(
    st.sampled_from(
        [
            f'<urlset xmlns="{SM}">',
            "</urlset>",
            "<sitemapindex>",
            "</sitemapindex>",
            "<url>",
            "</url>",
            "<loc>",
            "</loc>",
            "<lastmod>",
            "</lastmod>",
            "<news:news>",
            "<news:publication_date>",
            "https://e.example/a",
            "2026-13-45T99:99",
            "&amp;",
            "&bogus;",
            "<![CDATA[",
            "]]>",
            "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
            "&a;",
            "\x00",
            "<?xml version='1.0'?>",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=3000), xml_fragments.map(str.encode)))
def test_the_sitemap_parser_reads_or_refuses_any_bytes(body: bytes) -> None:
    try:
        sitemap = parse_sitemap(sitemap_body(body, "https://e.example/sitemap.xml", 1 << 20))
    except SitemapError as exc:
        assert str(exc)
    else:
        assert all(isinstance(entry.loc, str) for entry in sitemap.urls)


html_fragments = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "<html>",
                "<head>",
                "<title>",
                "</title>",
                "<meta charset='x-unknown'>",
                '<meta property="article:published_time" content="9999-99-99">',
                "<body>",
                "<article>",
                "<p>",
                "</p>",
                "<script>",
                "</script>",
                "<table><tr><td>",
                "<!--",
                "-->",
                "\x00",
                "\ufffd",
            ]
        ),
        st.text(max_size=200),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.binary(max_size=5000), html_fragments.map(lambda t: t.encode("utf-8", "replace")))
)
def test_extraction_gives_an_article_or_an_extraction_error(page: bytes) -> None:
    try:
        draft = extract(page, "https://e.example/news/1", min_text_chars=20)
    except ExtractionError as exc:
        assert exc.reason and "https://e.example/news/1" in str(exc)
    else:
        assert draft.title and len(draft.text) >= 20


def _nested(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from([" AND ", " OR ", " NEAR/5 ", " "]), children).map(
            "".join
        ),
        children.map(lambda q: f"({q})"),
        children.map(lambda q: f"NOT {q}"),
        children.map(lambda q: f"title:{q}"),
    )


queries = st.recursive(
    st.sampled_from(["drone*", '"two words"', "@g", "entity:Nobody", "lang:de", "x(", ")", "*"]),
    _nested,
    max_leaves=80,
)


@settings(max_examples=300, deadline=None)
@given(queries)
def test_the_rule_parser_compiles_or_names_the_problem_for_any_nesting(query: str) -> None:
    try:
        ruleset = RuleSet([RuleConfig(name="r", query=query)], groups={"g": "drone*"})
    except RuleError as exc:
        assert exc.errors and all(line.startswith("rules[0] 'r': query: ") for line in exc.errors)
    else:
        ruleset.analyse("Drone", "a drone flew over two words", "de")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _leaves(item, (*path, key))] or [path]
    if isinstance(value, list) and value:
        return [p for index, item in enumerate(value) for p in _leaves(item, (*path, index))]
    return [path]


LEAVES = _leaves(SHIPPED)
values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True),
        st.text(max_size=30),
        st.sampled_from(["30s", "0s", "* * *", "((((", "daily at 25:00", "Mars/Olympus"]),
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _replace(config: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(config)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    if path:
        target[path[-1]] = value
    return changed


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LEAVES), values)
def test_the_config_loader_accepts_or_names_the_key_for_any_value_anywhere(
    path: tuple[Any, ...], value: Any
) -> None:
    raw = _replace(SHIPPED, path, value)
    try:
        parse_config(raw, ROOT / "config.toml")
    except ConfigError as exc:
        assert str(exc).startswith(str(ROOT / "config.toml"))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_the_config_loader_refuses_any_bytes_with_the_file_named(
    tmp_path: Path, body: bytes
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(body)
    try:
        load_config(path)
    except ConfigError as exc:
        assert str(exc).startswith(str(path))
