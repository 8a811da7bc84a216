"""Bytes to clean text: encodings, BOMs, line endings and typographic quotes.

Real transcripts come from Word, Excel on Windows, Teams and phone apps, so the same file may be
UTF-8 with a BOM, UTF-16 with or without a BOM, or cp1252. We try the strict decodings first:

1. a BOM decides (UTF-8, UTF-16, UTF-32);
2. NUL bytes nearly all at odd (or even) positions mean UTF-16 without a BOM;
3. UTF-8;
4. UTF-8 that is valid apart from a few damaged sequences (a file cut mid-character, one flipped
   byte) stays UTF-8 with the damage replaced by U+FFFD, so one bad byte does not turn every
   accented letter in the file into mojibake;
5. otherwise cp1252, then latin-1 (which cannot fail).

Every repair (a fallback encoding, replaced sequences, removed NUL bytes) is reported as a warning
for `transcript.warnings`. Text that is mostly control characters is a binary file.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import NamedTuple

from ..errors import BinaryFileError, EmptyTranscriptError

_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00a0": " ",
    "\u2013": "-",
    "\u2014": " - ",
    "\u2026": "...",
}
# Zero-width, bidi-control and other invisible format characters survive copy-paste from chat
# apps and break matching: zero-width space/joiners, word joiner, BOM, LRM/RLM, bidi embeddings
# and overrides, bidi isolates, the Arabic letter mark, soft hyphen and invisible operators.
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\u061c\u00ad\u2061\u2062\u2063\u2064\u180e"
)
_INVISIBLE_TABLE = str.maketrans(dict.fromkeys(_INVISIBLE, None))
_TABLE = str.maketrans({**_QUOTES, **dict.fromkeys(_INVISIBLE, None)})
# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Controls that mark a binary file; tab, line feed, vertical tab (Word's line break), form feed
# and carriage return are ordinary in text files.
_BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class Decoded(NamedTuple):
    text: str
    encoding: str
    warnings: list[str]


def decode(data: bytes, source: str) -> Decoded:
    """Bytes to text, the encoding used, and warnings for every repair made.

    Raises `EmptyTranscriptError` for empty or blank content and `BinaryFileError` for binary data.
    """
    if not data.strip(b" \t\r\n\f\v\x00"):
        raise EmptyTranscriptError(source, "the file is empty")
    warnings: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            bad = text.count("\ufffd")
            if bad:
                warnings.append(f"{bad} undecodable {encoding} sequence(s) replaced with \ufffd")
            return Decoded(_checked(text, source, warnings), encoding, warnings)
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            text = None
        if text is not None and _mostly_text(text):
            warnings.append(f"no byte-order mark; read as {utf16.upper()} from its byte pattern")
            return Decoded(_checked(text, source, warnings), utf16, warnings)
    try:
        return Decoded(_checked(data.decode("utf-8"), source, warnings), "utf-8", warnings)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    bad = replaced - data.count(b"\xef\xbf\xbd")  # U+FFFD already in the file is not damage
    good = len(text) - len(text.encode("ascii", errors="ignore")) - replaced
    if good > bad:
        warnings.append(f"{bad} invalid UTF-8 byte sequence(s) replaced with \ufffd")
        return Decoded(_checked(text, source, warnings), "utf-8", warnings)
    try:
        text, encoding = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    warnings.append(f"not valid UTF-8; read as {encoding}")
    return Decoded(_checked(text, source, warnings), encoding, warnings)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs sit almost only at odd/even offsets, else None.

    ASCII characters (spaces, punctuation, digits, Latin letters) in UTF-16 have a NUL high byte,
    so even Cyrillic or Greek text has some; binary data has NULs at both parities.
    """
    sample = data[:8192]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd >= 2 and even <= odd // 20:
        return "utf-16-le"
    if even >= 2 and odd <= even // 20:
        return "utf-16-be"
    return None


def _mostly_text(text: str) -> bool:
    """Random binary decoded as UTF-16 gives controls and unassigned or private-use code points."""
    sample = text[:4096]
    odd = sum(1 for ch in sample
              if unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs") and ch not in "\r\n\t")
    return odd <= len(sample) // 50


def _checked(text: str, source: str, warnings: list[str]) -> str:
    """Reject text that is mostly control characters: a binary file with a text extension.

    A few stray NUL bytes (a damaged download, padding at the end) are removed with a warning.
    """
    if not text.strip(" \t\r\n\f\v\x00\ufeff"):
        raise EmptyTranscriptError(source, "the file is empty")
    controls = len(_BINARY_CONTROL.findall(text))
    if controls > max(8, len(text) // 20):
        raise BinaryFileError(
            source,
            "this looks like a binary file, not a transcript "
            "(check the file extension or export it again as text)",
        )
    nuls = text.count("\x00")
    text = parseable(text)
    if nuls:
        warnings.append(f"{nuls} NUL byte(s) removed")
    if controls > nuls:
        warnings.append(f"{controls - nuls} control character(s) (such as ESC or BEL) replaced "
                        "by spaces")
    return text


def parseable(text: str) -> str:
    """`text` without NUL bytes and invisible format characters: inside a speaker label, a
    header or a JSON key ("Da\u200bna:") they would stop it being recognised, so they go before
    any parsing, not only from each turn's text."""
    if not text.isascii():
        text = text.translate(_INVISIBLE_TABLE)
    return text.replace("\x00", "") if "\x00" in text else text


def normalise_text(text: str) -> str:
    """Canonical form of one utterance: NFC, straight quotes, no invisible or control characters.

    Lone surrogates (which JSON escapes such as "\\ud800" can produce, and which no file can be
    written with) become U+FFFD. Runs of whitespace become one space.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", _SURROGATE.sub("\ufffd", text)).translate(_TABLE)
    return " ".join(_CONTROL.sub(" ", text).split())


def split_lines(text: str) -> list[str]:
    """Split on any line ending (CRLF, CR, LF) without keeping the endings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
