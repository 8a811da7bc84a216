"""--progress on a pipe or file prints plain lines: inputs done, words per second, time left."""

from __future__ import annotations

import io

from click.testing import CliRunner

from transcript_analyzer.cli import main
from transcript_analyzer.progress_output import PlainProgress, ProgressDisplay

from .conftest import write

GOOD = "Dana: Hi Sam. How has the week been?\nSam: Long. I barely slept.\nDana: Sounds hard.\n"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_every_few_seconds_with_rate_and_time_left():
    lines: list[str] = []
    clock = Clock()
    progress = PlainProgress(lines.append, every=5, clock=clock)
    clock.now += 2
    progress.add_words(1000)
    progress(1, 10)
    assert lines == []  # not due yet
    clock.now += 3
    progress.add_words(1500)
    progress(2, 10)
    assert lines == ["progress: 2/10 inputs scored, 500 words/s, about 20 s left"]
    clock.now += 1
    progress(3, 10)
    assert len(lines) == 1
    clock.now += 94
    progress(10, 10)
    assert lines[-1] == "progress: 10/10 inputs scored, 25 words/s, done in 1 min 40 s"


def test_a_non_terminal_stream_gets_plain_lines_not_a_bar():
    stream, clock = io.StringIO(), Clock()
    with ProgressDisplay(True, 3, stream=stream, clock=clock) as on_progress:
        on_progress.add_words(300)
        clock.now += 6
        on_progress(1, 3)
        clock.now += 6
        on_progress(3, 3)
    assert stream.getvalue().splitlines() == [
        "progress: 1/3 inputs scored, 50 words/s, about 12 s left",
        "progress: 3/3 inputs scored, 25 words/s, done in 12 s"]
    with ProgressDisplay(None, 3, stream=io.StringIO()) as silent:  # default off when not a terminal
        assert silent is None


def test_score_progress_to_a_pipe_prints_the_final_line(tmp_path):
    for name in ("a", "b", "c"):
        write(tmp_path / "in" / f"{name}.txt", GOOD)
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out",
                                       str(tmp_path / "out"), "--progress", "-j", "1"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    final = [line for line in result.stderr.splitlines() if line.startswith("progress:")]
    assert final and final[-1].startswith("progress: 3/3 inputs scored, ")
    assert "words/s, done in" in final[-1]
