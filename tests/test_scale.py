"""Parallel and distributed engines give the same rows as one process; output formats agree."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main
from transcript_analyzer.scoring import BATCH_ITEMS

from .conftest import SAMPLES, write

TURNS = [
    ("Sam", "I've had a rough week with the landlord again."),
    ("Dana", "What happened with him this time?"),
    ("Sam", "He says the rent is going up and I can't cover it."),
    ("Dana", "So you're worried you might lose the flat."),
    ("Sam", "Yeah. Honestly I just want to give up."),
    ("Dana", "You should just move out, that's the answer."),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """More transcripts than one batch holds, so work really is split across workers."""
    folder = tmp_path_factory.mktemp("corpus")
    for i in range(BATCH_ITEMS + 6):
        lines = [f"{s}: {t} ({i})" for s, t in TURNS[: 3 + i % 4]]
        write(folder / f"s{i:03d}.txt", "\n".join(lines) + "\n")
    write(folder / "broken.json", "[{")
    return folder


def _run(args, exit_code):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == exit_code, result.output
    return result


def _same_values(csv: pd.Series, other: pd.Series) -> bool:
    """A column read back from CSV and from Parquet/JSONL holds the same values: numbers
    equal (missing where missing), text equal once CSV's formula guard is undone."""
    from transcript_analyzer.writers import restore_formula

    if pd.api.types.is_numeric_dtype(csv) or pd.api.types.is_numeric_dtype(other):
        a, b = (pd.to_numeric(c, errors="coerce").astype(float) for c in (csv, other))
        return bool(((a - b).abs().le(1e-9) | (a.isna() & b.isna())).all())
    a = csv.map(lambda v: "" if pd.isna(v) else restore_formula(str(v)))
    b = other.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v))
                  else str(v))
    return a.tolist() == b.tolist()


def _tables(out, fmt="csv"):
    read = {"csv": pd.read_csv, "parquet": pd.read_parquet,
            "jsonl": lambda p: pd.read_json(p, lines=True)}[fmt]
    return {name: read(out / f"{name}.{fmt}") for name in ("utterances", "sessions", "errors")}


def test_jobs_2_gives_identical_rows_in_input_order(corpus, tmp_path):
    _run(["score", str(corpus), "--out", str(tmp_path / "j1"), "-j", "1"], 1)  # broken.json
    _run(["score", str(corpus), "--out", str(tmp_path / "j2"), "-j", "2"], 1)
    one, two = _tables(tmp_path / "j1"), _tables(tmp_path / "j2")
    for name in one:
        pd.testing.assert_frame_equal(one[name], two[name])
    ids = one["sessions"]["transcript_id"].tolist()
    assert ids == sorted(ids) and len(ids) == BATCH_ITEMS + 6
    assert len(one["errors"]) == 1


def test_a_long_csv_scores_the_same_whoever_makes_its_turns(tmp_path):
    """With -j 2 the workers make a long table's turns from rows the main process grouped;
    rows, ids and the error of a file that fails part-way are those of the Python API, which
    reads the file whole in one process (`load_transcripts`)."""
    from transcript_analyzer import score

    table = io.StringIO()
    csv.writer(table).writerows([("transcript_id", "turn_index", "speaker", "text")] + [
        (f"t{k}", i, s, f"{t} ({k})") for k in range(BATCH_ITEMS + 6)
        for i, (s, t) in enumerate(TURNS)])
    write(tmp_path / "in" / "long.csv", table.getvalue())
    write(tmp_path / "in" / "part.csv", "transcript_id,speaker,text\nt1,Dana,What now?\n"
          "t1,Sam,No idea.\nt2,Dana,Hi\nt1,Sam,again\n")
    for jobs in ("1", "2"):
        _run(["score", str(tmp_path / "in"), "--out", str(tmp_path / jobs), "-j", jobs], 1)
    one, two = _tables(tmp_path / "1"), _tables(tmp_path / "2")
    for name in one:
        pd.testing.assert_frame_equal(one[name], two[name])
    assert one["sessions"]["transcript_id"].tolist()[-2:] == ["t1-2", "t2-2"]
    assert len(one["errors"]) == 1 and "start again" in one["errors"]["error"].iloc[0]
    from transcript_analyzer.readers import load_transcripts

    whole = load_transcripts(tmp_path / "in" / "long.csv")
    api = score(whole).utterances
    assert api["text"].tolist() == one["utterances"]["text"].tolist()[:len(api)]


def test_dask_local_cluster_matches_local_engine(corpus, tmp_path):
    pytest.importorskip("dask.distributed", reason="dask.distributed is not installed")
    _run(["score", str(corpus), "--out", str(tmp_path / "local"), "-j", "1"], 1)
    _run(["score", str(corpus), "--out", str(tmp_path / "dask"), "--engine", "dask", "-j", "2"],
         1)
    local, dask = _tables(tmp_path / "local"), _tables(tmp_path / "dask")
    for name in local:
        pd.testing.assert_frame_equal(local[name], dask[name])


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_output_formats_hold_the_same_rows_as_csv(tmp_path, fmt):
    _run(["score", str(SAMPLES), "--out", str(tmp_path / "csv"), "-j", "1"], 0)
    _run(["score", str(SAMPLES), "--out", str(tmp_path / fmt), "--format", fmt, "-j", "1"], 0)
    csv, other = _tables(tmp_path / "csv"), _tables(tmp_path / fmt, fmt)
    assert csv["errors"].empty and other["errors"].empty  # an empty JSONL file has no columns
    for name in ("utterances", "sessions"):
        assert list(other[name].columns) == list(csv[name].columns)
        assert len(other[name]) == len(csv[name])
        different = [c for c in csv[name].columns
                     if not _same_values(csv[name][c], other[name][c])]
        assert different == [], f"{name}: {different}"
    assert len(csv["utterances"]) > 100 and csv["utterances"]["trust_label"].notna().any()


def test_scheduler_without_dask_engine_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["score", str(SAMPLES), "--out", str(tmp_path),
                                       "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "--engine dask" in result.output


def test_transcript_ids_do_not_depend_on_who_reads_the_files(tmp_path):
    """Single-transcript files are read by the workers; the id of each is reserved in input
    order by the main process, so a file that fails still holds its name and the ids are the
    same with one job and with two."""
    write(tmp_path / "in" / "a" / "x.txt", "")  # unreadable: empty
    write(tmp_path / "in" / "b" / "x.txt", "Sam: How are you?\nJo: Fine.\n")
    write(tmp_path / "in" / "c" / "x.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Sam>Hi there\n")
    ids = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out", str(out),
                                           "-j", jobs], catch_exceptions=False)
        assert result.exit_code == 1, result.output  # the empty file is an error
        ids[jobs] = pd.read_csv(out / "sessions.csv")["transcript_id"].tolist()
        assert len(pd.read_csv(out / "errors.csv")) == 1
    assert ids["1"] == ids["2"] == ["x-2", "x-3"]


def test_an_unreachable_scheduler_is_a_clear_error_within_the_connect_timeout(tmp_path,
                                                                              monkeypatch):
    """Nothing listens on port 9: a usage error naming the address, after the connect timeout
    (made short here), with no traceback and nothing written."""
    pytest.importorskip("dask.distributed", reason="dask.distributed is not installed")
    from transcript_analyzer import engine

    assert engine.CONNECT_TIMEOUT <= 10
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 1)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(SAMPLES), "--out", str(out), "--engine",
                                       "dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 1 s" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # click's exit, not an error
    # only the tool's own bookkeeping: the folder lock and the record of what it may write
    assert {p.name for p in out.iterdir()} <= {".transcript-analyzer.lock",
                                               ".transcript-analyzer-files"}


def test_connect_passes_the_timeout_to_dask():
    from transcript_analyzer import engine
    from transcript_analyzer.errors import SchedulerError

    seen = {}

    def client(address, timeout):
        seen.update(address=address, timeout=timeout)
        raise OSError("Timed out trying to connect")

    with pytest.raises(SchedulerError, match="Timed out trying to connect"):
        engine.connect(client, "tcp://10.0.0.5:8786")
    assert seen == {"address": "tcp://10.0.0.5:8786", "timeout": engine.CONNECT_TIMEOUT}
