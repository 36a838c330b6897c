"""The HTML decoder: what a browser would read, and garbage refused with a reason.

Property tests (hypothesis) feed it arbitrary bytes and content types: it returns text or
raises `UndecodablePage`, never anything else.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spiders.encoding import UndecodablePage, decode_page

UTF8 = "text/html; charset=utf-8"


def _garbage_words(seed: int, count: int, low: int = 0x80) -> bytes:
    rng = random.Random(seed)
    words = (
        bytes(rng.randrange(low, 0x100) for _ in range(rng.randrange(3, 10))) for _ in range(count)
    )
    return b" ".join(words)


def _page(title: bytes, body: bytes) -> bytes:
    return (
        b'<!doctype html><html><head><meta charset="utf-8"><title>' + title + b"</title></head>"
        b"<body><nav><a href='/'>Home</a></nav><article><h1>"
        + title
        + b"</h1><p>"
        + body
        + b"</p></article></body></html>"
    )


def test_invalid_bytes_declared_utf8_are_refused_not_kept_as_mojibake() -> None:
    page = _page(_garbage_words(1, 8), _garbage_words(2, 800))
    with pytest.raises(UndecodablePage, match="not text in any encoding"):
        decode_page(page, UTF8)


def test_utf8_decoded_twice_is_refused() -> None:
    text = "Le président a réuni à l’Élysée les chefs d’état-major pour arrêter la défense. " * 20
    page = _page(text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8"), b"")
    with pytest.raises(UndecodablePage, match="mojibake"):
        decode_page(page, UTF8)


def test_much_damaged_utf8_is_refused_and_a_little_damage_is_kept() -> None:
    good = "Die Bundesregierung prüft die Lieferung weiterer Drohnen, sagte ein Sprecher. " * 30
    damaged = good.encode("utf-8").replace("ü".encode(), b"\xfc\x80", 1)
    assert "Bundesregierung" in decode_page(_page(b"Drohnen", damaged), UTF8)
    wrecked = bytearray(good.encode("utf-8"))
    for index in range(0, len(wrecked), 9):
        wrecked[index] = 0xFF
    with pytest.raises(UndecodablePage):
        decode_page(_page(b"Drohnen", bytes(wrecked)), UTF8)


@pytest.mark.parametrize(
    "text,encoding",
    [
        (
            "« C’est un effort considérable », a déclaré un conseiller : 12 € par mois. " * 20,
            "cp1252",
        ),
        ("Größere Lieferungen über Häfen im Süden; Bürger äußern sich. " * 20, "cp1252"),
        ("Министерство обороны сообщило о поставках беспилотников. " * 20, "utf-8"),
        ("Ministerstwo Obrony zapowiedziało zakup dronów. Żołnierze ćwiczą. " * 20, "utf-8"),
    ],
)
def test_real_text_in_its_encoding_is_kept(text: str, encoding: str) -> None:
    decoded = decode_page(_page(b"News", text.encode(encoding)), UTF8)
    assert text in decoded


content_types = st.one_of(
    st.none(),
    st.sampled_from(["text/html", UTF8, "text/html; charset=iso-8859-1", "text/html; charset=x"]),
    st.text(max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=4000), content_type=content_types)
def test_any_bytes_give_text_or_a_clear_refusal(body: bytes, content_type: str | None) -> None:
    try:
        text = decode_page(body, content_type)
    except UndecodablePage as exc:
        assert str(exc)
    else:
        assert isinstance(text, str)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=2000))
def test_any_text_in_utf8_gives_text_or_a_clear_refusal(text: str) -> None:
    try:
        assert isinstance(decode_page(text.encode("utf-8", "surrogatepass"), UTF8), str)
    except UndecodablePage as exc:
        assert str(exc)
