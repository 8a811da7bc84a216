"""Rows of a long input are written as they come, in bounded chunks, with the same bytes."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main
from transcript_analyzer.schema import UTTERANCE_COLUMNS
from transcript_analyzer.writers import TableWriter, render_rows


def _long_csv(path, sessions: int) -> None:
    lines = [("therapist", "What has the week been like, é?"), ("client", "Long. The GP rang."),
             ("therapist", "So the CBT referral is on your mind."), ("client", "=1+1 maybe")]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["transcript_id", "utterance_id", "interlocutor", "utterance_text"])
        for k in range(sessions):
            for i, (role, text) in enumerate(lines):
                writer.writerow([f"s{k}", i, role, f"{text} ({k})"])


def test_buffered_rows_reach_the_file_before_the_input_ends(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(TableWriter, "MAX_BUFFERED_ROWS", 3)
    writer = TableWriter(tmp_path / "t.csv", UTTERANCE_COLUMNS, "csv")
    rows = [{"transcript_id": f"t{i}", "text": "Ω"} for i in range(7)]
    chunks = [render_rows([row], UTTERANCE_COLUMNS, "csv") for row in rows]
    for chunk in chunks[:4]:
        writer.write_rendered(chunk, 1)
    writer._handle.flush()
    assert (tmp_path / "t.csv").read_bytes().count(b"\n") >= 4  # the header and 3 rows
    assert writer.buffered < 3
    for chunk in chunks[4:]:
        writer.write_rendered(chunk, 1)
    writer.close()
    text = (tmp_path / "t.csv").read_bytes().decode("utf-8")
    assert text.split("\n", 1)[1] == "".join(chunks)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_long_input_written_in_chunks_is_byte_identical(tmp_path, monkeypatch, fmt) -> None:
    _long_csv(tmp_path / "long.csv", 40)
    outputs = {}
    for limit in (TableWriter.MAX_BUFFERED_ROWS, 5):
        monkeypatch.setattr(TableWriter, "MAX_BUFFERED_ROWS", limit)
        out = tmp_path / f"out-{limit}"
        result = CliRunner().invoke(main, ["score", str(tmp_path / "long.csv"), "--out", str(out),
                                           "-j", "1", "--no-progress", "--format", fmt])
        assert result.exit_code == 0, result.output
        outputs[limit] = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    small, large = outputs[5], outputs[TableWriter.MAX_BUFFERED_ROWS]
    assert small == large
    assert small[f"utterances.{fmt}"].count(b"\n") >= 160
