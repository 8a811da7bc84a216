"""CSV and TSV transcripts, one turn per row, with header synonyms and a long format.

A `transcript_id` column (or a synonym) makes one file hold many transcripts, as researchers
keep them; AnnoMI's CSV is one. Annotated corpora repeat an utterance once per annotator, so rows
identical in transcript, turn, speaker and text are merged and counted in a warning.
The csv module is used rather than pandas so each row keeps its exact line number for errors.

The delimiter is the one of `,` `;` tab `|` that the header row uses most (outside quotes). That is
predictable and fast; `csv.Sniffer` guesses from a sample with regular expressions that can take
seconds on odd input and sometimes pick a character inside the text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import EmptyTranscriptError, MalformedTranscriptError, WrongFormatError
from ..limits import Limits
from ..model import Transcript
from .common import (
    FIELD_SYNONYMS,
    GivenIdentity,
    TurnBuilder,
    clean_id,
    format_hint,
    map_fields,
)
from .decode import normalise_text

csv.field_size_limit(16 * 1024 * 1024)

_DELIMITERS = ",;\t|"
_NAMES = {",": "','", ";": "';'", "\t": "a tab", "|": "'|'"}
_MAX_INDEX_DIGITS = 9


def _header_line(text: str) -> str:
    for line in text[:65536].splitlines():
        if line.strip():
            return line
    return ""


def _count_outside_quotes(line: str, char: str) -> int:
    return sum(part.count(char) for part in line.split('"')[0::2])


def _delimiter(text: str, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    header = _header_line(text)
    counts = {d: _count_outside_quotes(header, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])  # ties: the earlier, so ',' first
    return best if counts[best] else ","


def _show_header(header: list[str]) -> str:
    shown = ", ".join(repr(h[:40]) for h in header[:12])
    return shown + (f" and {len(header) - 12} more" if len(header) > 12 else "")


def read_table(text: str, source: str, transcript_id: str, fmt: str) -> list[Transcript]:
    """Every transcript in a table held in memory; a transcript's rows may be anywhere."""
    return list(iter_table(io.StringIO(text, newline=""), text, source, transcript_id, fmt,
                           contiguous=False))


def iter_table(lines: Iterable[str], sample: str, source: str, transcript_id: str, fmt: str,
               contiguous: bool = True, limits: Limits | None = None) -> Iterator[Transcript]:
    """Transcripts from a table read row by row; `sample` (the start of the text) decides the
    delimiter and hints.

    With `contiguous`, each transcript is yielded as soon as its rows end, so a long-format file
    of any size is read in constant memory; its rows must then be grouped together, and a
    transcript whose rows start again after another's is an error naming the line. With
    `limits`, a transcript that grows past `max_session_turns` stops the reading at that row.
    """
    for rows in iter_table_rows(lines, sample, source, transcript_id, fmt, contiguous, limits):
        yield rows.build()


@dataclass
class TableRows:
    """The rows of one transcript of a table, checked but not yet made into turns.

    Everything that can stop a file's reading (a malformed row, a transcript's rows starting
    again, one over the turn limit, one without any text) is found while the rows are grouped;
    making the turns cannot fail. So `score -j N` can group rows in the reading process and
    leave the making, most of a table's reading time, to its workers.
    """

    key: str
    source: str
    fmt: str
    long_format: bool
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    repeats: int = 0

    def build(self) -> Transcript:
        builder = TurnBuilder()
        given = GivenIdentity(self.source)
        for line, values in self.rows:
            given.add(self.key, values, line)
            builder.add(
                values["speaker"],
                values["text"],
                start=values.get("start"),
                end=values.get("end"),
                role=values.get("role", "").strip() or None,
                line=line,
                index=_index(values.get("turn_index", "").strip()),
            )
        return _finish(builder, self.key, self.source, self.fmt, self.long_format,
                       self.repeats, given)

    def words(self) -> int:
        """Words as `scoring.batched` counts a transcript's."""
        return sum(values["text"].count(" ") + 1 for _, values in self.rows)


def _checked_rows(rows: TableRows) -> TableRows:
    if not any(normalise_text(values["text"]) for _, values in rows.rows):
        raise EmptyTranscriptError(rows.source, "no turns with any text were found")
    return rows


def iter_table_rows(lines: Iterable[str], sample: str, source: str, transcript_id: str,
                    fmt: str, contiguous: bool = True, limits: Limits | None = None
                    ) -> Iterator[TableRows]:
    """`iter_table`'s transcripts as their checked rows, in the same order, with the same
    errors at the same rows."""
    max_turns = limits.max_session_turns if limits else 0
    text = sample
    delimiter = _delimiter(text, fmt)
    reader = csv.reader(lines, delimiter=delimiter)
    header: list[str] = []
    header_line = 1
    try:
        for header in reader:
            header_line = reader.line_num
            if any(cell.strip() for cell in header):
                break
    except csv.Error as exc:
        raise MalformedTranscriptError(
            source, f"could not read the header row ({exc})", line=reader.line_num
        ) from None
    fields = map_fields(header)
    for required in ("speaker", "text"):
        if required not in fields:
            accepted = ", ".join(f"'{s}'" for s in FIELD_SYNONYMS[required])
            hint = format_hint(text, fmt)
            raise (WrongFormatError if hint else MalformedTranscriptError)(
                source,
                f"no {required} column: the header has {_show_header(header)}; "
                f"a {required} column may be called {accepted} (any case){hint}",
                line=header_line,
            )
    position = {name: header.index(column) for name, column in fields.items()}
    pending: dict[str, TableRows] = {}
    seen: set[tuple[str, ...]] = set()
    finished: set[str] = set()
    current: str | None = None
    yielded = 0
    long_format = "transcript_id" in fields
    line_number = header_line
    try:
        for row in reader:
            line_number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) and not any(cell.strip() for cell in row[len(header):]):
                row = row[: len(header)]  # trailing empty cells, as spreadsheets export them
            if len(row) != len(header):
                raise MalformedTranscriptError(
                    source,
                    f"this row has {len(row)} fields but the header has {len(header)} "
                    f"(a stray delimiter or a missing quote?){_other_delimiter(row, delimiter)}",
                    line=line_number,
                )
            values = {name: row[i] for name, i in position.items()}
            stray = [d for d in _DELIMITERS if d != delimiter and d in values["speaker"]]
            if stray:
                raise MalformedTranscriptError(
                    source,
                    f"the speaker cell {values['speaker'][:40]!r} contains {_NAMES[stray[0]]} "
                    f"but the header is separated by {_NAMES[delimiter]} (mixed delimiters?)",
                    line=line_number,
                )
            key = clean_id(values.get("transcript_id"), transcript_id)
            if contiguous and key != current:
                if current is not None:
                    finished.add(current)
                    yield _checked_rows(pending.pop(current))
                    yielded += 1
                    seen.clear()
                if key in finished:
                    raise MalformedTranscriptError.quoting(
                        key,
                        source,
                        f"rows of transcript {key!r} start again here, after other "
                        "transcripts; keep each transcript's rows together (sort the file by "
                        "transcript_id)",
                        line=line_number,
                    )
                current = key
            rows = pending.get(key)
            if rows is None:
                rows = pending[key] = TableRows(key, source, fmt, long_format)
            identity = (key, values.get("turn_index", ""), values["speaker"], values["text"])
            if "turn_index" in values and identity in seen:
                rows.repeats += 1
                continue
            seen.add(identity)
            rows.rows.append((line_number, values))
            if max_turns and len(rows.rows) > max_turns:  # stop here, read no further
                limits.check_session_turns(len(rows.rows), source, key, line_number)
    except csv.Error as exc:
        raise MalformedTranscriptError(
            source, f"the table is malformed ({exc})", line=line_number
        ) from None
    if not pending and not yielded:
        raise MalformedTranscriptError(source, "the table has a header but no rows",
                                       line=header_line)
    for rows in pending.values():
        yield _checked_rows(rows)


def _finish(builder: TurnBuilder, key: str, source: str, fmt: str, long_format: bool,
            repeats: int, given: GivenIdentity) -> Transcript:
    transcript = builder.build(key, source, fmt, long_format=long_format,
                               **given.metadata(key))
    transcript.warnings.extend(given.warnings_for(key))
    if repeats:
        transcript.warnings.append(
            f"{repeats} repeated row(s) (same turn, speaker and text, e.g. one per "
            "annotator) merged"
        )
    return transcript


def _index(value: str) -> int | None:
    """A turn_index cell as a number; None when it is not plain ASCII digits of sane length."""
    if value.isascii() and value.isdigit() and len(value) <= _MAX_INDEX_DIGITS:
        return int(value)
    return None


def _other_delimiter(row: list[str], delimiter: str) -> str:
    joined = delimiter.join(row)
    others = [d for d in _DELIMITERS if d != delimiter and _count_outside_quotes(joined, d)]
    if len(row) == 1 and others:
        return (f"; this row seems to use {_NAMES[others[0]]} where the header uses "
                f"{_NAMES[delimiter]} (mixed delimiters)")
    return ""
