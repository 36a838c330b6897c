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
        return _checked(text)  # UTF-8 with a few damaged bytes: keep the good ones
    return _checked(body.decode("latin-1").translate(_CP1252))


def _checked(text: str) -> str:
    controls = len(_CONTROL.findall(text))
    if controls and controls > _MAX_CONTROL_SHARE * len(text):
        raise UndecodablePage(
            f"undecodable text: {controls} control characters in {len(text)}, "
            "binary data rather than a page"
        )
    return text
