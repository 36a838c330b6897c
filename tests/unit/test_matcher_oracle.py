"""An oracle for the compiled matcher: random queries and texts, compiled and woken evaluation
(RuleSet) against a plain tree walk over the parsed query.

The walk below is the rule language as the README states it, written as directly as we can:
every term's occurrences found by looking at each word position, NEAR by comparing every pair
of occurrences, groups and entities substituted as they are met. A query node evaluates to the
set of occurrences `(first word, last word, label)` that make it match, or None when it does
not match; NOT, lang: and source: match with no occurrence. A NEAR keeps the occurrences of
both sides that lie within the distance of one another (a side that is itself a NEAR brings
all of its own), so that `(a NEAR/5 b) NEAR/5 c` asks for a c near an a or b that were near
each other.

Queries are drawn over a vocabulary small enough for terms, prefixes and phrases to meet
often: words, `word*`, "phrases", AND/OR/NOT, NEAR/n, ONEAR/n, title:/text:, lang:, source:,
@groups (lists, a nested group, a group written as a query) and entity:NAME / entity:#tag.
Several rules are compiled together, so they share groups and wake one another's atoms.
For every article the rules that fire must be the same, and the watchlisted entities it
names, with their places; where no term occurs more often than an explanation keeps
(MAX_HITS_PER_TERM), the rules' hits too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hypothesis import example, given, settings
from hypothesis import strategies as st

from alerts.hits import Hit
from alerts.rules.config import EntityConfig, GroupDefinition, RuleConfig
from alerts.rules.folding import fold
from alerts.rules.occurrences import MAX_HITS_PER_TERM
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
    compile_term,
    parse_query,
)
from alerts.rules.ruleset import RuleSet

WORDS = [
    "drone", "drones", "dragon", "red", "china", "chinese", "russia", "army", "arms", "armies",
    "红龙",  # two words: every CJK ideograph is a word of its own
]  # fmt: skip
# Other spellings of the same words: case, accents (precomposed, or a combining mark, which
# the tokeniser's fast path leaves to the regular expression), and "ß", which folds to "ss".
SPELLINGS = {
    "drone": ["Drône", "DRONE", "dro\u0301ne"],
    "china": ["China", "CHINA"],
    "army": ["Army"],
    "arms": ["ARMS", "armß"],
}
SEPARATORS = [" ", " ", " ", ", ", ". ", " - ", "-", "'s "]
PREFIXES = ["dr*", "drone*", "chin*", "arm*", "r*", "red*"]
GROUPS: dict[str, GroupDefinition] = {
    "birds": ["drone*", "dragon"],
    "powers": ["china", "russia army"],  # a list item of several words is a phrase
    "both": ["@birds", "arms"],  # a group using another
    "east": "chin* OR (dragon NEAR/2 army)",  # a group written as a query
    # Long enough to be looked up by atom (an indexed OR) and too long to confirm a rule in
    # the wake index: mostly words no text here has.
    "many": ["red army", "armies", "chinese", *(f"absent{n}" for n in range(16))],
}
ENTITIES = [
    EntityConfig(
        name="Dragon Army", kind="unit", aliases=["dragon", "red dragon*"], tags=["beast"]
    ),
    EntityConfig(
        name="Chinarms",
        kind="company",
        aliases=["china arms", "arms*", "红"],
        tags=["beast", "firm"],
    ),
]
ENTITY_QUERIES = ['entity:"Dragon Army"', "entity:Chinarms", "entity:#beast", "entity:#firm"]
LANGS = [None, "en", "de", "EN-gb"]
SOURCES = [None, "dw-en", "bbc-world"]

Occurrence = tuple[int, int, int]
Found = frozenset[Occurrence] | None


# ------------------------------------------------------------------------ drawing queries


def _term() -> st.SearchStrategy[str]:
    word = st.sampled_from(WORDS)
    single = st.one_of(word, st.sampled_from(PREFIXES), word.map(str.capitalize))
    phrase = st.tuples(single, single).map(lambda pair: f'"{pair[0]} {pair[1]}"')
    hyphened = st.tuples(word, word).map(lambda pair: f"{pair[0]}-{pair[1]}")
    return st.one_of(single, single, phrase, hyphened)


def _positional(depth: int) -> st.SearchStrategy[str]:
    """What NEAR may take on its sides: words, phrases, groups, entities, OR, title:/text:."""
    leaf = st.one_of(
        _term(), st.sampled_from([f"@{name}" for name in GROUPS]), st.sampled_from(ENTITY_QUERIES)
    )
    if depth <= 0:
        return leaf
    inner = _positional(depth - 1)
    return st.one_of(
        leaf,
        leaf,
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + " OR ".join(xs) + ")"),
        st.tuples(st.sampled_from(["title", "text"]), inner).map(lambda p: f"{p[0]}:({p[1]})"),
        _near(inner),
    )


def _near(side: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operator = st.tuples(st.sampled_from(["NEAR", "ONEAR"]), st.integers(1, 6))
    return st.tuples(side, operator, side).map(lambda t: f"({t[0]} {t[1][0]}/{t[1][1]} {t[2]})")


def _query(depth: int) -> st.SearchStrategy[str]:
    attributes = st.sampled_from(["lang:en", "lang:de", "source:dw-*", "source:bbc-world"])
    if depth <= 0:
        return st.one_of(_positional(0), attributes)
    inner = _query(depth - 1)
    return st.one_of(
        _positional(depth),
        attributes,
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + " AND ".join(xs) + ")"),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + " ".join(xs) + ")"),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + " OR ".join(xs) + ")"),
        inner.map(lambda x: f"(NOT {x})"),
        st.tuples(st.sampled_from(["title", "text"]), inner).map(lambda p: f"{p[0]}:({p[1]})"),
    )


def _words() -> st.SearchStrategy[str]:
    word = st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w, *SPELLINGS.get(w, [])]))
    return st.lists(st.tuples(word, st.sampled_from(SEPARATORS)), max_size=24).map(
        lambda pairs: "".join(w + sep for w, sep in pairs).strip()
    )


@dataclass(frozen=True)
class Article:
    title: str
    text: str
    lang: str | None
    source: str | None


articles = st.builds(
    Article,
    title=_words().map(lambda t: " ".join(t.split()[:6])),
    text=_words(),
    lang=st.sampled_from(LANGS),
    source=st.sampled_from(SOURCES),
)


# ------------------------------------------------------------------------ the tree walk


class Walk:
    """The reference evaluation of parsed queries over one article."""

    def __init__(self, rules: RuleSet, article: Article) -> None:
        self.ids = rules.vocabulary.ids  # term labels as the matcher numbers them
        title = _split(article.title)
        self.words = title + _split(article.text)
        self.title_words = len(title)
        self.lang = article.lang
        self.source = article.source

    def in_title(self, position: int) -> bool:
        return position < self.title_words

    def term(self, term: Term, scope: str | None) -> Found:
        size = len(term.words)
        found: set[Occurrence] = set()
        for first in range(len(self.words) - size + 1):
            last = first + size - 1
            if self.in_title(first) != self.in_title(last):
                continue  # a phrase does not run from the title into the text
            if scope is not None and self.in_title(first) != (scope == "title"):
                continue
            if all(term.accepts(k, self.words[first + k]) for k in range(size)):
                found.add((first, last, self.ids[term]))
        return frozenset(found) or None

    def entity(self, ref: EntityRef, scope: str | None) -> Found:
        found: set[Occurrence] = set()
        for number, entity in enumerate(ENTITIES):
            wanted = (
                ref.name in {fold(tag) for tag in entity.tags}
                if ref.tag
                else fold(entity.name) == ref.name
            )
            if not wanted:
                continue
            longest: dict[int, int] = {}
            for alias in dict.fromkeys([entity.name, *entity.aliases]):
                for first, last, _ in self.term(compile_term(alias), scope) or ():
                    longest[first] = max(longest.get(first, -1), last)
            found.update((first, last, -1 - number) for first, last in longest.items())
        return frozenset(found) or None

    def group(self, name: str) -> Node:
        definition = GROUPS[name]
        if isinstance(definition, str):
            return parse_query(definition)
        items: list[Node] = []
        for item in definition:
            plain = not re.search(r'[()"@:]', item) and not re.search(r"\b(AND|OR|NOT)\b", item)
            items.append(compile_term(item) if plain else parse_query(item))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def near(self, node: Near, scope: str | None) -> Found:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        if not left or not right:
            return None
        used: set[Occurrence] = set()
        for a in left:
            for b in right:
                if self.in_title(a[0]) != self.in_title(b[0]):
                    continue
                after = 1 <= b[0] - a[1] <= node.distance
                before = 1 <= a[0] - b[1] <= node.distance
                if after or (before and not node.ordered):
                    used.update((a, b))
        if not used:
            return None
        for side, found in ((node.left, left), (node.right, right)):
            if isinstance(side, Near):
                used.update(found)
        return frozenset(used)

    def eval(self, node: Node, scope: str | None = None) -> Found:
        if isinstance(node, Term):
            return self.term(node, scope)
        if isinstance(node, EntityRef):
            return self.entity(node, scope)
        if isinstance(node, GroupRef):
            return self.eval(self.group(node.name), scope)
        if isinstance(node, And):
            parts = [self.eval(child, scope) for child in node.children]
            if any(part is None for part in parts):
                return None
            return frozenset().union(*(part for part in parts if part is not None))
        if isinstance(node, Or):
            matched = [part for c in node.children if (part := self.eval(c, scope)) is not None]
            return frozenset().union(*matched) if matched else None
        if isinstance(node, Not):
            return frozenset() if self.eval(node.child, scope) is None else None
        if isinstance(node, Scope):
            return self.eval(node.child, node.field)
        if isinstance(node, Lang):
            return frozenset() if _primary(self.lang) == node.code else None
        if isinstance(node, Source):
            return frozenset() if node.accepts(self.source) else None
        if isinstance(node, Near):
            return self.near(node, scope)
        raise TypeError(node)


_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _split(text: str) -> list[str]:
    """The README's words: runs of letters and digits of the folded text, every CJK ideograph
    a word of its own."""
    return re.findall(f"[{_IDEOGRAPH}]|[^\\W{_IDEOGRAPH}]+", fold(text))


def _primary(lang: str | None) -> str | None:
    return re.split(r"[-_]", lang, maxsplit=1)[0].lower() if lang else None


# ------------------------------------------------------------------------ the property


def _ruleset(queries: Sequence[str]) -> RuleSet:
    rules = [RuleConfig(name=f"r{n}", query=q) for n, q in enumerate(queries)]
    return RuleSet(rules, GROUPS, ENTITIES)


def _hit_key(hit: Hit) -> tuple[str, str, int, int, str, str | None]:
    return (hit.term, hit.field, hit.start, hit.end, hit.found, hit.entity)


def check(queries: Sequence[str], article: Article) -> None:
    rules = _ruleset(queries)
    walk = Walk(rules, article)
    analysis = rules.analyse(article.title, article.text, article.lang, article.source)
    scan = rules.scan(article.title, article.text, article.lang, article.source)
    # The watchlisted entities an article names (stored with it), whatever the rules ask.
    named = {
        entity.name: sorted(map(_hit_key, scan.explain(list(found))))
        for entity in ENTITIES
        if (found := walk.entity(EntityRef(fold(entity.name), False, 0), None)) is not None
    }
    assert {e.name: sorted(map(_hit_key, e.hits)) for e in analysis.entities} == named
    got = {m.rule.name: m for m in analysis.matches}
    expected: Mapping[str, frozenset[Occurrence]] = {
        f"r{n}": found
        for n, query in enumerate(queries)
        if (found := walk.eval(parse_query(query))) is not None
    }
    assert set(got) == set(expected), (queries, article)
    many = [len(walk.term(term, None) or ()) for term in rules.vocabulary.terms]
    many += [len(walk.entity(EntityRef(fold(e.name), False, 0), None) or ()) for e in ENTITIES]
    if max(many, default=0) > MAX_HITS_PER_TERM:
        return  # an explanation shows a term's first few places: not comparable
    for name, found in expected.items():
        want = sorted(map(_hit_key, scan.explain(list(found))))
        assert sorted(map(_hit_key, got[name].hits)) == want, (name, queries, article)


@settings(max_examples=600, deadline=None)
@given(st.lists(_query(3), min_size=1, max_size=4), articles)
# Places worth pinning: a NEAR whose side is a NEAR, ONEAR's order, a phrase that would run
# from the title into the text, a scoped NOT, an entity's longest alias, an indexed OR.
@example(["((china NEAR/2 red) NEAR/1 army)"], Article("", "china red drones army", None, None))
@example(["(army ONEAR/3 china)", "(china ONEAR/3 army)"], Article("", "china army", "en", None))
@example(['"china arms"', "title:china"], Article("red china", "arms drone", None, None))
@example(["title:(NOT drone*)", "text:(NOT drone*)"], Article("Drône", "army", None, "dw-en"))
@example(['entity:"Dragon Army"'], Article("", "red dragon army", None, None))
@example(["(@many NEAR/2 drone) AND NOT lang:de"], Article("", "chinese drones", "de", None))
def test_compiled_rules_match_as_the_tree_walk(queries: list[str], article: Article) -> None:
    check(queries, article)
