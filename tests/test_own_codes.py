"""`evaluate` compares a researcher's own codes with the tool's on the same turns."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import transcript_analyzer as ta
from transcript_analyzer.cli import main

from .conftest import write

SESSION = ("Dana: Hi Sam. How has the week been?\n"
           "Sam: Long. I barely slept and the landlord rang again.\n"
           "Dana: Did he ring about the rent?\n"
           "Sam: Yes, it's going up.\n"
           "Dana: So you're worried you might lose the flat.\n"
           "Sam: I just want to give up.\n"
           "Dana: You should just move out, that's the answer.\n")


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture()
def coded(tmp_path):
    """A transcript, and codes that agree with the tool on every turn but one."""
    transcript = write(tmp_path / "sam.txt", SESSION)
    tool = ta.score(transcript).utterances
    supporter = tool[tool["role"] == "supporter"]
    codes = supporter[["transcript_id", "turn_index", "question_type", "trust_label"]].copy()
    first = codes.index[0]
    flipped = "closed" if codes.at[first, "question_type"] == "open" else "open"
    codes.at[first, "question_type"] = flipped
    path = tmp_path / "my_codes.csv"
    codes.to_csv(path, index=False)
    return transcript, path, supporter, flipped


def test_codes_are_scored_against_the_tool_with_a_confusion_matrix(coded, tmp_path):
    transcript, path, supporter, flipped = coded
    out = tmp_path / "report.csv"
    result = run(["evaluate", str(path), "--transcripts", str(transcript), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert set(table["code"]) == {"question_type", "trust_label"}
    trust = table[(table["code"] == "trust_label") & table["label"].str.startswith("macro")]
    assert trust["kappa"].iloc[0] == 1.0 or trust["kappa"].isna().iloc[0]
    question = table[table["code"] == "question_type"].set_index("label")
    tool_first = supporter["question_type"].iloc[0]
    n = len(supporter)
    assert question.loc[flipped, "support"] == (supporter["question_type"] == flipped).sum() + 1
    assert question.loc[tool_first, "predicted"] == (supporter["question_type"] == tool_first).sum()
    k = (supporter["question_type"] == tool_first).sum()
    assert question.loc[tool_first, "precision"] == pytest.approx((k - 1) / k)
    assert question.loc[flipped, "precision"] == 1.0 or (supporter["question_type"] == flipped
                                                         ).sum() == 0
    macro = table[(table["code"] == "question_type") & table["label"].str.startswith("macro")]
    assert macro["support"].iloc[0] == n and macro["kappa"].iloc[0] < 1.0
    assert "# confusion matrix of question_type" in result.output
    assert "# confusion matrix of trust_label" in result.output


def test_a_coded_turn_missing_from_the_transcripts_names_file_and_line(coded, tmp_path):
    transcript, path, _, _ = coded
    frame = pd.read_csv(path)
    frame.loc[len(frame)] = ["sam", 99, "open", "neutral"]
    frame.to_csv(path, index=False)
    result = run(["evaluate", str(path), "--transcripts", str(transcript)])
    assert result.exit_code == 1
    assert f"{path}, line {len(frame) + 1}: turn 99 of transcript 'sam'" in result.output
    assert "Traceback" not in result.output


def test_bad_codes_and_missing_transcripts_are_clear_errors(tmp_path):
    path = write(tmp_path / "c.csv", "transcript_id,turn_index,trust_label\nsam,0,great\n")
    transcript = write(tmp_path / "sam.txt", SESSION)
    result = run(["evaluate", str(path), "--transcripts", str(transcript)])
    assert result.exit_code == 1 and "line 2: trust_label 'great' is not one of" in result.output
    no_transcripts = run(["evaluate", str(path)])
    assert no_transcripts.exit_code == 2 and "--transcripts" in no_transcripts.output
