"""The rule matcher: folding, whole words, prefixes, phrases, operators, fields, positions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.hits import Hit
from alerts.rules.config import EntityConfig, RuleConfig
from alerts.rules.folding import fold
from alerts.rules.ruleset import (
    MAX_HITS_PER_TERM,
    RuleError,
    RuleSet,
    compile_term,
    tokenise,
)


def _rule(query: str, **kw: Any) -> RuleConfig:
    kw.setdefault("name", "r")
    return RuleConfig(query=query, **kw)


def _any(*terms: str) -> str:
    """A query matching any of `terms` (each a word or a phrase)."""
    return " OR ".join(f'"{term}"' for term in terms)


def _hits(
    rule: RuleConfig | str, text: str, title: str = "", lang: str | None = "en", **kw: Any
) -> list[Hit]:
    config = _rule(rule) if isinstance(rule, str) else rule
    matches = RuleSet([config], **kw).match(title, text, lang)
    return list(matches[0].hits) if matches else []


def _matches(
    rule: RuleConfig | str,
    text: str,
    title: str = "",
    lang: str | None = "en",
    source: str | None = None,
    **kw: Any,
) -> bool:
    config = _rule(rule) if isinstance(rule, str) else rule
    return bool(RuleSet([config], **kw).match(title, text, lang, source))


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("Pékin", "Le ministre est arrivé à PEKIN hier."),
        ("peking", "Gespräche in Peking."),
        ("pekin", "Des sources à Pékin."),
        ("Pékin", "Des sources à Pe\u0301kin (décomposé)."),
        ("MÜNCHEN", "Die Konferenz in münchen."),
        ("münchen", "Die Konferenz in MUNCHEN."),
        ("straße", "Die STRASSE war gesperrt."),
        ("Россия", "Заявление: РОССИЯ и Китай."),
    ],
)
def test_case_and_accent_insensitive(term: str, text: str) -> None:
    assert _matches(_any(term), text)


def test_accents_distinguish_nothing_but_letters_do() -> None:
    assert not _matches("Pékin", "Peking talks")


@pytest.mark.parametrize("text", ["No harm done: harms.", "The armsdealer left.", "firearms"])
def test_whole_words_only(text: str) -> None:
    assert not _matches("arms", text)


def test_prefix_matches_word_starts() -> None:
    rule = "arms*"
    assert [h.found for h in _hits(rule, "Arms, an ARMSDEALER, but no harms.")] == [
        "Arms",
        "ARMSDEALER",
    ]
    assert [h.found for h in _hits("drohne*", "Kampfdrohnen und Drohnenteile")] == ["Drohnenteile"]


def test_phrase_spans_punctuation_and_line_breaks() -> None:
    rule = '"machine tools"'
    hits = _hits(rule, "shipped machine-\ntools, and MACHINE\r\n  TOOLS")
    assert [h.found for h in hits] == ["machine-\ntools", "MACHINE\r\n  TOOLS"]
    assert not _matches(rule, "machine for tools")
    assert not _matches(rule, "tools machine")
    assert not _matches(rule, "machine toolsets")


def test_phrase_with_prefix_on_last_word() -> None:
    rule = '"dual use good*"'
    assert [h.found for h in _hits(rule, "Dual-use goods and dual use gear")] == ["Dual-use goods"]


def test_any_word_of_a_phrase_may_be_a_prefix() -> None:
    rule = _any("militärisch* Hilfe", "военн* помощ*")
    hits = _hits(rule, "Militärische Hilfe, militärischer Hilfe; военной помощи. Militär Hilfe")
    assert [h.found for h in hits] == [
        "Militärische Hilfe",
        "militärischer Hilfe",
        "военной помощи",
    ]
    assert not _matches(rule, "militärische Hilfsgüter")


def test_phrase_does_not_run_from_title_into_text() -> None:
    rule = '"china russia"'
    assert not _matches(rule, title="Talks with China", text="Russia said no")
    assert [h.field for h in _hits(rule, title="China Russia", text="")] == ["title"]


def test_and_needs_every_side() -> None:
    rule = "(china OR beijing) AND (russia OR moscow)"
    assert _matches(rule, "Beijing and Moscow")
    assert not _matches(rule, "Beijing and Washington")
    assert not _matches(rule, "Russia alone")


def test_juxtaposition_is_and() -> None:
    assert _matches("china drone*", "Drones from China")
    assert not _matches("china drone*", "China sent tea")


def test_not_vetoes_and_binds_tighter_than_and_or() -> None:
    rule = 'china NOT football NOT "world cup"'
    assert _matches(rule, "China news")
    assert not _matches(rule, "China at the World\nCup")
    assert not _matches(rule, "China football")
    # NOT a OR b is (NOT a) OR b
    assert _matches("NOT china OR russia", "Russia and China")
    assert _matches("NOT china OR russia", "nothing here")
    assert not _matches("NOT china OR russia", "China alone")


def test_and_binds_tighter_than_or() -> None:
    rule = "china AND drones OR russia AND shells"
    assert _matches(rule, "Russia shells")
    assert _matches(rule, "China drones")
    assert not _matches(rule, "China shells")
    assert _matches("china AND (drones OR russia) AND shells", "China, Russia: shells")


def test_near_counts_words_between_in_either_order() -> None:
    rule = "china NEAR/3 drones"
    assert _matches(rule, "China sent many drones")  # 3 words apart
    assert not _matches(rule, "China sent very many drones")  # 4 apart
    assert _matches(rule, "drones, said China")
    assert _matches(rule, "China drones")
    assert not _matches("china NEAR/3 china", "China")  # a word is not near itself


def test_onear_wants_the_left_side_first() -> None:
    rule = "russia ONEAR/5 china"
    assert _matches(rule, "Russia asked China")
    assert not _matches(rule, "China asked Russia")


def test_near_between_phrases_measures_from_their_edges() -> None:
    rule = '"machine tools" NEAR/2 "Hong Kong"'
    assert _matches(rule, "machine tools via Hong Kong")
    assert not _matches(rule, "machine tools shipped via Hong Kong")


def test_near_keeps_only_the_hits_that_were_near() -> None:
    hits = _hits("china NEAR/2 drones", "China far far far far away. Drones from China.")
    assert [(h.found, h.start) for h in hits] == [("Drones", 28), ("China", 40)]


def test_near_does_not_reach_from_title_into_text() -> None:
    assert not _matches("china NEAR/5 drones", title="China", text="drones")
    assert _matches("china NEAR/5 drones", title="China drones", text="")


def test_near_chains_over_groups() -> None:
    groups = {"china": "China OR Beijing", "russia": ["Russia*", "Moscow"]}
    rule = "(@china NEAR/5 @russia) NEAR/5 shells"
    assert _matches(rule, "Beijing and Moscow discussed shells", groups=groups)
    assert not _matches(
        rule, "Beijing and Moscow met. Much later, far away, others sold shells", groups=groups
    )


def test_title_and_text_fields() -> None:
    assert _matches("title:china AND drones", title="China", text="drones")
    assert not _matches("title:china AND drones", title="News", text="China drones")
    assert _matches("text:(china OR russia)", title="", text="Russia")
    assert not _matches("text:(china OR russia)", title="Russia", text="nothing")


def test_lang_ignores_region_and_case() -> None:
    rule = "china AND (lang:en OR lang:de)"
    assert _matches(rule, "China", lang="en-GB")
    assert _matches(rule, "China", lang="DE")
    assert not _matches(rule, "China", lang="fr")
    assert not _matches(rule, "China", lang=None)


def test_source_names_and_prefixes() -> None:
    assert _matches("china AND source:dw-*", "China", source="dw-en")
    assert _matches("china AND source:DW-EN", "China", source="dw-en")
    assert not _matches("china AND source:dw-*", "China", source="bbc-world")
    assert not _matches("china AND source:dw-*", "China", source=None)


def test_a_rule_without_terms_is_evaluated_for_every_article() -> None:
    assert _matches("lang:de AND NOT fußball", "irgendwas", lang="de")
    assert not _matches("lang:de AND NOT fußball", "Fussball", lang="de")


ENTITIES = [
    EntityConfig(
        name="Spacety",
        kind="company",
        aliases=["Changsha Tianyi", "Чанша Тяньи", "长沙天仪"],
        tags=["sanctioned", "prc"],
    ),
    EntityConfig(
        name="Wagner Group", kind="organisation", aliases=["ЧВК Вагнер*"], tags=["Sanctioned"]
    ),
    EntityConfig(name="DJI", kind="company", tags=["prc"]),
]


def test_entities_by_name_and_by_tag_in_any_script() -> None:
    kw: dict[str, Any] = {"entities": ENTITIES}
    assert _matches("entity:Spacety", "Рядом с Чанша Тяньи", **kw)
    assert _matches("entity:spacety", "据报道长沙天仪研究院", **kw)
    assert _matches('entity:"Wagner Group"', "бойцы ЧВК Вагнера", **kw)
    assert _matches("entity:#sanctioned", "the wagner group", **kw)
    assert not _matches("entity:#sanctioned", "DJI drones", **kw)
    hits = _hits("entity:#prc", "DJI and Changsha Tianyi", **kw)
    assert [(h.term, h.found, h.entity) for h in hits] == [
        ("DJI", "DJI", "DJI"),
        ("Spacety", "Changsha Tianyi", "Spacety"),
    ]
    assert hits[1].to_dict()["entity"] == "Spacety"


def test_entities_found_are_reported_once_per_place() -> None:
    entities = [EntityConfig(name="Spacety", kind="company", aliases=["Spacety Co"])]
    analysis = RuleSet([_rule("x")], entities=entities).analyse("", "Spacety Co. and Spacety", "en")
    assert analysis.matches == []
    [found] = analysis.entities
    assert (found.name, found.kind) == ("Spacety", "company")
    assert [h.found for h in found.hits] == ["Spacety Co", "Spacety"]


def test_unknown_entities_and_tags_are_errors() -> None:
    with pytest.raises(RuleError, match=r"column 1: no watchlisted entity 'nobody'"):
        RuleSet([_rule("entity:Nobody")], entities=ENTITIES)
    with pytest.raises(RuleError, match=r"column 10: no watchlisted tag #missing"):
        RuleSet([_rule("china OR entity:#missing")], entities=ENTITIES)


def test_hits_slice_back_to_the_original_text() -> None:
    title = "Übergabe in PÉKIN"
    text = "Straße\u00a0nach Pe\u0301kin: ﬁre drones! Ｄｒｏｎｅｓ"
    rule = "pekin OR drones OR fire OR übergabe"
    hits = _hits(rule, text, title=title)
    assert {h.found for h in hits} >= {"PÉKIN", "Pe\u0301kin", "ﬁre", "Ｄｒｏｎｅｓ", "Übergabe"}
    for hit in hits:
        source = title if hit.field == "title" else text
        assert source[hit.start : hit.end] == hit.found


def test_reported_terms_are_as_written_and_capped() -> None:
    matches = RuleSet([_rule("Drone*")]).match("", "drone " * 50, "en")
    assert matches[0].terms == ["Drone*"]
    assert len(matches[0].hits) == MAX_HITS_PER_TERM
    assert matches[0].terms_json()[0] == {
        "term": "Drone*",
        "field": "text",
        "start": 0,
        "end": 5,
        "found": "drone",
    }


def test_rules_share_one_index_and_report_in_config_order() -> None:
    rules = [
        _rule("china", name="b"),
        _rule("russia", name="a"),
        _rule("x", name="c"),
    ]
    assert [m.rule.name for m in RuleSet(rules).match("", "Russia and China", "en")] == ["b", "a"]


@pytest.mark.parametrize("term", ["*", "dro*ne", "arms *", "arms**", "*arms", "--"])
def test_bad_terms_are_rejected(term: str) -> None:
    with pytest.raises(RuleError):
        RuleSet([_rule(term)])


def test_duplicate_rule_names_are_rejected() -> None:
    with pytest.raises(RuleError, match="unique"):
        RuleSet([_rule("a"), _rule("b")])


def test_hit_round_trips_through_json() -> None:
    hit = Hit("drone*", "text", 3, 9, "Drones")
    assert Hit.from_dict(hit.to_dict()) == hit


# ------------------------------------------------------------------- properties

_letters = st.characters(categories=["L"], exclude_characters="ǅǈǋǲᾈᾉᾊᾋᾌᾍᾎᾏ")
_words = st.text(_letters, min_size=1, max_size=8)
_separators = st.sampled_from([" ", "\n", ", ", " — ", ". ", "\t", "; "])
_any_text = st.text(max_size=60)


@st.composite
def _prose(draw: st.DrawFn) -> str:
    words = draw(st.lists(_words, max_size=12))
    seps = draw(st.lists(_separators, min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True))


@given(before=_prose(), after=_prose(), term=st.lists(_words, min_size=1, max_size=3))
@settings(max_examples=200)
def test_an_inserted_term_is_always_found(before: str, after: str, term: list[str]) -> None:
    words = " ".join(term)
    text = f"{before} {words} {after}"
    hits = _hits(f'"{words}"', text)
    start = len(before) + 1
    assert any(h.start == start and h.end == start + len(words) for h in hits)


@given(text=_any_text, title=_any_text)
@settings(max_examples=300)
def test_every_token_slices_back_to_a_string_that_folds_to_it(text: str, title: str) -> None:
    for token in tokenise(title, "title") + tokenise(text, "text"):
        source = title if token.field == "title" else text
        piece = source[token.start : token.end]
        # A character that folds to several (ﬁ -> fi, ½ -> 1⁄2) may hold more than one token.
        assert token.word in fold(piece)


@given(text=_prose(), term=_words)
def test_every_hit_folds_to_its_term(text: str, term: str) -> None:
    words = compile_term(term).words
    for hit in _hits(f'"{term}"', text):
        assert text[hit.start : hit.end] == hit.found
        assert tuple(t.word for t in tokenise(hit.found, "text")) == words


@given(
    words=st.lists(st.sampled_from(["a", "b", "c", "a b"]), max_size=40),
    distance=st.integers(min_value=1, max_value=6),
    ordered=st.booleans(),
)
@settings(max_examples=300)
def test_near_agrees_with_counting_by_hand(words: list[str], distance: int, ordered: bool) -> None:
    text = " ".join(words)
    tokens = text.split()
    a = [i for i, w in enumerate(tokens) if w == "a"]
    b = [i for i, w in enumerate(tokens) if w == "b"]
    expected = any(
        0 < j - i <= distance if ordered else 0 < abs(j - i) <= distance for i in a for j in b
    )
    operator = "ONEAR" if ordered else "NEAR"
    assert _matches(f"a {operator}/{distance} b", text) == expected
