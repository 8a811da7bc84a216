"""Stable pseudonyms for what `--redact` cannot search for personal data: names of things.

A speaker label (`ann.lee@example.org`, `Mum`), a file name
(`Ann_Lee_DOB_02-05-1979_07700900456.txt`) or a transcript id taken from one can be personal
data, and no pattern finds every form. So with `--redact` they are not searched but replaced:

- a speaker label becomes `Speaker 1`, `Speaker 2`... in the order the speakers first speak in
  that transcript;
- a source (the input's path) becomes `file-` and 12 hex digits of the sha256 of the path as
  given, keeping a known extension (`file-3f2a9c0b1d4e.txt`);
- a transcript id becomes `t-` and 12 hex digits of the sha256 of its source and id.

The same input always gets the same names, so rows of every table still join, a resumed run
matches its earlier rows, and two runs over the same folder can be compared. They are
pseudonyms, not encryption: someone who can guess a file's path can compute its name. The
mapping back (`score --redact-map FILE`) is written only when asked for.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

_QUOTED = re.compile(r"'([^']+)'")
_DIGITS = 12
_KEPT_SUFFIXES = frozenset(".txt .vtt .srt .csv .tsv .json .jsonl .docx".split())


def _digest(*parts: str) -> str:
    data = "\n".join(parts).encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()[:_DIGITS]


def source_pseudonym(source: str) -> str:
    """The name a source is written under; stdin and in-memory inputs keep theirs."""
    if source.startswith("<") and source.endswith(">"):
        return source
    suffix = PurePath(source).suffix.lower()
    return f"file-{_digest(source)}{suffix if suffix in _KEPT_SUFFIXES else ''}"


def transcript_pseudonym(source: str, transcript_id: str) -> str:
    """The id a transcript is written under; unique across sources, as ids must be."""
    return f"t-{_digest(source, transcript_id)}"


def speaker_pseudonyms(speakers: Sequence[str]) -> dict[str, str]:
    """`Speaker 1`, `Speaker 2`... for the labels in the order given (first to speak first)."""
    return {label: f"Speaker {n}" for n, label in enumerate(dict.fromkeys(speakers), 1)}


_TEXT_COLUMNS = ("text", "jargon_terms", "jargon_alternatives")


def _label_pattern(labels: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern for speaker labels as whole words, longest first; None without labels."""
    words = sorted(labels, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)")


def _outside(text: str, kept: str, change: Callable[[str], str]) -> str:
    """`change` applied to the text around each occurrence of `kept`, which stays whole (a
    path or id renamed by other means must not be searched or cut)."""
    parts = text.split(kept) if kept else [text]
    return kept.join(change(part) for part in parts)


def redact_outside(text: str, kept: str, speakers: Sequence[str] = ()) -> str:
    """Personal data found in `text` replaced, except inside `kept`."""
    from . import find_pii, redact

    def change(part: str) -> str:
        hits = find_pii(part, speakers)
        return redact(part, hits) if hits else part

    return _outside(text, kept, change)


def pseudonymise_rows(rows: list[dict[str, Any]], source: str, transcript_id: str,
                      speakers: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """Replace the source, transcript id and speaker of one transcript's utterance rows in
    place, and the speakers' labels where the text names them; returns the mapping entries
    (kind, pseudonym, original, transcript pseudonym)."""
    new_source = source_pseudonym(source)
    new_id = transcript_pseudonym(source, transcript_id)
    labels = speaker_pseudonyms(speakers)
    # the labels as words of the text ("Hi Sam"); labels shorter than three characters
    # ("A", "B") would match ordinary words and are left out
    named = _label_pattern(label for label in labels if len(label) >= 3)
    for row in rows:
        row["source"], row["transcript_id"] = new_source, new_id
        if row.get("speaker") is not None:
            row["speaker"] = labels.get(row["speaker"], row["speaker"])
        if named is not None:
            for column in _TEXT_COLUMNS:
                if row.get(column):
                    row[column] = named.sub(lambda m: labels[m.group(0)], row[column])
    return [("source", new_source, source, ""), ("transcript_id", new_id, transcript_id, new_id),
            *(("speaker", name, label, new_id) for label, name in labels.items())]


def rename_speakers(message: str, source: str, speakers: Sequence[str],
                    given: str | None = None) -> str:
    """A message with the speakers' labels as their pseudonyms and a name given on the
    command line (--supporter) withheld; labels of every length are replaced here, as a
    message quotes them whole. The source's path is left for `pseudonymise_error`."""
    labels = speaker_pseudonyms(speakers)
    pattern = _label_pattern(labels)

    def change(part: str) -> str:
        if given:
            part = part.replace(repr(given), "(the name given)")
        return pattern.sub(lambda m: labels[m.group(0)], part) if pattern else part

    return _outside(message, source, change)


def pseudonymise_session(session: Mapping[str, Any], speakers: Sequence[str]) -> dict[str, Any]:
    """A session row with its source, id and speaker labels replaced. The supporter keeps a
    name given by a manifest or the input's metadata (the supervisor's own record of staff);
    a speaker label taken as the supporter becomes that speaker's pseudonym."""
    labels = speaker_pseudonyms(speakers)
    source, transcript_id = str(session["source"]), str(session["transcript_id"])
    out = dict(session)
    out["source"] = source_pseudonym(source)
    out["transcript_id"] = transcript_pseudonym(source, transcript_id)
    out["speakers"] = "; ".join(labels.values())
    if out.get("supporter_source") == "speaker" or out.get("supporter") in labels:
        out["supporter"] = labels.get(out.get("supporter"), out.get("supporter"))
    if out.get("warnings"):  # e.g. a date read from the file name, quoting the path
        text = _QUOTED.sub(lambda m: "'[FILE NAME]'" if m.group(1) in source else m.group(0),
                           str(out["warnings"]))  # a date quoted from the file name
        text = redact_outside(text.replace(source, out["source"]), transcript_id, speakers)
        out["warnings"] = text.replace(transcript_id, out["transcript_id"]) \
            if transcript_id else text
    return out


def pseudonymise_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """An error row with its source replaced, in the `source` column and in the message."""
    out = dict(error)
    source = str(error.get("source") or "")
    if source:
        out["source"] = source_pseudonym(source)
        out["error"] = str(error.get("error") or "").replace(source, out["source"])
    return out


def pseudonymise_text(text: str, sources: Iterable[str]) -> str:
    """`text` (a note or a skipped path's reason) with every source in it replaced."""
    for source in sorted(set(sources), key=len, reverse=True):
        if source:
            text = text.replace(source, source_pseudonym(source))
    return text
