"""Property-based tests: every reader, fed random bytes or damaged documents, either returns
well-formed transcripts or raises a `TranscriptReadError` that names the file. Nothing else.

Each format gets two properties: random bytes, and "near-valid" documents (a generated valid
document, encoded in a random encoding, then truncated, bytes flipped or inserted, lines
duplicated or deleted, delimiters swapped). JSON formats also get valid structure with wrong types
(lists, objects, nulls, huge numbers where text or times belong). `TA_FUZZ_EXAMPLES` raises the
number of examples for a longer local run (default 150 per property, which keeps CI quick).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import zipfile
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcript_analyzer.errors import TranscriptReadError
from transcript_analyzer.limits import Limits
from transcript_analyzer.model import Transcript
from transcript_analyzer.readers import FORMATS, read_bytes
from transcript_analyzer.readers.common import MAX_SECONDS

SOURCE = "fuzz/case-\u00e9.input"
EXAMPLES = int(os.environ.get("TA_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
ALL_FORMATS = list(FORMATS)


def check(data: bytes, fmt: str, limits: Limits | None = None) -> None:
    """The property: Transcripts with non-empty, clean turns, or a readable typed error."""
    try:
        result = read_bytes(data, SOURCE, fmt, "fuzz", limits=limits)
    except TranscriptReadError as exc:
        message = str(exc)
        assert SOURCE in message, message
        assert re.fullmatch(r"E\d{3}", exc.code), exc.code
        assert len(message) < 2000, "error messages stay readable"
        if exc.line is not None:
            assert isinstance(exc.line, int) and exc.line >= 1
        return
    limits = limits or Limits()
    assert isinstance(result, list) and result
    for transcript in result:
        assert isinstance(transcript, Transcript)
        assert transcript.source == SOURCE and transcript.id and isinstance(transcript.id, str)
        assert transcript.turns, "a transcript always has turns"
        assert all(isinstance(w, str) and w for w in transcript.warnings)
        indices = [turn.index for turn in transcript.turns]
        assert len(set(indices)) == len(indices), "turn indices are unique"
        for turn in transcript.turns:
            assert isinstance(turn.text, str) and turn.text.strip()
            assert isinstance(turn.speaker, str) and turn.speaker.strip()
            assert not _CONTROL.search(turn.text) and not _CONTROL.search(turn.speaker)
            turn.text.encode("utf-8")  # no lone surrogates: every output can be written
            assert isinstance(turn.index, int) and turn.index >= 0
            for value in (turn.start, turn.end):
                assert value is None or (math.isfinite(value) and 0 <= value <= MAX_SECONDS)
            if limits.max_turn_words:
                assert len(turn.text.split()) <= limits.max_turn_words
                assert len(turn.text) <= limits.max_turn_chars


# ---------------------------------------------------------------- generated valid documents

SPEAKERS = st.one_of(
    st.sampled_from(["Dana", "Sam", "Therapist", "Client", "Speaker 1", "José", "李雷", "O'Neil",
                     "محمد", "Dr. Ng", "", "1", "A:B", "x" * 60]),
    st.text(max_size=12),
)
TEXTS = st.text(max_size=80)
TIMES = st.one_of(st.none(), st.floats(min_value=0, max_value=36_000),
                  st.sampled_from([-1.5, 1e300, float("nan"), float("inf"), 10**30]))
TURNS = st.lists(st.tuples(SPEAKERS, TEXTS, TIMES, TIMES), min_size=1, max_size=8)


def clock(value: object, separator: str) -> str:
    seconds = value if isinstance(value, (int, float)) and math.isfinite(value) else 0
    seconds = int(min(max(seconds, 0), 10**7))
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}{separator}{seconds % 1000:03d}"


def render(fmt: str, turns: list[tuple]) -> str:
    if fmt == "text":
        return "\n".join(f"[{clock(start, '.')[:8]}] {speaker}: {text}"
                         for speaker, text, start, _ in turns)
    if fmt in ("vtt", "srt"):
        sep = "." if fmt == "vtt" else ","
        lines = ["WEBVTT", ""] if fmt == "vtt" else []
        for i, (speaker, text, start, end) in enumerate(turns, start=1):
            body = f"<v {speaker}>{text}</v>" if fmt == "vtt" and i % 2 else f"{speaker}: {text}"
            lines += [str(i), f"{clock(start, sep)} --> {clock(end, sep)}", body, ""]
        return "\n".join(lines)
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t" if fmt == "tsv" else ",")
        writer.writerow(["speaker", "text", "start", "end"])
        writer.writerows([speaker, text, start, end] for speaker, text, start, end in turns)
        return buffer.getvalue()
    rows = [{"speaker": s, "text": t, "start": a, "end": b} for s, t, a, b in turns]
    if fmt == "json":
        return json.dumps({"turns": rows, "metadata": {"site": "fuzz"}})
    if fmt == "jsonl":
        return "\n".join(json.dumps(row) for row in rows)
    raise ValueError(fmt)


@lru_cache(maxsize=1)
def docx_template() -> dict[str, bytes]:
    """The parts of a real .docx made by python-docx, to rebuild with new document.xml."""
    docx = pytest.importorskip("docx")
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def render_docx(turns: list[tuple], xml_mutation=None) -> bytes:
    from xml.sax.saxutils import escape

    def clean(text: str) -> str:  # XML 1.0 cannot hold most control characters
        return escape(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", text))

    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{clean(speaker)}: {clean(text)}</w:t></w:r></w:p>'
        for speaker, text, _, _ in turns
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    ).encode()
    if xml_mutation is not None:
        document = xml_mutation(document)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in docx_template().items():
            archive.writestr(name, document if name == "word/document.xml" else content)
    return buffer.getvalue()


# ---------------------------------------------------------------- mutations

ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                             "cp1252", "latin-1"])
SWAPS = [(b",", b";"), (b",", b"\t"), (b";", b"|"), (b":", b";"), (b"-->", b"->"),
         (b"\n", b"\r"), (b'"', b"'"), (b"{", b"["), (b".", b","), (b" ", b"\t\t\t\t")]


@st.composite
def mutate(draw, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        op = draw(st.sampled_from(["truncate", "flip", "insert", "duplicate", "delete", "swap"]))
        i = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            data = data[:i]
        elif op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op in ("duplicate", "delete"):
            lines = bytes(data).split(b"\n")
            j = i % len(lines)
            if op == "duplicate":
                lines.insert(j, lines[j])
            else:
                del lines[j]
            data = bytearray(b"\n".join(lines))
        else:
            old, new = draw(st.sampled_from(SWAPS))
            data = bytearray(bytes(data).replace(old, new))
    return bytes(data)


@st.composite
def near_valid(draw, fmt: str) -> bytes:
    turns = draw(TURNS)
    if fmt == "docx":
        if draw(st.booleans()):
            return render_docx(turns, xml_mutation=lambda xml: draw(mutate(xml)))
        return draw(mutate(render_docx(turns)))
    encoded = render(fmt, turns).encode(draw(ENCODINGS), errors="replace")
    return draw(mutate(encoded))


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-10**40, 10**40),
                         st.floats(), st.text(max_size=20))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=10)
FIELD_NAMES = st.sampled_from(["speaker", "Speaker Name", "text", "utterance", "start", "end",
                               "role", "turn_index", "transcript_id", "id", "metadata"])


@st.composite
def wrong_types(draw, fmt: str) -> bytes:
    """Valid JSON with the right field names holding any kind of value."""
    rows = draw(st.lists(st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=6), max_size=6))
    if fmt == "json":
        shape = draw(st.sampled_from(["list", "object", "any"]))
        doc = rows if shape == "list" else {"turns": rows, "id": draw(JSON_VALUES),
                                            "metadata": draw(JSON_VALUES)}
        if shape == "any":
            doc = draw(JSON_VALUES)
        return json.dumps(doc, allow_nan=True).encode()
    lines = [json.dumps(row, allow_nan=True) for row in rows]
    if draw(st.booleans()):
        lines.append(json.dumps({"id": draw(JSON_VALUES), "turns": rows}))
    return "\n".join(lines).encode()


# ---------------------------------------------------------------- the properties

@pytest.mark.parametrize("fmt", ALL_FORMATS)
@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes(fmt, data):
    check(data, fmt)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
@FUZZ
@given(data=st.data())
def test_near_valid_documents(fmt, data):
    check(data.draw(near_valid(fmt)), fmt)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@FUZZ
@given(data=st.data())
def test_json_with_wrong_types(fmt, data):
    check(data.draw(wrong_types(fmt)), fmt)


@pytest.mark.parametrize("fmt", ["text", "vtt", "csv", "json"])
@FUZZ
@given(data=st.data(), words=st.integers(1, 6))
def test_tiny_turn_limit_always_holds(fmt, data, words):
    check(data.draw(near_valid(fmt)), fmt, Limits(max_turn_words=words))


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_unmutated_documents_read(fmt):
    """The generator itself is sound: a clean document in each format reads back its turns."""
    turns = [("Dana", "How has the week been?", 1.0, 2.0), ("Sam", "Long.", 3.0, 4.0)]
    data = render_docx(turns) if fmt == "docx" else render(fmt, turns).encode()
    [transcript] = read_bytes(data, SOURCE, fmt, "clean")
    assert [(t.speaker, t.text) for t in transcript.turns] == [(s, t) for s, t, _, _ in turns]
