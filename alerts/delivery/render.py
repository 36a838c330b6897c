"""One alert as a message: a subject line, a plain-text part and an HTML part.

Everything that comes from an article is untrusted: it is HTML-escaped in the HTML part, and
only http(s) links become anchors (a `javascript:` URL stays inert text).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from string import Formatter
from urllib.parse import urlsplit

from alerts.hits import Hit
from alerts.snippet import Snippet, make_snippet
from db.models import Article, Match

logger = logging.getLogger(__name__)

DEFAULT_SUBJECT = "[newswatch] {rule}: {title}"


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What an alert says, independent of how it is stored or sent."""

    title: str
    url: str
    source: str | None
    published: datetime | None
    lang: str | None
    rule: str  # the first rule, of the highest severity
    severity: str
    # Each matched term with the distinct forms it was found in.
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    snippet: Snippet
    # The other rules that fired on the article, with their severities, in that order.
    also: tuple[tuple[str, str], ...] = ()
    # Why this message is sent within a known story (an update, a follow-up).
    note: str | None = None

    @classmethod
    def from_rows(
        cls,
        article: Article,
        matches: Sequence[Match],
        severity: str,
        source: str | None,
        snippet_chars: int,
        also: tuple[tuple[str, str], ...] = (),
    ) -> AlertFacts:
        """`matches` are the article's matches of the rules the alert names, the first first."""
        hits = [Hit.from_dict(item) for match in matches for item in match.terms]
        forms: dict[str, dict[str, None]] = {}
        for hit in hits:
            forms.setdefault(hit.term, {})[hit.found] = None
        return cls(
            title=article.title,
            url=article.url,
            source=source or article.site_name,
            published=article.published,
            lang=article.lang,
            rule=matches[0].rule,
            severity=severity,
            terms=tuple((term, tuple(found)) for term, found in forms.items()),
            snippet=make_snippet(article.text, hits, snippet_chars),
            also=also,
        )

    @property
    def rules(self) -> str:
        """Every rule that fired, the most severe first: `lethal_aid, drones`."""
        return ", ".join([self.rule, *(name for name, _ in self.also)])


@dataclass(frozen=True, slots=True)
class RenderedAlert:
    subject: str
    text: str
    html: str


class _Fields(dict[str, str]):
    """Subject fields; an unknown `{name}` stays as written instead of failing the alert."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _one_line(value: str) -> str:
    # str.split() also splits on \r, \x0b, \x0c, \x1c-\x1e, \x85, \u2028 and \u2029, any of
    # which could end a mail header early.
    return " ".join(value.split())


def render_subject(template: str, facts: AlertFacts) -> str:
    fields = _Fields(
        rule=facts.rules,
        title=facts.title,
        source=facts.source or "",
        lang=facts.lang or "",
        severity=facts.severity,
    )
    try:
        # Plain names only: `{title.__class__}` and the like must not reach into objects.
        for _, name, _, _ in Formatter().parse(template):
            if name is not None and not name.isidentifier():
                raise ValueError(f"field {{{name}}} is not a plain name")
        subject = template.format_map(fields)
    except ValueError as exc:
        logger.warning("bad subject template %r (%s); using the default", template, exc)
        subject = DEFAULT_SUBJECT.format_map(fields)
    return _one_line(subject)


def _published(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "unknown"


def _term_list(facts: AlertFacts) -> list[str]:
    described = []
    for term, found in facts.terms:
        shown = [form for form in found if _one_line(form) != term]
        described.append(f"{term} ({', '.join(_one_line(f) for f in shown)})" if shown else term)
    return described


def _rule_row(facts: AlertFacts) -> tuple[str, str]:
    if not facts.also:
        return ("Rule", f"{facts.rule} (severity {facts.severity})")
    named = [(facts.rule, facts.severity), *facts.also]
    return ("Rules", ", ".join(f"{name} ({severity})" for name, severity in named))


def _details(facts: AlertFacts) -> list[tuple[str, str]]:
    return [
        ("Source", facts.source or "unknown"),
        ("Published", _published(facts.published)),
        ("Language", facts.lang or "unknown"),
        _rule_row(facts),
        ("Matched", ", ".join(_term_list(facts))),
    ]


FOLLOWUP_NOTE = "More coverage of a story already alerted."


def outlets_note(outlets: int) -> str:
    return f"Also carried by {outlets} other outlet{'s' if outlets != 1 else ''}."


def _note(facts: AlertFacts, followup: bool) -> str | None:
    if facts.note is not None:
        return facts.note
    return FOLLOWUP_NOTE if followup else None


def render_text(facts: AlertFacts, followup: bool = False, outlets: int = 0) -> str:
    snippet = "".join(f"**{piece}**" if mark else piece for piece, mark in facts.snippet.parts())
    note = _note(facts, followup)
    lines = [note, ""] if note else []
    lines += [_one_line(facts.title), ""]
    lines += [f"{label}: {value}" for label, value in _details(facts)]
    lines += ["", snippet, "", f"Link: {facts.url}", ""]
    if outlets:
        lines += [outlets_note(outlets), ""]
    return "\n".join(lines)


def _is_web_link(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


def render_html(facts: AlertFacts, followup: bool = False, outlets: int = 0) -> str:
    esc = html.escape
    snippet = "".join(
        f"<mark>{esc(piece)}</mark>" if mark else esc(piece)
        for piece, mark in facts.snippet.parts()
    )
    title = esc(_one_line(facts.title))
    heading = f'<a href="{esc(facts.url)}">{title}</a>' if _is_web_link(facts.url) else title
    rows = "\n".join(
        f'<tr><th align="left">{esc(label)}</th><td>{esc(value)}</td></tr>'
        for label, value in _details(facts)
    )
    link = (
        f'<a href="{esc(facts.url)}">{esc(facts.url)}</a>'
        if _is_web_link(facts.url)
        else esc(facts.url)
    )
    note = _note(facts, followup)
    note = f"<p><em>{esc(note)}</em></p>\n" if note else ""
    carried = f"<p>{esc(outlets_note(outlets))}</p>\n" if outlets else ""
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8"></head><body>\n'
        f"{note}<h2>{heading}</h2>\n"
        f"<table>\n{rows}\n</table>\n"
        f"<blockquote>{snippet}</blockquote>\n"
        f"<p>{link}</p>\n{carried}"
        "</body></html>\n"
    )


def render_alert(
    facts: AlertFacts,
    subject_template: str = DEFAULT_SUBJECT,
    followup: bool = False,
    outlets: int = 0,
) -> RenderedAlert:
    """The alert as a message; a follow-up's subject is a reply to the story's first alert."""
    subject = render_subject(subject_template, facts)
    return RenderedAlert(
        subject=f"Re: {subject}" if followup else subject,
        text=render_text(facts, followup, outlets),
        html=render_html(facts, followup, outlets),
    )


def published_label(value: datetime | None) -> str:
    return _published(value)


def one_line(value: str) -> str:
    return _one_line(value)


def is_web_link(url: str) -> bool:
    return _is_web_link(url)
