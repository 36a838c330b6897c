"""Cross-lingual copies: a language-independent fingerprint of an article.

What survives translation is kept: names of people, organisations and places (folded,
transliterated, exonyms mapped), numbers with their units and magnitudes (70 percent,
70 Prozent, 70 procent -> 70%; 900 million, 900 Millionen, 900 miljoen -> 900000000), dates
(24 February, 24. Februar, 24 février -> 02-24), weekdays and short quoted names. Two
reports of one event share most of these; two reports of different events that name the same
people share the names but not the numbers and dates, and the time window keeps apart stories
a year apart that name the same people.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from db.dedup.names import COMMON, canonical, place_or_actor
from db.text import fold, normalise

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?:;\n\"“”„«»()]\s*$")

_MONTHS = {
    1: ("january", "jan", "januar", "janvier", "januari", "janner"),
    2: ("february", "feb", "februar", "fevrier", "februari"),
    3: ("march", "mar", "marz", "mars", "maart"),
    4: ("april", "apr", "avril"),
    5: ("may", "mai", "mei"),
    6: ("june", "jun", "juni", "juin"),
    7: ("july", "jul", "juli", "juillet"),
    8: ("august", "aug", "aout", "augustus"),
    9: ("september", "sep", "sept", "septembre"),
    10: ("october", "oct", "oktober", "octobre", "okt"),
    11: ("november", "nov", "novembre"),
    12: ("december", "dec", "dezember", "decembre", "dez"),
}
_MONTH = {name: number for number, names in _MONTHS.items() for name in names}
_WEEKDAYS = {
    "mon": ("monday", "montag", "maandag", "lundi"),
    "tue": ("tuesday", "dienstag", "dinsdag", "mardi"),
    "wed": ("wednesday", "mittwoch", "woensdag", "mercredi"),
    "thu": ("thursday", "donnerstag", "donderdag", "jeudi"),
    "fri": ("friday", "freitag", "vrijdag", "vendredi"),
    "sat": ("saturday", "samstag", "zaterdag", "samedi", "sonnabend"),
    "sun": ("sunday", "sonntag", "zondag", "dimanche"),
}
_WEEKDAY = {name: day for day, names in _WEEKDAYS.items() for name in names}
_MONTH_WORDS = "|".join(sorted(_MONTH, key=len, reverse=True))
# On folded text: "24 february", "24. februar", "february 24".
_DATE_DM = re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH_WORDS})\b")
_DATE_MD = re.compile(rf"\b({_MONTH_WORDS})\.?\s+(\d{{1,2}})\b(?!\s*(?:[.,]\d|%))")

_SCALE = {
    "thousand": 10**3,
    "tausend": 10**3,
    "duizend": 10**3,
    "mille": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "millionen": 10**6,
    "million.": 10**6,
    "miljoen": 10**6,
    "mio": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "milliarde": 10**9,
    "milliarden": 10**9,
    "milliard": 10**9,
    "milliards": 10**9,
    "miljard": 10**9,
    "mrd": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "billions": 10**9,
    "biljoen": 10**12,
    "trillion": 10**12,
}
_PERCENT = ("percent", "per cent", "prozent", "procent", "pour cent", "pourcent", "%")
# A number, German/Dutch/French or English separators, then an optional scale and unit.
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])"
    r"(?:\s*(%|percent|per cent|prozent|procent|pour cent|pourcent))?"
    r"(?:\s*(thousand|tausend|duizend|mille|millions?|millionen|miljoen|mio|mln|milliarden?"
    r"|milliards?|miljard|mrd|bn|billions?|biljoen|trillion)\b)?"
    r"(?:\s*(%|percent|per cent|prozent|procent|pour cent|pourcent))?",
)
_QUOTED = re.compile(r"[\"“„«‚‘']\s*([^\"“”„«»‚‘’']{3,60}?)\s*[\"”“»’‘']")

WEIGHTS = {"n": 1.0, "c": 0.2, "q": 2.0, "d": 2.0, "y": 0.5, "w": 0.5, "t": 2.0}


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Typed features (`n:` name, `c:` common place, `q:` quantity, `d:` date, `y:` year,
    `w:` weekday, `t:` quoted name) of one article."""

    features: frozenset[str]

    @property
    def weight(self) -> float:
        return total_weight(self.features)

    def __len__(self) -> int:
        return len(self.features)


def total_weight(features: Iterable[str]) -> float:
    return sum(WEIGHTS[feature[0]] for feature in features)


def _quantity(match: re.Match[str], lang: str | None) -> str | None:
    whole, fraction, unit_before, scale, unit_after = match.groups()
    digits = re.sub(r"[.,\u00a0\u202f ]", "", whole)
    percent = (unit_before or unit_after) is not None
    multiplier = 1
    if scale:
        multiplier = _SCALE.get(scale, 1)
        if scale.startswith("billion") and lang in {"de", "nl", "fr"}:
            multiplier = 10**12  # the long scale: German Billion is a million million
    value = float(f"{digits}.{fraction}") if fraction else float(digits)
    value *= multiplier
    if not percent and not scale and not fraction:
        number = int(digits)
        if 1900 <= number <= 2100 and len(digits) == 4:
            return f"y:{number}"
        if number < 10:
            return None  # small counts are spelled out as words in most languages
    text = f"{value:.6g}"
    return f"q:{text}%" if percent else f"q:{text}"


def _numbers(folded: str, lang: str | None) -> set[str]:
    features: set[str] = set()
    masked = folded
    for pattern, day_group, month_group in ((_DATE_DM, 1, 2), (_DATE_MD, 2, 1)):
        for match in pattern.finditer(folded):
            day = int(match.group(day_group))
            month = _MONTH[match.group(month_group)]
            if 1 <= day <= 31 and not (match.group(month_group) == "may" and day_group == 2):
                features.add(f"d:{month:02d}-{day:02d}")
                masked = masked.replace(match.group(0), " " * len(match.group(0)))
    for match in _NUMBER.finditer(masked):
        feature = _quantity(match, lang)
        if feature:
            features.add(feature)
    return features


def _names(text: str) -> set[str]:
    lowered = {word for word in _WORD.findall(text) if word.islower()}
    capitalised: set[str] = set()
    starts: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group(0)
        if word.islower() or word.isdigit():
            continue
        if not word[0].isupper():
            continue
        if _SENTENCE_END.search(text, max(0, match.start() - 3), match.start()) or (
            match.start() == 0
        ):
            starts.add(word)
        else:
            capitalised.add(word)
    features: set[str] = set()
    # A sentence's first word is a name only if it is capitalised elsewhere too; a word also
    # seen in lower case is an ordinary word ("Officials ... officials").
    for word in capitalised:
        if word.lower() in lowered or len(word) < 2:
            continue
        form = canonical(word)
        features.add(f"c:{form}" if form in COMMON else f"n:{form}")
    for word in lowered:
        place = place_or_actor(word)
        if place is not None:
            features.add(f"c:{place}" if place in COMMON else f"n:{place}")
    return features


def _weekdays(folded: str) -> set[str]:
    return {f"w:{_WEEKDAY[word]}" for word in _WORD.findall(folded) if word in _WEEKDAY}


def _quoted(text: str) -> set[str]:
    features = set()
    for match in _QUOTED.finditer(text):
        span = match.group(1)
        words = span.split()
        if 1 < len(words) <= 5 and sum(word[:1].isupper() for word in words) >= 2:
            features.add(f"t:{normalise(span)}")
    return features


def fingerprint(title: str, text: str, lang: str | None = None) -> Fingerprint:
    body = f"{title}\n{text}" if title and not text.startswith(title) else text
    folded = fold(body)
    features = _names(body) | _numbers(folded, lang) | _weekdays(folded) | _quoted(body)
    return Fingerprint(frozenset(features))


def score(new: Fingerprint, old: Fingerprint) -> tuple[float, float]:
    """(overlap, shared weight): the shared weight over the lighter fingerprint's weight.

    The lighter side is the fair denominator: a German text's capitalised nouns add features
    no other language has, and a shortened copy has fewer of the original's.
    """
    shared = total_weight(new.features & old.features)
    lighter = min(new.weight, old.weight)
    return (shared / lighter if lighter else 0.0), shared


def index_features(fp: Fingerprint, limit: int) -> list[str]:
    """The features an article is filed under: the most specific ones, a stable choice.

    Quantities, dates and quoted names first, then names; ties are broken by a hash, so two
    articles with the same features pick the same ones. Common places, years and weekdays
    are too frequent to look anything up by.
    """
    ranked = sorted(
        (f for f in fp.features if f[0] in "qdtn"),
        key=lambda f: (f[0] == "n", _stable_hash(f)),
    )
    return ranked[:limit]


def _stable_hash(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


def feature_key(feature: str, week: int) -> int:
    digest = hashlib.blake2b(f"fp\x00{feature}\x00{week}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
