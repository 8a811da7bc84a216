"""Helpers shared by the readers: timestamps, header synonyms and turn building."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import EmptyTranscriptError
from ..model import Transcript, Turn
from .decode import normalise_text

_TIME = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?\s*$")


def parse_clock(value: str) -> float | None:
    """'01:02:03', '1:02', '00:01:02.500' or '00:01:02,5' to seconds; None if not a clock time."""
    match = _TIME.match(value)
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if fraction:
        total += int(fraction) / (10 ** len(fraction))
    return float(total)


def parse_time_value(value: object) -> float | None:
    """A time cell: seconds as a number, or a clock time. Empty gives None."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value == value else None
    text = str(value).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return parse_clock(text)


def canonical_header(name: str) -> str:
    """Header key used to match synonyms: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


# Canonical field -> accepted header spellings (after canonical_header).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "speaker": ("speaker", "speakername", "interlocutor", "name", "speakerlabel", "author"),
    "text": ("text", "utterance", "utterancetext", "content", "transcript", "message"),
    "start": ("start", "starttime", "timestamp", "begin", "time"),
    "end": ("end", "endtime", "stop"),
    "role": ("role", "speakerrole"),
    "transcript_id": ("transcriptid", "sessionid", "conversationid", "dialogueid", "dialogid"),
    "turn_index": ("turnindex", "utteranceid", "turnid"),
}


def map_fields(headers: Iterable[str]) -> dict[str, str]:
    """Map canonical field names to the actual header present, first synonym wins."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(canonical_header(header), header)
    mapping: dict[str, str] = {}
    for field_name, synonyms in FIELD_SYNONYMS.items():
        for synonym in synonyms:
            if synonym in by_key:
                mapping[field_name] = by_key[synonym]
                break
    return mapping


class TurnBuilder:
    """Accumulates turns, merging consecutive pieces by the same speaker when asked to.

    Captions split one person's speech across many cues; a reader calls `add(..., merge=True)`
    and the pieces become one turn whose start is the first cue's and end the last cue's.
    """

    def __init__(self) -> None:
        self.turns: list[Turn] = []

    def add(
        self,
        speaker: str,
        text: str,
        *,
        start: float | None = None,
        end: float | None = None,
        line: int | None = None,
        role: str | None = None,
        merge: bool = False,
        index: int | None = None,
    ) -> None:
        speaker = normalise_text(speaker)
        text = normalise_text(text)
        last = self.turns[-1] if self.turns else None
        if merge and last is not None and last.speaker == speaker:
            last.text = f"{last.text} {text}".strip()
            if end is not None:
                last.end = end
            return
        meta = {"role_given": role} if role else {}
        self.turns.append(
            Turn(
                index=len(self.turns) if index is None else index,
                speaker=speaker,
                text=text,
                start=start,
                end=end,
                line=line,
                meta=meta,
            )
        )

    def append_text(self, text: str) -> bool:
        """Continue the previous turn; False when there is none to continue."""
        if not self.turns:
            return False
        self.turns[-1].text = f"{self.turns[-1].text} {normalise_text(text)}".strip()
        return True

    def build(self, transcript_id: str, source: str, fmt: str, **metadata: object) -> Transcript:
        turns = [t for t in self.turns if t.text]
        dropped = len(self.turns) - len(turns)
        if not turns:
            raise EmptyTranscriptError(source, "no turns with any text were found")
        if self.turns and all(t.index == i for i, t in enumerate(self.turns)):
            for i, turn in enumerate(turns):
                turn.index = i
        transcript = Transcript(
            id=transcript_id, source=source, turns=turns, metadata={"format": fmt, **metadata}
        )
        if dropped:
            transcript.warnings.append(f"{dropped} empty turn(s) skipped")
        return transcript
