"""Queries compiled together: one Aho-Corasick scan per article, then only the rules it woke.

Every word of every term (rules, groups, entity aliases) becomes an *atom*: an exact word or
a word prefix. The automaton holds each atom once, as ` word ` (exact) or ` word` (prefix),
and runs over the article's folded words joined by single spaces, so a pattern can only match
whole words or word starts. The scan gives each atom's word positions; a phrase is then
checked word by word from the positions of its first atom. A rule is evaluated only if the
atoms it needs occurred (alerts.requirement), unless it can match without any term
(`lang:de AND NOT x`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

import ahocorasick

from alerts.hits import Hit
from alerts.query import EntityRef, Term
from db.text import fold


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

    def scan(self, words: Sequence[str]) -> dict[int, list[int]]:
        """Atom id -> word positions (ascending) where it occurs."""
        if not self._built:
            if self._atoms:
                self._automaton.make_automaton()
            self._built = True
        if not self._atoms or not words:
            return {}
        # The automaton runs over each distinct word once: a news text uses a word 2-3 times.
        places: dict[str, list[int]] = {}
        for position, word in enumerate(words):
            known = places.get(word)
            if known is None:
                places[word] = [position]
            else:
                known.append(position)
        joined = " " + " ".join(places) + " "
        # Offset of the space in front of each distinct word -> where the word occurs.
        offsets = accumulate((len(w) + 1 for w in places), initial=0)
        at_offset = dict(zip(offsets, places.values(), strict=False))
        found: dict[int, list[int]] = {}
        several: list[int] = []  # prefix atoms that start more than one distinct word
        for end, atom in self._automaton.iter(joined):
            positions = at_offset[joined.rfind(" ", 0, end)]
            known = found.get(atom)
            if known is None:
                found[atom] = positions  # shared with `places`: never changed in place
            else:
                found[atom] = known + positions
                several.append(atom)
        for atom in several:
            found[atom].sort()
        return found
