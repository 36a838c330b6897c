"""A digest as a message: the alerts of one slot, one group per story.

Each group shows the alert's article (title, source, date, language, severity, snippet, link)
and lists the later articles of the story that were folded into it. Everything from an article
is escaped for HTML; only http(s) links become anchors.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.delivery.render import AlertFacts, RenderedAlert, is_web_link, one_line, published_label

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


@dataclass(frozen=True, slots=True)
class DigestGroup:
    """One story: its alert (when it is in this digest) and the story's later articles."""

    alert_id: int
    rule: str
    severity: str
    # The alert's own article; None when it went out earlier and only follow-ups are new.
    lead: AlertFacts | None
    followups: tuple[AlertFacts, ...]
    outlets: int = 0
    # What the story is when its first article is not in this digest (default: alerted earlier).
    note: str | None = None

    @property
    def headline(self) -> AlertFacts:
        return self.lead if self.lead is not None else self.followups[0]

    @property
    def rule_label(self) -> str:
        return "Rules" if "," in self.rule else "Rule"

    @property
    def articles(self) -> int:
        return (self.lead is not None) + len(self.followups)


def ordered(groups: list[DigestGroup]) -> list[DigestGroup]:
    """Most severe first, then by rule, then oldest alert first."""
    return sorted(groups, key=lambda g: (_SEVERITY_ORDER.get(g.severity, 9), g.rule, g.alert_id))


def digest_subject(groups: tuple[DigestGroup, ...], due_at: datetime, timezone: str) -> str:
    when = due_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    articles = sum(g.articles for g in groups)
    return (
        f"[newswatch] digest {when}: {len(groups)} stor{'y' if len(groups) == 1 else 'ies'}, "
        f"{articles} article{'s' if articles != 1 else ''}"
    )


def _line(facts: AlertFacts) -> str:
    return (
        f"{one_line(facts.title)} ({facts.source or 'unknown'}, "
        f"{published_label(facts.published)}, {facts.lang or '??'})"
    )


def _text_group(group: DigestGroup) -> list[str]:
    head = group.headline
    lines = [
        f"## {one_line(head.title)}",
        f"{group.rule_label}: {group.rule} (severity {group.severity})",
    ]
    if group.lead is not None:
        lead = group.lead
        snippet = "".join(f"**{p}**" if mark else p for p, mark in lead.snippet.parts())
        lines += [
            f"Source: {lead.source or 'unknown'} · {published_label(lead.published)} · "
            f"{lead.lang or 'unknown'}",
            snippet,
            f"Link: {lead.url}",
        ]
    else:
        lines.append(f"({group.note or 'alerted earlier'}; more coverage since)")
    for follow in group.followups:
        lines.append(f"  + {_line(follow)}: {follow.url}")
    if group.outlets:
        lines.append(f"Carried by {group.outlets} other outlet(s).")
    return [*lines, ""]


def _link(facts: AlertFacts, label: str) -> str:
    esc = html.escape
    if is_web_link(facts.url):
        return f'<a href="{esc(facts.url)}">{esc(label)}</a>'
    return esc(label)


def _html_group(group: DigestGroup) -> str:
    esc = html.escape
    head = group.headline
    parts = [
        f"<h3>{_link(head, one_line(head.title))}</h3>",
        f"<p>{group.rule_label}: {esc(group.rule)} (severity {esc(group.severity)})</p>",
    ]
    if group.lead is not None:
        lead = group.lead
        snippet = "".join(
            f"<mark>{esc(p)}</mark>" if mark else esc(p) for p, mark in lead.snippet.parts()
        )
        parts.append(
            f"<p>{esc(lead.source or 'unknown')} · {esc(published_label(lead.published))} · "
            f"{esc(lead.lang or 'unknown')}</p><blockquote>{snippet}</blockquote>"
        )
    if group.followups:
        items = "".join(f"<li>{_link(f, _line(f))}</li>" for f in group.followups)
        parts.append(f"<p>More coverage:</p><ul>{items}</ul>")
    if group.outlets:
        parts.append(f"<p>Carried by {group.outlets} other outlet(s).</p>")
    return "\n".join(parts)


def render_digest(
    groups: tuple[DigestGroup, ...], due_at: datetime, timezone: str
) -> RenderedAlert:
    subject = digest_subject(groups, due_at, timezone)
    text = [subject, ""]
    for group in groups:
        text += _text_group(group)
    body = "\n<hr>\n".join(_html_group(g) for g in groups)
    page = (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8"></head><body>\n'
        f"<h2>{html.escape(subject)}</h2>\n{body}\n</body></html>\n"
    )
    return RenderedAlert(subject=subject, text="\n".join(text), html=page)
