"""A full disk: a clear error, the previous outputs kept, and nothing of the run left behind.

The disk is a small tmpfs, which only root can mount: elsewhere the test skips, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "sample_transcripts"


@pytest.fixture
def small_disk(tmp_path):
    """A 300 KiB file system: room for one small run's outputs, not for forty transcripts'."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)  # -l: even if a file is open


def test_a_full_disk_is_a_clear_error_that_keeps_the_previous_outputs(tmp_path, small_disk):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(40):
        shutil.copy(SAMPLES / "good_recovery_checkin.txt", inputs / f"session-{i}.txt")
    out, reports = small_disk / "out", small_disk / "reports"
    runner = CliRunner()
    first = runner.invoke(main, ["score", str(inputs / "session-0.txt"), "--out", str(out),
                                 "--html-dir", str(reports)])
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in [*out.iterdir(), *reports.iterdir()]
              if p.is_file() and not p.name.endswith(".lock")}

    full = runner.invoke(main, ["score", str(inputs), "--out", str(out),
                                "--html-dir", str(reports), "-j", "1"])
    assert full.exit_code == 1
    assert "No space left on device" in full.output
    assert "previous outputs" in full.output
    assert "Traceback" not in full.output and not isinstance(full.exception, OSError)
    after = {p.name: p.read_bytes() for p in [*out.iterdir(), *reports.iterdir()]
             if p.is_file() and not p.name.endswith(".lock")}
    assert after == before
    left = [p.name for p in [*out.iterdir(), *reports.iterdir()]
            if p.name.startswith((".partial", ".reports-"))]
    assert left == []
