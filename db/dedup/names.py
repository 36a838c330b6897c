"""Names across languages: transliteration, spelling by sound, countries and their demonyms.

Names are compared as single tokens. A token is first made ASCII (anyascii: Шойгу -> Shoygu)
and then reduced to how it sounds, so that the spellings of one name in English, German,
Dutch and French meet (Shoigu, Schoigu, Sjojgoe, Choïgou -> soigu; Zelensky, Selenskyj ->
selenski; Lavrov, Lawrow -> lavrov; Putin, Poetin, Poutine -> putin). The rules are the
shipped languages' spelling conventions, not a list of names.

Countries, regions and their adjectives (Russland, Rusland, Russie, russische, chinois;
Europa, Europe) are mapped to one form from the CLDR names that Babel ships: every territory
name and every language name (which doubles as the adjective) in English, German, Dutch and
French. What else a topic's
coverage spells differently (cities, organisations: Peking, Pékin; NAVO, OTAN) is the
topic's own data: `[dedup.names]` in config.toml, canonical form -> its other forms.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from functools import lru_cache

from anyascii import anyascii
from babel import Locale
from babel.core import get_global

from db.text import fold

LANGUAGES = ("en", "de", "nl", "fr")

# Spelling conventions of the shipped languages, applied in order to an ASCII lower-case word.
_SOUNDS = (
    ("tsch", "c"),
    ("tch", "c"),
    ("sch", "s"),
    ("gue", "ge"),
    ("gui", "gi"),
    ("sh", "s"),
    ("sj", "s"),
    ("ch", "s"),
    ("zh", "z"),
    ("kh", "h"),
    ("ck", "k"),
    ("ph", "f"),
    ("w", "v"),
    ("y", "i"),
    ("j", "i"),
    ("oe", "u"),
    ("ou", "u"),
    ("z", "s"),
    ("x", "ks"),
    ("q", "k"),
    ("c", "k"),
)
_DOUBLE = re.compile(r"(.)\1+")
# Inflections tried (longest first) when a token is not known as it is.
_ENDINGS = ("ischen", "ische", "isch", "sche", "en", "es", "er", "e", "n", "s")


def sound(word: str) -> str:
    """How a folded ASCII word sounds, in a form its spellings in other languages share."""
    for written, said in _SOUNDS:
        word = word.replace(written, said)
    word = _DOUBLE.sub(r"\1", word)
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def ascii_fold(token: str) -> str:
    return fold(anyascii(token)).strip()


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Sound of a one-word country or language name -> the country's code (`cc-ru`)."""
    likely: Mapping[str, str] = get_global("likely_subtags")
    forms: dict[str, str] = {}
    for lang in LANGUAGES:
        locale = Locale(lang)
        for code, name in locale.territories.items():
            # Countries (two letters) and regions (three digits: Europe, Asia, Africa).
            if ((len(code) == 2 and code.isalpha()) or code.isdigit()) and name.isalpha():
                forms.setdefault(sound(ascii_fold(name)), f"cc-{code.lower()}")
        for code, name in locale.languages.items():
            subtags = likely.get(code, "")
            territory = subtags.split("_")[-1] if subtags else ""
            if len(code) == 2 and name.isalpha() and len(territory) == 2 and len(name) >= 4:
                forms.setdefault(sound(ascii_fold(name)), f"cc-{territory.lower()}")
    return forms


class Names:
    """How names are told apart: the countries Babel knows and a topic's own forms."""

    def __init__(self, forms: Mapping[str, Iterable[str]] | None = None) -> None:
        self._known = dict(_countries())
        for canon, others in (forms or {}).items():
            target = ascii_fold(canon)
            for form in (canon, *others):
                self._known[sound(ascii_fold(form))] = target
        self._targets = frozenset(self._known.values())
        self._cache: dict[str, str] = {}
        table = "\n".join(f"{form}={canon}" for form, canon in sorted(self._known.items()))
        # What an index built with this table is stamped with (a signed 32-bit number).
        self.stamp = zlib.crc32(table.encode()) - 2**31

    def canonical(self, token: str) -> str:
        """The form of one word of a name that its spellings in other languages share."""
        found = self._cache.get(token)
        if found is not None:
            return found
        word = ascii_fold(token)
        said = sound(word)
        form = self._known.get(said)
        if form is None:
            for ending in _ENDINGS:
                if word.endswith(ending) and len(word) - len(ending) >= 3:
                    form = self._known.get(sound(word[: -len(ending)]))
                    if form is not None:
                        break
        result = form or said
        if len(self._cache) < 65536:
            self._cache[token] = result
        return result

    def is_place(self, form: str) -> bool:
        """Whether a canonical form is a country or a place of the topic's table."""
        return form in self._targets

    def place(self, token: str) -> str | None:
        """The canonical form when a lower-case `token` names a known country or place.

        Adjectives are lower case in German, Dutch and French (russische, chinois); short
        forms (us, un, vs) are ordinary words in lower case and count only when capitalised.
        """
        if len(token) < 4:
            return None
        form = self.canonical(token)
        return form if form in self._targets else None


@lru_cache(maxsize=16)
def names_for(forms: tuple[tuple[str, tuple[str, ...]], ...]) -> Names:
    return Names(dict(forms))


DEFAULT = names_for(())
