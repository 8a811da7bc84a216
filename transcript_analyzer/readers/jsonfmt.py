"""JSON and JSONL transcripts.

JSON: a list of turns `[{speaker, text, start?, end?, role?}]`, or an object with the turns under
`turns` (also `utterances`, `dialog`) and optional `id` and `metadata`.
JSONL: one turn per line, or one whole transcript object per line (each becomes a transcript).
Field names accept the same synonyms as CSV headers.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import TranscriptReadError
from ..model import Transcript
from .common import FIELD_SYNONYMS, TurnBuilder, map_fields, parse_time_value
from .decode import split_lines

_TURN_KEYS = ("turns", "utterances", "dialog", "dialogue", "messages")


def _turn_list(obj: Any) -> list[Any] | None:
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict):
        for key in _TURN_KEYS:
            if isinstance(obj.get(key), list):
                return obj[key]
    return None


def _build(
    items: list[Any], source: str, transcript_id: str, fmt: str, line: int | None, meta: dict
) -> Transcript:
    builder = TurnBuilder()
    for position, item in enumerate(items):
        where = line if line is not None else None
        if not isinstance(item, dict):
            raise TranscriptReadError(
                source, f"turn {position + 1} is not an object with 'speaker' and 'text'", line=where
            )
        fields = map_fields(item)
        for required in ("speaker", "text"):
            if required not in fields:
                raise TranscriptReadError(
                    source,
                    f"turn {position + 1} has no {required!r} field (accepted names: "
                    f"{', '.join(FIELD_SYNONYMS[required])})",
                    line=where,
                )
        role = item.get(fields["role"]) if "role" in fields else None
        builder.add(
            str(item[fields["speaker"]]),
            str(item[fields["text"]] if item[fields["text"]] is not None else ""),
            start=parse_time_value(item.get(fields.get("start", ""), None)),
            end=parse_time_value(item.get(fields.get("end", ""), None)),
            role=str(role) if role else None,
            line=where,
        )
    return builder.build(transcript_id, source, fmt, **meta)


def _metadata(obj: Any) -> dict:
    if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
        return {"source_metadata": obj["metadata"]}
    return {}


def read_json(text: str, source: str, transcript_id: str) -> list[Transcript]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptReadError(
            source, f"the JSON is malformed or cut off ({exc.msg})", line=exc.lineno
        ) from None
    items = _turn_list(obj)
    if items is None:
        raise TranscriptReadError(
            source, "expected a list of turns or an object with a 'turns' list", line=1
        )
    tid = str(obj.get("id", transcript_id)) if isinstance(obj, dict) else transcript_id
    return [_build(items, source, tid, "json", None, _metadata(obj))]


def read_jsonl(text: str, source: str, transcript_id: str) -> list[Transcript]:
    turn_rows: list[dict] = []
    transcripts: list[Transcript] = []
    for number, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TranscriptReadError(
                source, f"this line is not valid JSON ({exc.msg})", line=number
            ) from None
        items = _turn_list(obj)
        if isinstance(obj, dict) and items is not None:
            tid = str(obj.get("id", f"{transcript_id}-{len(transcripts) + 1}"))
            transcripts.append(_build(items, source, tid, "jsonl", number, _metadata(obj)))
        elif isinstance(obj, dict):
            turn_rows.append({**obj, "__line": number})
        else:
            raise TranscriptReadError(source, "expected a JSON object on each line", line=number)
    if turn_rows and transcripts:
        raise TranscriptReadError(
            source, "mixes whole transcripts and single turns on separate lines", line=1
        )
    if turn_rows:
        return _jsonl_turns(turn_rows, source, transcript_id)
    if not transcripts:
        raise TranscriptReadError(source, "no JSON lines found")
    return transcripts


def _jsonl_turns(rows: list[dict], source: str, transcript_id: str) -> list[Transcript]:
    """Turn-per-line JSONL; a transcript_id field splits it into several transcripts."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        fields = map_fields(row)
        key = str(row[fields["transcript_id"]]) if "transcript_id" in fields else transcript_id
        groups.setdefault(key, []).append(row)
    result = []
    for key, group in groups.items():
        try:
            result.append(_build(group, source, key, "jsonl", None, {}))
        except TranscriptReadError as exc:
            raise TranscriptReadError(source, exc.reason, line=group[0]["__line"]) from None
    return result
