"""Normalising names across languages: transliteration, exonyms, demonyms.

Names are compared as single folded tokens. A token is mapped to one canonical form when it
is a known exonym or demonym of a place (Peking, Pékin, Beijing -> beijing; russische,
Russian, russe -> russia), so a German, Dutch, French and English report of one event name
the same places alike. The table holds the places and actors this topic's coverage names
most; people's names are written alike in the Latin-script languages and need no entry
except where spellings differ (Selenskyj, Zelensky).
"""

from __future__ import annotations

from functools import lru_cache

from db.text import fold

# Cyrillic -> Latin (a simple, BGN-like scheme: enough for Путин -> putin, Лавров -> lavrov).
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "i",
            "i",
            "ye",
            "g",
        ],
        strict=True,
    )
)

# Canonical form -> the forms it has in English, German, Dutch, French and transliterated
# Russian, folded (lower case, no accents); adjectives and demonyms map to the place.
_FORMS = {
    "china": "china chine chinese chinees chinesisch chinois chinoise volksrepublik prc vrc "
    "rpc kitai kitaia chinezen chinesen",
    "russia": "russia russland rusland russie russian russisch russe russes rossiia rossii "
    "russen russischen",
    "ukraine": "ukraine oekraine ukrainian ukrainisch oekraiens ukrainien ukraina ukrainy",
    "usa": "us usa amerika america american amerikanisch amerikaans americain etats verenigde "
    "vereinigte vereinigten vs washington amerikanen americains amerikaner staaten staten",
    "beijing": "beijing peking pekin",
    "moscow": "moscow moskau moskou moscou moskva",
    "kyiv": "kyiv kiev kiew kyjiw kiiv",
    "lviv": "lviv lwiw lvov lemberg",
    "germany": "germany deutschland duitsland allemagne german deutsch duits allemand",
    "france": "france frankreich frankrijk french franzosisch frans francais",
    "italy": "italy italien italie italian italienisch italiaans italia",
    "poland": "poland polen pologne polish polnisch pools polonais",
    "iran": "iran iranian iranisch iraans iranien",
    "korea": "korea nordkorea coree koreanisch korean",
    "europe": "europe europa european europaisch europees europese europeen europeens europaer eu",
    "nato": "nato navo otan",
    "munich": "munich munchen muenchen",
    "rome": "rome rom roma",
    "putin": "putin poetin poutine",
    "zelensky": "zelensky zelenskyy selenskyj zelenski zelenskiy zelenskii",
    "kremlin": "kremlin kreml",
    "soviet": "soviet sowjet sowjetzeit sovjet sovietique ussr udssr",
    "g7": "g7",
    "g20": "g20",
    "un": "un uno vn onu",
}
_CANONICAL = {canon: tuple(forms.split()) for canon, forms in _FORMS.items()}
_EXONYMS = {form: canon for canon, forms in _CANONICAL.items() for form in forms}
# Everywhere in this topic's coverage: evidence of the topic, hardly of one event.
COMMON = frozenset({"china", "russia", "ukraine", "usa", "beijing", "moscow", "kyiv", "europe"})
# Named in most reports of the topic: a shared one says little about the event.
ACTORS = frozenset(
    {
        "putin",
        "xi",
        "jinping",
        "biden",
        "trump",
        "blinken",
        "zelensky",
        "nato",
        "g7",
        "korea",
        "iran",
        "soviet",
        "kremlin",
        "white",
        "house",
        "pentagon",
        "department",
        "state",
        "states",
        "united",
        "ministry",
        "foreign",
        "president",
        "minister",
        "secretary",
        "council",
        "security",
        "national",
        "un",
        "germany",
        "france",
        "poland",
        "italy",
        "munich",
        "rome",
        "lviv",
    }
)
# Inflections tried (longest first) when a token is not in the table as it is.
_ENDINGS = ("ischen", "ische", "isch", "sche", "en", "es", "er", "e", "n", "s")


def transliterate(token: str) -> str:
    return "".join(_CYRILLIC.get(ch, ch) for ch in token)


@lru_cache(maxsize=65536)
def canonical(token: str) -> str:
    """The folded, transliterated, exonym-mapped form of one word of a name."""
    word = transliterate(fold(token))
    if word in _EXONYMS:
        return _EXONYMS[word]
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            if stem in _EXONYMS:
                return _EXONYMS[stem]
    return word


@lru_cache(maxsize=65536)
def place_or_actor(token: str) -> str | None:
    """The canonical form when a lower-case `token` names a known place or actor.

    Adjectives are lower case in German, Dutch and French (russische, chinois); short forms
    (us, un, vs, rom) are ordinary words in lower case and count only when capitalised.
    """
    if len(token) < 4:
        return None
    form = canonical(token)
    return form if form in _CANONICAL else None
