"""CSV and TSV transcripts, one turn per row, with header synonyms and a long format.

A `transcript_id` column (or a synonym) makes one file hold many transcripts, as researchers
keep them; AnnoMI's CSV is one. Annotated corpora repeat an utterance once per annotator, so rows
identical in transcript, turn, speaker and text are merged and counted in a warning.
The csv module is used rather than pandas so each row keeps its exact line number for errors.
"""

from __future__ import annotations

import csv
import io

from ..errors import TranscriptReadError
from ..model import Transcript
from .common import FIELD_SYNONYMS, TurnBuilder, map_fields, parse_time_value

csv.field_size_limit(16 * 1024 * 1024)


def _sniff_delimiter(text: str, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(text: str, source: str, transcript_id: str, fmt: str) -> list[Transcript]:
    delimiter = _sniff_delimiter(text, fmt)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise TranscriptReadError(source, f"could not read the header row ({exc})", line=1) from None
    fields = map_fields(header)
    for required in ("speaker", "text"):
        if required not in fields:
            accepted = ", ".join(f"'{s}'" for s in FIELD_SYNONYMS[required])
            raise TranscriptReadError(
                source,
                f"no {required} column: the header has {', '.join(repr(h) for h in header)}; "
                f"a {required} column may be called {accepted} (any case)",
                line=1,
            )
    position = {name: header.index(column) for name, column in fields.items()}
    builders: dict[str, TurnBuilder] = {}
    seen: set[tuple[str, ...]] = set()
    repeats: dict[str, int] = {}
    line_number = 1
    try:
        for row in reader:
            line_number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise TranscriptReadError(
                    source,
                    f"this row has {len(row)} fields but the header has {len(header)} "
                    "(a stray delimiter or a missing quote?)",
                    line=line_number,
                )
            values = {name: row[i] for name, i in position.items()}
            key = values.get("transcript_id", "").strip() or transcript_id
            identity = (key, values.get("turn_index", ""), values["speaker"], values["text"])
            if "turn_index" in values and identity in seen:
                repeats[key] = repeats.get(key, 0) + 1
                continue
            seen.add(identity)
            turn_index = values.get("turn_index", "").strip()
            builder = builders.setdefault(key, TurnBuilder())
            builder.add(
                values["speaker"],
                values["text"],
                start=parse_time_value(values.get("start")),
                end=parse_time_value(values.get("end")),
                role=values.get("role", "").strip() or None,
                line=line_number,
                index=int(turn_index) if turn_index.isdigit() else None,
            )
    except csv.Error as exc:
        raise TranscriptReadError(source, f"the table is malformed ({exc})", line=line_number) from None
    if not builders:
        raise TranscriptReadError(source, "the table has a header but no rows", line=1)
    long_format = "transcript_id" in fields
    transcripts = []
    for key, builder in builders.items():
        transcript = builder.build(key, source, fmt, long_format=long_format)
        if repeats.get(key):
            transcript.warnings.append(
                f"{repeats[key]} repeated row(s) (same turn, speaker and text, e.g. one per "
                "annotator) merged"
            )
        transcripts.append(transcript)
    return transcripts
