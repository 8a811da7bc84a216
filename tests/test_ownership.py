"""The tool only replaces or deletes files it wrote: a marker in the output folder records them."""

from __future__ import annotations

import os

from click.testing import CliRunner

from transcript_analyzer.cli import main

from .conftest import SAMPLES, write

SAMPLE = str(SAMPLES / "good_veteran_peer.srt")


def _score(*args: str):
    return CliRunner().invoke(main, ["score", SAMPLE, "--no-progress", "-j", "1", *args])


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_users_own_tables_and_partial_folder_are_left_alone(tmp_path):
    out = tmp_path / "mine"
    write(out / "sessions.csv", "my,own,notes\n1,2,3\n")
    write(out / ".partial" / "draft.txt", "my draft")
    before = _files(out)
    result = _score("--out", str(out))
    assert result.exit_code == 2, result.output
    assert "did not write" in result.output and "sessions.csv" in result.output
    assert ".partial" in result.output and "Traceback" not in result.output
    assert {k: v for k, v in _files(out).items() if k.name != ".transcript-analyzer.lock"} \
        == before


def test_a_partial_symlink_pointing_outside_is_not_followed(tmp_path):
    outside = tmp_path / "elsewhere"
    write(outside / "keep.txt", "keep me")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(outside, out / ".partial")
    result = _score("--out", str(out))
    assert result.exit_code == 2 and "symbolic link" in result.output, result.output
    assert (outside / "keep.txt").read_text() == "keep me"


def test_own_outputs_are_replaced_on_the_next_run_and_recorded(tmp_path):
    out = tmp_path / "out"
    assert _score("--out", str(out)).exit_code == 0
    first = (out / "sessions.csv").read_bytes()
    assert _score("--out", str(out)).exit_code == 0
    assert (out / "sessions.csv").read_bytes() == first
    marker = (out / ".transcript-analyzer-files").read_text()
    assert "sessions.csv" in marker and "inputs.csv" in marker


def test_outputs_of_a_version_without_the_marker_are_still_ours(tmp_path):
    out = tmp_path / "out"
    assert _score("--out", str(out)).exit_code == 0
    (out / ".transcript-analyzer-files").unlink()
    assert _score("--out", str(out)).exit_code == 0


def test_a_users_own_index_html_in_the_report_folder_is_left_alone(tmp_path):
    html = tmp_path / "reports"
    write(html / "index.html", "<html>my own page</html>")
    result = _score("--out", str(tmp_path / "out"), "--html-dir", str(html))
    assert result.exit_code == 2 and "index.html" in result.output, result.output
    assert (html / "index.html").read_text() == "<html>my own page</html>"
    assert not (tmp_path / "out" / "sessions.csv").exists()


def test_a_users_file_with_a_reports_name_stops_the_run_before_anything_moves(tmp_path):
    html = tmp_path / "reports"
    write(html / "good_veteran_peer.html", "<html>mine</html>")
    out = tmp_path / "out"
    result = _score("--out", str(out), "--html-dir", str(html))
    assert result.exit_code != 0 and "good_veteran_peer.html" in result.output, result.output
    assert "Traceback" not in result.output
    assert (html / "good_veteran_peer.html").read_text() == "<html>mine</html>"
    assert not (out / "sessions.csv").exists() and not (html / "index.html").exists()
