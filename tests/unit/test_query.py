"""The query language: the tree it parses to, and errors naming the rule, column and expectation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.rules.config import RuleConfig
from alerts.rules.query import (
    And,
    EntityRef,
    Lang,
    Near,
    Not,
    Or,
    QueryError,
    Scope,
    Source,
    Term,
    parse_query,
)
from alerts.rules.ruleset import RuleError, RuleSet


def _words(node: object) -> object:
    """The tree with terms shown as their source text, for compact comparisons."""
    if isinstance(node, Term):
        return node.source
    if isinstance(node, And):
        return ("AND", *(_words(c) for c in node.children))
    if isinstance(node, Or):
        return ("OR", *(_words(c) for c in node.children))
    if isinstance(node, Not):
        return ("NOT", _words(node.child))
    if isinstance(node, Near):
        return (
            "ONEAR" if node.ordered else "NEAR",
            node.distance,
            _words(node.left),
            _words(node.right),
        )
    if isinstance(node, Scope):
        return (node.field, _words(node.child))
    return node


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("a", "a"),
        ("a b", ("AND", "a", "b")),
        ("a AND b OR c", ("OR", ("AND", "a", "b"), "c")),
        ("a OR b c", ("OR", "a", ("AND", "b", "c"))),
        ("a NOT b", ("AND", "a", ("NOT", "b"))),
        ("NOT a OR b", ("OR", ("NOT", "a"), "b")),
        ("a NEAR/5 b AND c", ("AND", ("NEAR", 5, "a", "b"), "c")),
        ("(a OR b) ONEAR/3 c", ("ONEAR", 3, ("OR", "a", "b"), "c")),
        ("a NEAR/2 b NEAR/4 c", ("NEAR", 4, ("NEAR", 2, "a", "b"), "c")),
        ('"machine tools" OR sanktion*', ("OR", "machine tools", "sanktion*")),
        ("title:(a OR b)", ("title", ("OR", "a", "b"))),
        ("or and", ("AND", "or", "and")),  # lower case: words (French "or", English "and")
        ("Dual-Use", "Dual-Use"),
    ],
)
def test_precedence_and_shapes(query: str, tree: object) -> None:
    assert _words(parse_query(query)) == tree


def test_terms_are_folded_with_prefixes_marked() -> None:
    term = parse_query('"Militärisch* HILFE"')
    assert isinstance(term, Term)
    assert term.words == ("militarisch", "hilfe")
    assert term.prefixes == (True, False)
    dual = parse_query("Dual-Use")
    assert isinstance(dual, Term) and dual.words == ("dual", "use")


def test_attribute_fields() -> None:
    assert parse_query("lang:de-AT") == Lang("de")
    assert parse_query("source:DW-*") == Source("dw-*")
    assert parse_query("entity:#Sanctioned") == EntityRef("sanctioned", True, 1)
    assert parse_query('entity:"Wagner Group"') == EntityRef("wagner group", False, 1)


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("", 1, "the query is empty"),
        (
            "china AND",
            10,
            'expected a word, a "phrase", an @group, a field: or "(" after AND, '
            "found the end of the query",
        ),
        ("china OR OR russia", 10, "after OR, found 'OR'"),
        ("(china OR russia", 17, "expected ')' to close the '(' at column 1"),
        ("china) russia", 6, "')' without a matching '('"),
        ("china NEAR russia", 7, "NEAR needs a distance in words from 1 to 1000"),
        ("china NEAR/0 russia", 7, "found 'NEAR/0'"),
        ("china ONEAR/x russia", 7, "ONEAR needs a distance"),
        ("NEAR/3 china", 1, "expected a word"),
        ('"machine tools', 1, 'a phrase is not closed with "'),
        ("dro*ne", 1, "'*' may only end a word"),
        ("china AND --", 11, "'--' has no letters or digits"),
        ("china AND place:x", 11, "unknown field 'place:'"),
        ("lang: de", 6, "lang: needs its value right after it, without a space"),
        ("china lang:", 12, "expected a value right after lang:, found the end of the query"),
        ("lang:(de OR fr)", 1, "lang: takes one value"),
        ("@", 1, "a group name is letters, digits and '_'"),
        ("entity:#", 1, "entity:# needs a tag name"),
    ],
)
def test_errors_name_the_column_and_what_was_expected(
    query: str, column: int, message: str
) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert caught.value.column == column
    assert message in caught.value.message
    assert str(caught.value).startswith(f"column {column}: ")


def test_error_pointer_shows_the_column() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("china AND")
    assert caught.value.pointer() == "china AND\n" + " " * 9 + "^"


def _rule(name: str, query: str) -> RuleConfig:
    return RuleConfig(name=name, query=query)


def test_rule_errors_are_all_collected_with_rule_and_key_path() -> None:
    with pytest.raises(RuleError) as caught:
        RuleSet(
            [_rule("ok", "@a"), _rule("bad1", "china AND"), _rule("bad2", "@nope OR x")],
            groups={"a": "x", "broken": ["fine", "(x"]},
        )
    errors = caught.value.errors
    assert any(e.startswith("rules[1] 'bad1': query: column 10: expected") for e in errors)
    assert any(
        e.startswith("rules[2] 'bad2': query: column 1: unknown group @nope (groups: @a, @broken)")
        for e in errors
    )
    assert any(e.startswith("groups.broken[1]: column 3: expected ')'") for e in errors)
    assert len(errors) == 3


def test_circular_groups_are_reported() -> None:
    with pytest.raises(RuleError, match=r"groups refer to each other in a circle: @a -> @b -> @a"):
        RuleSet([_rule("r", "@a")], groups={"a": "x OR @b", "b": "@a"})


def test_near_needs_positional_sides_even_through_groups() -> None:
    with pytest.raises(
        RuleError, match=r"rules\[0\] 'r': query: column 4: NEAR/5 needs words.*not NOT"
    ):
        RuleSet([_rule("r", "@a NEAR/5 china")], groups={"a": "NOT x"})
    with pytest.raises(RuleError, match="not lang:"):
        RuleSet([_rule("r", "china NEAR/5 lang:de")])
    with pytest.raises(RuleError, match="not AND"):
        RuleSet([_rule("r", "(a AND b) NEAR/5 c")])


def test_group_list_items_of_plain_words_are_phrases() -> None:
    rules = RuleSet([_rule("r", "@g")], groups={"g": ["lethal aid", "drone* OR UAV"]})
    assert rules.match("", "lethal aid", "en")
    assert not rules.match("", "aid that is lethal", "en")
    assert rules.match("", "UAV", "en")


_query_chars = st.sampled_from([*'ab "()*@:/#-', "AND ", "OR ", "NOT ", "NEAR/3 ", "title:"])


@given(st.lists(_query_chars, max_size=20).map("".join))
@settings(max_examples=400)
def test_any_input_parses_or_raises_a_query_error(query: str) -> None:
    try:
        RuleSet([_rule("r", query or "x")], groups={"a": "x"})
    except RuleError as exc:
        assert all(
            line.startswith(("rules[0] 'r': query: column ", "groups.")) for line in exc.errors
        )


@pytest.mark.parametrize(
    "query",
    ["(" * 200 + "drone" + ")" * 200, "NOT " * 200 + "drone", "title:" * 300 + "drone", "(" * 5000],
)
def test_a_query_nested_absurdly_deep_is_a_rule_error_not_a_recursion_error(query: str) -> None:
    with pytest.raises(RuleError) as raised:
        RuleSet([_rule("deep", query)])
    (line,) = raised.value.errors
    assert line.startswith("rules[0] 'deep': query: column ")
    assert "more than 32 deep" in line


def test_nesting_up_to_the_limit_parses() -> None:
    assert _words(parse_query("(" * 32 + "drone" + ")" * 32)) == "drone"
