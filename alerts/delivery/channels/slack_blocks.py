"""Block Kit layouts for alerts, follow-ups and digests, with article text made inert.

Slack's mrkdwn treats `<...>` as links and mentions (`<!channel>` pings everyone), and `*_~`
at a word's edge and backticks as formatting, with no escape for the latter. So in every text
that comes from an article `&`, `<` and `>` become entities (Slack's own rule), those markers
become look-alike characters, and `@channel`/`@here`/`@everyone` get a word joiner so they
cannot ping. The payload is built as data and serialised by json, so quotes and backslashes
cannot break it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from alerts.delivery.digest_render import DigestGroup
from alerts.delivery.render import AlertFacts, is_web_link, one_line, outlets_note, published_label

Block = dict[str, Any]

HEADER_MAX = 150
SECTION_MAX = 3000
BLOCKS_MAX = 50
URL_MAX = 3000
_LOOKALIKE = {"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"}
# A marker opens or closes formatting only at a word's edge (snake_case stays as it is); a
# backtick starts code anywhere.
_MARKER = re.compile(r"`|(?<!\w)[*_~]|[*_~](?!\w)")
_MENTION = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)


def escape(text: str) -> str:
    """Article text as inert mrkdwn."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKER.sub(lambda found: _LOOKALIKE[found.group()], text)
    return _MENTION.sub("@\u2060", text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(one_line(text) or "(untitled)", limit)}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _clip(text, SECTION_MAX)}


def _link(url: str, label: str) -> str:
    """A mrkdwn link; `|` and `>` in the URL are percent-encoded so they cannot end it early."""
    return f"<{quote(url, safe=':/?#[]@!$&()+,;=%-._~*')}|{escape(label)}>"


def meta_line(facts: AlertFacts) -> str:
    return " · ".join(
        escape(part)
        for part in (
            facts.source or "unknown source",
            published_label(facts.published),
            facts.lang or "unknown language",
            facts.rules,
            facts.severity,
        )
    )


def snippet_mrkdwn(facts: AlertFacts) -> str:
    out = []
    for piece, mark in facts.snippet.parts():
        text = escape(piece)
        stripped = text.strip()
        # mrkdwn bold needs the asterisks against the word: keep the spaces outside them.
        if mark and stripped:
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()) :]
            out.append(f"{lead}*{stripped}*{trail}")
        else:
            out.append(text)
    return "".join(out)


def alert_blocks(facts: AlertFacts, followup: bool, outlets: int) -> list[Block]:
    title = ("Follow-up: " if followup else "") + facts.title
    blocks: list[Block] = [
        {"type": "header", "text": {**_plain(title, HEADER_MAX), "emoji": False}},
        {"type": "context", "elements": [_mrkdwn(meta_line(facts))]},
        {"type": "section", "text": _mrkdwn(snippet_mrkdwn(facts) or "(no text)")},
    ]
    if facts.note:
        blocks.insert(1, {"type": "context", "elements": [_mrkdwn(escape(facts.note))]})
    if outlets:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(outlets_note(outlets)))]})
    if is_web_link(facts.url) and len(facts.url) <= URL_MAX:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open article"},
                        "url": facts.url,
                        "action_id": "open_article",
                    }
                ],
            }
        )
    return blocks


def alert_fallback(facts: AlertFacts, followup: bool) -> str:
    """The notification text (shown where blocks are not)."""
    prefix = "Follow-up" if followup else f"{facts.severity} alert"
    return _clip(f"{prefix} ({escape(facts.rules)}): {escape(one_line(facts.title))}", 3000)


def _group_text(group: DigestGroup) -> str:
    head = group.headline
    title = escape(one_line(head.title))
    lines = [
        f"*{_link(head.url, one_line(head.title)) if is_web_link(head.url) else title}*",
        meta_line(head),
    ]
    if group.lead is not None:
        lines.append(snippet_mrkdwn(group.lead))
    for follow in group.followups:
        label = f"{one_line(follow.title)} ({follow.source or 'unknown'})"
        lines.append(
            "• " + (_link(follow.url, label) if is_web_link(follow.url) else escape(label))
        )
    if group.outlets:
        lines.append(escape(outlets_note(group.outlets)))
    return "\n".join(lines)


def digest_blocks(subject: str, groups: tuple[DigestGroup, ...]) -> list[Block]:
    """One section per story (several when they are short); never over Slack's block limit."""
    blocks: list[Block] = [
        {"type": "header", "text": {**_plain(subject, HEADER_MAX), "emoji": False}}
    ]
    texts = [_group_text(group) for group in groups]
    current = ""
    left = len(texts)
    for text in texts:
        text = _clip(text, SECTION_MAX)
        if current and len(current) + 2 + len(text) > SECTION_MAX:
            blocks.append({"type": "section", "text": _mrkdwn(current)})
            current = ""
            if len(blocks) >= BLOCKS_MAX - 1:
                break
        current = f"{current}\n\n{text}" if current else text
        left -= 1
    else:
        if current:
            blocks.append({"type": "section", "text": _mrkdwn(current)})
        return blocks
    blocks.append(
        {
            "type": "context",
            "elements": [_mrkdwn(f"… and {left} more; `newswatch alerts` lists them all.")],
        }
    )
    return blocks
