"""Worker processes that die, and parents that are killed: nothing hangs, nothing is left behind.

A worker killed by the out-of-memory killer used to leave the run waiting forever; a killed run
left its workers running. These tests kill processes, so they run only where `fork` and
`SIGKILL` exist (Linux and macOS).
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from transcript_analyzer.engine import run_local
from transcript_analyzer.errors import WorkerLostError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills processes with POSIX signals")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"
LIMIT = 120  # seconds; a run that takes this long has hung


@pytest.fixture
def deadline():
    """Fail, instead of hanging the suite, if the code under test waits forever."""
    def hung(signum, frame):
        raise TimeoutError(f"still waiting after {LIMIT} s: a dead worker hung the run")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(LIMIT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _die_on_boom(batch: list[str]) -> list[str]:
    if "boom" in batch:
        os.kill(os.getpid(), signal.SIGKILL)
    return [item.upper() for item in batch]


def _lost(batch: list[str], reason: str) -> list[str]:
    return [f"lost {item}: {reason}" for item in batch]


def test_a_dead_worker_loses_only_the_item_that_killed_it(deadline):
    batches = [["a", "b"], ["c", "boom", "d"], ["e"], ["f", "g"], ["h"], ["i"]]
    results = list(run_local(batches, _die_on_boom, jobs=2, on_lost=_lost))
    flat = [item for result in results for item in result]
    assert [x for x in flat if not x.startswith("lost")] == list("ABCDEFGHI")
    lost = [x for x in flat if x.startswith("lost")]
    assert lost == ["lost boom: its worker process was killed by SIGKILL (the out-of-memory "
                    "killer sends it)"]
    assert flat.index(lost[0]) == 3, "results stay in input order"


def test_a_dead_worker_without_a_fallback_is_a_typed_error(deadline):
    with pytest.raises(WorkerLostError, match="SIGKILL"):
        list(run_local([["a"], ["boom"], ["b"]], _die_on_boom, jobs=2))


def _corpus(folder: Path, copies: int) -> Path:
    inputs = folder / "in"
    inputs.mkdir()
    for i in range(copies):
        for sample in sorted(SAMPLES.glob("*.txt")):
            shutil.copy(sample, inputs / f"{sample.stem}-{i}.txt")
    return inputs


def _cli(tmp_path: Path, args: list[str], patch: str = "") -> subprocess.Popen:
    """The command line in its own process, optionally with `patch` run first (it is inherited
    by the forked workers)."""
    script = tmp_path / "run_cli.py"
    script.write_text(textwrap.dedent(patch) + textwrap.dedent("""
        import sys
        from transcript_analyzer.cli import main
        sys.argv = ["transcript-analyzer", *sys.argv[1:]]
        main()
    """))
    return subprocess.Popen([sys.executable, str(script), *args], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


KILL_BOOM = """
    import os, signal
    from transcript_analyzer import batch, scoring

    real = batch.score_batch

    def score_batch(items, config, nlp=None, classifier=None):
        if any("boom" in getattr(item, "source", "") for item in items):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(items, config, nlp, classifier)
    scoring.score_batch = score_batch
"""


def test_an_input_that_kills_its_worker_is_an_error_row_and_the_run_goes_on(tmp_path, deadline):
    inputs = _corpus(tmp_path, 30)
    shutil.copy(SAMPLES / "good_recovery_checkin.txt", inputs / "boom.txt")
    run = _cli(tmp_path, ["score", "in", "--out", "out", "-j", "2"],
               KILL_BOOM)
    out, err = run.communicate(timeout=LIMIT)
    assert run.returncode == 1, err
    with open(tmp_path / "out" / "errors.csv", newline="") as handle:
        errors = list(csv.DictReader(handle))
    assert [(Path(e["source"]).name, e["code"]) for e in errors] == [("boom.txt", "E107")]
    assert "killed by SIGKILL" in errors[0]["error"]
    with open(tmp_path / "out" / "sessions.csv", newline="") as handle:
        sessions = list(csv.DictReader(handle))
    assert len(sessions) == len(list(inputs.iterdir())) - 1


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in found.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by anyone) is not running
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _workers_started(run: subprocess.Popen) -> list[int]:
    for _ in range(LIMIT * 10):
        children = _children(run.pid)
        if len(children) >= 2:
            return children
        if run.poll() is not None:
            pytest.fail("the run ended before its workers could be seen")
        time.sleep(0.1)
    pytest.fail("no worker processes appeared")


@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep to find the workers")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(tmp_path, deadline, sig):
    _corpus(tmp_path, 400)
    run = _cli(tmp_path, ["score", "in", "--out", "out", "-j", "2"])
    workers = _workers_started(run)
    os.kill(run.pid, sig)
    _, err = run.communicate(timeout=LIMIT)
    for _ in range(100):
        if not any(_alive(w) for w in workers):
            break
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    if sig == signal.SIGTERM:
        assert run.returncode == 130
        assert "Interrupted" in err and "Traceback" not in err


@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep to find the workers")
def test_a_worker_stopped_with_sigterm_stops_and_the_run_still_scores_everything(tmp_path,
                                                                                   deadline):
    inputs = _corpus(tmp_path, 150)
    run = _cli(tmp_path, ["score", "in", "--out", "out", "-j", "2"])
    worker = _workers_started(run)[0]
    os.kill(worker, signal.SIGTERM)
    for _ in range(100):
        if not _alive(worker):
            break
        time.sleep(0.1)
    assert not _alive(worker), "a worker ignored SIGTERM"
    _, err = run.communicate(timeout=LIMIT)
    assert run.returncode == 0, err
    with open(tmp_path / "out" / "sessions.csv", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(list(inputs.iterdir()))
