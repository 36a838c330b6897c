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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from db.dedup.names import DEFAULT, Names
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
_CALENDAR = {name: True for name in (*_MONTH, *_WEEKDAY) if len(name) > 3}
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
    "billionen": 10**12,
    "trillion": 10**12,
}
_PERCENT = ("percent", "per cent", "prozent", "procent", "pour cent", "pourcent", "%")
# A number, German/Dutch/French or English separators, then an optional scale and unit.
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])"
    r"(?:\s*(%|percent|per cent|prozent|procent|pour cent|pourcent))?"
    r"(?:\s*(thousand|tausend|duizend|mille|millions?|millionen|miljoen|mio|mln|milliarden?"
    r"|milliards?|miljard|mrd|bn|billionen|billions?|biljoen|trillion)\b)?"
    r"(?:\s*(%|percent|per cent|prozent|procent|pour cent|pourcent))?",
)
_QUOTED = re.compile(r"[\"“„«‚‘']\s*([^\"“”„«»‚‘’']{3,60}?)\s*[\"”“»’‘']")

# How much sharing a feature tells, by kind: a number, date or quoted name most, a name, then
# years, bare counts, weekdays, first names and places (countries and the topic's known
# places, which most reports of a region name). How specific the feature is in the archive
# (db/dedup/specificity.py) is weighed in as well; `a` is a kind of earlier releases'
# fingerprints (hand-listed actors), kept so that the codes keep their meaning.
WEIGHTS = {
    "q": 2.0,
    "d": 2.0,
    "t": 2.0,
    "n": 1.0,
    "y": 0.5,
    "p": 0.5,
    "w": 0.5,
    "a": 0.4,
    "f": 0.3,
    "c": 0.2,
}


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Typed features of one article: `n:` name, `f:` first name or leading word of a name,
    `c:` place (a country or a place of the topic's names), `q:` quantity, `p:` bare count,
    `d:` date, `y:` year, `w:` weekday, `t:` quoted name."""

    features: frozenset[str]
    # Name features, most frequent first: what an article is filed under.
    names_by_count: tuple[str, ...] = ()
    # The name mentioned most, when it is mentioned at least twice and more than any other:
    # whom the article is about.
    main: str | None = None

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
        if number < 1000:
            return f"p:{number}"  # a bare count, ages, scores: common on every page
    # Exact digits, without exponent: "900000000", "2.5", so a reader of `check` sees them.
    text = str(int(value)) if value.is_integer() else f"{value:.4f}".rstrip("0")
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


def _names(text: str, lang: str | None, table: Names) -> Counter[str]:
    """Name features with how often each occurs (the central actors come up most).

    A capitalised word is a name unless it is a sentence's first word and capitalised nowhere
    else, or also seen in lower case ("Officials ... officials"). In a run of capitalised
    words only the last one is fully a name (Pat Ryder, Wall Street Journal): first names
    and the leading words of titles weigh little. Places and actors known to the exonym table
    count in any case (lower-case adjectives: russische, chinois).

    German capitalises every noun, so there a lone capitalised word counts only if it is an
    acronym (CNN, G7), a known place or actor, or the last word of a run elsewhere in the
    text (Sullivan after "Jake Sullivan"); nouns after an article never count.
    """
    words = list(_WORD.finditer(text))
    lowered = {m.group(0) for m in words if m.group(0).islower()}
    german = lang == "de" or (lang is None and _looks_german(words))
    nouns = _german_nouns(words) if german else set()
    linked = [
        index + 1 < len(words)
        and words[index].group(0)[0].isupper()
        and words[index].group(0).lower() not in lowered  # "Die Regierung" is no run
        and words[index + 1].group(0)[0].isupper()
        and text[words[index].end() : words[index + 1].start()] in {" ", "-", "\u00a0"}
        for index in range(len(words))
    ]
    # A title joined by "of" or "for" ("Secretary of State Antony Blinken", "Ministry of
    # Defence") is one run: only its last word is a name.
    for index in range(1, len(words) - 1):
        if (
            words[index].group(0) in _CONNECTORS
            and words[index - 1].group(0)[0].isupper()
            and words[index + 1].group(0)[0].isupper()
        ):
            linked[index - 1] = linked[index] = True
    run_last = {words[i].group(0) for i in range(1, len(words)) if linked[i - 1] and not linked[i]}
    counts: Counter[str] = Counter()
    for index, match in enumerate(words):
        word = match.group(0)
        if word.islower():
            place = table.place(word)
            if place is not None:
                counts[f"c:{place}"] += 1
            continue
        if not word[0].isupper() or len(word) < 2 or word.lower() in lowered:
            continue
        if _CALENDAR.get(word.lower()):
            continue  # months and weekdays are dates, counted as such
        known = table.place(word.lower()) is not None or word.isupper() or not word.isalpha()
        in_run = linked[index]
        if german and not known:
            if word in nouns:
                continue
            alone = not in_run and not (index and linked[index - 1])
            if alone and word not in run_last:
                continue
        at_start = match.start() == 0 or bool(
            _SENTENCE_END.search(text, max(0, match.start() - 3), match.start())
        )
        if at_start and not in_run:
            continue  # counted where the word is capitalised mid-sentence, if anywhere
        form = table.canonical(word)
        if table.is_place(form):
            counts[f"c:{form}"] += 1  # a country or a known place: named by most reports
        else:
            counts[f"f:{form}" if in_run else f"n:{form}"] += 1
    # A word that is sometimes a name of its own is a name, not a first name.
    for feature in [f for f in counts if f[0] == "f"]:
        full = f"n:{feature[2:]}"
        if full in counts:
            counts[full] += counts.pop(feature)
    return counts


_CONNECTORS = frozenset({"of", "for"})


def _looks_german(words: list[re.Match[str]]) -> bool:
    sample = [m.group(0) for m in words[:400]]
    return sum(word in _DETERMINERS for word in sample) > 0.06 * max(1, len(sample))


# German capitalises every noun: one seen after an article ("die Botschaft", "der russischen
# Regierung") is a common noun, not a name. Names rarely take an article in German.
_DETERMINERS = frozenset(
    {
        *("der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem"),
        *("einer", "eines", "im", "am", "zum", "zur", "vom", "beim"),
    }
)


def _german_nouns(words: list[re.Match[str]]) -> set[str]:
    nouns = set()
    for index, match in enumerate(words):
        word = match.group(0)
        if not word[0].isupper() or word.isupper():
            continue
        for back in (1, 2):
            if index - back < 0:
                break
            previous = words[index - back].group(0)
            # A unit after a figure ("240 Milliarden Dollar", "38 Milliarden Kubikmeter").
            before = words[index - back - 1].group(0) if index - back else ""
            if previous.isdigit() or (previous.lower() in _SCALE and before.isdigit()):
                nouns.add(word)
                break
            if previous.lower() in _DETERMINERS:
                nouns.add(word)
                break
            if not previous.islower():
                break
    return nouns


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


def fingerprint(
    title: str, text: str, lang: str | None = None, table: Names = DEFAULT
) -> Fingerprint:
    body = f"{title}\n{text}" if title and not text.startswith(title) else text
    folded = fold(body)
    names = _names(body, lang, table)
    features = set(names) | _numbers(folded, lang) | _weekdays(folded) | _quoted(body)
    ranked = sorted((f for f in names if f[0] == "n"), key=lambda f: (-names[f], _stable_hash(f)))
    main = None
    if (
        ranked
        and names[ranked[0]] >= 2
        and (len(ranked) == 1 or names[ranked[1]] < names[ranked[0]])
    ):
        main = ranked[0]
    return Fingerprint(frozenset(features), tuple(ranked), main)


def identity(feature: str) -> str:
    """What two features must share to match: a name's tier is a weight, not its identity
    (Wang is a first name in "Wang Yi" and a name of its own in "Wang said")."""
    return f"n{feature[1:]}" if feature[0] in "nfac" else feature


def index_features(fp: Fingerprint, limit: int) -> list[str]:
    """The features an article is filed under or looks others up by: the most specific.

    Quantities, dates and quoted names first (up to half), ties broken by a hash so that two
    articles with the same features pick the same ones; then the names it mentions most,
    the story's actors. Used before the archive's counts are known (db/dedup/sketch.py
    `Sketch.telling` ranks by them once they are).
    """
    facts = sorted((f for f in fp.features if f[0] in "qdt"), key=_stable_hash)[: limit // 2]
    return facts + list(fp.names_by_count[: limit - len(facts)])


def _stable_hash(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


def feature_key(feature: str, week: int) -> int:
    """A signed 32-bit index key for a feature in a week."""
    digest = hashlib.blake2b(f"fp\x00{feature}\x00{week}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)
