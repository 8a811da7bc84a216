"""The Python API takes what people pass it: one path, several, a DataFrame or Transcripts."""

from __future__ import annotations

import copy
import os

import pandas as pd
import pytest

import transcript_analyzer as ta
from transcript_analyzer.model import Role, Transcript, Turn

from .conftest import SAMPLES, write

SAMPLE = SAMPLES / "good_veteran_peer.srt"
# where the turns came from, which is all that may differ between the ways of passing them
SOURCE_LIKE = {"source", "format"}


def _without_source(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns if c in SOURCE_LIKE]).reset_index(
        drop=True)


def _as_frame(transcript: Transcript) -> pd.DataFrame:
    return pd.DataFrame([{"transcript_id": transcript.id, "turn_index": t.index,
                          "speaker": t.speaker, "text": t.text, "start": t.start, "end": t.end}
                         for t in transcript.turns])


@pytest.fixture(scope="module")
def by_path():
    return ta.score(str(SAMPLE))


def test_a_string_is_one_path_not_a_sequence_of_letters(by_path):
    assert by_path.errors.empty, by_path.errors
    assert by_path.sessions["transcript_id"].tolist() == [SAMPLE.stem]
    assert by_path.inputs == 1


def test_a_relative_string_with_a_slash_and_a_pathlike_are_one_path(monkeypatch, by_path):
    monkeypatch.chdir(SAMPLES.parent)
    relative = ta.score(f"{SAMPLES.name}/{SAMPLE.name}")
    assert relative.errors.empty and len(relative.sessions) == 1
    pathlike = ta.score(SAMPLE)
    assert isinstance(SAMPLE, os.PathLike)
    pd.testing.assert_frame_equal(pathlike.utterances, by_path.utterances)


def test_an_iterable_of_paths_is_several(tmp_path):
    write(tmp_path / "a.txt", "Sam: How are you doing today?\nJo: Not bad.\n")
    write(tmp_path / "b.txt", "Sam: What brings you here?\nJo: The rent.\n")
    result = ta.score(p for p in (tmp_path / "a.txt", str(tmp_path / "b.txt")))
    assert result.sessions["transcript_id"].tolist() == ["a", "b"]


def test_a_dataframe_and_transcripts_score_like_the_file(by_path):
    transcript = ta.load_transcripts(SAMPLE)[0]
    frame = _as_frame(transcript)
    by_frame = ta.score(frame)
    by_objects = ta.score([transcript])
    for result in (by_frame, by_objects):
        assert result.errors.empty, result.errors
        pd.testing.assert_frame_equal(_without_source(result.utterances),
                                      _without_source(by_path.utterances))
        pd.testing.assert_frame_equal(_without_source(result.sessions),
                                      _without_source(by_path.sessions))
    assert set(by_frame.utterances["source"]) == {"<dataframe>"}
    assert by_frame.sessions["format"].tolist() == ["dataframe"]
    assert set(by_objects.utterances["source"]) == {transcript.source}


def test_transcripts_with_assigned_roles_keep_them_and_are_not_changed(by_path):
    transcript = ta.load_transcript(SAMPLE)  # roles assigned (inferred) while loading
    before = copy.deepcopy(transcript)
    result = ta.score([transcript])
    assert transcript == before
    assert result.sessions["role_source"].tolist() == by_path.sessions["role_source"].tolist()


def test_roles_set_on_turns_by_the_caller_count_as_given():
    turns = [Turn(0, "A", "I just feel stuck with it all.", role=Role.CLIENT),
             Turn(1, "B", "What would help most right now?", role=Role.SUPPORTER)]
    result = ta.score([Transcript("t1", "my-notebook", turns)])
    session = result.sessions.iloc[0]
    assert (session["supporter"], session["role_source"]) == ("B", "given")


def test_a_long_dataframe_holds_many_transcripts_with_roles_and_repeats():
    frame = pd.DataFrame({
        "transcript_id": ["x", "x", "x", "y", "y"],
        "turn_index": [0, 1, 1, 0, 1],  # x's turn 1 repeated, once per annotator
        "speaker": ["Therapist", "Client", "Client", "Counsellor", "Patient"],
        "text": ["How are things?", "Hard.", "Hard.", "What brings you?", "Sleep."],
        "role": ["therapist", "client", "client", None, None],
    })
    result = ta.score(frame)
    assert result.sessions["transcript_id"].tolist() == ["x", "y"]
    assert result.sessions["n_turns"].tolist() == [2, 2]
    assert "repeated row" in result.sessions["warnings"].iloc[0]


def test_a_dataframe_without_a_text_column_is_an_error_row_naming_it():
    result = ta.score(pd.DataFrame({"speaker": ["A"], "words": ["hi"]}))
    assert result.sessions.empty
    error = result.errors.iloc[0]
    assert error["source"] == "<dataframe>" and "no text column" in error["error"]
    assert "'words'" in error["error"]


def test_what_is_neither_a_path_nor_a_transcript_is_a_clear_type_error():
    with pytest.raises(TypeError, match="int"):
        ta.score(3)
    with pytest.raises(TypeError, match="not both"):
        ta.score([ta.load_transcripts(SAMPLE)[0], str(SAMPLE)])
    with pytest.raises(TypeError, match="bytes"):
        ta.score(b"Sam: hi")


def test_a_dataframe_can_say_who_and_when_like_a_long_csv():
    frame = pd.DataFrame({"transcript_id": ["s1", "s1"], "speaker": ["Kai", "Sam"],
                          "text": ["What brings you here today?", "My landlord, mostly."],
                          "supporter": ["Kai", "Kai"], "session_date": ["2026-03-14"] * 2})
    session = ta.score(frame).sessions.iloc[0]
    assert session["session_date"] == "2026-03-14" and session["supporter"] == "Kai"


def test_a_classifier_passed_to_one_run_is_not_the_next_runs_default():
    """With several workers the passed classifier is shared with them; it must not stay
    cached as the default for later calls."""
    from transcript_analyzer.classifier import RuleTrustClassifier

    paths = [SAMPLES / "good_veteran_peer.srt", SAMPLES / "mixed_youth_zoom.vtt"]
    assert ta.score(paths, classifier=RuleTrustClassifier(), jobs=2).sessions[
        "classifier"].eq("rules").all()
    assert ta.score(paths, jobs=1).sessions["classifier"].eq("model").all()
