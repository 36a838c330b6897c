"""The language-independent fingerprint and the MinHash sketch: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.dedup.fingerprint import fingerprint, identity
from db.dedup.furniture import strip_furniture
from db.dedup.minhash import band_keys, containment, jaccard, shingles, signature
from db.dedup.names import DEFAULT, Names
from db.dedup.sketch import Sketch, Stored

# A topic's own forms, as config.toml's [dedup.names] gives them.
TOPIC = Names({"beijing": ["peking", "pekin"], "moscow": ["moskau", "moskou", "moscou"]})


def features(text: str, lang: str | None = None) -> frozenset[str]:
    return fingerprint("", text, lang, TOPIC).features


@pytest.mark.parametrize(
    "forms",
    [
        ["Shoigu", "Schoigu", "Sjojgoe", "Choïgou", "Shoygu", "Шойгу"],
        ["Poetin", "Poutine", "Putin", "Путин"],
        ["Selenskyj", "Zelensky", "Zelenskyy", "Zelenskiy"],
        ["Lavrov", "Lawrow", "Лавров"],
        ["Peskov", "Peskow", "Песков"],
        ["Sergei", "Sergej", "Sergueï", "Sergey"],
        ["Reznikov", "Resnikow"],
    ],
)
def test_spellings_of_a_name_meet_by_sound(forms: list[str]) -> None:
    assert len({DEFAULT.canonical(form) for form in forms}) == 1, forms


@pytest.mark.parametrize(
    "forms",
    [
        ["Russland", "Rusland", "Russie", "Russia", "russische", "russischen", "russe"],
        ["China", "Chine", "chinesischen", "chinois", "Chinees"],
        ["Oekraïne", "Ukraine", "ukrainien", "Oekraïense"],
    ],
)
def test_countries_and_their_adjectives_meet_without_a_topic_table(forms: list[str]) -> None:
    assert len({DEFAULT.canonical(form) for form in forms}) == 1, forms
    assert all(DEFAULT.is_place(DEFAULT.canonical(form)) for form in forms)


def test_the_topic_table_maps_its_own_forms() -> None:
    assert {TOPIC.canonical(f) for f in ["Peking", "Pékin", "Beijing"]} == {"beijing"}
    assert {TOPIC.canonical(f) for f in ["Moskau", "Moscou", "Moskou", "Moscow"]} == {"moscow"}
    assert DEFAULT.canonical("Peking") != DEFAULT.canonical("Beijing")


def test_page_furniture_is_left_out() -> None:
    caption = "Li Qiang and Mark Rutte at an earlier meeting on 3 May 2022. Photo: Reuters"
    text = "\n\n".join(
        [
            caption,
            caption,
            "Author: Maria Jansen | Source: AFP, dpa",
            "Published 12.04.2024, 09:12 | Updated 11:12",
            "WASHINGTON (AFP) – China helped Russia rebuild its arms industry, officials said.",
            "Read more: EU agrees new sanctions package against 120 firms",
            "They said 70 percent of the machine tools came from China.",
            "Topics: World · Politics · Conflict",
            "Sign up for our daily briefing and get the news in your inbox every morning.",
        ]
    )
    assert strip_furniture(text) == (
        "China helped Russia rebuild its arms industry, officials said.\n\n"
        "They said 70 percent of the machine tools came from China."
    )


def test_a_quote_or_paragraph_is_not_furniture() -> None:
    text = (
        'Blinken told reporters: "We will not allow it."\n\n'
        "The official said the talks in Rome would go on for a second day."
    )
    assert strip_furniture(text) == text


@pytest.mark.parametrize(
    ("texts", "lang", "expected"),
    [
        (["70 percent", "70 Prozent", "70 procent", "70 %", "70 pour cent"], None, "q:70%"),
        (
            ["900 million dollars", "900 Millionen Dollar", "900 miljoen dollar"],
            None,
            "q:900000000",
        ),
        (["$1.5 billion", "1,5 Milliarden Dollar", "1,5 miljard dollar"], None, "q:1500000000"),
        (["12,000 workers", "12.000 Arbeiter", "12 000 ouvriers"], None, "q:12000"),
        (["on 24 February", "am 24. Februar", "op 24 februari", "le 24 février"], None, "d:02-24"),
        (["on February 24, 2023"], "en", "d:02-24"),
    ],
)
def test_numbers_and_dates_are_normalised_across_languages(
    texts: list[str], lang: str | None, expected: str
) -> None:
    for text in texts:
        assert expected in features(f"Officials said {text}.", lang), text


def test_the_german_billion_is_a_million_million() -> None:
    assert "q:2000000000000" in features("Es geht um 2 Billionen Euro.", "de")
    assert "q:2000000000" in features("It is about 2 billion euros.", "en")


def test_a_german_unit_after_a_figure_is_no_name() -> None:
    found = features("Der Handel stieg um 26 Prozent auf 240 Milliarden Dollar.", "de")
    assert "q:240000000000" in found
    assert not any(f.endswith((":dolar", ":miliarden", ":milliarden")) for f in found)


def test_names_ignore_ordinary_capitalised_words() -> None:
    text = (
        "Officials said Antony Blinken met Wang Yi in Munich. The officials added that "
        "Blinken warned Wang about drones."
    )
    found = {identity(f) for f in features(text, "en")}
    assert {f"n:{TOPIC.canonical(w)}" for w in ("Blinken", "Wang", "Yi", "Munich")} <= found
    assert not any(f.endswith(":officials") or f.endswith(":the") for f in found)


def test_a_title_joined_by_of_is_not_a_name() -> None:
    found = features("The talks were led by Secretary of State Antony Blinken on Monday.", "en")
    assert "n:blinken" in found
    assert not any(f.startswith("n:") and "secretar" in f for f in found)


def test_german_nouns_are_not_names() -> None:
    text = (
        "Die Regierung in Washington warnte am Freitag. Außenminister Antony Blinken sagte, "
        "die Lieferung von Drohnen sei eine Gefahr. Blinken traf Wang Yi in München."
    )
    found = features(text, "de")
    expected = {f"n:{TOPIC.canonical(w)}" for w in ("Blinken", "Wang", "Yi")}
    assert expected <= {identity(f) for f in found}
    assert not any(f.endswith((":regierung", ":lieferung", ":drohnen", ":gefahr")) for f in found)


@given(
    st.lists(
        st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"]), min_size=5
    )
)
def test_a_copy_is_contained_in_its_original(words: list[str]) -> None:
    text = " ".join(words)
    original = shingles(text + " and a longer tail of other words here")
    assert containment(shingles(text), original) == 1.0
    assert jaccard(original, original) == 1.0


def test_signature_and_bands_are_stable() -> None:
    text = "China is helping Russia in its biggest military expansion since Soviet times. " * 4
    first = band_keys(signature(shingles(text)))
    assert first == band_keys(signature(shingles(text)))
    assert len(set(first)) == len(first)
    assert all(-(2**31) <= key < 2**31 for key in first)


def test_a_stored_sketch_compares_like_the_full_one() -> None:
    when = datetime(2024, 4, 12, tzinfo=UTC)
    text = (
        "US officials said China supplied more than 70 percent of the $900 million in machine "
        "tools Russia imported. Antony Blinken will meet G7 ministers in Capri. "
    ) * 3
    old = Sketch.of("Title", text, "en", when)
    stored = Stored.decode(old.encode())
    assert stored.day == old.day and stored.size == len(old.shingles)
    assert len(old.encode()) < 400
    new = Sketch.of("Another title", text, "en", when)
    overlap, shared, names = new.overlap(stored)
    assert overlap == pytest.approx(1.0) and shared > 5 and "q:70%" in names
    assert new.near(stored)[1] == 1.0
