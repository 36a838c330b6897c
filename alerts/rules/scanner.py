"""Queries compiled together: one Aho-Corasick scan per article, then only the rules it woke.

Every word of every term (rules, groups, entity aliases) becomes an *atom*: an exact word or
a word prefix. The automaton holds each atom once, as ` word ` (exact) or ` word` (prefix),
and runs over the article's distinct folded words joined by single spaces, so a pattern can
only match whole words or word starts. The scan says which atoms occur; where (word positions)
is looked up for the atoms a woken rule asks about. A rule is evaluated only if the atoms it
needs occurred (alerts.rules.requirement, alerts.rules.wake), unless it can match without any term
(`lang:de AND NOT x`); evaluation is alerts.rules.compiled.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import ahocorasick

from alerts.hits import Hit
from alerts.rules.folding import fold
from alerts.rules.query import EntityRef, Term


def lang_key(lang: str | None) -> str | None:
    """The primary language subtag, lower case: `pt-BR` and `pt_br` are both `pt`."""
    if not lang:
        return None
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower() or None


@dataclass(frozen=True, slots=True)
class CompiledEntity:
    name: str
    kind: str
    tags: frozenset[str]  # folded
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class EntityFound:
    """A watchlisted entity named in an article, with where."""

    name: str
    kind: str
    hits: tuple[Hit, ...]


EntityIndex = dict[EntityRef, tuple[CompiledEntity, ...]]


def entities_of(ref: EntityRef, entities: Sequence[CompiledEntity]) -> tuple[CompiledEntity, ...]:
    if ref.tag:
        return tuple(entity for entity in entities if ref.name in entity.tags)
    return tuple(entity for entity in entities if fold(entity.name) == ref.name)


class Scanner:
    """The automaton over every atom, built once; `scan` gives an article's atom positions."""

    def __init__(self) -> None:
        self._atoms: dict[str, int] = {}
        self._keys: list[str] = []
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._built = False

    def atom(self, word: str, prefix: bool) -> int:
        key = f" {word}" if prefix else f" {word} "
        found = self._atoms.get(key)
        if found is None:
            found = self._atoms[key] = len(self._atoms)
            self._automaton.add_word(key, found)
            self._built = False
        return found

    def term_atoms(self, term: Term) -> tuple[int, ...]:
        return tuple(self.atom(w, p) for w, p in zip(term.words, term.prefixes, strict=True))

    def __len__(self) -> int:
        return len(self._atoms)

    def scan(self, words: Sequence[str]) -> AtomPositions:
        """Which atoms the words hold; their positions are worked out when asked for."""
        if not self._built:
            if self._atoms:
                self._automaton.make_automaton()
            self._built = True
            self._keys = list(self._atoms)  # atom ids are given in order
        # The automaton runs over each distinct word once: a news text uses a word 2-3 times.
        places: dict[str, list[int]] = {}
        for position, word in enumerate(words):
            known = places.get(word)
            if known is None:
                places[word] = [position]
            else:
                known.append(position)
        if not self._atoms or not places:
            return AtomPositions(places, frozenset(), self._keys)
        joined = " " + " ".join(places) + " "
        present = frozenset(map(itemgetter(1), self._automaton.iter(joined)))
        return AtomPositions(places, present, self._keys)


class AtomPositions:
    """An article's atoms: which occur (`present`), and where (`get`, worked out on demand).

    With 10,000 rules an article holds hundreds of atoms, of which the rules it wakes look
    at a few dozen: their positions are looked up when asked for, by the atom's word (an
    exact word), or by the words the prefix starts, found in the sorted distinct words.
    """

    __slots__ = ("_keys", "_places", "_positions", "_sorted", "present")

    def __init__(self, places: dict[str, list[int]], present: frozenset[int], keys: list[str]):
        self._places = places
        self.present = present
        self._keys = keys
        self._positions: dict[int, list[int]] = {}
        self._sorted: list[str] | None = None

    def get(self, atom: int) -> list[int] | None:
        """The word positions (ascending) where the atom occurs, or None."""
        found = self._positions.get(atom)
        if found is not None:
            return found
        if atom not in self.present:
            return None
        key = self._keys[atom]
        # " word ": where that word is; " wor": where the words it starts are.
        exact = key.endswith(" ")
        found = self._places[key[1:-1]] if exact else self._starting(key[1:])
        self._positions[atom] = found
        return found

    def _starting(self, prefix: str) -> list[int]:
        if self._sorted is None:
            self._sorted = sorted(self._places)
        words = self._sorted
        at = bisect.bisect_left(words, prefix)
        lists: list[list[int]] = []
        while at < len(words) and words[at].startswith(prefix):
            lists.append(self._places[words[at]])
            at += 1
        if len(lists) == 1:
            return lists[0]
        return sorted(p for positions in lists for p in positions)
