"""A killed run leaves consistent outputs, and --resume finishes the job exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main

from .conftest import ROOT, write

LINES = ["Dana: What has the week been like for you?",
         "Sam: Long. The landlord rang again about the rent.",
         "Dana: So the flat is on your mind a lot.",
         "Sam: All the time, I can't sleep.",
         "Dana: You should just move out.",
         "Sam: Maybe."]


def _corpus(folder, n):
    for i in range(n):
        write(folder / f"s{i:04d}.txt", "\n".join(f"{x} ({i})" for x in LINES) + "\n")
    write(folder / "zz_broken.json", "[{")
    return folder


def _tables(out):
    return {name: pd.read_csv(out / f"{name}.csv", keep_default_na=False)
            for name in ("utterances", "sessions", "errors", "inputs")}


def _score(*args):
    return CliRunner().invoke(main, ["score", *args, "-j", "1", "--no-progress"],
                              catch_exceptions=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _corpus(tmp_path_factory.mktemp("corpus"), 400)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    assert _score(str(corpus), "--out", str(out)).exit_code == 1  # the broken file
    return _tables(out)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_run_keeps_previous_output_and_resume_completes_it(corpus, reference, tmp_path,
                                                                  sig):
    out = tmp_path / "out"
    # A previous complete run over a single file: the killed run must not damage it.
    assert _score(str(corpus / "s0000.txt"), "--out", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "transcript_analyzer", "score", str(corpus),
                             "--out", str(out), "-j", "1", "--no-progress"],
                            stderr=subprocess.PIPE, env=env)
    manifest = out / ".partial" / "inputs.csv"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists() and manifest.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(sig)
    stderr = proc.communicate(timeout=120)[1].decode()
    assert "Traceback" not in stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before, "a killed run changed the previous complete outputs"

    result = _score(str(corpus), "--out", str(out), "--resume")
    assert result.exit_code == 1, result.output
    resumed = _tables(out)
    for name in ("utterances", "sessions", "errors"):
        pd.testing.assert_frame_equal(resumed[name], reference[name])
    assert not (out / ".partial").exists()
    # Every input is accounted for: scored or failed, once each.
    inputs = resumed["inputs"]
    assert inputs["source"].is_unique and len(inputs) == 401
    assert (inputs["status"] == "scored").sum() == len(resumed["sessions"]) == 400


def test_resume_after_a_complete_run_only_does_new_and_changed_inputs(tmp_path):
    corpus = _corpus(tmp_path / "in", 5)
    out = tmp_path / "out"
    _score(str(corpus), "--out", str(out))
    write(corpus / "zz_broken.json", '[{"speaker": "A", "text": "fixed now"}, '
                                     '{"speaker": "B", "text": "What helps?"}]')
    write(corpus / "s0001.txt", "Dana: How are you?\nSam: Better.\n")
    write(corpus / "s9999.txt", "Dana: Welcome.\nSam: Thanks.\n")
    result = _score(str(corpus), "--out", str(out), "--resume")
    assert result.exit_code == 0, result.output
    assert "4 already scored (kept)" in result.output
    tables = _tables(out)
    assert tables["errors"].empty
    assert sorted(tables["sessions"]["transcript_id"]) == \
        ["s0000", "s0001", "s0002", "s0003", "s0004", "s9999", "zz_broken"]
    assert len(tables["sessions"]) == len(tables["inputs"]) == 7
    assert "Better." in tables["utterances"]["text"].tolist()


def test_resume_refuses_parquet(tmp_path):
    result = CliRunner().invoke(main, ["score", str(tmp_path), "--out", str(tmp_path / "o"),
                                       "--resume", "--format", "parquet"])
    assert result.exit_code == 2 and "--resume" in result.output


def test_resume_gives_the_transcript_ids_of_a_fresh_run(tmp_path):
    """A file added on resume whose stem is already taken gets the id a fresh run gives it,
    and a kept file whose id a fresh run would give to an earlier file is scored again."""
    for folder in ("a", "b", "c"):
        write(tmp_path / folder / "x.txt", "\n".join(LINES) + f"\nDana: ({folder})\n")
    folders = [str(tmp_path / f) for f in ("a", "b", "c")]
    fresh = tmp_path / "fresh"
    _score(*folders, "--out", str(fresh))
    expected = _tables(fresh)
    assert expected["sessions"]["transcript_id"].tolist() == ["x", "x-2", "x-3"]
    for first in (["a"], ["b"], ["c", "a"]):
        out = tmp_path / f"out_{'_'.join(first)}"
        _score(*(str(tmp_path / f) for f in first), "--out", str(out))
        result = _score(*folders, "--out", str(out), "--resume")
        assert result.exit_code == 0, result.output
        resumed = _tables(out)
        for name in ("utterances", "sessions"):
            pd.testing.assert_frame_equal(resumed[name], expected[name])


PII = ["Dana: Hi, what would help this week?",
       "Sam: Email me at sam.jones@example.com, or ring 07700 900456.",
       "Dana: Sounds like you want to stay in touch.", "Sam: Yes."]


@pytest.mark.parametrize("first, then, option", [
    ([], ["--redact"], "--redact"),
    (["--redact"], [], "--redact"),
    (["--supporter", "Dana"], ["--supporter", "Sam"], "--supporter"),
    ([], ["--max-turn-words", "3"], "--max-turn-words"),
    (["--max-file-mb", "5"], ["--max-file-mb", "1"], "--max-file-mb"),
])
def test_resume_with_options_that_change_outputs_is_refused(tmp_path, first, then, option):
    write(tmp_path / "in" / "a.txt", "\n".join(PII) + "\n")
    out = tmp_path / "out"
    assert _score(str(tmp_path / "in"), "--out", str(out), *first).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    write(tmp_path / "in" / "b.txt", "\n".join(PII) + "\n")
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out", str(out),
                                       "--resume", "-j", "1", "--no-progress", *then])
    assert result.exit_code == 2, result.output
    assert option in result.output and "without --resume" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_resume_with_a_higher_size_limit_keeps_the_earlier_rows(tmp_path):
    write(tmp_path / "in" / "a.txt", "\n".join(PII) + "\n")
    out = tmp_path / "out"
    assert _score(str(tmp_path / "in"), "--out", str(out), "--max-file-mb", "1").exit_code == 0
    write(tmp_path / "in" / "b.txt", "\n".join(PII) + "\n")
    result = _score(str(tmp_path / "in"), "--out", str(out), "--resume", "--max-file-mb", "0")
    assert result.exit_code == 0 and "1 already scored (kept)" in result.output
    assert (out / "run.json").exists()


def test_resume_with_a_changed_sessions_manifest_is_refused(tmp_path):
    """Who and when come from the manifest, so new manifest values must not sit beside rows
    made from the old ones."""
    write(tmp_path / "in" / "a.txt", "\n".join(PII) + "\n")
    manifest = write(tmp_path / "m.csv", "file,supporter\na.txt,Dana\n")
    out = tmp_path / "out"
    assert _score(str(tmp_path / "in"), "--out", str(out), "--sessions-meta",
                  str(manifest)).exit_code == 0
    write(tmp_path / "in" / "b.txt", "\n".join(PII) + "\n")
    write(manifest, "file,supporter\na.txt,Dana Lee\n")
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out", str(out),
                                       "--resume", "-j", "1", "--no-progress",
                                       "--sessions-meta", str(manifest)])
    assert result.exit_code == 2 and "--sessions-meta" in result.output, result.output


def _index_matches_sessions(out, html):
    from transcript_analyzer.results import find_reports

    sessions = pd.read_csv(out / "sessions.csv", keep_default_na=False)
    links = find_reports(html)
    assert sorted(links) == sorted(sessions["transcript_id"])
    assert all(path.is_file() for path in links.values())


def test_resume_with_html_dir_gives_every_session_its_report_and_index_row(tmp_path,
                                                                          monkeypatch):
    from transcript_analyzer.runs import ScoreRun

    corpus = _corpus(tmp_path / "in", 120)
    out, html = tmp_path / "out", tmp_path / "html"
    real = ScoreRun._write_session

    def interrupted(self, *args, **kwargs):
        if self.sessions == 80:  # 50 inputs are checkpointed by then
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ScoreRun, "_write_session", interrupted)
    first = _score(str(corpus), "--out", str(out), "--html-dir", str(html))
    assert first.exit_code == 130
    monkeypatch.setattr(ScoreRun, "_write_session", real)
    resumed = _score(str(corpus), "--out", str(out), "--html-dir", str(html), "--resume")
    assert resumed.exit_code == 1 and "already scored (kept)" in resumed.output
    _index_matches_sessions(out, html)
    # a finished run, resumed to add one file: the index still lists every session
    write(corpus / "late.txt", "\n".join(LINES) + "\n")
    added = _score(str(corpus), "--out", str(out), "--html-dir", str(html), "--resume")
    assert "120 already scored (kept)" in added.output, added.output
    _index_matches_sessions(out, html)
