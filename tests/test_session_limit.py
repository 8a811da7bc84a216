"""One enormous transcript is refused early, with a clear error, instead of swamping memory.

A session is scored whole, so its number of turns is what memory must hold. Past
`max_session_turns` the transcript is an error row (E104) naming the option; a streamed CSV stops
reading at the row that crosses the limit.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main
from transcript_analyzer.errors import FileTooLargeError, UsageError
from transcript_analyzer.limits import Limits
from transcript_analyzer.readers import iter_file, load_transcripts


def _turns(n: int) -> list[dict]:
    return [{"speaker": "A" if i % 2 == 0 else "B", "text": f"turn number {i}"}
            for i in range(n)]


def test_a_json_transcript_over_the_turn_limit_is_an_error_naming_the_option(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(_turns(1_001)), encoding="utf-8")
    with pytest.raises(FileTooLargeError, match="more than 1,000 turns.*--max-session-turns"):
        load_transcripts(path, limits=Limits(max_session_turns=1_000))
    assert len(load_transcripts(path, limits=Limits(max_session_turns=1_001))[0].turns) == 1_001
    assert len(load_transcripts(path, limits=Limits(max_session_turns=0))[0].turns) == 1_001


class _Rows:
    """A CSV body that counts how many of its lines were read."""

    def __init__(self, lines: list[str]) -> None:
        self.lines, self.read = lines, 0

    def __iter__(self):
        for line in self.lines:
            self.read += 1
            yield line


def test_a_streamed_csv_stops_reading_at_the_row_over_the_limit(tmp_path):
    path = tmp_path / "long.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["transcript_id", "speaker", "text"])
        writer.writerows(["s1", t["speaker"], t["text"]] for t in _turns(5_000))
    with pytest.raises(FileTooLargeError) as caught:
        list(iter_file(path, "csv", limits=Limits(max_session_turns=100)))
    assert caught.value.line == 102  # the header, then the 101st row of s1
    from transcript_analyzer.readers.tables import iter_table

    text = path.read_text(encoding="utf-8")
    rows = _Rows(text.splitlines(keepends=True))
    with pytest.raises(FileTooLargeError):
        list(iter_table(rows, text[:2000], str(path), "long", "csv",
                        limits=Limits(max_session_turns=100)))
    assert rows.read < 200, "the rest of the file was read after the limit was crossed"


def test_score_lists_the_huge_session_in_errors_and_scores_the_rest(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "huge.json").write_text(json.dumps(_turns(300)), encoding="utf-8")
    (tmp_path / "in" / "small.json").write_text(json.dumps(_turns(6)), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out", str(out), "-j",
                                       "1", "--max-session-turns", "200"])
    assert result.exit_code == 1, result.output
    errors = pd.read_csv(out / "errors.csv")
    assert list(errors["code"]) == ["E104"] and "huge.json" in errors["source"].iloc[0]
    assert "--max-session-turns" in errors["error"].iloc[0]
    assert list(pd.read_csv(out / "sessions.csv")["transcript_id"]) == ["small"]


def test_the_limit_is_validated():
    with pytest.raises(UsageError, match="max_session_turns"):
        Limits(max_session_turns=-1)
