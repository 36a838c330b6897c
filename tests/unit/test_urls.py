"""canonical_url: the archive's identity of a page."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spiders.urls import canonical_url, is_http_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # case, default ports, empty path, fragment
        ("HTTPS://WWW.Example.COM", "https://www.example.com/"),
        ("https://www.example.com:443/a", "https://www.example.com/a"),
        ("http://www.example.com:80/a", "http://www.example.com/a"),
        ("https://www.example.com:8443/a", "https://www.example.com:8443/a"),
        ("http://www.example.com:443/a", "http://www.example.com:443/a"),
        ("https://example.com/news/story-1#comments", "https://example.com/news/story-1"),
        ("https://example.com./a", "https://example.com/a"),
        ("  https://example.com/a \n", "https://example.com/a"),
        # the path is otherwise kept as it is: trailing slash, index.html, case
        ("https://example.com/news/story/", "https://example.com/news/story/"),
        ("https://example.com/news/story", "https://example.com/news/story"),
        ("https://example.com/News/Index.html", "https://example.com/News/Index.html"),
        # tracking parameters go, content parameters stay, sorted
        (
            "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x&id=7",
            "https://example.com/a?id=7",
        ),
        (
            "https://example.com/a?p=2&fbclid=IwAR0&gclid=abc&article=9&msclkid=1",
            "https://example.com/a?article=9&p=2",
        ),
        (
            "https://example.com/a?mc_cid=1&mc_eid=2&ocid=3&cmpid=4&dclid=5&yclid=6",
            "https://example.com/a",
        ),
        (
            "https://example.com/a?at_medium=sn&at_campaign=tw&ref=hp&ref_src=twsrc&_ga=1.2",
            "https://example.com/a",
        ),
        (
            "https://example.com/a?__twitter_impression=true&igshid=abc&wt_mc=x&UTM_Source=y",
            "https://example.com/a",
        ),
        ("https://example.com/a?CMP=share_btn_tw&page=3", "https://example.com/a?page=3"),
        # courlan would drop these: they name content, not a campaign
        (
            "https://example.com/a?source=afp&gallery=2&game=5",
            "https://example.com/a?gallery=2&game=5&source=afp",
        ),
        ("https://example.com/a?b=2&a=1&a=0", "https://example.com/a?a=0&a=1&b=2"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/a?&&id=1&", "https://example.com/a?id=1"),
        ("https://example.com/search?q=a+b", "https://example.com/search?q=a+b"),
        ("https://example.com/search?q=a%20b", "https://example.com/search?q=a+b"),
        # AMP variants
        ("https://example.com/news/story/amp/", "https://example.com/news/story/"),
        ("https://example.com/news/story/amp", "https://example.com/news/story"),
        ("https://example.com/amp/news/story", "https://example.com/news/story"),
        ("https://example.com/news/story.amp.html", "https://example.com/news/story.html"),
        ("https://example.com/news/story?amp", "https://example.com/news/story"),
        ("https://example.com/news/story?amp=1&id=2", "https://example.com/news/story?id=2"),
        ("https://example.com/news/story?outputType=amp", "https://example.com/news/story"),
        ("https://amp.example.co.uk/news/story", "https://example.co.uk/news/story"),
        ("https://amp.example-news.invalid/a", "https://example-news.invalid/a"),
        ("https://example.com/news/ampere-record", "https://example.com/news/ampere-record"),
        ("https://example.com/news/story?amp=0", "https://example.com/news/story?amp=0"),
        # "amp." is the whole registrable domain here, not a prefix
        ("https://amp.dev/documentation", "https://amp.dev/documentation"),
        ("https://amp.co.uk/a", "https://amp.co.uk/a"),
        # percent-encoding
        ("https://example.com/%7euser/a%2fb", "https://example.com/~user/a%2Fb"),
        ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
        ("https://example.com/café", "https://example.com/caf%C3%A9"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/über?q=ä", "https://example.com/%C3%BCber?q=%C3%A4"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("http://[::1]:80/x", "http://[::1]/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_variants_of_one_page_share_an_identity() -> None:
    variants = [
        "https://www.example.com/world/2026/oct/14/story",
        "https://WWW.EXAMPLE.COM:443/world/2026/oct/14/story#comments",
        "https://www.example.com/world/2026/oct/14/story?utm_source=twitter&CMP=share",
        "https://www.example.com/world/2026/oct/14/story/amp",
        "https://www.example.com/world/2026/oct/14/story?fbclid=IwAR2x&amp=1",
    ]
    assert {canonical_url(url) for url in variants} == {
        "https://www.example.com/world/2026/oct/14/story"
    }


@pytest.mark.parametrize(
    "url", ["", "example.com/a", "//example.com/a", "/a/b", "mailto:desk@example.com", "https://"]
)
def test_a_url_without_scheme_or_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="not an absolute URL"):
        canonical_url(url)


def test_an_invalid_port_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid port"):
        canonical_url("https://example.com:99999/a")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a", True),
        ("HTTP://example.com", True),
        ("ftp://example.com/a", False),
        ("example.com/a", False),
        ("https://", False),
        ("", False),
        ("http://[::1", False),
    ],
)
def test_is_http_url(url: str, expected: bool) -> None:
    assert is_http_url(url) is expected


# Property tests over generated URLs.

TRACKING = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "ocid",
    "cmpid",
    "at_medium",
    "at_campaign",
    "ref",
    "ref_src",
    "__twitter_impression",
    "igshid",
    "yclid",
    "_ga",
    "wt_mc",
]
CONTENT = ["id", "p", "article", "page", "q", "source", "section", "lang"]

labels = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?", fullmatch=True)
hosts = st.builds(
    lambda parts, tld: ".".join([*parts, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["com", "co.uk", "de", "invalid", "example", "NL"]),
)
ports = st.one_of(st.just(""), st.sampled_from([":80", ":443", ":8080"]))
segments = st.one_of(
    st.sampled_from(["amp", "AMP", "index.html", "story.amp.html", ".", "..", "", "a b", "%7e"]),
    st.text(max_size=8),
)
paths = st.lists(segments, max_size=5).map(lambda parts: "/" + "/".join(parts))
values = st.text(max_size=8)
params = st.lists(st.tuples(st.sampled_from(TRACKING + CONTENT + ["amp"]), values), max_size=6)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    query = "&".join(f"{key}={value}" for key, value in draw(params))
    fragment = draw(st.text(max_size=8))
    url = f"{scheme}://{draw(hosts)}{draw(ports)}{draw(paths)}"
    if query or draw(st.booleans()):
        url += "?" + query
    if fragment or draw(st.booleans()):
        url += "#" + fragment
    return url


@given(urls())
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@given(urls())
def test_no_fragment_survives(url: str) -> None:
    assert "#" not in canonical_url(url)


@given(hosts, paths, params)
def test_no_tracking_parameter_survives(host: str, path: str, pairs: list[tuple[str, str]]) -> None:
    # Percent-encoded so that the path stays the path and each pair one parameter.
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in pairs)
    result = urlsplit(canonical_url(f"https://{host}{quote(path, safe='/%')}?{query}"))
    keys = [key.lower() for key, _value in parse_qsl(result.query, keep_blank_values=True)]
    assert not set(keys) & set(TRACKING)
    # Content parameters all stay (an "amp" flag may or may not, by its value).
    assert sorted(key for key in keys if key != "amp") == sorted(
        key for key, _value in pairs if key in CONTENT
    )
