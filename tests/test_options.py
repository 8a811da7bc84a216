"""One vocabulary of options across commands: --format is the output format, --input-format the
input format, --out what the command writes; old spellings still work, with a warning."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.classifier.model import shipped_model_dir
from transcript_analyzer.cli import main

from .conftest import SAMPLES, write

SAMPLE = SAMPLES / "good_veteran_peer.srt"
GOOD = "Dana: Hi Sam. How has the week been?\nSam: Long. I barely slept.\nDana: Sounds hard.\n"
JARGON = ("id,text,has_jargon,terms\n"
          "J1,Your PIP claim was refused.,1,PIP\n"
          "J2,what helps when the bad thoughts come at night,0,\n")


def run(args, **kwargs):
    return CliRunner().invoke(main, args, catch_exceptions=False, **kwargs)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_the_inputs_table_follows_format(tmp_path, fmt):
    out = tmp_path / "out"
    result = run(["score", str(SAMPLE), "--out", str(out), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert not (out / "inputs.csv").exists()
    read = pd.read_parquet if fmt == "parquet" else (lambda p: pd.read_json(p, lines=True))
    inputs = read(out / f"inputs.{fmt}")
    assert list(inputs.columns) == ["source", "sha256", "status", "sessions"]
    assert inputs[["source", "status", "sessions"]].values.tolist() == [[str(SAMPLE), "scored", 1]]


def test_resume_reads_a_jsonl_inputs_table_back(tmp_path):
    write(tmp_path / "in" / "a.txt", GOOD)
    out = tmp_path / "out"
    assert run(["score", str(tmp_path / "in"), "--out", str(out), "--format", "jsonl"]
               ).exit_code == 0
    write(tmp_path / "in" / "b.txt", GOOD)
    result = run(["score", str(tmp_path / "in"), "--out", str(out), "--format", "jsonl",
                  "--resume"])
    assert result.exit_code == 0, result.output
    assert "1 already scored (kept)" in result.stderr
    assert pd.read_json(out / "inputs.jsonl", lines=True)["source"].str.endswith(
        ("a.txt", "b.txt")).all()


@pytest.fixture()
def modified_model(tmp_path):
    """The shipped model with a wrong sha256 recorded: loadable, but not what meta.json says."""
    directory = tmp_path / "model"
    shutil.copytree(shipped_model_dir(), directory)
    meta = json.loads((directory / "meta.json").read_text())
    meta["sha256"] = {name: "0" * 64 for name in meta["sha256"]}
    (directory / "meta.json").write_text(json.dumps(meta))
    return directory


def test_allow_modified_model_names_what_it_does(tmp_path, modified_model):
    args = ["score", str(SAMPLE), "--model", str(modified_model)]
    refused = run([*args, "--out", str(tmp_path / "a")])
    assert refused.exit_code == 1 and "--allow-modified-model" in refused.output
    allowed = run([*args, "--out", str(tmp_path / "b"), "--allow-modified-model"])
    assert allowed.exit_code == 0, allowed.output
    assert "deprecated" not in allowed.stderr
    help_text = run(["score", "--help"]).output
    assert "--allow-modified-model" in help_text and "--trust-model" not in help_text


def test_the_old_trust_model_spelling_still_works_with_a_warning(tmp_path, modified_model):
    result = run(["score", str(SAMPLE), "--model", str(modified_model), "--out",
                  str(tmp_path / "o"), "--trust-model"])
    assert result.exit_code == 0, result.output
    assert "warning: --trust-model is deprecated" in result.stderr
    assert "--allow-modified-model" in result.stderr


def test_evaluate_input_format_and_output_format(tmp_path):
    data = write(tmp_path / "terms.csv", JARGON)
    out = tmp_path / "table.parquet"
    result = run(["evaluate", str(data), "--input-format", "jargon", "--format", "parquet",
                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "deprecated" not in result.stderr
    assert len(pd.read_parquet(out)) >= 1 and "code" in pd.read_parquet(out).columns
    jsonl = tmp_path / "table.jsonl"  # the format follows --out's extension by default
    assert run(["evaluate", str(data), "--out", str(jsonl)]).exit_code == 0
    assert len(pd.read_json(jsonl, lines=True)) == len(pd.read_parquet(out))


def test_evaluate_format_as_the_input_format_is_a_warned_alias(tmp_path):
    data = write(tmp_path / "terms.csv", JARGON)
    result = run(["evaluate", str(data), "--format", "jargon", "--out", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    assert "--format jargon (the format of DATA) is deprecated" in result.stderr
    assert "--input-format jargon" in result.stderr
    assert pd.read_csv(tmp_path / "t.csv")["code"].notna().all()
    bad = run(["evaluate", str(data), "--format", "xlsx"])
    assert bad.exit_code == 2 and "'xlsx' is not one of csv, parquet, jsonl" in bad.output


def test_feedback_reads_stdin_with_input_format():
    result = run(["feedback", "-", "--input-format", "text"], input=GOOD)
    assert result.exit_code == 0, result.output
    assert "Listening numbers" in result.output
    refused = run(["feedback", "-"], input=GOOD)
    assert refused.exit_code == 2 and "--input-format" in refused.output
