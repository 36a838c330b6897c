"""The configured rules, term groups and entity watchlist, compiled once into one matcher.

`RuleSet(rules, groups, entities)` parses every query (alerts.rules.query), replaces each `@group`
by its definition, compiles all terms into one Aho-Corasick automaton (alerts.rules.scanner), the
clauses each rule needs into inverted indexes (alerts.rules.wake) and each tree into closures
(alerts.rules.compiled). `RuleSet.analyse` then gives, for one article, the rules that matched
with the hits that made them match, and the watchlisted entities it names; `RuleSet.match`
the matches alone.

All errors of a configuration are collected into one `RuleError`, each line naming the rule
(or group or entity), the column and what was expected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alerts.hits import Hit
from alerts.rules.compiled import Compiler, Evaluator
from alerts.rules.config import EntityConfig, GroupDefinition, RuleConfig
from alerts.rules.groups import GroupResolver
from alerts.rules.occurrences import MAX_HITS_PER_TERM, ArticleScan, Vocabulary
from alerts.rules.query import (
    Node,
    QueryError,
    Term,
    compile_term,
    parse_query,
)
from alerts.rules.requirement import Requirement, TreeFacts
from alerts.rules.scanner import (
    CompiledEntity,
    EntityFound,
    EntityIndex,
    Scanner,
    entities_of,
    lang_key,
)
from alerts.rules.tokens import index_words, tokenise
from alerts.rules.wake import WakeIndex

__all__ = [
    "MAX_HITS_PER_TERM",
    "Analysis",
    "EntityFound",
    "RuleError",
    "RuleMatch",
    "RuleSet",
    "compile_term",
    "lang_key",
    "tokenise",
]


class RuleError(ValueError):
    """Rules, groups or entities that cannot be compiled; `errors` holds one line per problem,
    `pointers` the offending query with a caret under the column, where there is one."""

    def __init__(self, errors: Sequence[str], pointers: Sequence[str | None] = ()) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)
        self.pointers = list(pointers) or [None] * len(self.errors)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    config: RuleConfig
    query: Node
    # It can match without any term (`lang:de AND NOT x`), so it is evaluated for every article.
    always: bool


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that matched one article, with the hits that made it match."""

    rule: RuleConfig
    hits: tuple[Hit, ...]

    def terms_json(self) -> list[dict[str, Any]]:
        return [hit.to_dict() for hit in self.hits]

    @property
    def terms(self) -> list[str]:
        """The distinct terms that matched, in the order they were first found."""
        return list(dict.fromkeys(hit.term for hit in self.hits))

    @property
    def entities(self) -> list[str]:
        """The watchlisted entities among the hits, in the order they were first found."""
        return list(dict.fromkeys(hit.entity for hit in self.hits if hit.entity is not None))


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the rules found in one article."""

    matches: list[RuleMatch]
    entities: list[EntityFound]
    # Rules that raised on this article (a bug, a pathological text): name and error. The
    # others' matches stand; the caller logs and records these.
    failures: tuple[tuple[str, Exception], ...] = ()

    @property
    def relevant(self) -> bool:
        return any(match.rule.topic for match in self.matches)


def explain(hits: Sequence[Hit]) -> tuple[Hit, ...]:
    """Distinct hits in reading order (title first), at most MAX_HITS_PER_TERM per term.

    Where several terms found the same words ("Chinese" and "chines*"), the first one says it.
    """
    unique: dict[tuple[str, int, int, str | None], Hit] = {}
    for hit in hits:
        unique.setdefault((hit.field, hit.start, hit.end, hit.entity), hit)
    ordered = sorted(unique.values(), key=lambda h: (h.field != "title", h.start, h.end, h.term))
    kept: list[Hit] = []
    counts: dict[str, int] = {}
    for hit in ordered:
        seen = counts.get(hit.term, 0)
        if seen < MAX_HITS_PER_TERM:
            kept.append(hit)
            counts[hit.term] = seen + 1
    return tuple(kept)


def _compile_entities(entities: Sequence[EntityConfig], errors: list[str]) -> list[CompiledEntity]:
    compiled: list[CompiledEntity] = []
    seen: dict[str, str] = {}
    for index, entity in enumerate(entities):
        where = f"entities[{index}] {entity.name!r}"  # the key path, and which one
        key = entity.name.casefold()
        if key in seen:
            errors.append(f"{where}: the name is used twice")
            continue
        seen[key] = entity.name
        terms: list[Term] = []
        for alias in dict.fromkeys([entity.name, *entity.aliases]):
            try:
                terms.append(compile_term(alias))
            except QueryError as exc:
                errors.append(f"{where}: aliases: {alias!r}: {exc.message}")
        tags = frozenset(tag.casefold() for tag in entity.tags)
        compiled.append(CompiledEntity(entity.name, entity.kind, tags, tuple(terms)))
    return compiled


class RuleSet:
    """All configured rules, compiled once and evaluated together against each article."""

    def __init__(
        self,
        rules: Sequence[RuleConfig],
        groups: Mapping[str, GroupDefinition] | None = None,
        entities: Sequence[EntityConfig] = (),
    ) -> None:
        errors: list[str] = []
        pointers: list[str | None] = []
        counts = Counter(rule.name for rule in rules)
        duplicates = sorted(name for name, count in counts.items() if count > 1)
        if duplicates:
            errors.append(f"rule names must be unique: {', '.join(duplicates)}")
        self.entities = _compile_entities(entities, errors)
        resolver = GroupResolver(groups or {})
        self.entity_index: EntityIndex = {}
        # Each term's atoms, for working out requirements; the vocabulary keeps them after.
        term_atoms: dict[Term, tuple[int, ...]] = {}
        facts = TreeFacts(self.entity_index, term_atoms)
        trees: list[tuple[RuleConfig, Node]] = []
        for index, rule in enumerate(rules):
            try:
                tree = resolver.resolve(parse_query(rule.query), (), rule.query)
                for ref in sorted(facts.refs(tree), key=lambda r: r.column):
                    found = entities_of(ref, self.entities)
                    if not found:
                        what = f"tag #{ref.name}" if ref.tag else f"entity {ref.name!r}"
                        raise QueryError(
                            f"no watchlisted {what} in [[entities]]", ref.column, rule.query
                        )
                    self.entity_index[ref] = found
            except QueryError as exc:
                errors.append(f"rules[{index}] {rule.name!r}: query: {exc}")
                pointers.append(exc.pointer())
                continue
            trees.append((rule, tree))
        for name in sorted(set(resolver.definitions) - set(resolver.resolved)):
            resolver.group(name, ())  # unused groups are checked too
        pointers = [*([None] * (len(errors) - len(pointers))), *pointers]
        for error, pointer in zip(resolver.errors, resolver.pointers, strict=True):
            if error not in errors:
                errors.append(error)
                pointers.append(pointer)
        if errors:
            raise RuleError(errors, pointers)
        self.groups = dict(resolver.resolved)
        self.shared = frozenset(id(node) for node in self.groups.values())
        self._compile_scan(trees, facts, term_atoms)

    def _compile_scan(
        self,
        trees: list[tuple[RuleConfig, Node]],
        facts: TreeFacts,
        term_atoms: dict[Term, tuple[int, ...]],
    ) -> None:
        self.scanner = Scanner()
        self.vocabulary = Vocabulary(entities=self.entities)
        vocabulary = self.vocabulary
        first_atom: dict[Term, int] = {}

        def register(term: Term) -> int:
            term_id = vocabulary.ids.get(term)
            if term_id is None:
                atoms = term_atoms[term] = self.scanner.term_atoms(term)
                first_atom[term] = atoms[0]
                term_id = vocabulary.ids[term] = len(vocabulary.terms)
                vocabulary.terms.append(term)
                vocabulary.atoms.append(atoms)
            return term_id

        # First atom of an entity's term -> the entities a hit on it may concern.
        self.entities_by_atom: dict[int, set[int]] = {}
        for number, entity in enumerate(self.entities):
            vocabulary.aliases.append(tuple(register(term) for term in entity.terms))
            vocabulary.alias_atoms.append(frozenset(first_atom[term] for term in entity.terms))
            for term in entity.terms:
                self.entities_by_atom.setdefault(first_atom[term], set()).add(number)
        for term in frozenset().union(*(facts.terms(tree) for _, tree in trees)):
            register(term)
        compiler = Compiler(vocabulary, self.entity_index, self.shared)
        compiled: list[CompiledRule] = []
        requirements: list[Requirement] = []
        self._evaluators: list[Evaluator] = []
        for config, tree in trees:
            requirement = facts.requirement(tree, first_atom)
            requirements.append(requirement)
            compiled.append(CompiledRule(config, tree, not requirement))
            self._evaluators.append(compiler.compile(tree))
        self.rules = tuple(compiled)
        self.wake = WakeIndex(requirements, len(self.scanner))
        self.entity_atoms = frozenset(self.entities_by_atom)

    @property
    def atoms(self) -> int:
        return len(self.scanner)

    def rule(self, name: str) -> RuleConfig | None:
        return next((r.config for r in self.rules if r.config.name == name), None)

    def scan(self, title: str, text: str, lang: str | None, source: str | None) -> ArticleScan:
        words = index_words(title, text)
        atoms = self.scanner.scan(words.words)
        return ArticleScan(self.vocabulary, title, text, lang, source, words, atoms)

    def candidates(self, scan: ArticleScan) -> list[int]:
        """The rules worth evaluating for this article (all their clauses hold), in order."""
        present = np.fromiter(scan.present, dtype=np.int32, count=len(scan.present))
        return self.wake.candidates(present, scan.present)

    def analyse(
        self, title: str, text: str, lang: str | None, source: str | None = None
    ) -> Analysis:
        """The rules matching this article (configuration order) and the entities it names."""
        scan = self.scan(title, text, lang, source)
        evaluators = self._evaluators
        matches: list[RuleMatch] = []
        failures: list[tuple[str, Exception]] = []
        for number in self.candidates(scan):
            try:
                found = evaluators[number](scan)
                if found is not None:
                    matches.append(RuleMatch(self.rules[number].config, scan.explain(found)))
            except Exception as exc:  # one rule's failure must not hide the others' matches
                failures.append((self.rules[number].config.name, exc))
        present = scan.present
        found_entities: set[int] = set()
        for atom in present & self.entity_atoms:
            found_entities.update(self.entities_by_atom[atom])
        entities: list[EntityFound] = []
        for number in sorted(found_entities):
            places = scan.entity(number)
            if places:
                entity = self.entities[number]
                entities.append(EntityFound(entity.name, entity.kind, scan.explain(places)))
        return Analysis(matches, entities, tuple(failures))

    def match(
        self, title: str, text: str, lang: str | None, source: str | None = None
    ) -> list[RuleMatch]:
        """The rules that match this article, in configuration order."""
        return self.analyse(title, text, lang, source).matches
