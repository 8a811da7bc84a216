"""WebVTT (Zoom, Teams) and SRT captions.

A small line-based parser rather than webvtt-py: webvtt-py quietly skips cues it cannot parse
(SRT without cue numbers, `mm:ss,mmm` times, NOTE blocks holding `-->`), which loses speech without
a word and leaves no line numbers for errors. Here:

- a line holding `-->` whose left side looks like a time is a cue timing line; if it does not
  parse (`00:00:0x.000`, a negative time) that is an error naming the line;
- the line just before a timing line is the cue identifier (a number, a Teams id) and is ignored
  when it starts a block or has no spaces (cues not separated by blank lines keep their text);
- every other non-blank line after a timing line is cue text, even after a stray blank line, so
  no speech is lost; NOTE, STYLE and REGION blocks are skipped;
- a missing `WEBVTT` header is repaired with a warning (an SRT saved as .vtt reads fine).

Speakers come from Teams voice tags (`<v Name>`) or a `Name:` prefix (Zoom, most SRT) on each
line of the cue, after an optional dialogue dash (`- Name: text`). Text with no speaker continues
the previous speaker, and consecutive cues by one speaker merge into a turn.
"""

from __future__ import annotations

import html
import re

from ..errors import MalformedTranscriptError, WrongFormatError
from ..model import Transcript
from .common import TurnBuilder, format_hint
from .decode import split_lines

_TS = r"(?:\d{1,6}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"  # milliseconds optional
_TIMING = re.compile(rf"^\s*(?P<start>{_TS})\s*-->\s*(?P<end>{_TS})(?:\s+.*)?$")
_PREFIX = re.compile(r"^(?P<speaker>[^\W\d][\w.'\- ()&/]{0,38}?)\s?:\s+(?P<text>.+)$", re.S)
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TAGS = re.compile(r"</?[A-Za-z][^>]{0,200}>|</?\d{1,2}:\d{2}[^>]{0,20}>")
_DASH = re.compile(r"^[-–—]\s+")
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


def _looks_like_timing(line: str) -> bool:
    """A line with `-->` whose left side is mostly digits: meant as a timing line."""
    left = line.split("-->", 1)[0].strip()
    if not left or len(left) > 40:
        return False
    alnum = [ch for ch in left if ch.isalnum()]
    return bool(alnum) and sum(ch.isdigit() for ch in alnum) * 2 >= len(alnum)


class _Cue:
    __slots__ = ("line", "start", "end", "payload")

    def __init__(self, line: int, start: float, end: float) -> None:
        self.line = line
        self.start = start
        self.end = end
        self.payload: list[tuple[int, str]] = []


def _seconds(stamp: str) -> float | None:
    """A timestamp already matched by `_TS` to seconds; None if minutes or seconds are >= 60."""
    clock, _, fraction = stamp.replace(",", ".").partition(".")
    parts = clock.split(":")
    minutes, seconds = int(parts[-2]), int(parts[-1])
    if seconds >= 60 or (len(parts) == 3 and minutes >= 60):
        return None
    hours = int(parts[0]) if len(parts) == 3 else 0
    return hours * 3600 + minutes * 60 + seconds + (int(fraction) / 10 ** len(fraction)
                                                     if fraction else 0.0)


def _cues(lines: list[str], source: str, fmt: str) -> list[_Cue]:
    # Per line: a timing match, True for a line meant as timing that does not parse, or None.
    timing: list[re.Match | bool | None] = []
    for line in lines:
        if "-->" not in line:
            timing.append(None)
        else:
            timing.append(_TIMING.match(line) or (_looks_like_timing(line) or None))
    cues: list[_Cue] = []
    current: _Cue | None = None
    block_start = True
    skipping = False
    for i, raw in enumerate(lines):
        number = i + 1
        line = raw.strip()
        if not line:
            block_start, skipping = True, False
            continue
        at_block_start, block_start = block_start, False
        if skipping:
            continue
        if at_block_start and line.split(None, 1)[0] in _SKIPPED_BLOCKS:
            skipping = True
            continue
        match = timing[i]
        if match is not None:
            start = _seconds(match["start"]) if match is not True else None
            end = _seconds(match["end"]) if match is not True else None
            if start is None or end is None:
                raise MalformedTranscriptError(
                    source,
                    f"broken caption timestamp {line[:80]!r}: expected "
                    f"'{'00:00:01.000' if fmt == 'vtt' else '00:00:01,000'} --> "
                    f"{'00:00:04.000' if fmt == 'vtt' else '00:00:04,000'}'",
                    line=number,
                )
            current = _Cue(number, start, end)
            cues.append(current)
            continue
        if i + 1 < len(lines) and timing[i + 1] is not None and (at_block_start or " " not in line):
            continue  # the cue identifier (a number, a Teams id), normally after a blank line
        if current is not None:
            current.payload.append((number, line))
    return cues


def _pieces(cue: _Cue) -> list[tuple[str | None, str, int]]:
    """Split a cue into (speaker or None, text, line) pieces, one per change of speaker."""
    pieces: list[tuple[str | None, str, int]] = []
    for number, raw in cue.payload:
        voice = _VOICE.search(raw)
        text = html.unescape(_TAGS.sub("", raw)) if "<" in raw or "&" in raw else raw
        text = " ".join(_DASH.sub("", text.strip()).split())
        if not text:
            continue
        speaker = voice[1].strip() if voice else None
        if not speaker:
            match = _PREFIX.match(text)
            if match and len(match["speaker"].split()) <= 5:
                speaker, text = match["speaker"], match["text"]
        line = cue.line if not pieces else number
        if speaker is None and pieces:
            previous = pieces[-1]
            pieces[-1] = (previous[0], f"{previous[1]} {text}", previous[2])
        else:
            pieces.append((speaker, text, line))
    return pieces


def read_captions(text: str, source: str, transcript_id: str, fmt: str) -> list[Transcript]:
    """Read a `vtt` or `srt` document."""
    lines = split_lines(text)
    first = next((line.strip().lstrip("\ufeff") for line in lines if line.strip()), "")
    cues = _cues(lines, source, fmt)
    if not cues:
        hint = format_hint(text, fmt)
        raise (WrongFormatError if hint else MalformedTranscriptError)(
            source, f"no caption cues found (no 'start --> end' lines){hint}"
        )
    builder = TurnBuilder()
    labelled = 0
    overlaps = 0
    previous_end: float | None = None
    for cue in cues:
        if previous_end is not None and cue.start < previous_end - 0.001:
            overlaps += 1
        previous_end = cue.end
        for speaker, body, line in _pieces(cue):
            if speaker:
                labelled += 1
                builder.add(speaker, body, start=cue.start, end=cue.end, line=line, merge=True)
            elif builder.turns:
                builder.append_text(body)
                if cue.end >= (builder.turns[-1].start or 0):
                    builder.turns[-1].end = cue.end
            else:
                builder.add("", body, start=cue.start, end=cue.end, line=line)  # "Unknown speaker"
    if not labelled:
        raise MalformedTranscriptError(
            source,
            "the captions carry no speaker names: expected '<v Name>text</v>' (Teams) "
            "or 'Name: text' (Zoom) in each cue",
            line=cues[0].line,
        )
    transcript = builder.build(transcript_id, source, fmt)
    if fmt == "vtt" and not first.startswith("WEBVTT"):
        transcript.warnings.append("no 'WEBVTT' header line; read as captions anyway")
    if overlaps:
        transcript.warnings.append(f"{overlaps} overlapping caption cue(s) kept in file order")
    return [transcript]
