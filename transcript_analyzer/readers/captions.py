"""WebVTT (Zoom, Teams) and SRT captions, parsed with webvtt-py.

webvtt-py quietly skips cues whose timing line is malformed, which would lose speech without a
word, so we validate every timing line first and report the first bad one by line number.
Speakers come from Teams voice tags (`<v Name>`) or a `Name:` prefix (Zoom, most SRT). A cue with
no speaker continues the previous speaker, and consecutive cues by one speaker merge into a turn.
"""

from __future__ import annotations

import io
import re

import webvtt
from webvtt.errors import MalformedFileError

from ..errors import TranscriptReadError
from ..model import Transcript
from .common import TurnBuilder, parse_clock
from .decode import split_lines

_TS = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*(?P<start>{_TS})\s*-->\s*(?P<end>{_TS})(?:\s+.*)?$")
_PREFIX = re.compile(r"^\s*(?P<speaker>[^\W\d][\w.'\- ()&/]{0,38}?)\s*:\s+(?P<text>.+)$", re.S)
_TAGS = re.compile(r"</?[^>]+>")


def _timing_lines(lines: list[str], source: str) -> list[tuple[int, float, float]]:
    timings = []
    for number, line in enumerate(lines, start=1):
        if "-->" not in line:
            continue
        match = _TIMING.match(line)
        start = parse_clock(match["start"]) if match else None
        end = parse_clock(match["end"]) if match else None
        if start is None or end is None:
            raise TranscriptReadError(
                source,
                f"broken caption timestamp {line.strip()!r}: expected "
                "'00:00:01.000 --> 00:00:04.000'",
                line=number,
            )
        if end < start:
            raise TranscriptReadError(
                source, f"caption ends before it starts ({line.strip()!r})", line=number
            )
        timings.append((number, start, end))
    return timings


def read_captions(text: str, source: str, transcript_id: str, fmt: str) -> list[Transcript]:
    """Read a `vtt` or `srt` document."""
    lines = split_lines(text)
    if fmt == "vtt" and not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise TranscriptReadError(
            source, "a WebVTT file must start with the line 'WEBVTT'", line=1
        )
    timings = _timing_lines(lines, source)
    if not timings:
        raise TranscriptReadError(source, "no caption cues found (no 'start --> end' lines)")
    try:
        captions = list(webvtt.from_buffer(io.StringIO("\n".join(lines)), format=fmt))
    except MalformedFileError as exc:
        raise TranscriptReadError(source, f"the caption file is malformed: {exc}") from None
    line_of = [t[0] for t in timings] if len(timings) == len(captions) else [None] * len(captions)

    builder = TurnBuilder()
    labelled = 0
    overlaps = 0
    previous_end: float | None = None
    for caption, number in zip(captions, line_of):
        start = parse_clock(caption.start)
        end = parse_clock(caption.end)
        if previous_end is not None and start is not None and start < previous_end - 0.001:
            overlaps += 1
        previous_end = end
        body = " ".join(_TAGS.sub("", caption.raw_text).split())
        speaker = caption.voice
        if not speaker:
            match = _PREFIX.match(body)
            if match and len(match["speaker"].split()) <= 5:
                speaker, body = match["speaker"], match["text"]
        if not body.strip():
            continue
        if speaker:
            labelled += 1
            builder.add(speaker, body, start=start, end=end, line=number, merge=True)
        elif builder.turns:
            builder.append_text(body)
            builder.turns[-1].end = end
        else:
            builder.add("Unknown speaker", body, start=start, end=end, line=number)
    if not labelled:
        raise TranscriptReadError(
            source,
            "the captions carry no speaker names: expected '<v Name>text</v>' (Teams) "
            "or 'Name: text' (Zoom) in each cue",
            line=timings[0][0],
        )
    transcript = builder.build(transcript_id, source, fmt)
    if overlaps:
        transcript.warnings.append(f"{overlaps} overlapping caption cue(s) kept in file order")
    return [transcript]
