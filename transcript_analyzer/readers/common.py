"""Helpers shared by the readers: timestamps, header synonyms, format sniffing, turn building."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache

from ..errors import EmptyTranscriptError
from ..model import Transcript, Turn
from .decode import normalise_text

# Hours are capped at 6 digits (over a century): longer digit runs are not times, and Python
# refuses to convert integers of more than 4300 digits.
_TIME = re.compile(r"^\s*(?:(\d{1,6}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?\s*$")

# Times are seconds from the start of the session. Larger values are not plausible as that
# (1e10 s is over 300 years; Unix-epoch seconds, which some chat exports use, still fit).
MAX_SECONDS = 1e10
UNKNOWN_SPEAKER = "Unknown speaker"
# Cells that mean "no value" in exports from pandas, R, SQL and spreadsheets.
_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "\\n"}
MAX_SPEAKER_CHARS = 80


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
    """A time cell: seconds as a number, or a clock time. Empty or unreadable gives None.

    Out-of-range numbers come back as they are (possibly inf or nan); `TurnBuilder` drops them
    with a warning.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            return math.inf
    text = str(value).strip()
    if not text:
        return None
    if len(text) > 64:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return parse_clock(text)


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def canonical_header(name: str) -> str:
    """Header key used to match synonyms: lower case, letters and digits only."""
    return _NOT_ALNUM.sub("", str(name).lower())


# Canonical field -> accepted header spellings (after canonical_header).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "speaker": ("speaker", "speakername", "interlocutor", "name", "speakerlabel", "author"),
    "text": ("text", "utterance", "utterancetext", "content", "transcript", "message"),
    "start": ("start", "starttime", "timestamp", "begin", "time"),
    "end": ("end", "endtime", "stop"),
    "role": ("role", "speakerrole"),
    "transcript_id": ("transcriptid", "sessionid", "conversationid", "dialogueid", "dialogid"),
    "turn_index": ("turnindex", "utteranceid", "turnid"),
    # Who and when (session_meta.py): one value per transcript, from its first row that has one.
    "supporter_name": ("supporter", "supportername", "supporterid", "peersupporter",
                       "peerspecialist"),
    "session_date": ("sessiondate", "date", "recordeddate", "recordedon", "dateofsession"),
}
IDENTITY_FIELDS = ("supporter_name", "session_date")


class GivenIdentity:
    """The supporter and session date an input states for each of its transcripts.

    Kept as `Transcript.metadata["given"]` = {"supporter" | "session_date": (value, where)}; a
    transcript whose rows disagree keeps the first value, with a warning naming both lines.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: dict[str, dict[str, tuple[str, str]]] = {}
        self.warnings: dict[str, list[str]] = {}

    def add(self, key: str, values: dict[str, str], line: int | None) -> None:
        for field_name in IDENTITY_FIELDS:
            value = (values.get(field_name) or "").strip()
            if not value:
                continue
            name = "supporter" if field_name == "supporter_name" else field_name
            where = f"{self.source}, line {line}" if line is not None else self.source
            seen = self.found.setdefault(key, {})
            if name not in seen:
                seen[name] = (value, where)
            elif seen[name][0] != value and not self.warnings.get((key, name)):
                self.warnings[(key, name)] = [
                    f"{name.replace('_', ' ')} differs within one transcript ({seen[name][0]!r} "
                    f"at {seen[name][1]}, {value!r} at line {line}), so the first is used"]

    def metadata(self, key: str) -> dict:
        found = self.found.get(key)
        return {"given": found, "given_via": "input"} if found else {}

    def warnings_for(self, key: str) -> list[str]:
        return [w for (k, _), ws in self.warnings.items() if k == key for w in ws]


def map_fields(headers: Iterable[str]) -> dict[str, str]:
    """Map canonical field names to the actual header present, first synonym wins."""
    headers = tuple(headers)
    if len(headers) <= 64:  # JSON Lines files repeat the same few keys on every line
        return dict(_map_fields_cached(headers))
    return _map_fields(headers)


@lru_cache(maxsize=256)
def _map_fields_cached(headers: tuple[str, ...]) -> dict[str, str]:
    return _map_fields(headers)


def _map_fields(headers: tuple[str, ...]) -> dict[str, str]:
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


_FORMAT_NAMES = {
    "json": "JSON (use .json, or --input-format json)",
    "jsonl": "JSON Lines (use .jsonl, or --input-format jsonl)",
    "vtt": "WebVTT captions (use .vtt, or --input-format vtt)",
    "srt": "SRT captions (use .srt, or --input-format srt)",
    "csv": "a CSV table (use .csv, or --input-format csv)",
    "tsv": "a tab-separated table (use .tsv, or --input-format tsv)",
    "html": "HTML or XML, not a transcript export",
    "rtf": "Rich Text (save it as .txt or .docx)",
}
_CAPTION_TIMING = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->", re.M)


def sniff_format(text: str) -> str | None:
    """A guess at what format some text really is, from its first few KB; None if unsure."""
    head = text[:4096].lstrip("\ufeff \t\r\n")
    if not head:
        return None
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith("{\\rtf"):
        return "rtf"
    if head[:1] == "<" and re.match(r"<(?:\?xml|!doctype|html|[a-z]+[\s>])", head, re.I):
        return "html"
    if _CAPTION_TIMING.search(head):
        return "srt" if re.search(r"\d,\d{3}\s*-->", head) else "vtt"
    if head[:1] in "[{":
        first = head.split("\n", 1)[0].strip()
        if head[:1] == "{" and first.endswith("}") and "\n{" in head:
            return "jsonl"
        return "json"
    first = head.split("\n", 1)[0]
    for delimiter, fmt in (("\t", "tsv"), (",", "csv"), (";", "csv"), ("|", "csv")):
        cells = first.split(delimiter)
        if len(cells) >= 2:
            fields = map_fields(cells)
            if "speaker" in fields and "text" in fields:
                return fmt
    return None


def format_hint(text: str, expected: str) -> str:
    """' (the content looks like …)' when the text sniffs as another format, else ''."""
    found = sniff_format(text)
    if found is None or found == expected or {found, expected} <= {"csv", "tsv"}:
        return ""
    return f"; the content looks like {_FORMAT_NAMES[found]}"


class TurnBuilder:
    """Accumulates turns, merging consecutive pieces by the same speaker when asked to.

    Captions split one person's speech across many cues; a reader calls `add(..., merge=True)`
    and the pieces become one turn whose start is the first cue's and end the last cue's. Text
    pieces are joined once, in `build`, so merging many cues stays linear.

    Values that cannot be right are repaired here, for every format, and reported in the
    transcript's warnings: missing speakers become "Unknown speaker", over-long labels are cut,
    and negative, infinite, NaN or absurdly large times are dropped.
    """

    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self._parts: list[list[str]] = []
        self._repairs: dict[str, list[int | None]] = {}

    def repair(self, kind: str, line: int | None) -> None:
        """Count one repair of `kind` (a phrase such as 'turn(s) had no speaker label')."""
        self._repairs.setdefault(kind, []).append(line)

    def clean_time(self, value: object, line: int | None) -> float | None:
        """A start/end value as seconds, or None; unusable values are dropped and counted."""
        if value is None:
            return None
        if type(value) is float and 0 <= value <= MAX_SECONDS:  # the common case, fast
            return value
        if isinstance(value, str) and value.strip().lower() in _MISSING:
            return None
        seconds = parse_time_value(value)
        if seconds is None:
            self.repair("time value(s) that are not a number of seconds or a clock time dropped",
                        line)
            return None
        if not (math.isfinite(seconds) and 0 <= seconds <= MAX_SECONDS):
            self.repair("negative, infinite or implausibly large time value(s) dropped", line)
            return None
        return seconds

    def add(
        self,
        speaker: str,
        text: str,
        *,
        start: object = None,
        end: object = None,
        line: int | None = None,
        role: str | None = None,
        merge: bool = False,
        index: int | None = None,
    ) -> None:
        text = normalise_text(text)
        speaker = normalise_text(speaker)
        unlabelled = not speaker
        if unlabelled:
            speaker = UNKNOWN_SPEAKER  # counted in build(), once we know the turn has text
        elif len(speaker) > MAX_SPEAKER_CHARS:
            speaker = speaker[:MAX_SPEAKER_CHARS].rstrip()
            self.repair(f"speaker label(s) longer than {MAX_SPEAKER_CHARS} characters cut", line)
        start = self.clean_time(start, line)
        end = self.clean_time(end, line)
        if start is not None and end is not None and end < start:
            self.repair("turn(s) ending before they start: end time dropped", line)
            end = None
        last = self.turns[-1] if self.turns else None
        if merge and last is not None and last.speaker == speaker:
            self._parts[-1].append(text)
            if end is not None:
                last.end = end
            return
        meta: dict = {"role_given": normalise_text(role)[:MAX_SPEAKER_CHARS]} if role else {}
        if unlabelled:
            meta["unlabelled"] = True
        self.turns.append(
            Turn(
                index=len(self.turns) if index is None else index,
                speaker=speaker,
                text="",
                start=start,
                end=end,
                line=line,
                meta=meta,
            )
        )
        self._parts.append([text])

    def append_text(self, text: str) -> bool:
        """Continue the previous turn; False when there is none to continue."""
        if not self.turns:
            return False
        self._parts[-1].append(normalise_text(text))
        return True

    def build(self, transcript_id: str, source: str, fmt: str, **metadata: object) -> Transcript:
        for turn, parts in zip(self.turns, self._parts):
            turn.text = " ".join(p for p in parts if p)
        turns = [t for t in self.turns if t.text]
        dropped = len(self.turns) - len(turns)
        for turn in turns:
            if turn.meta.pop("unlabelled", False):
                self.repair(f"turn(s) had no speaker label and were labelled "
                            f"{UNKNOWN_SPEAKER!r}", turn.line)
        if not turns:
            raise EmptyTranscriptError(source, "no turns with any text were found")
        positional = all(t.index == i for i, t in enumerate(self.turns))
        given = [t.index for t in turns]
        renumbered = not positional and len(set(given)) != len(given)
        if positional or renumbered:
            for i, turn in enumerate(turns):
                turn.index = i
        transcript = Transcript(
            id=transcript_id, source=source, turns=turns, metadata={"format": fmt, **metadata}
        )
        if dropped:
            transcript.warnings.append(f"{dropped} empty turn(s) skipped")
        if renumbered:
            transcript.warnings.append(
                "turn_index values repeat for different turns; all turns renumbered in file order"
            )
        for kind, lines in self._repairs.items():
            known = [n for n in lines if n is not None]
            where = f" (first at line {known[0]})" if known else ""
            transcript.warnings.append(f"{len(lines)} {kind}{where}")
        return transcript


def clean_id(value: object, fallback: str) -> str:
    """A transcript id from a file: scalar, normalised, at most 200 characters; else `fallback`."""
    text = scalar_text(value)
    text = normalise_text(text)[:200].strip() if text else ""
    return text or fallback


def scalar_text(value: object) -> str | None:
    """A JSON/CSV scalar as text ('' for null), or None when it is a list or an object."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(value) if math.isfinite(value) else ""
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # more than 4300 digits
            return ""
    return None
