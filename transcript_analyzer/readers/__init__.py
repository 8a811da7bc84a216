"""Stage 1, reading: every supported file format becomes `Transcript` objects.

Formats are recognised by extension; `input_format` overrides that (needed for stdin).
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import (
    EmptyTranscriptError,
    FileTooLargeError,
    TranscriptReadError,
    UnsupportedFormatError,
    WrongFormatError,
)
from ..limits import DEFAULT_LIMITS, Limits
from ..model import Transcript
from ..resources import file_sha256
from .captions import read_captions
from .decode import decode, parseable
from .docx import read_docx
from .jsonfmt import iter_jsonl, read_json, read_jsonl
from .plaintext import read_plaintext
from .tables import TableRows, iter_table_rows, read_table

FORMATS: dict[str, tuple[str, ...]] = {
    "text": (".txt", ".text"),
    "vtt": (".vtt",),
    "srt": (".srt",),
    "csv": (".csv",),
    "tsv": (".tsv", ".tab"),
    "json": (".json",),
    "jsonl": (".jsonl", ".ndjson"),
    "docx": (".docx",),
}
EXTENSIONS: dict[str, str] = {ext: fmt for fmt, exts in FORMATS.items() for ext in exts}

__all__ = ["FORMATS", "EXTENSIONS", "format_for", "read_bytes", "load_transcripts",
           "load_transcript", "read_file_bytes",
           "iter_file", "iter_table_chunks", "StreamedRows", "file_sha256", "STREAMED",
           "check_regular_file", "path_text"]


def path_text(path: str | os.PathLike) -> str:
    """A path as text that can be written anywhere: a name whose bytes are not valid UTF-8
    (Latin-1 `\\xe9`, say) shows those bytes as `\\xe9` instead of failing every writer."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            return os.fsencode(text).decode("utf-8", "backslashreplace")
        except UnicodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")


def format_for(path: str | Path) -> str | None:
    """The format a file's extension implies, or None when it is not a transcript type."""
    return EXTENSIONS.get(Path(path).suffix.lower())


def read_bytes(
    data: bytes, source: str, fmt: str, transcript_id: str, *, limits: Limits | None = None
) -> list[Transcript]:
    """Parse raw bytes of a known format. Raises `TranscriptReadError` with file and line.

    `limits` (default `Limits()`) caps the input size (an error) and the words per turn (long
    turns are cut, with a warning in `transcript.warnings`). Every repair made while reading is a
    warning there too. Nothing but a `TranscriptReadError` (or subclass) is raised for bad input.
    """
    limits = limits or DEFAULT_LIMITS
    if fmt not in FORMATS:
        raise UnsupportedFormatError(
            source, f"unknown input format {fmt!r}; choose one of {', '.join(FORMATS)}"
        )
    limits.check_file_size(len(data), source)
    if not data.strip(b" \t\r\n\f\v\x00"):
        raise EmptyTranscriptError(source, "the file is empty")
    if fmt == "docx":
        transcripts = read_docx(data, source, transcript_id, limits)
        warnings: list[str] = []
        encoding = None
    else:
        if data[:4] == b"PK\x03\x04":
            raise WrongFormatError(
                source,
                f"this is a zip/Office file, not {_FORMAT_WORDS[fmt]} "
                "(is it a .docx with the wrong extension?)",
            )
        text, encoding, warnings = decode(data, source)
        if fmt == "text":
            transcripts = read_plaintext(text, source, transcript_id)
        elif fmt in ("vtt", "srt"):
            transcripts = read_captions(text, source, transcript_id, fmt)
        elif fmt in ("csv", "tsv"):
            transcripts = read_table(text, source, transcript_id, fmt)
        elif fmt == "json":
            transcripts = read_json(text, source, transcript_id)
        else:
            transcripts = read_jsonl(text, source, transcript_id)
    for transcript in transcripts:
        if encoding:
            transcript.metadata["encoding"] = encoding
        transcript.warnings[:0] = warnings
        limits.check_session_turns(len(transcript.turns), source, transcript.id)
        limits.apply_turn_limit(transcript)
    return transcripts


_FORMAT_WORDS = {
    "text": "plain text", "vtt": "WebVTT captions", "srt": "SRT captions", "csv": "a CSV table",
    "tsv": "a TSV table", "json": "JSON", "jsonl": "JSON Lines", "docx": "a Word document",
}


def load_transcripts(
    path: str | Path,
    input_format: str | None = None,
    transcript_id: str | None = None,
    *,
    limits: Limits | None = None,
) -> list[Transcript]:
    """Read every transcript in one file (a long-format CSV can hold many).

    The size limit is checked before the file is read, so a huge file costs no memory.
    """
    limits = limits or DEFAULT_LIMITS
    path = Path(path)
    source = path_text(path)
    fmt = input_format or format_for(path)
    if fmt is None:
        raise UnsupportedFormatError(
            source,
            f"unrecognised file type {path.suffix or '(no extension)'!r}; "
            f"supported: {', '.join(sorted(EXTENSIONS))}",
        )
    data = read_file_bytes(path, limits)
    return read_bytes(data, source, fmt, transcript_id or path_text(path.stem), limits=limits)


STREAMED = ("csv", "tsv", "jsonl")
_SAMPLE_BYTES = 1 << 16


def iter_file(path: str | Path, fmt: str, transcript_id: str | None = None, *,
              limits: Limits | None = None) -> Iterator[Transcript]:
    """Transcripts of one file, lazily.

    CSV and TSV tables and JSON Lines are streamed row by row, so a long-format corpus of any
    size is read in constant memory (a table's transcripts must have their rows grouped
    together) and the file size limit does not apply to them: a JSONL line is held to it
    instead. Every other format is one transcript per file and is read whole.
    """
    limits = limits or DEFAULT_LIMITS
    path = Path(path)
    transcript_id = transcript_id or path_text(path.stem)
    if fmt not in STREAMED:
        yield from read_bytes(read_file_bytes(path, limits), path_text(path), fmt,
                              transcript_id, limits=limits)
        return
    if fmt != "jsonl":
        for rows in iter_table_chunks(path, fmt, transcript_id, limits=limits):
            yield rows.transcript(limits)
        return
    with _streamed_text(path, fmt) as (stream, text, encoding, warnings):
        source = path_text(path)
        for transcript in iter_jsonl(_json_lines(stream, source, limits), text, source,
                                     transcript_id):
            yield _streamed(transcript, encoding, warnings, limits)


@dataclass
class StreamedRows:
    """One transcript's rows of a streamed table, with what reading the file found (its
    encoding, its repairs), ready to be made into the transcript `iter_file` gives: by a
    worker process, with `score -j N`, while the reading process goes on reading."""

    rows: TableRows
    encoding: str
    warnings: list[str]

    @property
    def key(self) -> str:
        return self.rows.key

    def transcript(self, limits: Limits | None = None) -> Transcript:
        return _streamed(self.rows.build(), self.encoding, self.warnings,
                         limits or DEFAULT_LIMITS)


def iter_table_chunks(path: str | Path, fmt: str, transcript_id: str | None = None, *,
                      limits: Limits | None = None) -> Iterator[StreamedRows]:
    """`iter_file`'s transcripts of a CSV or TSV table as their rows: every error that stops
    the reading is raised here, at the same row."""
    limits = limits or DEFAULT_LIMITS
    path = Path(path)
    transcript_id = transcript_id or path_text(path.stem)
    with _streamed_text(path, fmt) as (stream, text, encoding, warnings):
        for rows in iter_table_rows(stream, text, path_text(path), transcript_id, fmt,
                                    limits=limits):
            yield StreamedRows(rows, encoding, warnings)


def _streamed(transcript: Transcript, encoding: str, warnings: list[str], limits: Limits
              ) -> Transcript:
    transcript.metadata["encoding"] = encoding
    transcript.warnings[:0] = warnings
    limits.check_session_turns(len(transcript.turns), transcript.source, transcript.id)
    limits.apply_turn_limit(transcript)
    return transcript


@contextmanager
def _streamed_text(path: Path, fmt: str) -> Iterator[tuple[io.TextIOWrapper, str, str,
                                                           list[str]]]:
    """The open file as text, with its start decoded: the start decides the encoding and
    gives the hints and repairs; the rest is decoded as it is read."""
    source = path_text(path)
    check_regular_file(path)
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise TranscriptReadError(source, f"cannot read the file ({exc.strerror})") from None
    with raw:
        sample = raw.read(_SAMPLE_BYTES)
        if len(sample) == _SAMPLE_BYTES and b"\n" in sample:
            sample = sample[: sample.rindex(b"\n") + 1]  # never split a character
        if not sample.strip(b" \t\r\n\f\v\x00"):
            raise EmptyTranscriptError(source, "the file is empty")
        if sample[:4] == b"PK\x03\x04":
            raise WrongFormatError(source, f"this is a zip/Office file, not {_FORMAT_WORDS[fmt]} "
                                           "(is it a .docx with the wrong extension?)")
        text, encoding, warnings = decode(sample, source)
        raw.seek(0)
        yield io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=""), text, \
            encoding, warnings


def _json_lines(stream: io.TextIOWrapper, source: str, limits: Limits) -> Iterator[str]:
    """A JSONL stream's lines as `read_bytes` sees them once the whole file is decoded: no line
    ending, no NUL bytes or invisible format characters. A line longer than the file size limit
    is an error naming it, raised before the rest of it is read."""
    most = limits.max_file_bytes
    for number, line in enumerate(iter(lambda: stream.readline(most + 1 if most else -1), ""),
                                  start=1):
        if most and len(line) > most and not line.endswith(("\n", "\r")):
            raise FileTooLargeError(
                source, f"this line alone is over the {most / 1e6:,.1f} MB file size limit; "
                "raise it with --max-file-mb, or split the line's transcript", line=number)
        yield parseable(line.rstrip("\r\n"))


def check_regular_file(path: Path) -> None:
    """Raise a readable error unless `path` is an existing regular file (not a pipe/folder).

    Only `stat` is used: opening a named pipe to look at it would wait for a writer.
    """
    source = path_text(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        if os.path.islink(path):
            raise TranscriptReadError(
                source, "a symbolic link whose target does not exist") from None
        raise TranscriptReadError(source, "no such file or folder") from None
    except OSError as exc:
        raise TranscriptReadError(source, f"cannot read the file ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise TranscriptReadError(
            source, "not a regular file (a folder, device or pipe), so it was not read")


def read_file_bytes(path: Path, limits: Limits | None = None) -> bytes:
    """A regular file's bytes, refused before reading when it is over the size limit."""
    limits = limits or DEFAULT_LIMITS
    check_regular_file(path)
    limits.check_file_size(path.stat().st_size, path_text(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TranscriptReadError(path_text(path),
                                  f"cannot read the file ({exc.strerror})") from None


def load_transcript(
    path: str | Path, input_format: str | None = None, *, limits: Limits | None = None
) -> Transcript:
    """Read a file that holds exactly one transcript, with roles assigned."""
    from ..roles import assign_roles

    transcripts = load_transcripts(path, input_format, limits=limits)
    if len(transcripts) != 1:
        raise TranscriptReadError(
            path_text(path),
            f"holds {len(transcripts)} transcripts; use load_transcripts() for long-format files",
        )
    return assign_roles(transcripts[0])
