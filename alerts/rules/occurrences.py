"""One article as the compiled rules see it: where each term and entity occurs, by word position.

Rules are evaluated on occurrences, `(first word, last word, label)` tuples, not on `Hit`s: of
the rules an article wakes, many fail, and a rule that matches through a group names dozens
of places of which the explanation keeps ten per term. Hits, with their character offsets and
the words as written, are made only for what `explain` keeps, once per place.

A label is a term's id in the `Vocabulary` (0, 1, ...) or, for a watchlisted entity, -1 - its
number: an entity hit says the entity's name where a term hit says the term as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from alerts.hits import Hit
from alerts.rules.query import Term
from alerts.rules.scanner import AtomPositions, CompiledEntity, lang_key
from alerts.rules.tokens import Words

Occurrence = tuple[int, int, int]  # first word, last word, label
# What a query node evaluates to: the occurrences that make it match, or None when it does not.
Found = Sequence[Occurrence] | None
EMPTY: tuple[Occurrence, ...] = ()

# Enough positions to show and highlight a term; an article repeating it 200 times says no more.
MAX_HITS_PER_TERM = 10


@dataclass
class Vocabulary:
    """Every distinct term of the rules, groups and aliases, with its id and its atoms."""

    terms: list[Term] = field(default_factory=list)
    atoms: list[tuple[int, ...]] = field(default_factory=list)
    ids: dict[Term, int] = field(default_factory=dict)
    entities: list[CompiledEntity] = field(default_factory=list)
    # Per entity: the ids of its aliases, and their first atoms.
    aliases: list[tuple[int, ...]] = field(default_factory=list)
    alias_atoms: list[frozenset[int]] = field(default_factory=list)

    def label_name(self, label: int) -> str:
        return self.terms[label].source if label >= 0 else self.entities[-1 - label].name


class ArticleScan:
    """An article's words and atom positions, and the occurrences worked out so far."""

    __slots__ = (
        "_entities",
        "_heads",
        "_hits",
        "_terms",
        "_vocabulary",
        "atoms",
        "lang",
        "memo",
        "present",
        "source",
        "text",
        "title",
        "words",
    )

    def __init__(
        self,
        vocabulary: Vocabulary,
        title: str,
        text: str,
        lang: str | None,
        source: str | None,
        words: Words,
        atoms: AtomPositions,
    ) -> None:
        self.title = title
        self.text = text
        self.lang = lang_key(lang)
        self.source = source
        self.words = words
        self.atoms = atoms
        self.present = atoms.present  # for fast intersections with rules' clauses
        # Results of nodes several rules share (term groups, entity tags), per article.
        self.memo: dict[int, Found] = {}
        self._vocabulary = vocabulary
        self._terms: dict[int, list[Occurrence]] = {}
        self._heads: dict[int, list[Occurrence]] = {}
        self._entities: dict[int, list[Occurrence]] = {}
        self._hits: dict[Occurrence, Hit] = {}

    def term(self, term_id: int) -> list[Occurrence]:
        """Every occurrence of the term, in reading order."""
        found = self._terms.get(term_id)
        if found is None:
            found = self._terms[term_id] = self._find(term_id)
        return found

    def first_places(self, term_id: int) -> list[Occurrence]:
        """The first MAX_HITS_PER_TERM occurrences: all an explanation shows of a term."""
        found = self._heads.get(term_id)
        if found is None:
            found = self.term(term_id)
            if len(found) > MAX_HITS_PER_TERM:
                found = found[:MAX_HITS_PER_TERM]
            self._heads[term_id] = found
        return found

    def _find(self, term_id: int) -> list[Occurrence]:
        atoms = self._vocabulary.atoms[term_id]
        positions = self.atoms.get(atoms[0])
        if positions is None:
            return []
        size = len(atoms)
        if size == 1:
            return [(p, p, term_id) for p in positions]
        # A phrase: every further word must be its atom, and it may not run from title to text.
        present = self.present
        if any(atom not in present for atom in atoms[1:]):
            return []
        rest = [self.atoms.get(atom) for atom in atoms[1:]]
        if any(r is None for r in rest):
            return []
        followers = [frozenset(r) for r in rest if r is not None]
        title_words = self.words.title_words
        found: list[Occurrence] = []
        for first in positions:
            last = first + size - 1
            if first < title_words <= last:
                continue
            if all(first + k + 1 in at for k, at in enumerate(followers)):
                found.append((first, last, term_id))
        return found

    def entity(self, number: int) -> list[Occurrence]:
        """Where a watchlisted entity is named: one place per start word, the longest alias."""
        found = self._entities.get(number)
        if found is None:
            longest: dict[int, int] = {}
            vocabulary = self._vocabulary
            # The usual case: an article names none of an entity's aliases.
            if vocabulary.alias_atoms[number].isdisjoint(self.present):
                self._entities[number] = found = []
                return found
            for term_id in vocabulary.aliases[number]:
                if vocabulary.atoms[term_id][0] not in self.present:
                    continue
                for first, last, _ in self.term(term_id):
                    if longest.get(first, -1) < last:
                        longest[first] = last
            label = -1 - number
            found = [(first, longest[first], label) for first in sorted(longest)]
            self._entities[number] = found
        return found

    def explain(self, found: Sequence[Occurrence]) -> tuple[Hit, ...]:
        """Distinct hits in reading order (title first), at most MAX_HITS_PER_TERM per term.

        Where several terms found the same words ("Chinese" and "chines*"), one says it: the
        one the rules named first; an entity's hit there is kept beside it.
        """
        unique = sorted(set(found))
        # Sorted by (first, last, label): a place's entity hits (labels < 0), then its terms.
        kept: list[Occurrence] = []
        last_first = last_last = -1
        for occurrence in unique:
            first, last, label = occurrence
            if label >= 0:
                if first == last_first and last == last_last:
                    continue
                last_first, last_last = first, last
            kept.append(occurrence)
        if len(kept) > MAX_HITS_PER_TERM:
            kept = _at_most(kept, MAX_HITS_PER_TERM)
        return self._hits_of(kept)

    def _hits_of(self, kept: list[Occurrence]) -> tuple[Hit, ...]:
        # One loop with everything it needs at hand: an article's matches make hundreds.
        made = self._hits
        title_words = self.words.title_words
        starts, ends = self.words.starts, self.words.ends
        title, text = self.title, self.text
        name_of = self._vocabulary.label_name
        hits: list[Hit] = []
        for occurrence in kept:
            hit = made.get(occurrence)
            if hit is None:
                first, last, label = occurrence
                name = name_of(label)
                start, end = starts[first], ends[last]
                if first < title_words:
                    hit = Hit(name, "title", start, end, title[start:end], None, first, last)
                else:
                    hit = Hit(name, "text", start, end, text[start:end], None, first, last)
                if label < 0:
                    hit.entity = name
                made[occurrence] = hit
            hits.append(hit)
        return tuple(hits)


def _at_most(ordered: list[Occurrence], per_label: int) -> list[Occurrence]:
    counts: dict[int, int] = {}
    kept: list[Occurrence] = []
    for occurrence in ordered:
        label = occurrence[2]
        seen = counts.get(label, 0)
        if seen < per_label:
            kept.append(occurrence)
            counts[label] = seen + 1
    return kept
