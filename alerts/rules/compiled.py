"""Query trees compiled into closures over an article's occurrences (alerts.rules.occurrences).

Walking a tree per article means an isinstance chain per node for every woken rule; compiled,
each node is one call that already knows its kind, its scope (`title:` applies to the terms
beneath it) and its term ids. Nodes several rules share (a term group, `entity:#sanctioned`)
are worked out once per article and remembered in the scan's memo.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence

from alerts.hits import FieldName
from alerts.rules.occurrences import (
    EMPTY,
    MAX_HITS_PER_TERM,
    ArticleScan,
    Found,
    Occurrence,
    Vocabulary,
)
from alerts.rules.query import (
    And,
    EntityRef,
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
from alerts.rules.scanner import EntityIndex

Evaluator = Callable[[ArticleScan], Found]

# NEAR finds a phrase that ends before a word by looking back this many words past the
# distance for where it starts: phrases are never nearly this long.
_MAX_PHRASE = 64
# An OR with this many terms looks its terms up from the atoms that occurred (a group of 40
# names for China, of which an article uses two), not one by one.
_INDEXED_OR = 4


class Compiler:
    """Compiles the trees of one rule set; shared nodes are compiled (and memoised) once."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        entities: EntityIndex,
        shared: frozenset[int],
    ) -> None:
        self._vocabulary = vocabulary
        self._entities = entities
        self._numbers = {entity.name: n for n, entity in enumerate(vocabulary.entities)}
        self._shared = shared
        self._memoised: dict[tuple[object, FieldName | None, bool], Evaluator] = {}
        self._terms: dict[tuple[int, FieldName | None, bool], Evaluator] = {}

    def compile(self, node: Node, scope: FieldName | None = None, whole: bool = False) -> Evaluator:
        """`node` as a function of the article. `whole`: every occurrence is needed (beneath a
        NEAR); elsewhere a term's first MAX_HITS_PER_TERM are all an explanation can show."""
        if id(node) in self._shared:
            key = (id(node), scope, whole)
            return self._memoise(key, lambda: self._compile(node, scope, whole))
        return self._compile(node, scope, whole)

    def _memoise(
        self, key: tuple[object, FieldName | None, bool], build: Callable[[], Evaluator]
    ) -> Evaluator:
        found = self._memoised.get(key)
        if found is None:
            inner = build()
            slot = len(self._memoised)

            def found(scan: ArticleScan) -> Found:
                memo = scan.memo
                if slot in memo:
                    return memo[slot]
                result = memo[slot] = inner(scan)
                return result

            self._memoised[key] = found
        return found

    def _compile(self, node: Node, scope: FieldName | None, whole: bool) -> Evaluator:
        if isinstance(node, Term):
            # One function per term and scope, whichever rules use it: thousands of rules
            # would otherwise hold thousands of copies.
            term_id = self._vocabulary.ids[node]
            key = (term_id, scope, whole)
            found = self._terms.get(key)
            if found is None:
                first_atom = self._vocabulary.atoms[term_id][0]
                found = self._terms[key] = _term(term_id, first_atom, scope, whole)
            return found
        if isinstance(node, And):
            # Cheap tests first: `... AND lang:ru` fails most articles without its terms.
            children = sorted(node.children, key=_cost)
            return _all([self.compile(child, scope, whole) for child in children])
        if isinstance(node, Or):
            return self._or(node, scope, whole)
        if isinstance(node, Not):
            return _not(self.compile(node.child, scope))
        if isinstance(node, Near):
            return _near(
                self.compile(node.left, scope, True),
                self.compile(node.right, scope, True),
                node.distance,
                node.ordered,
                isinstance(node.left, Near),
                isinstance(node.right, Near),
            )
        if isinstance(node, Scope):
            return self.compile(node.child, node.field, whole)
        if isinstance(node, Lang):
            return _lang(node.code)
        if isinstance(node, Source):
            return _source(node)
        if isinstance(node, EntityRef):
            numbers = tuple(self._numbers[e.name] for e in self._entities.get(node, ()))
            # `entity:#official` in 500 rules is one tag: worked out once per article.
            tag = (numbers, scope, whole)
            return self._memoise(tag, lambda: _entities(numbers, scope, whole))
        assert not isinstance(node, GroupRef), "groups are resolved when rules are compiled"
        raise TypeError(f"unknown query node {node!r}")

    def _or(self, node: Or, scope: FieldName | None, whole: bool) -> Evaluator:
        # Its terms are read in the OR itself, not through a function each: most of a woken
        # rule's terms are absent, and a call per term was most of what rules cost.
        places: list[tuple[int, int]] = []
        for child in node.children:
            if isinstance(child, Term):
                term_id = self._vocabulary.ids[child]
                places.append((self._vocabulary.atoms[term_id][0], term_id))
        others = [self.compile(c, scope, whole) for c in node.children if not isinstance(c, Term)]
        if len(places) < _INDEXED_OR:
            return _terms_or(tuple(places), others, scope, whole)
        by_atom: dict[int, list[int]] = {}
        for atom, term_id in places:
            by_atom.setdefault(atom, []).append(term_id)
        indexed = {atom: tuple(ids) for atom, ids in by_atom.items()}
        return _indexed_or(indexed, others, scope, whole)


def _cost(node: Node) -> int:
    """A rough rank of what evaluating a node costs, for ordering the tests of an AND."""
    if isinstance(node, Lang | Source):
        return 0
    if isinstance(node, Not) and isinstance(node.child, Term):
        return 1
    if isinstance(node, Term):
        return 2
    if isinstance(node, Near):
        return 4
    return 3


def _places(scan: ArticleScan, term_id: int, scope: FieldName | None, whole: bool) -> Found:
    """A term's occurrences (its first few where no NEAR needs them all), or None."""
    if scope is None:
        return (scan.term(term_id) if whole else scan.first_places(term_id)) or None
    title_words = scan.words.title_words
    in_title = scope == "title"
    found = [o for o in scan.term(term_id) if (o[0] < title_words) is in_title]
    return (found if whole else found[:MAX_HITS_PER_TERM]) or None


def _term(term_id: int, first_atom: int, scope: FieldName | None, whole: bool) -> Evaluator:
    def term(scan: ArticleScan) -> Found:
        # Most terms of a woken rule are not in the article: one set lookup says so.
        if first_atom not in scan.present:
            return None
        return _places(scan, term_id, scope, whole)

    return term


def _entities(numbers: tuple[int, ...], scope: FieldName | None, whole: bool) -> Evaluator:
    in_title = scope == "title"
    upto = None if whole else MAX_HITS_PER_TERM

    def entities(scan: ArticleScan) -> Found:
        found: list[Occurrence] = []
        for number in numbers:
            places = scan.entity(number)
            if scope is not None:
                title_words = scan.words.title_words
                places = [o for o in places if (o[0] < title_words) is in_title]
            found += places[:upto]
        return found or None

    return entities


def _all(children: list[Evaluator]) -> Evaluator:
    def every(scan: ArticleScan) -> Found:
        collected: list[Occurrence] = []
        for child in children:
            found = child(scan)
            if found is None:
                return None
            collected += found
        return collected

    return every


def _union(results: Iterable[Found]) -> Found:
    """What the alternatives that match find, together; None when none matches."""
    collected: list[Occurrence] | None = None
    for found in results:
        if found is not None:
            if collected is None:
                collected = list(found)  # never extend a child's (maybe cached) list
            else:
                collected += found
    return collected


def _terms_or(
    places: tuple[tuple[int, int], ...],
    others: list[Evaluator],
    scope: FieldName | None,
    whole: bool,
) -> Evaluator:
    def some(scan: ArticleScan) -> Found:
        present = scan.present
        found = [
            _places(scan, term_id, scope, whole) for atom, term_id in places if atom in present
        ]
        if others:
            found += [child(scan) for child in others]
        return _union(found)

    return some


def _indexed_or(
    by_atom: dict[int, tuple[int, ...]],
    others: list[Evaluator],
    scope: FieldName | None,
    whole: bool,
) -> Evaluator:
    atoms = frozenset(by_atom)

    def some(scan: ArticleScan) -> Found:
        found = [
            _places(scan, term_id, scope, whole)
            for atom in atoms & scan.present
            for term_id in by_atom[atom]
        ]
        if others:
            found += [child(scan) for child in others]
        return _union(found)

    return some


def _not(child: Evaluator) -> Evaluator:
    def negated(scan: ArticleScan) -> Found:
        return EMPTY if child(scan) is None else None

    return negated


def _lang(code: str) -> Evaluator:
    def language(scan: ArticleScan) -> Found:
        return EMPTY if scan.lang == code else None

    return language


def _source(node: Source) -> Evaluator:
    def source(scan: ArticleScan) -> Found:
        return EMPTY if node.accepts(scan.source) else None

    return source


def _near(
    left_of: Evaluator,
    right_of: Evaluator,
    distance: int,
    ordered: bool,
    left_is_near: bool,
    right_is_near: bool,
) -> Evaluator:
    def near(scan: ArticleScan) -> Found:
        left = left_of(scan)
        if not left:
            return None
        right = right_of(scan)
        if not right:
            return None
        used = _pairs(left, right, distance, ordered, scan.words.title_words)
        if not used:
            return None
        # A side that is itself a NEAR brings the words that made it match ("China" in
        # (China NEAR/20 Russia) NEAR/20 drones), or the explanation would lose them.
        if left_is_near:
            used.update(dict.fromkeys(left))
        if right_is_near:
            used.update(dict.fromkeys(right))
        return list(used)

    return near


def _pairs(
    left: Sequence[Occurrence],
    right: Sequence[Occurrence],
    distance: int,
    ordered: bool,
    title_words: int,
) -> dict[Occurrence, None]:
    """The occurrences of both sides within `distance` words of one another (an ordered set).

    The smaller side is walked and the other searched (a group on one side often names
    dozens of places, the other side two): unordered, the sides are interchangeable; for
    ONEAR walking the right side looks for left occurrences that end just before.
    """
    if len(right) <= len(left) and (not ordered or len(right) < len(left)):
        if ordered:
            return _before(right, left, distance, title_words)
        left, right = right, left
    used: dict[Occurrence, None] = {}
    # The other side by first word, so each walked occurrence looks only at its window.
    by_first = sorted(right)
    firsts = [o[0] for o in by_first]
    for a in left:
        a_first, a_last, _ = a
        a_title = a_first < title_words
        # b after a: a.last < b.first <= a.last + distance
        lo = bisect.bisect_right(firsts, a_last)
        hi = bisect.bisect_right(firsts, a_last + distance)
        for b in by_first[lo:hi]:
            if (b[0] < title_words) is a_title:
                used[a] = None
                used[b] = None
        if ordered:
            continue
        # b before a: b.last < a.first <= b.last + distance; phrases are short, so look
        # from a.first - distance - MAX_PHRASE on and check b.last exactly.
        lo = bisect.bisect_left(firsts, a_first - distance - _MAX_PHRASE)
        hi = bisect.bisect_left(firsts, a_first)
        for b in by_first[lo:hi]:
            if (b[0] < title_words) is a_title and b[1] < a_first <= b[1] + distance:
                used[a] = None
                used[b] = None
    return used


def _before(
    right: Sequence[Occurrence],
    left: Sequence[Occurrence],
    distance: int,
    title_words: int,
) -> dict[Occurrence, None]:
    """ONEAR walked from its right side: left occurrences ending 1..distance words before."""
    used: dict[Occurrence, None] = {}
    by_last = sorted(left, key=lambda o: o[1])
    lasts = [o[1] for o in by_last]
    for b in right:
        b_first = b[0]
        b_title = b_first < title_words
        # a before b: a.last < b.first <= a.last + distance
        lo = bisect.bisect_left(lasts, b_first - distance)
        hi = bisect.bisect_left(lasts, b_first)
        for a in by_last[lo:hi]:
            if (a[0] < title_words) is b_title:
                used[a] = None
                used[b] = None
    return used
