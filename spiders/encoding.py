"""Decoding fetched HTML as a browser would, minus the mistakes publishers make."""

from __future__ import annotations

import re

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

__all__ = ["UndecodablePage", "decode_page"]

# A multi-byte UTF-8 sequence; used to tell damaged UTF-8 from a legacy 8-bit encoding.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Above this share of control characters, the "text" is binary data served as a page.
_MAX_CONTROL_SHARE = 0.01
# Labels that browsers read as windows-1252, whose printable range is a superset of theirs.
# windows-1252 as browsers decode it: its five undefined bytes become C1 controls.
_CP1252 = {
    byte: bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(0x80, 0xA0)
}
_AS_CP1252 = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "ascii", "us-ascii"})

# What a reader sees: markup, scripts and styles are ASCII and would dilute the measures below.
# `[^<>]` keeps a page of unclosed "<" linear; the measures read at most this much of a page.
_MARKUP = re.compile(r"<[^<>]*>|&#?\w+;")
_MEASURED_CHARS = 500_000
# UTF-8 read as windows-1252 (then saved as UTF-8): "é" becomes "Ã©", "’" becomes "â€™".
_TWICE = re.compile("[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152-\u0192]|\u00e2\u20ac")
# Latin-1 signs that real text uses, unlike the rest of U+00A0..U+00BF and the C1 controls.
_USUAL_SIGNS = frozenset("\u00a0«»°·©®§±½¼¾²³µ")
# In windows-1252 text, accented letters are a small share of the letters (French about 4%,
# German 2%, Icelandic 12%); random bytes read as windows-1252 are nearly all accented.
_MAX_ACCENTED_SHARE = 0.35
_MAX_ODD_SIGN_SHARE = 0.03
_MAX_REPLACEMENT_SHARE = 0.01
_MAX_TWICE_SHARE = 0.01


class UndecodablePage(ValueError):
    """Bytes that no declared or likely encoding turns into text."""


def decode_page(body: bytes, content_type_header: str | None) -> str:
    """The page's text, decoded as a browser would, minus the mistakes publishers make.

    A page that is not valid UTF-8 while declaring UTF-8 (in the header or a <meta>) is
    nearly always windows-1252 written by an old CMS: decoding it as declared would turn
    every accented letter into U+FFFD. Valid UTF-8 wins over a declared legacy charset for
    the same reason the other way round.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return _checked(body[len(bom) :].decode(bom_encoding, errors="replace"))
    try:
        return _checked(body.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    declared = http_content_type_encoding(content_type_header) or html_body_declared_encoding(body)
    declared = (declared or "").lower()
    if declared and declared not in _AS_CP1252 and declared not in {"utf-8", "utf8"}:
        try:
            return _checked(body.decode(declared))
        except (LookupError, UnicodeDecodeError):
            pass
    valid = len(_UTF8_SEQUENCE.findall(body))
    text = body.decode("utf-8", errors="replace")
    if valid > text.count("\ufffd"):
        return _checked(text, damaged=True)  # UTF-8 with a few damaged bytes: keep the good ones
    return _checked(body.decode("latin-1").translate(_CP1252), legacy=True)


def _checked(text: str, *, damaged: bool = False, legacy: bool = False) -> str:
    """`text`, unless it is binary data or garbage; `damaged`: UTF-8 read past bad bytes,
    `legacy`: bytes that were valid in no declared encoding, read as windows-1252."""
    controls = len(_CONTROL.findall(text))
    if controls and controls > _MAX_CONTROL_SHARE * len(text):
        raise UndecodablePage(
            f"undecodable text: {controls} control characters in {len(text)}, "
            "binary data rather than a page"
        )
    visible = _visible(text[:_MEASURED_CHARS])
    if not visible:
        return text
    if damaged:
        replaced = visible.count("\ufffd")
        if replaced > _MAX_REPLACEMENT_SHARE * len(visible):
            raise UndecodablePage(
                f"undecodable text: {replaced} of {len(visible)} visible characters are not "
                "valid UTF-8"
            )
    if legacy:
        _refuse_garbage(visible)
    twice = len(_TWICE.findall(visible))
    if twice >= 10 and twice > _MAX_TWICE_SHARE * len(visible):
        raise UndecodablePage(
            f"mojibake: {twice} characters of UTF-8 decoded as windows-1252 and saved again"
        )
    return text


def _visible(text: str) -> str:
    """The characters outside markup, scripts and styles, without white space."""
    lower = text.lower()
    kept: list[str] = []
    at = 0
    while True:
        starts = [i for i in (lower.find("<script", at), lower.find("<style", at)) if i >= 0]
        if not starts:
            kept.append(text[at:])
            break
        start = min(starts)
        kept.append(text[at:start])
        closing = "</script" if lower.startswith("<script", start) else "</style"
        end = lower.find(closing, start)
        if end < 0:
            break
        at = end + len(closing)
    return "".join(_MARKUP.sub(" ", "".join(kept)).split())


def _refuse_garbage(visible: str) -> None:
    """Bytes valid in no encoding but read as windows-1252 are refused unless they look like
    text in a Latin script: mostly plain letters, few odd signs."""
    letters = [ch for ch in visible if ch.isalpha()]
    accented = sum(not ch.isascii() for ch in letters)
    odd = sum(
        1
        for ch in visible
        if not ch.isascii() and not ch.isalpha() and ch not in _USUAL_SIGNS and ch < "\u0100"
    )
    if (letters and accented > _MAX_ACCENTED_SHARE * len(letters)) or (
        odd > _MAX_ODD_SIGN_SHARE * len(visible)
    ):
        raise UndecodablePage(
            f"not text in any encoding: {accented} of {len(letters)} letters accented and "
            f"{odd} odd signs in {len(visible)} characters, as random bytes would give"
        )
