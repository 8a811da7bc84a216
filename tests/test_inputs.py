"""Finding the inputs of a run: every path is scored, listed in errors, or skipped with the
reason; a mistyped path is a usage error; nothing is read twice, nothing is read from the
run's own outputs, and nothing hangs on a pipe or a device."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main

from .conftest import ROOT, write

GOOD = "Dana: Hi Sam. How has the week been?\nSam: Long. I barely slept.\nDana: Sounds hard.\n"


def _run(*args, **kwargs):
    return CliRunner().invoke(main, ["score", *args, "-j", "1", "--no-progress"],
                              catch_exceptions=False, **kwargs)


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _sessions(out):
    return pd.read_csv(out / "sessions.csv", keep_default_na=False)


# ------------------------------------------------------------ item 2: mistyped paths

def test_a_path_that_does_not_exist_is_a_usage_error_and_touches_nothing(tmp_path):
    write(tmp_path / "in" / "a.txt", GOOD)
    out = tmp_path / "results"
    assert _run(str(tmp_path / "in"), "--out", str(out)).exit_code == 0
    before = _files(out)
    typo = tmp_path / "in_typo"
    result = _run(str(typo), "--out", str(out))
    assert result.exit_code == 2
    assert "no such file or folder" in result.output and str(typo) in result.output
    assert "Traceback" not in result.output
    assert _files(out) == before
    # one mistyped path among good ones is refused too, before anything is written
    result = _run(str(tmp_path / "in"), str(typo / "b.txt"), "--out", str(out))
    assert result.exit_code == 2 and str(typo / "b.txt") in result.output
    assert _files(out) == before


def test_a_run_that_scores_nothing_leaves_the_previous_outputs(tmp_path):
    write(tmp_path / "in" / "a.txt", GOOD)
    write(tmp_path / "broken" / "b.json", "[{")
    out = tmp_path / "results"
    assert _run(str(tmp_path / "in"), "--out", str(out)).exit_code == 0
    before = _files(out)
    result = _run(str(tmp_path / "broken"), "--out", str(out))
    assert result.exit_code == 1
    assert "b.json" in result.output and "nothing was scored" in result.output
    assert _files(out) == before
    assert not any(p.name.startswith(".partial") for p in out.iterdir())
    # with no earlier outputs, the errors of such a run are written
    fresh = tmp_path / "fresh"
    assert _run(str(tmp_path / "broken"), "--out", str(fresh)).exit_code == 1
    assert len(pd.read_csv(fresh / "errors.csv")) == 1


def test_the_python_api_still_lists_a_missing_file_in_errors(tmp_path):
    import transcript_analyzer as ta

    result = ta.score([tmp_path / "missing.txt"])
    assert "no such file or folder" in result.errors["error"][0]
    assert result.inputs == 1


# ------------------------------------------------------------ item 3: outputs inside inputs

def test_outputs_inside_the_input_folder_are_not_read_back(tmp_path):
    folder = tmp_path / "in"
    write(folder / "a.txt", GOOD)
    write(folder / "sub" / "b.txt", GOOD)
    out, reports = folder / "results", folder / "reports"
    for _ in range(2):
        result = _run(str(folder), "--out", str(out), "--html-dir", str(reports))
        assert result.exit_code == 0, result.output
        sessions = _sessions(out)
        assert sorted(sessions["transcript_id"]) == ["a", "b"]
        assert len(pd.read_csv(out / "inputs.csv")) == 2
    assert "output folder" in result.output


# ------------------------------------------------------------ item 4: one file, many names

def test_a_file_named_several_ways_is_scored_once_with_a_note(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "dir" / "a.txt", GOOD)
    write(tmp_path / "dir" / "b.txt", GOOD)
    try:
        os.symlink("a.txt", tmp_path / "dir" / "link_to_a.txt")
    except OSError:
        pytest.skip("symlinks not available")
    result = _run("dir", "dir/a.txt", "./dir/a.txt", str(tmp_path / "dir" / "b.txt"),
                  "--out", "out")
    assert result.exit_code == 0, result.output
    sessions = _sessions(tmp_path / "out")
    assert sorted(sessions["transcript_id"]) == ["a", "b"]
    inputs = pd.read_csv(tmp_path / "out" / "inputs.csv")
    assert len(inputs) == 2 and inputs["source"].is_unique
    notes = [line for line in result.output.splitlines() if "scored once" in line]
    assert len(notes) == 4 and sum("same file as" in line for line in notes) == 2
    assert "4 duplicate path(s) counted once" in result.output


# ------------------------------------------------------------ item 7: pipes, devices, links

def _score_subprocess(args, timeout=180):
    """Run in a child process: a run that hangs is killed and the test fails, not CI."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        return subprocess.run([sys.executable, "-m", "transcript_analyzer", "score", *args,
                               "-j", "1", "--no-progress"], capture_output=True, text=True,
                              env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"score {' '.join(args)} hung")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                    reason="named pipes and /dev/zero need POSIX")
def test_resume_with_a_pipe_or_a_device_named_does_not_hang(tmp_path):
    write(tmp_path / "a.txt", GOOD)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    assert _score_subprocess([str(tmp_path / "a.txt"), "--input-format", "text", "--out",
                              str(out)]).returncode == 0
    result = _score_subprocess([str(tmp_path / "a.txt"), str(fifo), "/dev/zero",
                                "--input-format", "text", "--out", str(out), "--resume"])
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = pd.read_csv(out / "errors.csv")
    assert sorted(errors["source"]) == ["/dev/zero", str(fifo)]
    assert errors["error"].str.contains("not a regular file").all()
    assert "1 already scored (kept)" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_pipes_devices_and_broken_links_in_a_folder_are_skipped_with_the_reason(tmp_path):
    folder = tmp_path / "in"
    write(folder / "a.txt", GOOD)
    os.mkfifo(folder / "pipe.txt")
    try:
        os.symlink(tmp_path / "gone.txt", folder / "dangling.txt")
        os.symlink("/dev/null", folder / "device.txt")
        os.symlink(tmp_path / "elsewhere", folder / "folder_link")
    except OSError:
        pytest.skip("symlinks not available")
    write(tmp_path / "elsewhere" / "c.txt", GOOD)
    out, reports = tmp_path / "out", tmp_path / "reports"
    result = _run(str(folder), "--out", str(out), "--html-dir", str(reports))
    assert result.exit_code == 0, result.output
    assert _sessions(out)["transcript_id"].tolist() == ["a"]
    lines = result.output.splitlines()
    for name, reason in (("pipe.txt", "named pipe"), ("dangling.txt", "does not exist"),
                         ("device.txt", "device"), ("folder_link", "link to a folder")):
        assert any(name in line and reason in line for line in lines), (name, result.output)
    assert "4 other path(s) skipped" in result.output
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "pipe.txt" in index and "dangling.txt" in index


# ------------------------------------------------------------ item 8: names that are not UTF-8

def _make_latin1_name(folder):
    name = os.fsencode(folder) + b"/caf\xe9.txt"
    try:
        with open(name, "wb") as handle:
            handle.write(GOOD.encode())
    except (OSError, UnicodeError):
        pytest.skip("this file system does not take names that are not UTF-8")


def test_a_file_name_that_is_not_utf8_is_scored_and_the_others_too(tmp_path):
    folder = tmp_path / "in"
    write(folder / "a.txt", GOOD)
    _make_latin1_name(folder)
    out = tmp_path / "out"
    result = _run(str(folder), "--out", str(out))
    assert result.exit_code == 0, result.output
    sessions = _sessions(out)
    assert sorted(sessions["transcript_id"]) == ["a", "caf\\xe9"]
    assert str(folder / "caf\\xe9.txt") in sessions["source"].tolist()
    again = _run(str(folder), "--out", str(out), "--resume")
    assert again.exit_code == 0 and "2 already scored (kept)" in again.output


def test_a_name_too_long_for_the_file_system_is_an_error_row(tmp_path):
    write(tmp_path / "a.txt", GOOD)
    long_name = tmp_path / ("x" * 300 + ".txt")
    result = _run(str(tmp_path / "a.txt"), str(long_name), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert _sessions(tmp_path / "out")["transcript_id"].tolist() == ["a"]
    errors = pd.read_csv(tmp_path / "out" / "errors.csv")
    assert errors["source"].tolist() == [str(long_name)]
    assert "cannot read" in errors["error"][0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_the_python_api_reports_what_it_did_not_read(tmp_path):
    import transcript_analyzer as ta

    write(tmp_path / "a.txt", GOOD)
    os.mkfifo(tmp_path / "pipe.txt")
    result = ta.score([tmp_path])
    assert result.inputs == 1 and len(result.sessions) == 1
    assert result.ignored == [(str(tmp_path / "pipe.txt"),
                               "a named pipe, not a regular file, so it was not read")]
