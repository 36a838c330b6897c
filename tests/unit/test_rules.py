"""The rule matcher: folding, whole words, prefixes, phrases, all/any/none, languages, positions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.config import RuleConfig, TermLists
from alerts.rules import (
    MAX_HITS_PER_TERM,
    Hit,
    RuleError,
    RuleSet,
    compile_term,
    index_article,
    tokenise,
)
from db.text import fold


def _rule(**kw: Any) -> RuleConfig:
    kw.setdefault("name", "r")
    return RuleConfig(**kw)


def _hits(rule: RuleConfig, text: str, title: str = "", lang: str | None = "en") -> list[Hit]:
    matches = RuleSet([rule]).match(title, text, lang)
    return list(matches[0].hits) if matches else []


def _matches(rule: RuleConfig, text: str, title: str = "", lang: str | None = "en") -> bool:
    return bool(RuleSet([rule]).match(title, text, lang))


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
    assert _matches(_rule(any=[term]), text)


def test_accents_distinguish_nothing_but_letters_do() -> None:
    assert not _matches(_rule(any=["Pékin"]), "Peking talks")


@pytest.mark.parametrize("text", ["No harm done: harms.", "The armsdealer left.", "firearms"])
def test_whole_words_only(text: str) -> None:
    assert not _matches(_rule(any=["arms"]), text)


def test_prefix_matches_word_starts() -> None:
    rule = _rule(any=["arms*"])
    assert [h.found for h in _hits(rule, "Arms, an ARMSDEALER, but no harms.")] == [
        "Arms",
        "ARMSDEALER",
    ]
    assert [h.found for h in _hits(_rule(any=["drohne*"]), "Kampfdrohnen und Drohnenteile")] == [
        "Drohnenteile"
    ]


def test_phrase_spans_punctuation_and_line_breaks() -> None:
    rule = _rule(any=["machine tools"])
    hits = _hits(rule, "shipped machine-\ntools, and MACHINE\r\n  TOOLS")
    assert [h.found for h in hits] == ["machine-\ntools", "MACHINE\r\n  TOOLS"]
    assert not _matches(rule, "machine for tools")
    assert not _matches(rule, "tools machine")
    assert not _matches(rule, "machine toolsets")


def test_phrase_with_prefix_on_last_word() -> None:
    rule = _rule(any=["dual use good*"])
    assert [h.found for h in _hits(rule, "Dual-use goods and dual use gear")] == ["Dual-use goods"]


def test_any_word_of_a_phrase_may_be_a_prefix() -> None:
    rule = _rule(any=["militärisch* Hilfe", "военн* помощ*"])
    hits = _hits(rule, "Militärische Hilfe, militärischer Hilfe; военной помощи. Militär Hilfe")
    assert [h.found for h in hits] == [
        "Militärische Hilfe",
        "militärischer Hilfe",
        "военной помощи",
    ]
    assert not _matches(rule, "militärische Hilfsgüter")


def test_phrase_does_not_run_from_title_into_text() -> None:
    rule = _rule(any=["china russia"])
    assert not _matches(rule, title="Talks with China", text="Russia said no")
    assert [h.field for h in _hits(rule, title="China Russia", text="")] == ["title"]


def test_all_groups_must_each_be_present() -> None:
    rule = _rule(all=[["china", "beijing"], ["russia", "moscow"]])
    assert _matches(rule, "Beijing and Moscow")
    assert not _matches(rule, "Beijing and Washington")
    assert not _matches(rule, "Russia alone")


def test_any_needs_one_when_given() -> None:
    rule = _rule(all=[["china"]], any=["drone*", "shells"])
    assert _matches(rule, "China sent shells")
    assert not _matches(rule, "China sent tea")


def test_none_vetoes() -> None:
    rule = _rule(any=["china"], none=["football", "world cup"])
    assert _matches(rule, "China news")
    assert not _matches(rule, "China at the World\nCup")
    assert not _matches(rule, "China football")


def test_langs_restrict_and_ignore_region() -> None:
    rule = _rule(any=["china"], langs=["en", "de"])
    assert _matches(rule, "China", lang="en-GB")
    assert _matches(rule, "China", lang="DE")
    assert not _matches(rule, "China", lang="fr")
    assert not _matches(rule, "China", lang=None)


def test_variant_replaces_terms_for_its_language() -> None:
    rule = _rule(
        all=[["china"], ["russia"]],
        variants={"de": TermLists(all=[["china"], ["russland"]], none=["fußball"])},
    )
    assert _matches(rule, "China und Russland", lang="de")
    assert not _matches(rule, "China and Russia", lang="de")  # the German list has no "russia"
    assert _matches(rule, "China and Russia", lang="en")
    assert not _matches(rule, "China und Russland: FUSSBALL", lang="de")


def test_hits_slice_back_to_the_original_text() -> None:
    title = "Übergabe in PÉKIN"
    text = "Straße\u00a0nach Pe\u0301kin: ﬁre drones! Ｄｒｏｎｅｓ"
    rule = _rule(any=["pekin", "drones", "fire", "übergabe"])
    hits = _hits(rule, text, title=title)
    assert {h.found for h in hits} >= {"PÉKIN", "Pe\u0301kin", "ﬁre", "Ｄｒｏｎｅｓ", "Übergabe"}
    for hit in hits:
        source = title if hit.field == "title" else text
        assert source[hit.start : hit.end] == hit.found


def test_reported_terms_are_as_written_and_capped() -> None:
    matches = RuleSet([_rule(any=["Drone*"])]).match("", "drone " * 50, "en")
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
        _rule(name="b", any=["china"]),
        _rule(name="a", any=["russia"]),
        _rule(name="c", any=["x"]),
    ]
    assert [m.rule.name for m in RuleSet(rules).match("", "Russia and China", "en")] == ["b", "a"]


@pytest.mark.parametrize("term", ["*", "dro*ne", "arms *", "arms**", "*arms", "--"])
def test_bad_terms_are_rejected(term: str) -> None:
    with pytest.raises(RuleError):
        compile_term(term, "r")


def test_duplicate_rule_names_are_rejected() -> None:
    with pytest.raises(RuleError, match="unique"):
        RuleSet([_rule(any=["a"]), _rule(any=["b"])])


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
    hits = _hits(_rule(any=[words]), text)
    start = len(before) + 1
    assert any(h.start == start and h.end == start + len(words) for h in hits)


@given(text=_any_text, title=_any_text)
@settings(max_examples=300)
def test_every_token_slices_back_to_a_string_that_folds_to_it(text: str, title: str) -> None:
    index = index_article(title, text)
    for token in index.tokens:
        source = title if token.field == "title" else text
        piece = source[token.start : token.end]
        # A character that folds to several (ﬁ -> fi, ½ -> 1⁄2) may hold more than one token.
        assert token.word in fold(piece)


@given(text=_prose(), term=_words)
def test_every_hit_folds_to_its_term(text: str, term: str) -> None:
    words = compile_term(term).words
    for hit in _hits(_rule(any=[term]), text):
        assert text[hit.start : hit.end] == hit.found
        assert tuple(t.word for t in tokenise(hit.found, "text")) == words
