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

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import ahocorasick

from alerts.hits import Hit
from alerts.query import (
    And,
    EntityRef,
    FieldName,
    GroupRef,
    Lang,
    Near,
    Node,
    Not,
    Or,
    Scope,
    Source,
    Term,
)
from alerts.tokens import Words
from db.text import fold

# NEAR finds a phrase that ends before a word by looking back this many words past the
# distance for where it starts: phrases are never nearly this long.
_MAX_PHRASE = 64
# Automaton values: atom id << _LENGTH_BITS | pattern length (capped at _MAX_KEY).
_LENGTH_BITS = 10
_MAX_KEY = (1 << _LENGTH_BITS) - 1
# "Not worked out yet" in the per-article memo, where None means "does not match".
_UNSET: list[Hit] | None = [Hit("", "text", 0, 0, "")]


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
            # The value carries the key's length, so a hit's start needs no lookup.
            self._automaton.add_word(key, (found << _LENGTH_BITS) | min(len(key), _MAX_KEY))
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
        joined = " " + " ".join(words) + " "
        # Offset of the space in front of each word -> the word's position (accumulate gives
        # one offset more than there are words: where a next word would start).
        offsets = accumulate((len(w) + 1 for w in words), initial=0)
        starts = dict(zip(offsets, range(len(words)), strict=False))
        found: dict[int, list[int]] = {}
        for end, value in self._automaton.iter(joined):
            length = value & _MAX_KEY
            if length == _MAX_KEY:  # a very long word: its length did not fit
                length = len(self._keys[value >> _LENGTH_BITS])
            position = starts[end - length + 1]
            atom = value >> _LENGTH_BITS
            bucket = found.get(atom)
            if bucket is None:
                found[atom] = [position]
            else:
                bucket.append(position)
        return found

    @property
    def _keys(self) -> list[str]:
        keys = [""] * len(self._atoms)
        for key, atom in self._atoms.items():
            keys[atom] = key
        return keys


@dataclass(frozen=True, slots=True)
class OrIndex:
    """An OR over many terms (a group), looked up from the atoms that occurred, not term by term."""

    by_atom: dict[int, tuple[Term, ...]]
    atoms: frozenset[int]
    others: tuple[Node, ...]


def build_or_index(node: Or, term_atoms: dict[Term, tuple[int, ...]]) -> OrIndex:
    by_atom: dict[int, list[Term]] = {}
    others: list[Node] = []
    for child in node.children:
        if isinstance(child, Term):
            by_atom.setdefault(term_atoms[child][0], []).append(child)
        else:
            others.append(child)
    return OrIndex(
        {atom: tuple(terms) for atom, terms in by_atom.items()},
        frozenset(by_atom),
        tuple(others),
    )


@dataclass(slots=True)
class ArticleScan:
    """One article's words and atom positions, and the hits worked out so far."""

    title: str
    text: str
    lang: str | None
    source: str | None
    words: Words
    atoms: dict[int, list[int]]
    present: frozenset[int]  # the keys of `atoms`, as a set for fast intersections
    term_atoms: dict[Term, tuple[int, ...]]
    entities: EntityIndex
    or_index: dict[int, OrIndex]
    # Nodes several rules share (term groups): worth remembering per article; others are not.
    shared: frozenset[int]
    _terms: dict[Term, list[Hit]] = field(default_factory=dict)
    _entity_hits: dict[str, list[Hit]] = field(default_factory=dict)
    # Results per (shared node, scope): a group used by many rules is evaluated once.
    _done: dict[tuple[int, FieldName | None], list[Hit] | None] = field(default_factory=dict)

    def term_hits(self, term: Term) -> list[Hit]:
        """Every occurrence of `term`, in reading order."""
        atoms = self.term_atoms[term]
        if atoms[0] not in self.present:
            return []
        cached = self._terms.get(term)
        if cached is not None:
            return cached
        hits: list[Hit] = []
        words = self.words
        size = len(atoms)
        for first in self.atoms.get(atoms[0], ()):
            last = first + size - 1
            if last >= len(words):
                continue
            field_name = words.field(first)
            if size > 1 and (
                words.field(last) != field_name
                or not all(term.accepts(k, words.words[first + k]) for k in range(1, size))
            ):
                continue
            start, end = words.starts[first], words.ends[last]
            original = self.title if field_name == "title" else self.text
            hits.append(
                Hit(term.source, field_name, start, end, original[start:end], None, first, last)
            )
        self._terms[term] = hits
        return hits

    def entity_hits(self, entity: CompiledEntity) -> list[Hit]:
        cached = self._entity_hits.get(entity.name)
        if cached is not None:
            return cached
        # One hit per place: where aliases overlap ("Spacety", "Spacety Co"), the longest.
        found: dict[tuple[str, int], Hit] = {}
        for term in entity.terms:
            if self.term_atoms[term][0] not in self.present:
                continue
            for hit in self.term_hits(term):
                key = (hit.field, hit.start)
                if key not in found or found[key].end < hit.end:
                    found[key] = Hit(
                        entity.name,
                        hit.field,
                        hit.start,
                        hit.end,
                        hit.found,
                        entity.name,
                        hit.first,
                        hit.last,
                    )
        hits = sorted(found.values(), key=lambda h: h.first)
        self._entity_hits[entity.name] = hits
        return hits

    def evaluate(self, node: Node, scope: FieldName | None = None) -> list[Hit] | None:
        """The hits that make `node` match, or None when it does not match."""
        if isinstance(node, Term):
            hits = self.term_hits(node)
            if scope is not None:
                hits = [hit for hit in hits if hit.field == scope]
            return hits or None
        if id(node) not in self.shared:
            return self._evaluate(node, scope)
        key = (id(node), scope)
        result = self._done.get(key, _UNSET)
        if result is _UNSET:
            result = self._done[key] = self._evaluate(node, scope)
        return result

    def _evaluate(self, node: Node, scope: FieldName | None) -> list[Hit] | None:
        if isinstance(node, Term):
            hits = self.term_hits(node)
            if scope is not None:
                hits = [hit for hit in hits if hit.field == scope]
            return hits or None
        if isinstance(node, And):
            collected: list[Hit] = []
            for child in node.children:
                found = self.evaluate(child, scope)
                if found is None:
                    return None
                collected.extend(found)
            return collected
        if isinstance(node, Or):
            index = self.or_index.get(id(node))
            if index is None:
                children: Iterable[Node] = node.children
            else:
                present = index.atoms & self.present
                children = [*(t for a in present for t in index.by_atom[a]), *index.others]
            results = [self.evaluate(child, scope) for child in children]
            matched = [hits for hits in results if hits is not None]
            return [hit for hits in matched for hit in hits] if matched else None
        if isinstance(node, Not):
            return [] if self.evaluate(node.child, scope) is None else None
        if isinstance(node, Near):
            return self._near(node, scope)
        if isinstance(node, Scope):
            return self.evaluate(node.child, node.field)
        if isinstance(node, Lang):
            return [] if lang_key(self.lang) == node.code else None
        if isinstance(node, Source):
            return [] if node.accepts(self.source) else None
        if isinstance(node, EntityRef):
            hits = [h for e in self.entities.get(node, ()) for h in self.entity_hits(e)]
            if scope is not None:
                hits = [hit for hit in hits if hit.field == scope]
            return hits or None
        assert not isinstance(node, GroupRef), "groups are resolved when rules are compiled"
        raise TypeError(f"unknown query node {node!r}")

    def _near(self, node: Near, scope: FieldName | None) -> list[Hit] | None:
        left = self.evaluate(node.left, scope)
        right = self.evaluate(node.right, scope)
        if not left or not right:
            return None
        used: dict[int, Hit] = {}
        # Right-hand hits by first word, so each left hit looks only at its window.
        ordered = sorted(right, key=lambda h: h.first)
        firsts = [h.first for h in ordered]
        distance = node.distance
        for a in left:
            # b after a: a.last < b.first <= a.last + distance
            lo = bisect.bisect_right(firsts, a.last)
            hi = bisect.bisect_right(firsts, a.last + distance)
            for b in ordered[lo:hi]:
                if b.field == a.field:
                    used[id(a)] = a
                    used[id(b)] = b
            if node.ordered:
                continue
            # b before a: b.last < a.first <= b.last + distance; phrases are short, so look
            # from a.first - distance - MAX_PHRASE on and check b.last exactly.
            lo = bisect.bisect_left(firsts, a.first - distance - _MAX_PHRASE)
            hi = bisect.bisect_left(firsts, a.first)
            for b in ordered[lo:hi]:
                if b.field == a.field and b.last < a.first <= b.last + distance:
                    used[id(a)] = a
                    used[id(b)] = b
        if not used:
            return None
        # A side that is itself a NEAR brings the words that made it match ("China" in
        # (China NEAR/20 Russia) NEAR/20 drones), or the explanation would lose them.
        for side, hits in ((node.left, left), (node.right, right)):
            if isinstance(side, Near):
                used.update((id(hit), hit) for hit in hits)
        return list(used.values())
