"""Reading sitemaps: namespaces, Google News fields, dates, gzip, and broken documents."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spiders.sitemap import (
    ChildSitemap,
    SitemapError,
    choose_children,
    parse_sitemap,
    parse_w3c_date,
    sitemap_body,
)

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def test_news_fields_nested_in_news_publication_are_read() -> None:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
    <urlset xmlns="{SM}" xmlns:news="{NEWS}">
      <url>
        <loc>https://news.example.org/2026/11/02/drones.html</loc>
        <lastmod>2026-11-02T10:00:00Z</lastmod>
        <news:news>
          <news:publication>
            <news:name>Example Times</news:name>
            <news:language>de</news:language>
          </news:publication>
          <news:publication_date>2026-11-02T08:30:00+01:00</news:publication_date>
          <news:title><![CDATA[Drohnen & Granaten: Was Peking liefern könnte]]></news:title>
          <news:keywords>China, Russland , Drohnen</news:keywords>
        </news:news>
      </url>
    </urlset>""".encode()
    sitemap = parse_sitemap(xml)
    assert not sitemap.is_index
    [entry] = sitemap.urls
    assert entry.loc == "https://news.example.org/2026/11/02/drones.html"
    assert entry.published == datetime(2026, 11, 2, 7, 30, tzinfo=UTC)
    assert entry.lastmod == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert entry.date == entry.published  # the news date decides, not the last edit
    assert entry.title == "Drohnen & Granaten: Was Peking liefern könnte"
    assert entry.language == "de"
    assert entry.publication == "Example Times"
    assert entry.keywords == ("China", "Russland", "Drohnen")


def test_missing_fields_are_none_and_an_entry_without_loc_is_dropped() -> None:
    xml = (
        f'<urlset xmlns="{SM}"><url><loc> https://example.org/a </loc></url>'
        "<url><lastmod>2026-01-01</lastmod></url>"
        "<url><loc>https://example.org/b</loc><lastmod>yesterday</lastmod></url></urlset>"
    ).encode()
    first, second = parse_sitemap(xml).urls
    assert first.loc == "https://example.org/a"
    assert (first.lastmod, first.published, first.title, first.language) == (None,) * 4
    assert first.keywords == ()
    assert first.date is None
    assert second.lastmod is None  # an unreadable date is no date, not an error


def test_namespaces_are_matched_by_local_name_whatever_the_prefix_or_uri() -> None:
    # A wrong sitemap namespace, a different prefix for news, and an undeclared prefix.
    xml = (
        b'<urlset xmlns="http://www.google.com/schemas/sitemap/0.84" xmlns:n="urn:whatever">'
        b"<url><loc>https://example.org/a</loc><n:news><n:title>A</n:title></n:news></url>"
        b"<url><loc>https://example.org/b</loc><news:news><news:title>B</news:title>"
        b"</news:news></url></urlset>"
    )
    titles = [entry.title for entry in parse_sitemap(xml).urls]
    assert titles == ["A", "B"]


def test_a_sitemap_index_lists_its_children() -> None:
    xml = (
        f'<sitemapindex xmlns="{SM}">'
        "<sitemap><loc>https://example.org/news.xml.gz</loc>"
        "<lastmod>2026-11-02T08:30+02:00</lastmod></sitemap>"
        "<sitemap><loc>https://example.org/2019.xml</loc></sitemap>"
        "</sitemapindex>"
    ).encode()
    sitemap = parse_sitemap(xml)
    assert sitemap.is_index and not sitemap.urls
    assert sitemap.sitemaps == (
        ChildSitemap("https://example.org/news.xml.gz", datetime(2026, 11, 2, 6, 30, tzinfo=UTC)),
        ChildSitemap("https://example.org/2019.xml", None),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-02", datetime(2026, 11, 2, tzinfo=UTC)),
        ("2026-11-02T08:30Z", datetime(2026, 11, 2, 8, 30, tzinfo=UTC)),
        ("2026-11-02T08:30:15.5-05:00", datetime(2026, 11, 2, 13, 30, 15, 500000, tzinfo=UTC)),
        ("2026-11-02T01:00:00+0200", datetime(2026, 11, 1, 23, 0, tzinfo=UTC)),
        ("2026-11-02T08:30:00", datetime(2026, 11, 2, 8, 30, tzinfo=UTC)),
        (" 2026-11-02 ", datetime(2026, 11, 2, tzinfo=UTC)),
        ("02/11/2026", None),
        ("", None),
        (None, None),
    ],
)
def test_w3c_dates_with_offsets_come_out_in_utc(value: str | None, expected: datetime) -> None:
    assert parse_w3c_date(value) == expected


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.timezones()
    )
)
def test_any_aware_datetime_survives_the_round_trip(moment: datetime) -> None:
    parsed = parse_w3c_date(moment.isoformat())
    assert parsed is not None and parsed.tzinfo is UTC
    # Compared in UTC: an ambiguous local time never equals anything across zones (PEP 495).
    assert parsed == moment.astimezone(UTC)


@given(st.text())
def test_no_text_makes_the_date_parser_raise(value: str) -> None:
    parsed = parse_w3c_date(value)
    assert parsed is None or parsed.tzinfo is UTC


def test_a_bare_ampersand_in_a_url_is_kept() -> None:
    xml = f'<urlset xmlns="{SM}"><url><loc>https://example.org/s?id=1&amp;p=2&x=3</loc></url>'
    [entry] = parse_sitemap(xml.encode()).urls
    assert entry.loc == "https://example.org/s?id=1&p=2&x=3"


def test_a_sitemap_cut_short_is_recovered_up_to_the_break() -> None:
    xml = (
        f'<urlset xmlns="{SM}"><url><loc>https://example.org/a</loc></url>'
        "<url><loc>https://example.org/b</loc></url><url><loc>https://exa"
    ).encode()
    assert [entry.loc for entry in parse_sitemap(xml).urls][:2] == [
        "https://example.org/a",
        "https://example.org/b",
    ]


def test_entities_are_never_expanded() -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">'
        b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://example.org/&secret;&b;</loc></url></urlset>"
    )
    locs = [entry.loc for entry in parse_sitemap(xml).urls]
    assert all("root:" not in loc and "aaaa" not in loc for loc in locs)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!doctype html><html><head><title>Home</title></head><body></body></html>", "HTML"),
        (b'<rss version="2.0"><channel></channel></rss>', "<rss>"),
        (b'{"urls": ["https://example.org/a"]}', "not a sitemap"),
        (b"", "not a sitemap"),
    ],
)
def test_what_is_not_a_sitemap_is_rejected_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(SitemapError, match="not a sitemap") as raised:
        parse_sitemap(body)
    assert reason in str(raised.value)


def test_gzip_is_recognised_by_magic_bytes_or_a_gz_url() -> None:
    xml = f'<urlset xmlns="{SM}"><url><loc>https://example.org/a</loc></url></urlset>'.encode()
    packed = gzip.compress(xml)
    assert sitemap_body(packed, "https://example.org/sitemap.xml", 10_000) == xml
    assert sitemap_body(xml, "https://example.org/sitemap.xml.gz", 10_000) == xml
    with pytest.raises(SitemapError, match="broken gzip"):
        sitemap_body(b"PK\x03\x04 not gzip", "https://example.org/sitemap.xml.gz", 10_000)


def test_truncated_and_oversized_gzip_are_errors() -> None:
    xml = f'<urlset xmlns="{SM}">'.encode() + b"<url><loc>https://example.org/a</loc></url>" * 500
    packed = gzip.compress(xml + b"</urlset>")
    with pytest.raises(SitemapError, match="truncated gzip"):
        sitemap_body(packed[: len(packed) // 2], "https://example.org/s.xml", 1_000_000)
    with pytest.raises(SitemapError, match="larger than 1000 bytes"):
        sitemap_body(packed, "https://example.org/s.xml", 1_000)


def test_children_recent_first_old_ones_skipped_and_bounded() -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    children = [
        ChildSitemap("https://example.org/undated.xml"),
        ChildSitemap("https://example.org/2019.xml", datetime(2019, 12, 31, tzinfo=UTC)),
        *(
            ChildSitemap(f"https://example.org/day-{d}.xml", now - timedelta(days=d))
            for d in range(5)
        ),
    ]
    chosen = choose_children(children, oldest=now - timedelta(days=7), limit=4)
    assert [c.loc.rsplit("/", 1)[1] for c in chosen] == [
        "day-0.xml",
        "day-1.xml",
        "day-2.xml",
        "day-3.xml",
    ]
    everything = choose_children(children, oldest=now - timedelta(days=7), limit=50)
    assert everything[-1].loc.endswith("undated.xml")
    assert "https://example.org/2019.xml" not in {c.loc for c in everything}


_XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Co")), min_size=1
).filter(str.strip)


@given(st.lists(_XML_TEXT, max_size=5))
def test_any_escaped_loc_is_read_back_as_written(locs: list[str]) -> None:
    entries = "".join(f"<url><loc>{escape(loc)}</loc></url>" for loc in locs)
    sitemap = parse_sitemap(f'<urlset xmlns="{SM}">{entries}</urlset>'.encode())
    assert [entry.loc for entry in sitemap.urls] == [loc.strip() for loc in locs]
