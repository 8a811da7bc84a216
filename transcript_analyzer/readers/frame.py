"""A long-format pandas DataFrame (one row per turn) as Transcripts, as a CSV file would be read.

Researchers often hold transcripts in a DataFrame already (ConvoKit's `from_pandas`, AnnoMI
loaded with pandas). Each row goes through the same `TurnBuilder` as a row of a CSV file, with
the same header synonyms, so a table scores the same whether it arrives as a file or a frame.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..errors import MalformedTranscriptError
from ..model import Transcript
from .common import FIELD_SYNONYMS, GivenIdentity, TurnBuilder, clean_id, map_fields
from .tables import _finish, _index

if TYPE_CHECKING:
    import pandas as pd

FRAME_SOURCE = "<dataframe>"
FRAME_FORMAT = "dataframe"
DEFAULT_ID = "transcript"


def _cell(value: Any) -> Any:
    """A cell as the CSV reader would see it: missing values (None, NaN, NaT) are empty."""
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # lists and other non-scalars are not missing values
        pass
    return value


def _text(value: Any) -> str:
    value = _cell(value)
    return "" if value is None else str(value)


def _turn_index(value: Any) -> int | None:
    value = _cell(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)  # a column of ints with a gap becomes float in pandas
    return None if value is None else _index(str(value).strip())


def read_frame(frame: pd.DataFrame, source: str = FRAME_SOURCE) -> list[Transcript]:
    """Transcripts of a long-format DataFrame, in order of first appearance of each id.

    Needs `speaker` and `text` columns (or their CSV synonyms); `transcript_id`, `turn_index`,
    `role`, `start` and `end` are used when present. Rows repeated once per annotator are
    merged, as in a CSV file. Errors name `source` and the row (1-based, counting the header
    as row 1, as a CSV line would).
    """
    header = [str(c) for c in frame.columns]
    fields = map_fields(header)
    for required in ("speaker", "text"):
        if required not in fields:
            accepted = ", ".join(f"'{s}'" for s in FIELD_SYNONYMS[required])
            raise MalformedTranscriptError(
                source, f"no {required} column: the DataFrame has columns "
                f"{', '.join(repr(h) for h in header[:12]) or '(none)'}; a {required} column "
                f"may be called {accepted} (any case)", line=1)
    if len(frame) == 0:
        raise MalformedTranscriptError(source, "the DataFrame has no rows", line=1)
    position = {name: header.index(column) for name, column in fields.items()}
    long_format = "transcript_id" in fields
    builders: dict[str, TurnBuilder] = {}
    seen: set[tuple[str, ...]] = set()
    repeats: dict[str, int] = {}
    given = GivenIdentity(source)  # supporter / session_date columns, as in a long CSV
    for row_number, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        values = {name: row[i] for name, i in position.items()}
        key = clean_id(_text(values.get("transcript_id")), DEFAULT_ID)
        identity = (key, _text(values.get("turn_index")), _text(values["speaker"]),
                    _text(values["text"]))
        if "turn_index" in values and identity in seen:
            repeats[key] = repeats.get(key, 0) + 1
            continue
        seen.add(identity)
        given.add(key, {name: _text(value) for name, value in values.items()}, row_number)
        role = _text(values.get("role")).strip() or None
        builders.setdefault(key, TurnBuilder()).add(
            _text(values["speaker"]), _text(values["text"]),
            start=_cell(values.get("start")), end=_cell(values.get("end")),
            role=role, line=row_number, index=_turn_index(values.get("turn_index")))
    return [_finish(builder, key, source, FRAME_FORMAT, long_format, repeats.get(key, 0), given)
            for key, builder in builders.items()]
