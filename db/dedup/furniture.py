"""Page furniture: the lines of an extracted text that are about the page, not the event.

Extraction keeps much of what a page prints around an article: photo captions (often twice:
under the picture and in the gallery), bylines and source lines, publication stamps,
section tags, "read more" headlines, newsletter, sharing and paywall lines, agency
datelines. They carry names, dates and numbers of other events (a caption of a meeting a
year earlier) and dilute what two reports of one event share, so the deduplicator compares
texts without them. What tells furniture from content, in any language:

- a line printed more than once in the text is a caption or a repeated headline;
- a short line without a sentence's end that credits a picture or an agency is a caption;
- lines that open with a byline, stamp, tag, "read more", newsletter or share cue;
- a dateline ("WASHINGTON (AFP) –") is cut from the front of a paragraph;
- a line of a few words without a verb's sentence end ("2 Minuten", "Leave a Reply").

The cue words are page vocabulary of the shipped languages (en, de, nl, fr), not of any
topic.
"""

from __future__ import annotations

import re

from db.text import normalise

# Cues at the start of a line (folded, without accents): what the line is about the page.
_OPENERS = (
    # bylines and sources
    "author",
    "authors",
    "autor",
    "autorin",
    "auteur",
    "door",
    "par",
    "by",
    "von",
    "source",
    "sources",
    "quelle",
    "quellen",
    "bron",
    "bronnen",
    "credit",
    "credits",
    # publication stamps
    "published",
    "updated",
    "last updated",
    "veroffentlicht",
    "aktualisiert",
    "stand",
    "gepubliceerd",
    "bijgewerkt",
    "publie",
    "mis a jour",
    "modifie",
    # tags and sections
    "topics",
    "tags",
    "related topics",
    "themen",
    "schlagworte",
    "mehr zum thema",
    "onderwerpen",
    "tags",
    "sujets",
    "mots cles",
    "gerelateerde",
    # related headlines
    "read more",
    "read also",
    "see also",
    "related",
    "more on this",
    "lesen sie auch",
    "lesen sie mehr",
    "auch interessant",
    "lees ook",
    "lees meer",
    "ook interessant",
    "a lire aussi",
    "lire aussi",
    "voir aussi",
    # newsletters, sharing, paywalls, comments
    "sign up",
    "subscribe",
    "share",
    "follow us",
    "abonnieren",
    "jetzt abonnieren",
    "artikel teilen",
    "teilen",
    "folgen sie",
    "schrijf je in",
    "meld je aan",
    "deel dit",
    "volg ons",
    "inscrivez vous",
    "abonnez vous",
    "partager",
    "suivez nous",
    "leave a reply",
    "comments",
    "kommentare",
    "reacties",
    "commentaires",
)
_OPENER = re.compile(
    rf"^(?:{'|'.join(sorted(map(re.escape, set(_OPENERS)), key=len, reverse=True))})\b"
)
# A picture or agency credit closing a caption: "Photo: Reuters", "Foto: dpa", "Beeld AP".
_CREDIT = re.compile(
    r"(?:\b(?:photo|foto|fotos|beeld|bild|image|picture|credit|illustration)\s*[:©/]?\s*"
    r"[\w .&/-]{1,40}|©\s*[\w .&/-]{1,40}|\((?:afp|ap|dpa|reuters|anp|belga|epa|getty)[^)]*\))\s*$",
    re.IGNORECASE,
)
# Words that mark a newsletter, sharing or paywall line anywhere in a short line.
_SERVICE = re.compile(
    r"\b(?:newsletter|nieuwsbrief|subscriber|abonnent|abonnee|abonne|log in|anmelden|"
    r"connectez|inbox|whatsapp|facebook)\b",
    re.IGNORECASE,
)
# "WASHINGTON (AFP) –", "Berlin (dpa) -", "PARIS, 12 avril (Reuters) -": a dateline.
_DATELINE = re.compile(
    r"^[A-ZÀ-Ý][\w'.À-ÿ -]{1,40}?(?:,[^()\n]{1,30})?\s*\([A-Za-z./ -]{2,20}\)\s*[–—-]\s*"
)
_SENTENCE_END = re.compile(r"[.!?…:;\"”“»)]\s*$")
_MAX_CAPTION_WORDS = 40
_MAX_SERVICE_WORDS = 25


def _is_furniture(line: str, folded: str, words: int, repeated: bool) -> bool:
    if repeated:
        return True
    if _OPENER.match(folded) and words <= _MAX_CAPTION_WORDS:
        return True
    if words <= _MAX_SERVICE_WORDS and _SERVICE.search(line):
        return True
    if words <= _MAX_CAPTION_WORDS and _CREDIT.search(line):
        return True
    # "2 Minuten", "Ausgegeben am:", "source site-27": too short to be a sentence.
    return words < 4 and not _SENTENCE_END.search(line)


def strip_furniture(text: str) -> str:
    """The text without its furniture lines (the first line of a repeated pair is kept when
    it is long enough to be a paragraph: a quote printed twice as a pull-out)."""
    lines = [line.strip() for line in text.splitlines()]
    keys = [normalise(line) for line in lines]
    seen: dict[str, int] = {}
    for key in keys:
        if key:
            seen[key] = seen.get(key, 0) + 1
    kept: list[str] = []
    for line, key in zip(lines, keys, strict=True):
        if not key:
            kept.append("")
            continue
        words = key.count(" ") + 1
        repeated = seen[key] > 1 and words <= _MAX_CAPTION_WORDS
        if _is_furniture(line, key, words, repeated):
            continue
        kept.append(_DATELINE.sub("", line, count=1))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
