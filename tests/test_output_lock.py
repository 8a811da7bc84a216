"""Two runs given the same --out: the second is refused clearly, and the first is unharmed."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from transcript_analyzer.cli import main
from transcript_analyzer.writers import OutputSet

from .conftest import write

GOOD = "Dana: Hi Sam. How has the week been?\nSam: Long. I barely slept.\nDana: Sounds hard.\n"


def _score(*args):
    return CliRunner().invoke(main, ["score", *args, "-j", "1", "--no-progress"])


def test_a_second_run_on_the_same_out_is_refused_while_the_first_writes(tmp_path):
    write(tmp_path / "in" / "a.txt", GOOD)
    out = tmp_path / "out"
    assert _score(str(tmp_path / "in"), "--out", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    first = OutputSet(out, "csv")  # a run in progress holds the output folder
    first["sessions"].write([{"transcript_id": "t", "source": "s"}])
    for extra in ([], ["--resume"]):
        result = _score(str(tmp_path / "in"), "--out", str(out), *extra)
        assert result.exit_code == 2, result.output
        assert "another run" in result.output and str(out) in result.output
        assert "Traceback" not in result.output
    first.commit()  # the first run is not harmed by the refused ones
    assert pd.read_csv(out / "sessions.csv")["transcript_id"].tolist() == ["t"]

    assert _score(str(tmp_path / "in"), "--out", str(out)).exit_code == 0  # lock released
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after["sessions.csv"] == before["sessions.csv"]


def test_the_lock_is_released_when_a_run_stops(tmp_path):
    out = tmp_path / "out"
    OutputSet(out, "csv").abort()
    OutputSet(out, "csv").interrupt()
    OutputSet(out, "csv").commit()
