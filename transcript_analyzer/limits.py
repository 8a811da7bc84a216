"""Size limits for inputs, so one stray file cannot stall or swamp a batch run.

Defaults, and why:

- `max_file_mb = 50`. A one-hour session is about 10,000 words, 60 KB as text and well under 1 MB
  as a Word file with a logo; a whole research corpus in one long CSV (AnnoMI: 133 sessions) is a
  few MB. 50 MB leaves room for long-format corpora while still refusing a video, an archive
  or a database dump that ended up in the folder by mistake, before it is read into memory (the
  readers hold a file's text several times over while parsing).
- `max_turn_words = 5000`. That is over half an hour of uninterrupted speech at 150 words a
  minute. The longest turn in the AnnoMI corpus has 246 words. A longer "turn" is nearly always a
  reading artefact: a pasted document, a caption file whose speaker labels were lost so
  everything merged into one turn, or a transcription engine stuck repeating itself. Each turn also
  goes through spaCy, which refuses texts over 1,000,000 characters and slows down on huge ones,
  so a turn is also cut at `20 * max_turn_words` characters (long words, URLs, or scripts written
  without spaces, where splitting on spaces does not find words).

A file over the size limit is an error (`FileTooLargeError`, E104): nothing useful can be said
about a file that was not read. A turn over the word limit is **truncated with a warning**, not an
error: the supervisor still gets the session's other turns scored, and the warning (carried into
`sessions.csv`'s `warnings` column) names the turn, its line and the option that raises the limit.
Only the over-long turn's own labels rest on partial text, and such a turn is a reading artefact
to look at anyway.

- `max_session_turns = 50_000`. A one-hour session has a few hundred turns (AnnoMI's longest:
  under 600); a day-long group chat a few thousand. A session is scored whole, at about 7 KB of
  memory per turn, so 50,000 turns is about 350 MB on top of the pipeline. A larger transcript
  is an error (E104) found while reading: a streamed CSV/TSV stops at the row that crosses the
  limit, without reading the rest; a JSON file is parsed whole first, which `max_file_mb`
  bounds (parsing takes about 20 times the file's size).

`0` means "no limit" for each setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import FileTooLargeError, UsageError
from .model import Transcript

CHARS_PER_WORD = 20
_MAX_TURN_WARNINGS = 5


@dataclass(frozen=True)
class Limits:
    """Input limits; `0` disables a limit. Validated on construction (`UsageError` if negative)."""

    max_file_mb: float = 50
    max_turn_words: int = 5000
    max_session_turns: int = 50_000

    def __post_init__(self) -> None:
        if not isinstance(self.max_file_mb, (int, float)) or isinstance(self.max_file_mb, bool) \
                or not self.max_file_mb >= 0:
            raise UsageError(f"max_file_mb must be a number >= 0 (0 = no limit), not "
                             f"{self.max_file_mb!r}")
        for name in ("max_turn_words", "max_session_turns"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise UsageError(f"{name} must be a whole number >= 0 (0 = no limit), not "
                                 f"{value!r}")

    @property
    def max_file_bytes(self) -> int | None:
        """The size limit in bytes (1 MB = 1,000,000 bytes), or None when there is none."""
        if not self.max_file_mb or self.max_file_mb == float("inf"):
            return None
        return int(self.max_file_mb * 1_000_000)

    @property
    def max_turn_chars(self) -> int | None:
        return self.max_turn_words * CHARS_PER_WORD if self.max_turn_words else None

    def check_file_size(self, size: int, source: str, *, what: str = "the file is") -> None:
        """Raise `FileTooLargeError` when `size` bytes is over the limit.

        Callers that read from disk should call this with the file's size *before* reading it.
        """
        limit = self.max_file_bytes
        if limit is not None and size > limit:
            raise FileTooLargeError(
                source,
                f"{what} {_mb(size)}, over the {_mb(limit)} limit; raise the limit with "
                f"--max-file-mb (for example --max-file-mb {_suggest(size)}), or split the file",
            )

    def check_session_turns(self, turns: int, source: str, transcript_id: str,
                            line: int | None = None) -> None:
        """Raise `FileTooLargeError` when one transcript has more than `max_session_turns`
        turns: a session is scored whole, so its size is what memory must hold."""
        limit = self.max_session_turns
        if limit and turns > limit:
            raise FileTooLargeError.quoting(
                transcript_id, source,
                f"transcript {transcript_id!r} has more than {limit:,} turns, over the limit "
                "for one session (scoring holds a whole session in memory, about 7 KB per "
                "turn); split it into sessions, or raise the limit with --max-session-turns",
                line=line,
            )

    def apply_turn_limit(self, transcript: Transcript) -> None:
        """Cut turns over `max_turn_words` words (or `max_turn_chars` characters), in place.

        Each cut is recorded in `transcript.warnings` with the turn, its line and both numbers;
        after the first few, the rest are summarised in one warning.
        """
        if not self.max_turn_words:
            return
        cut = 0
        for turn in transcript.turns:
            text = turn.text
            if len(text) <= self.max_turn_words:  # cannot hold more words than characters
                continue
            parts = text.split(maxsplit=self.max_turn_words)
            too_many_words = len(parts) > self.max_turn_words
            too_long = len(text) > self.max_turn_chars
            if not (too_many_words or too_long):
                continue
            words = len(text.split()) if too_many_words else len(parts)
            kept = " ".join(parts[: self.max_turn_words]) if too_many_words else text
            if len(kept) > self.max_turn_chars:
                kept = _cut_at_space(kept, self.max_turn_chars)
            cut += 1
            if cut <= _MAX_TURN_WARNINGS:
                where = (f"the turn by {turn.speaker[:40]!r} at "
                         + (f"line {turn.line} (turn_index {turn.index})" if turn.line
                            else f"turn_index {turn.index}"))
                if too_many_words:
                    size = f"{words:,} words"
                    kept_size = f"the first {len(kept.split()):,} words"
                else:
                    size = f"{len(text):,} characters"
                    kept_size = f"the first {len(kept):,} characters"
                transcript.warnings.append(
                    f"{where[:1].upper()}{where[1:]} has {size}; only {kept_size} were analysed. Raise the limit with "
                    f"--max-turn-words (now {self.max_turn_words:,}), or check the file: a turn "
                    "this long usually means speaker labels were lost"
                )
            turn.meta["truncated_from_words"] = words
            turn.text = kept
        if cut > _MAX_TURN_WARNINGS:
            transcript.warnings.append(
                f"{cut - _MAX_TURN_WARNINGS} more turn(s) over --max-turn-words were cut"
            )


DEFAULT_LIMITS = Limits()


def _cut_at_space(text: str, limit: int) -> str:
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space] if space > limit // 2 else head


def _mb(size: int) -> str:
    mb = size / 1_000_000
    return f"{mb:,.1f} MB" if mb >= 0.1 else f"{size:,} bytes"


def _suggest(size: int) -> int:
    """A round limit comfortably above `size` bytes, in MB."""
    mb = size / 1_000_000
    for step in (10, 50, 100, 500, 1000, 5000):
        if mb * 1.2 <= step:
            return step
    return int(mb * 1.2) + 1
