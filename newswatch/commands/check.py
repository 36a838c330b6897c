"""`newswatch check URL|FILE`: a dry run of extraction, deduplication and rules on one page.

The page is fetched (or read from a file: HTML, or plain text whose first line is the
title), extracted as the crawler would, compared with the archive as `store_article` would,
and matched against the rules; the report says why it is or is not a duplicate. Nothing is
written to the archive.
"""

from __future__ import annotations

import html
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import click
from sqlalchemy import Engine

from db.config import DedupConfig
from db.dedup.verdict import Comparison
from db.draft import ArticleDraft
from db.store import DryRun, dry_run
from newswatch.config import AppConfig
from newswatch.context import Context, pass_context
from spiders.extract import ExtractionError, extract
from spiders.urls import is_http_url

SHOWN = 5  # closest known articles in the report
FEATURES_SHOWN = 12


class CheckError(Exception):
    """The page cannot be checked: not found, not fetched, or no article in it."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: str
    topic: bool
    terms: list[str]


def load_draft(target: str, config: AppConfig) -> ArticleDraft:
    """Fetch or read the page and extract its article, as the crawler would."""
    path = Path(target)
    if path.is_file():
        body = path.read_bytes()
        if path.suffix.lower() in {".txt", ".text"} or b"<" not in body[:2000]:
            return _plain_text(path, body, config)
        return _extract(body, _file_url(path), config)
    if not is_http_url(target):
        raise CheckError(f"{target}: neither a file nor an http(s) URL")
    crawl = config.crawl
    request = urllib.request.Request(target, headers={"User-Agent": crawl.user_agent})
    try:
        with urllib.request.urlopen(request, timeout=crawl.download_timeout_seconds) as response:
            body = response.read(crawl.max_page_bytes + 1)
            fetched = response.geturl()
    except urllib.error.HTTPError as exc:
        raise CheckError(f"{target}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise CheckError(f"{target}: cannot fetch: {getattr(exc, 'reason', exc)}") from None
    if len(body) > crawl.max_page_bytes:
        raise CheckError(f"{target}: larger than {crawl.max_page_bytes} bytes")
    return _extract(body, target, config, fetched)


def _extract(body: bytes, url: str, config: AppConfig, fetched: str | None = None) -> ArticleDraft:
    try:
        return extract(
            body, url, min_text_chars=config.crawl.min_text_chars, fetched_url=fetched or url
        )
    except ExtractionError as exc:
        raise CheckError(str(exc)) from None


def _plain_text(path: Path, body: bytes, config: AppConfig) -> ArticleDraft:
    """A text file goes through the same extraction, as a minimal page of paragraphs."""
    lines = body.decode("utf-8", errors="replace").strip().splitlines()
    if len(lines) < 2:
        raise CheckError(f"{path}: a text file needs a title line and the text")
    title = html.escape(lines[0].strip())
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:] if line.strip())
    page = (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{paragraphs}</article></body></html>"
    )
    return _extract(page.encode(), _file_url(path), config)


def _file_url(path: Path) -> str:
    # The archive's URLs name a host; a local file is on this one.
    return "file://localhost" + quote(str(path.resolve()))


def match_rules(config: AppConfig, draft: ArticleDraft) -> list[RuleHit]:
    """The configured rules that match the draft (the one place check calls the rule engine)."""
    matches = config.ruleset().match(draft.title, draft.text, draft.lang, draft.source)
    return [RuleHit(m.rule.name, m.rule.topic, m.terms) for m in matches]


def run_check(
    archive: Engine, config: AppConfig, target: str, published: datetime | None = None
) -> str:
    draft = load_draft(target, config)
    if published is not None:
        draft = replace(draft, published=published)
    result = dry_run(archive, draft, config.dedup)
    return render(draft, result, match_rules(config, draft), config.dedup)


def render(draft: ArticleDraft, result: DryRun, rules: list[RuleHit], config: DedupConfig) -> str:
    when = draft.published.date().isoformat() if draft.published else "unknown (any date)"
    lines = [
        f"page:      {draft.url}",
        f"title:     {draft.title}",
        f"language:  {draft.lang or 'unknown'}    published: {when}    "
        f"words: {len(draft.text.split())}",
        "",
        f"verdict:   {_verdict(result)}",
    ]
    comparisons = result.verdict.comparisons[:SHOWN]
    if comparisons:
        lines += ["", "closest known articles:"]
        for comparison in comparisons:
            lines += _comparison(comparison, config)
    else:
        lines += ["", "no known article shares a band of its MinHash or a filed feature"]
    lines += ["", "rules:"]
    if rules:
        for hit in rules:
            topic = " (topic)" if hit.topic else ""
            lines.append(f"  {hit.rule}{topic}: {', '.join(hit.terms)}")
    else:
        lines.append("  none match")
    lines += ["", "nothing was written to the archive"]
    return "\n".join(lines)


def _verdict(result: DryRun) -> str:
    verdict = result.verdict
    if result.known_url is not None:
        return f"already in the archive as article {result.known_url} (url): not fetched again"
    if result.same_text is not None:
        return f"DUPLICATE of article {result.same_text} (text-hash: the same text, score 1.00)"
    if verdict.duplicate_of is not None:
        return (
            f"DUPLICATE of article {verdict.duplicate_of} ({verdict.method}, score "
            f"{verdict.score:.2f}), joins story {verdict.story_id}"
        )
    if verdict.story_id is not None:
        return f"NEW, not a copy; joins story {verdict.story_id}"
    return "NEW: starts a story of its own"


def _comparison(c: Comparison, config: DedupConfig) -> list[str]:
    day = c.published.date().isoformat() if c.published else "----------"
    shared = [f.split(":", 1)[1] for f in c.shared_features if f[0] in "qdtna"]
    more = len(shared) - FEATURES_SHOWN
    return [
        f"  #{c.article_id:<6} {day} {c.lang or '--':2}  {c.title[:70]}",
        f"           near {c.near:.2f} (Jaccard {c.jaccard:.2f})   fingerprint {c.overlap:.2f}"
        f" ({c.shared:.1f} shared)   {c.days_apart} days apart",
        f"           {c.reason(config)}",
        "           shared: "
        + (", ".join(shared[:FEATURES_SHOWN]) + (f" and {more} more" if more > 0 else "") or "-"),
    ]


@click.command()
@click.argument("target", metavar="URL|FILE")
@click.option(
    "--date",
    "published",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="publication day to assume (default: the page's own, else today)",
)
@pass_context
def check(context: Context, target: str, published: datetime | None) -> None:
    """Dry run on one page: extraction, deduplication (with the reasons) and rules."""
    try:
        day = published.replace(tzinfo=UTC) if published else None
        click.echo(run_check(context.archive, context.config, target, day))
    except CheckError as exc:
        raise click.ClickException(str(exc)) from None
