"""Bytes to clean text: encodings, BOMs, line endings and typographic quotes.

Real transcripts come from Word, Excel on Windows, Teams and phone apps, so the same file may be
UTF-8 with a BOM, UTF-16, or cp1252. We try the strict decodings first and fall back to cp1252
(then latin-1, which cannot fail) and record that the fallback happened.
"""

from __future__ import annotations

import codecs
import unicodedata

from ..errors import BinaryFileError, EmptyTranscriptError

_QUOTES = str.maketrans(
    {
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
)
# Zero-width and bidi-control characters survive copy-paste from chat apps and break matching.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"), None
)


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """Return (text, encoding used). Raises for empty or binary content."""
    if not data.strip():
        raise EmptyTranscriptError(source, "the file is empty")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _checked(data.decode(encoding, errors="replace"), source), encoding
    sample = data[:4096]
    if sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
        try:
            return _checked(data.decode(encoding), source), encoding
        except UnicodeDecodeError:
            raise BinaryFileError(
                source, "this looks like a binary file, not a transcript"
            ) from None
    try:
        return _checked(data.decode("utf-8"), source), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return _checked(data.decode("cp1252"), source), "cp1252"
    except UnicodeDecodeError:
        return _checked(data.decode("latin-1"), source), "latin-1"


def _checked(text: str, source: str) -> str:
    """Reject text that is mostly control characters: a binary file with a text extension."""
    sample = text[:4096]
    if not sample.strip():
        raise EmptyTranscriptError(source, "the file is empty")
    controls = sum(
        1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f"
    )
    if "\x00" in sample or controls > max(8, len(sample) // 20):
        raise BinaryFileError(
            source,
            "this looks like a binary file, not a transcript "
            "(check the file extension or export it again as text)",
        )
    return text


def normalise_text(text: str) -> str:
    """Canonical form of one utterance: NFC, straight quotes, no invisible or control characters."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES).translate(_INVISIBLE)
    text = "".join(
        ch if unicodedata.category(ch) != "Cc" or ch in "\t\n" else " " for ch in text
    )
    return " ".join(text.split())


def split_lines(text: str) -> list[str]:
    """Split on any line ending (CRLF, CR, LF) without keeping the endings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
