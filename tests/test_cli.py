"""The CLI through CliRunner: outputs, schema, exit codes, errors and stdin."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer import __version__
from transcript_analyzer.cli import main
from transcript_analyzer.schema import ERROR_COLUMNS, SESSION_COLUMNS, UTTERANCE_COLUMNS

from .conftest import SAMPLES, write

PINNED_UTTERANCES = ["transcript_id", "turn_index", "speaker", "role", "text", "word_count",
                     "question_type", "reflection_type", "trust_label", "trust_confidence",
                     "trust_theme", "jargon_terms", "source"]
PINNED_SESSIONS = ["transcript_id", "source", "n_turns", "supporter", "role_source",
                   "supporter_words", "client_words", "supporter_talk_share", "open_questions",
                   "closed_questions", "percent_open_questions", "simple_reflections",
                   "complex_reflections", "reflection_to_question_ratio",
                   "percent_complex_reflections", "jargon_count", "jargon_per_100_words",
                   "trust_building_turns", "neutral_turns", "barrier_creating_turns", "trust_index"]

GOOD = "Dana: Hi Sam. How has the week been?\nSam: Long. I barely slept.\nDana: Sounds exhausting.\n"


def run(args, **kwargs):
    return CliRunner().invoke(main, args, catch_exceptions=False, **kwargs)


def test_version_and_help():
    assert __version__ in run(["--version"]).output
    for cmd in ([], ["score"]):
        result = run([*cmd, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = run(["score", str(SAMPLES), "--out", str(out)])
    return result, out


def test_every_sample_transcript_scores(sample_run):
    result, out = sample_run
    assert result.exit_code == 0, result.output
    sessions = pd.read_csv(out / "sessions.csv")
    errors = pd.read_csv(out / "errors.csv")
    # folders are searched recursively: sample_transcripts/progress/ holds dated sessions
    transcripts = [p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix != ".md"]
    assert len(sessions) == len(transcripts) >= 18 and errors.empty
    assert (sessions["n_turns"] >= 20).all()


def test_output_schema(sample_run):
    _, out = sample_run
    utt = pd.read_csv(out / "utterances.csv", keep_default_na=False)
    ses = pd.read_csv(out / "sessions.csv")
    err = pd.read_csv(out / "errors.csv")
    assert list(utt.columns) == list(UTTERANCE_COLUMNS)
    assert list(ses.columns) == list(SESSION_COLUMNS)
    assert list(err.columns) == list(ERROR_COLUMNS)
    assert set(PINNED_UTTERANCES) <= set(utt.columns) and set(PINNED_SESSIONS) <= set(ses.columns)
    assert set(utt["role"]) <= {"supporter", "client", "other"}
    assert set(utt["question_type"]) <= {"open", "closed", "none"}
    assert set(utt["reflection_type"]) <= {"simple", "complex", "none"}
    sup = utt[utt["role"] == "supporter"]
    assert set(sup["trust_label"]) <= {"trust_building", "neutral", "barrier_creating"}
    assert (utt.loc[utt["role"] != "supporter", "trust_label"] == "").all()
    assert ses["trust_index"].between(-1, 1).all()
    assert set(ses["role_source"]) <= {"given", "option", "inferred"}
    # Session counts agree with the utterance rows they summarise.
    for _, s in ses.iterrows():
        rows = sup[sup["transcript_id"] == s["transcript_id"]]
        assert s["open_questions"] == (rows["question_type"] == "open").sum()
        assert s["barrier_creating_turns"] == (rows["trust_label"] == "barrier_creating").sum()
        assert s["supporter_words"] == rows["word_count"].sum()


def test_mixed_folder_exits_1_scores_good_and_lists_every_bad(tmp_path):
    folder = tmp_path / "in"
    write(folder / "good.txt", GOOD)
    write(folder / "sub" / "good2.txt", GOOD)
    write(folder / "empty.txt", "")
    write(folder / "cut.json", '[{"speaker": "A", "text": "hi"')
    write(folder / "binary.srt", bytes(range(256)) * 4)
    write(folder / "notes.pdf", "not a transcript")
    out = tmp_path / "out"
    result = run(["score", str(folder), "--out", str(out)])
    assert result.exit_code == 1
    sessions = pd.read_csv(out / "sessions.csv")
    errors = pd.read_csv(out / "errors.csv")
    assert sorted(sessions["transcript_id"]) == ["good", "good2"]
    assert sorted(errors["source"].map(lambda s: s.rsplit("/", 1)[-1])) == [
        "binary.srt", "cut.json", "empty.txt"]
    assert errors["error"].str.len().min() > 20
    assert "Traceback" not in result.output
    assert "1 non-transcript file(s) skipped" in result.output


def test_stem_clash_gets_unique_ids(tmp_path):
    write(tmp_path / "a" / "s.txt", GOOD)
    write(tmp_path / "b" / "s.txt", GOOD)
    run(["score", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "o")])
    assert sorted(pd.read_csv(tmp_path / "o" / "sessions.csv")["transcript_id"]) == ["s", "s-2"]


def test_stdin_needs_input_format_and_then_works(tmp_path):
    bad = CliRunner().invoke(main, ["score", "-", "--out", str(tmp_path)], input=GOOD)
    assert bad.exit_code == 2 and "--input-format" in bad.output
    ok = run(["score", "-", "--input-format", "text", "--out", str(tmp_path)], input=GOOD)
    assert ok.exit_code == 0
    assert pd.read_csv(tmp_path / "sessions.csv")["transcript_id"].tolist() == ["stdin"]


def test_supporter_option_is_recorded(tmp_path):
    path = write(tmp_path / "x.txt", GOOD)
    run(["score", str(path), "--supporter", "sam", "--out", str(tmp_path / "o")])
    row = pd.read_csv(tmp_path / "o" / "sessions.csv").iloc[0]
    assert row["supporter"] == "Sam" and row["role_source"] == "option"


def test_usage_errors_exit_2(tmp_path):
    assert CliRunner().invoke(main, ["score"]).exit_code == 2
    empty = tmp_path / "nothing"
    empty.mkdir()
    result = CliRunner().invoke(main, ["score", str(empty), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no transcript files" in result.output


def test_missing_file_is_a_usage_error_not_a_crash(tmp_path):
    result = CliRunner().invoke(main, ["score", str(tmp_path / "missing.txt"), "--out",
                                       str(tmp_path / "o")])
    assert result.exit_code == 2 and "no such file or folder" in result.output
    assert not (tmp_path / "o").exists()


def test_python_api_matches_cli_columns(tmp_path):
    import transcript_analyzer as ta

    path = write(tmp_path / "x.txt", GOOD)
    result = ta.score([path])
    assert list(result.utterances.columns) == list(UTTERANCE_COLUMNS)
    assert list(result.sessions.columns) == list(SESSION_COLUMNS)
    assert result.errors.empty and len(result.utterances) == 3
    assert ta.load_transcript(path).supporter() == "Dana"


def test_limits_are_options_with_clear_messages(tmp_path):
    big = write(tmp_path / "big.txt", "Dana: " + "word " * 300_000 + "\nSam: ok\n")
    long_turn = write(tmp_path / "long.txt", "Dana: " + "word " * 60 + "\nSam: ok\n")
    result = CliRunner().invoke(main, ["score", str(big), str(long_turn), "--out",
                                       str(tmp_path / "o"), "--max-file-mb", "1",
                                       "--max-turn-words", "50", "-j", "1"])
    assert result.exit_code == 1
    errors = pd.read_csv(tmp_path / "o" / "errors.csv")
    assert "--max-file-mb" in errors["error"][0] and errors["code"][0] == "E104"
    sessions = pd.read_csv(tmp_path / "o" / "sessions.csv")
    assert "--max-turn-words" in sessions["warnings"][0]
