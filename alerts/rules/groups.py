"""Named term groups (`[groups]`): parsed on first use and substituted into rule trees.

A group is a query, or a list of alternatives; a list item made only of words is a phrase
(no quotes needed). Groups may use other groups; circles and unknown names are errors that
name the group (its key path) and the column. A substituted group is one shared tree, so the
matcher evaluates it once per article however many rules use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from alerts.rules.config import GroupDefinition
from alerts.rules.query import (
    And,
    GroupRef,
    Lang,
    Near,
    Node,
    Not,
    Or,
    QueryError,
    Scope,
    Source,
    Term,
    compile_term,
    parse_query,
)


class GroupResolver:
    """Parses group definitions on first use and substitutes them into rule trees."""

    def __init__(self, groups: Mapping[str, GroupDefinition]) -> None:
        self.definitions = dict(groups)
        self.resolved: dict[str, Node] = {}
        self.errors: list[str] = []
        self.pointers: list[str | None] = []
        self._failed: set[str] = set()

    def group(self, name: str, stack: tuple[str, ...]) -> Node | None:
        if name in self.resolved:
            return self.resolved[name]
        if name in self._failed:
            return None
        definition = self.definitions[name]
        items = [definition] if isinstance(definition, str) else definition
        if not items:
            self.errors.append(f"groups.{name}: the group is empty")
            self.pointers.append(None)
            self._failed.add(name)
            return None
        nodes: list[Node] = []
        for number, item in enumerate(items, start=1):
            where = f"groups.{name}" + (
                f"[{number - 1}]" if not isinstance(definition, str) else ""
            )
            try:
                term = _list_term(item) if not isinstance(definition, str) else None
                parsed: Node = term if term is not None else parse_query(item)
                node = self.resolve(parsed, (*stack, name), item)
            except QueryError as exc:
                self.errors.append(f"{where}: {exc}")
                self.pointers.append(exc.pointer())
                self._failed.add(name)
                return None
            nodes.append(node)
        self.resolved[name] = nodes[0] if len(nodes) == 1 else Or(tuple(nodes))
        return self.resolved[name]

    def resolve(self, node: Node, stack: tuple[str, ...], query: str) -> Node:
        """`node` with every @group replaced; raises QueryError for unknown or circular ones."""
        if isinstance(node, GroupRef):
            if node.name not in self.definitions:
                known = ", ".join(f"@{n}" for n in sorted(self.definitions)) or "none defined"
                raise QueryError(
                    f"unknown group @{node.name} (groups: {known})", node.column, query
                )
            if node.name in stack:
                cycle = " -> ".join(f"@{n}" for n in (*stack, node.name))
                raise QueryError(
                    f"groups refer to each other in a circle: {cycle}", node.column, query
                )
            found = self.group(node.name, stack)
            if found is None:
                raise QueryError(f"group @{node.name} has errors (see above)", node.column, query)
            return found
        if isinstance(node, And):
            children = [self.resolve(c, stack, query) for c in node.children]
            # lang: and source: cost nothing to test: tested first, they spare the rest.
            cheap = [c for c in children if isinstance(c, Lang | Source)]
            return And(tuple(cheap + [c for c in children if not isinstance(c, Lang | Source)]))
        if isinstance(node, Or):
            return Or(tuple(self.resolve(c, stack, query) for c in node.children))
        if isinstance(node, Not):
            return Not(self.resolve(node.child, stack, query), node.column)
        if isinstance(node, Near):
            left = self.resolve(node.left, stack, query)
            right = self.resolve(node.right, stack, query)
            for side in (left, right):
                _check_positional(side, node, query)
            return Near(left, right, node.distance, node.ordered, node.column)
        if isinstance(node, Scope):
            return Scope(node.field, self.resolve(node.child, stack, query), node.column)
        return node


_PLAIN_WORDS = re.compile(r'^[^()"@:]*$')
_OPERATOR = re.compile(r"(?<!\S)(AND|OR|NOT|O?NEAR(/\S*)?)(?!\S)")


def _list_term(item: str) -> Term | None:
    """An item of a group list made only of words is a phrase (no quotes needed); else None."""
    if not _PLAIN_WORDS.match(item) or _OPERATOR.search(item):
        return None
    return compile_term(item.strip())


def _check_positional(node: Node, near: Near, query: str) -> None:
    """NEAR measures distances between words: both sides must be words, phrases or entities."""
    name = "ONEAR" if near.ordered else "NEAR"
    if isinstance(node, Not | Lang | Source | And):
        what = {Not: "NOT", Lang: "lang:", Source: "source:", And: "AND"}[type(node)]
        raise QueryError(
            f"{name}/{near.distance} needs words, phrases, groups of them or entity: on both "
            f"sides, not {what}",
            near.column,
            query,
        )
    if isinstance(node, Or):
        for child in node.children:
            _check_positional(child, near, query)
    elif isinstance(node, Scope):
        _check_positional(node.child, near, query)
