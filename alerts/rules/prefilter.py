"""A full-text prefilter for a query: an FTS5 expression every matching article satisfies.

The archive's FTS5 index finds candidates fast; the query itself is then evaluated in Python
on each candidate, so the prefilter only has to be loose, never strict: a phrase becomes its
words ANDed, NOT and lang:/source: are left out (they only narrow), and a branch that FTS5
cannot express (CJK ideographs, which FTS5 keeps as one token per run) drops the prefilter of
the OR it sits in. None means: no prefilter, scan everything.
"""

from __future__ import annotations

from alerts.rules.folding import fold
from alerts.rules.query import And, EntityRef, Near, Node, Not, Or, Scope, Term
from alerts.rules.scanner import EntityIndex


def _word(word: str, source: str | None, prefix: bool) -> str | None:
    if not word.isalnum() or any("\u3400" <= ch <= "\ufaff" for ch in word):
        return None
    forms = {word}
    if source is not None and source.lower() != word and fold(source) == word:
        forms.add(source.lower())  # "straße" folds to "strasse"; FTS5 keeps the ß
    star = "*" if prefix else ""
    pieces = [f'"{form}"{star}' for form in sorted(forms)]
    return pieces[0] if len(pieces) == 1 else "(" + " OR ".join(pieces) + ")"


def _term(term: Term) -> str | None:
    written = term.source.replace("*", " ").split()
    sources: list[str | None] = list(written) if len(written) == len(term.words) else []
    if not sources:
        sources = [None] * len(term.words)
    parts = [
        _word(word, source, prefix)
        for word, source, prefix in zip(term.words, sources, term.prefixes, strict=True)
    ]
    if any(part is None for part in parts):
        return None
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(p for p in parts if p) + ")"


def fts_prefilter(node: Node, entities: EntityIndex) -> str | None:
    """An FTS5 MATCH expression that every article matching `node` satisfies, or None."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, And | Near):
        children = node.children if isinstance(node, And) else (node.left, node.right)
        parts = [p for p in (fts_prefilter(c, entities) for c in children) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"
    if isinstance(node, Or):
        alternatives = [fts_prefilter(c, entities) for c in node.children]
        if any(p is None for p in alternatives):
            return None
        unique = list(dict.fromkeys(p for p in alternatives if p is not None))
        return unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")"
    if isinstance(node, Scope):
        return fts_prefilter(node.child, entities)
    if isinstance(node, EntityRef):
        terms = [t for entity in entities.get(node, ()) for t in entity.terms]
        return fts_prefilter(Or(tuple(terms)), entities) if terms else None
    assert isinstance(node, Not) or node is not None
    return None  # NOT, lang:, source: only narrow
