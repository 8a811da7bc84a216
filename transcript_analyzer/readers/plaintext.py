"""Plain-text transcripts: `Speaker: text` lines with optional timestamps.

Accepted line shapes:
- `Dana: text`, `[00:01:02] Dana: text`, `00:01:02 Dana: text`, `(1:02) Dana: text`
- `Dana (00:01:02): text` and `Dana [00:01:02]: text`
- Otter-style headers: `Speaker 1  0:05` alone on a line, the words on the following lines.
A line without a speaker label continues the previous turn. Lines before the first label (a
title, a date) are kept as the transcript's preamble, not as speech.
"""

from __future__ import annotations

import re

from ..errors import MalformedTranscriptError, WrongFormatError
from ..model import Transcript
from .common import TurnBuilder, format_hint, parse_clock, sniff_format
from .decode import split_lines

_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# A speaker label: 1-5 words, no sentence punctuation, not starting with a digit-only token.
_LABEL = r"[^\W\d][\w.'\- ()&/]{0,38}?"
# No two adjacent `\s*` around an optional group: that made a line with a long run of spaces
# take quadratic time (a 16 KB run took a minute). Lines also have runs of 3+ spaces squeezed to
# two before matching (two are kept: Otter headers are "Name  0:05").
_LINE = re.compile(
    rf"^\s*(?:[\[(]?(?P<t1>{_CLOCK})[\])]?\s*(?:[-–]\s*)?)?"
    rf"(?P<speaker>{_LABEL})\s*(?:[\[(](?P<t2>{_CLOCK})[\])]\s*)?:\s+(?P<text>.*)$"
)
_SPACES = re.compile(r"[ \t]{3,}")
_HEADER = re.compile(rf"^\s*(?P<speaker>{_LABEL})\s{{2,}}(?P<t>{_CLOCK})\s*$")
_MAX_LABEL_WORDS = 5


def _label_ok(label: str) -> bool:
    words = label.split()
    return 0 < len(words) <= _MAX_LABEL_WORDS and not label.lower().startswith(("http", "www"))


def parse_lines(
    lines: list[tuple[int, str]], source: str, transcript_id: str, fmt: str
) -> Transcript:
    """Parse numbered lines; shared with the DOCX reader, whose 'lines' are paragraphs."""
    builder = TurnBuilder()
    preamble: list[str] = []
    pending_header: tuple[str, float | None, int] | None = None
    for number, raw in lines:
        line = _SPACES.sub("  ", raw.strip())
        if not line:
            continue
        match = _LINE.match(line)
        if match and _label_ok(match["speaker"]):
            clock = match["t1"] or match["t2"]
            builder.add(
                match["speaker"].strip(),
                match["text"],
                start=parse_clock(clock) if clock else None,
                line=number,
            )
            pending_header = None
            continue
        header = _HEADER.match(line)
        if header and _label_ok(header["speaker"]):
            pending_header = (header["speaker"].strip(), parse_clock(header["t"]), number)
            continue
        if pending_header is not None:
            speaker, start, header_line = pending_header
            builder.add(speaker, line, start=start, line=header_line)
            pending_header = None
            continue
        if not builder.append_text(line):
            preamble.append(line)
    if not builder.turns:
        first = next((n for n, raw in lines if raw.strip()), 1)
        hint = format_hint("\n".join(raw for _, raw in lines[:200]), fmt)
        error = WrongFormatError if hint else MalformedTranscriptError
        raise error(
            source,
            "no speaker labels found: expected lines such as 'Dana: How are you?' "
            f"or '[00:01:02] Dana: How are you?'{hint}",
            line=first,
        )
    metadata = {"preamble": _preamble(preamble)} if preamble else {}
    return builder.build(transcript_id, source, fmt, **metadata)


def _preamble(lines: list[str], limit: int = 500) -> str:
    """Lines before the first label, joined; cut at `limit` characters (it is a title, a date)."""
    text = " / ".join(lines[:20])
    return text if len(text) <= limit else text[:limit].rstrip() + "..."


def read_plaintext(text: str, source: str, transcript_id: str) -> list[Transcript]:
    """Read a plain-text transcript; captions saved as .txt are read as captions, with a warning.

    (Read as text, their timing lines would be glued into the turns as words.)
    """
    found = sniff_format(text)
    if found in ("vtt", "srt"):
        from .captions import read_captions

        transcripts = read_captions(text, source, transcript_id, found)
        for transcript in transcripts:
            transcript.warnings.insert(
                0, f"the text file holds {found.upper()} captions; read as captions"
            )
        return transcripts
    lines = list(enumerate(split_lines(text), start=1))
    return [parse_lines(lines, source, transcript_id, "text")]
