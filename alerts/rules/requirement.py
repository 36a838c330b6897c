"""What a rule needs in an article before it is worth evaluating, worked out once per tree.

A requirement is a list of clauses, each a set of atoms (alerts.rules.scanner) one of which must
occur: `a AND (b OR c)` needs {a} and {b, c}; a phrase needs each of its words; `NOT x`,
`lang:` and `source:` need nothing. A rule is woken by its smallest clause and evaluated only
if every clause has an atom in the article, so of 10,000 rules an article evaluates few.
"""

from __future__ import annotations

from alerts.rules.query import And, EntityRef, Near, Node, Not, Or, Scope, Term
from alerts.rules.scanner import EntityIndex

# Atoms one of which must occur for a node to match; a node matches only if every clause of
# its requirement has an atom in the article. No clauses: it can match without any term.
Requirement = tuple[frozenset[int], ...]


class TreeFacts:
    """Facts about query trees, worked out once per node: groups are shared by many rules."""

    def __init__(self, entities: EntityIndex, term_atoms: dict[Term, tuple[int, ...]]) -> None:
        self.entities = entities
        self.term_atoms = term_atoms
        self._terms: dict[int, frozenset[Term]] = {}
        self._refs: dict[int, frozenset[EntityRef]] = {}
        self._needs: dict[int, Requirement] = {}

    def terms(self, node: Node) -> frozenset[Term]:
        """Every term in the tree, those under NOT too, and the terms of its entities."""
        key = id(node)
        found = self._terms.get(key)
        if found is None:
            if isinstance(node, Term):
                found = frozenset((node,))
            elif isinstance(node, EntityRef):
                found = frozenset(t for e in self.entities.get(node, ()) for t in e.terms)
            else:
                found = frozenset().union(*(self.terms(c) for c in _children(node)))
            self._terms[key] = found
        return found

    def refs(self, node: Node) -> frozenset[EntityRef]:
        """Every entity: clause in the tree."""
        key = id(node)
        found = self._refs.get(key)
        if found is None:
            if isinstance(node, EntityRef):
                found = frozenset((node,))
            else:
                found = frozenset().union(*(self.refs(c) for c in _children(node)))
            self._refs[key] = found
        return found

    def requirement(self, node: Node, first_atom: dict[Term, int]) -> Requirement:
        key = id(node)
        found = self._needs.get(key)
        if found is None:
            found = self._requirement(node, first_atom)
            self._needs[key] = found
        return found

    def _requirement(self, node: Node, first_atom: dict[Term, int]) -> Requirement:
        if isinstance(node, Term):
            # A phrase needs every one of its words; its first word wakes it (term_atoms).
            return tuple(frozenset((atom,)) for atom in dict.fromkeys(self.term_atoms[node]))
        if isinstance(node, EntityRef):
            terms = [t for e in self.entities.get(node, ()) for t in e.terms]
            return (frozenset(first_atom[t] for t in terms),) if terms else ()
        if isinstance(node, And):
            return tuple(c for child in node.children for c in self.requirement(child, first_atom))
        if isinstance(node, Near):
            left = self.requirement(node.left, first_atom)
            return left + self.requirement(node.right, first_atom)
        if isinstance(node, Scope):
            return self.requirement(node.child, first_atom)
        if isinstance(node, Or):
            needs = [self.requirement(child, first_atom) for child in node.children]
            if any(not need for need in needs):
                return ()
            # One of the children must match, so the tightest clause of one of them must hold.
            return (frozenset().union(*(min(need, key=len) for need in needs)),)
        return ()  # NOT, lang:, source: match without any term


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, And | Or):
        return node.children
    if isinstance(node, Not | Scope):
        return (node.child,)
    if isinstance(node, Near):
        return (node.left, node.right)
    return ()
