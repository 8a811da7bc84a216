"""JSON and JSONL transcripts.

JSON: a list of turns `[{speaker, text, start?, end?, role?}]`, or an object with the turns under
`turns` (also `utterances`, `dialog`) and optional `id` and `metadata`.
JSONL: one turn per line, or one whole transcript object per line (each becomes a transcript).
Field names accept the same synonyms as CSV headers.

Types are checked, not trusted: a number as speaker or text is used as text (speakers are often
numbered), null text is an empty turn (skipped with a warning), and a list or object where text is
expected is an error naming the turn. Integers too long to be a number of seconds are read as
floats (and then dropped as times), and nesting deeper than Python can parse is an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import MalformedTranscriptError, TranscriptReadError, WrongFormatError
from ..model import Transcript
from .common import (
    FIELD_SYNONYMS,
    IDENTITY_FIELDS,
    GivenIdentity,
    TurnBuilder,
    clean_id,
    format_hint,
    map_fields,
    scalar_text,
)
from .decode import split_lines

_TURN_KEYS = ("turns", "utterances", "dialog", "dialogue", "messages")
_MAX_METADATA_DEPTH = 20


def _parse_int(digits: str) -> int | float:
    # Python refuses to convert integers of more than 4300 digits; no field needs more than 100.
    return int(digits) if len(digits) <= 100 else float(digits)


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_parse_int)


def _turn_list(obj: Any) -> list[Any] | None:
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict):
        for key in _TURN_KEYS:
            if isinstance(obj.get(key), list):
                return obj[key]
    return None


def _field_text(item: dict, fields: dict[str, str], name: str, position: int, source: str,
                line: int | None) -> str:
    value = scalar_text(item[fields[name]])
    if value is None:
        raise MalformedTranscriptError(
            source,
            f"turn {position + 1}: {fields[name]!r} is a {type(item[fields[name]]).__name__}, "
            "expected text",
            line=line,
        )
    return value


def _build(
    items: list[Any], source: str, transcript_id: str, fmt: str, lines: list[int | None], meta: dict
) -> Transcript:
    builder = TurnBuilder()
    for position, (item, line) in enumerate(zip(items, lines)):
        if not isinstance(item, dict):
            raise MalformedTranscriptError(
                source, f"turn {position + 1} is not an object with 'speaker' and 'text'",
                line=line,
            )
        fields = map_fields(item)
        for required in ("speaker", "text"):
            if required not in fields:
                raise MalformedTranscriptError(
                    source,
                    f"turn {position + 1} has no {required!r} field (accepted names: "
                    f"{', '.join(FIELD_SYNONYMS[required])})",
                    line=line,
                )
        role = scalar_text(item[fields["role"]]) if "role" in fields else None
        builder.add(
            _field_text(item, fields, "speaker", position, source, line),
            _field_text(item, fields, "text", position, source, line),
            start=_time_field(item, fields, "start"),
            end=_time_field(item, fields, "end"),
            role=role or None,
            line=line,
        )
    return builder.build(transcript_id, source, fmt, **meta)


def _time_field(item: dict, fields: dict[str, str], name: str) -> object:
    if name not in fields:
        return None
    value = item[fields[name]]
    return value if isinstance(value, (str, int, float)) or value is None else "?"


def _depth_ok(obj: Any, limit: int) -> bool:
    """True when `obj` nests no deeper than `limit` levels (checked without deep recursion)."""
    stack = [(obj, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return True


def _metadata(obj: Any, warnings: list[str]) -> dict:
    if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
        if _depth_ok(obj["metadata"], _MAX_METADATA_DEPTH):
            return {"source_metadata": obj["metadata"]}
        warnings.append(f"'metadata' nested over {_MAX_METADATA_DEPTH} levels deep; ignored")
    return {}


def _too_deep(source: str, line: int | None = None) -> TranscriptReadError:
    return MalformedTranscriptError(
        source, "the JSON is nested too deeply to read (over about 1,000 levels)", line=line
    )


def read_json(text: str, source: str, transcript_id: str) -> list[Transcript]:
    try:
        obj = _loads(text)
    except json.JSONDecodeError as exc:
        hint = format_hint(text, "json")
        raise (WrongFormatError if hint else MalformedTranscriptError)(
            source, f"the JSON is malformed or cut off ({exc.msg}){hint}", line=exc.lineno
        ) from None
    except RecursionError:
        raise _too_deep(source) from None
    items = _turn_list(obj)
    if items is None:
        raise MalformedTranscriptError(
            source, "expected a list of turns or an object with a 'turns' list", line=1
        )
    tid = clean_id(obj.get("id"), transcript_id) if isinstance(obj, dict) else transcript_id
    warnings: list[str] = []
    transcript = _build(items, source, tid, "json", [None] * len(items), _metadata(obj, warnings))
    transcript.warnings.extend(warnings)
    return [transcript]


def read_jsonl(text: str, source: str, transcript_id: str) -> list[Transcript]:
    return list(iter_jsonl(split_lines(text), text, source, transcript_id))


def iter_jsonl(lines: Iterable[str], sample: str, source: str, transcript_id: str
               ) -> Iterator[Transcript]:
    """Transcripts of JSON Lines read line by line; `sample` (the start of the text) gives hints.

    A file of whole transcripts, one per line, yields each as soon as its line is read, so a
    corpus of any size is read in constant memory. Turn-per-line files are grouped by their
    transcript_id wherever the lines are, so they are held until the end.
    """
    turn_rows: list[tuple[int, dict]] = []
    count = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = _loads(line)
        except json.JSONDecodeError as exc:
            hint = format_hint(sample, "jsonl") if number == 1 else ""
            raise (WrongFormatError if hint else MalformedTranscriptError)(
                source, f"this line is not valid JSON ({exc.msg}){hint}", line=number
            ) from None
        except RecursionError:
            raise _too_deep(source, number) from None
        items = _turn_list(obj)
        if isinstance(obj, dict) and items is not None:
            if turn_rows:
                raise _mixed(source, turn_rows[0][0])
            count += 1
            tid = clean_id(obj.get("id"), f"{transcript_id}-{count}")
            warnings: list[str] = []
            transcript = _build(items, source, tid, "jsonl", [number] * len(items),
                                _metadata(obj, warnings))
            transcript.warnings.extend(warnings)
            yield transcript
        elif isinstance(obj, dict):
            if count:
                raise _mixed(source, number)
            turn_rows.append((number, obj))
        else:
            raise MalformedTranscriptError(
                source, "expected a JSON object on each line", line=number
            )
    if turn_rows:
        yield from _jsonl_turns(turn_rows, source, transcript_id)
    elif not count:
        raise MalformedTranscriptError(source, "no JSON lines found")


def _mixed(source: str, line: int) -> MalformedTranscriptError:
    return MalformedTranscriptError(
        source, "mixes whole transcripts and single turns on separate lines", line=line)


def _jsonl_turns(rows: list[tuple[int, dict]], source: str, transcript_id: str
                 ) -> list[Transcript]:
    """Turn-per-line JSONL; a transcript_id field splits it into several transcripts."""
    groups: dict[str, list[tuple[int, dict]]] = {}
    for number, row in rows:
        fields = map_fields(row)
        key = clean_id(row[fields["transcript_id"]], transcript_id) \
            if "transcript_id" in fields else transcript_id
        groups.setdefault(key, []).append((number, row))
    given = GivenIdentity(source)
    for key, group in groups.items():
        for number, row in group:
            fields = map_fields(row)
            given.add(key, {name: scalar_text(row[fields[name]]) or ""
                            for name in IDENTITY_FIELDS if name in fields}, number)
    transcripts = []
    for key, group in groups.items():
        transcript = _build([row for _, row in group], source, key, "jsonl",
                            [n for n, _ in group], given.metadata(key))
        transcript.warnings.extend(given.warnings_for(key))
        transcripts.append(transcript)
    return transcripts
