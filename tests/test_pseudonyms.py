"""With --redact, names of things become pseudonyms: speaker labels, file names and ids.

No pattern finds every email or phone number used as a speaker label, or a client's name and
date of birth in a file name, so `score --redact` does not search them: it replaces them, with
names that are stable (rows join, a resumed run matches its earlier rows) and mapped back only
when the user asks for the map.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from transcript_analyzer.cli import main
from transcript_analyzer.privacy.pseudonyms import (
    source_pseudonym,
    speaker_pseudonyms,
    transcript_pseudonym,
)

FILE = "Ann_Lee_DOB_02-05-1979_07700900456.csv"
SECRETS = ["Ann_Lee", "1979", "07700900456", "ann.lee@example.org", "07700 900456", "Lee"]
TURNS = [
    ("ann.lee@example.org", "Hi, thanks for coming in. How has this week been for you?"),
    ("07700 900456", "Hard. I keep thinking I have let everyone down at work."),
    ("ann.lee@example.org", "It sounds like you are carrying a lot of guilt about work."),
    ("07700 900456", "Yes. I do not know where to start."),
]


def _inputs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / FILE, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["speaker", "text"])
        writer.writerows(TURNS)
    (folder / "Bob_Jones_07700900111.vtt").write_text("not captions\n", encoding="utf-8")
    return folder


def _score(tmp_path: Path, *extra: str):
    inputs = _inputs(tmp_path / "in")
    result = CliRunner().invoke(main, ["score", str(inputs), "--out", str(tmp_path / "out"),
                                       "-j", "1", "--redact", *extra])
    assert result.exit_code == 1, result.output  # the .vtt file is broken on purpose
    return result


def test_labels_file_names_and_ids_leave_no_trace_in_any_output(tmp_path):
    result = _score(tmp_path, "--html-dir", str(tmp_path / "reports"))
    written = [*(tmp_path / "out").iterdir(), *(tmp_path / "reports").iterdir()]
    for path in written:
        assert not any(s in path.name for s in SECRETS), path.name
        text = path.read_text(encoding="utf-8")
        for secret in SECRETS + ["Bob_Jones", "07700900111"]:
            assert secret not in text, f"{secret!r} leaked into {path.name}"
    for secret in SECRETS + ["Bob_Jones", "07700900111"]:
        assert secret not in result.output, f"{secret!r} leaked into stderr"
    assert not (tmp_path / "map.csv").exists()
    assert not [p for p in tmp_path.rglob("*") if "map" in p.name.lower()]


def test_pseudonyms_are_stable_and_rows_still_join(tmp_path):
    _score(tmp_path)
    out = tmp_path / "out"
    utterances = pd.read_csv(out / "utterances.csv")
    sessions = pd.read_csv(out / "sessions.csv")
    errors = pd.read_csv(out / "errors.csv")
    inputs = pd.read_csv(out / "inputs.csv")
    source = str(tmp_path / "in" / FILE)
    assert list(utterances["speaker"]) == ["Speaker 1", "Speaker 2", "Speaker 1", "Speaker 2"]
    assert set(utterances["transcript_id"]) == set(sessions["transcript_id"])
    assert sessions["source"].iloc[0] == source_pseudonym(source)
    assert sessions["transcript_id"].iloc[0] == \
        transcript_pseudonym(source, Path(FILE).stem)
    assert sessions["speakers"].iloc[0] == "Speaker 1; Speaker 2"
    assert set(inputs["source"]) == set(sessions["source"]) | set(errors["source"])
    assert errors["source"].iloc[0].startswith("file-") and errors["code"].iloc[0] == "E106"
    assert speaker_pseudonyms(["b", "a", "b"]) == {"b": "Speaker 1", "a": "Speaker 2"}


def test_the_same_input_gets_the_same_names_in_another_process(tmp_path):
    """Names must not depend on the process (a per-run salt would break resume and joins)."""
    import subprocess
    import sys

    code = ("from transcript_analyzer.privacy.pseudonyms import source_pseudonym as s, "
            "transcript_pseudonym as t; print(s('in/Ann.txt'), t('in/Ann.txt', 'Ann'))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert runs == {f"{source_pseudonym('in/Ann.txt')} "
                    f"{transcript_pseudonym('in/Ann.txt', 'Ann')}\n"}
    assert source_pseudonym("in/Ann.txt") != source_pseudonym("in/Bob.txt")


def test_the_map_back_is_written_only_when_asked_for(tmp_path):
    map_file = tmp_path / "private" / "map.csv"
    _score(tmp_path, "--redact-map", str(map_file))
    with open(map_file, newline="", encoding="utf-8") as handle:
        entries = list(csv.DictReader(handle))
    originals = {(e["kind"], e["original"]) for e in entries}
    assert ("speaker", "ann.lee@example.org") in originals
    assert ("speaker", "07700 900456") in originals
    assert ("source", str(tmp_path / "in" / FILE)) in originals
    assert ("source", str(tmp_path / "in" / "Bob_Jones_07700900111.vtt")) in originals
    sessions = pd.read_csv(tmp_path / "out" / "sessions.csv")
    named = {e["pseudonym"]: e["original"] for e in entries if e["kind"] == "transcript_id"}
    assert named[sessions["transcript_id"].iloc[0]] == Path(FILE).stem


def test_the_map_needs_redact_and_never_replaces_a_users_file(tmp_path):
    inputs = _inputs(tmp_path / "in")
    runner = CliRunner()
    alone = runner.invoke(main, ["score", str(inputs), "--out", str(tmp_path / "out"),
                                 "--redact-map", str(tmp_path / "map.csv")])
    assert alone.exit_code == 2 and "--redact-map needs --redact" in alone.output
    mine = tmp_path / "notes.csv"
    mine.write_text("my own notes\n", encoding="utf-8")
    refused = runner.invoke(main, ["score", str(inputs), "--out", str(tmp_path / "out"),
                                   "--redact", "--redact-map", str(mine)])
    assert refused.exit_code == 2, refused.output
    assert mine.read_text(encoding="utf-8") == "my own notes\n"


def test_resume_with_redact_keeps_the_pseudonymous_rows(tmp_path):
    _score(tmp_path)
    out = tmp_path / "out"
    before = pd.read_csv(out / "sessions.csv")
    (tmp_path / "in" / "second.csv").write_text(
        "speaker,text\nKim,How are you doing today?\nLou,Better than last week.\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out", str(out),
                                       "-j", "1", "--redact", "--resume"])
    assert "1 already scored (kept)" in result.output, result.output
    after = pd.read_csv(out / "sessions.csv")
    assert len(after) == 2 and after["transcript_id"].is_unique
    assert before["transcript_id"].iloc[0] in set(after["transcript_id"])
    assert "Kim" not in (out / "utterances.csv").read_text(encoding="utf-8")


def test_error_messages_name_no_transcript_id_speaker_or_given_supporter(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "ann_lee_1979.json").write_text(
        '[{"speaker": "kai", "text": "How are you?"}, {"speaker": "mum", "text": "Fine."},'
        ' {"speaker": "kai", "text": "Good."}]', encoding="utf-8")
    (inputs / "carol.txt").write_text("kai: Hello there.\nmum: Hi.\n", encoding="utf-8")
    runner = CliRunner()
    too_long = runner.invoke(main, ["score", str(inputs / "ann_lee_1979.json"), "--out",
                                    str(tmp_path / "o1"), "--redact", "--max-session-turns", "2"])
    not_a_speaker = runner.invoke(main, ["score", str(inputs / "carol.txt"), "--out",
                                         str(tmp_path / "o2"), "--redact", "--supporter",
                                         "Ann Lee"])
    for result, out in ((too_long, "o1"), (not_a_speaker, "o2")):
        assert result.exit_code == 1, result.output
        written = (tmp_path / out / "errors.csv").read_text(encoding="utf-8")
        for secret in ("ann_lee", "1979", "kai", "mum", "Ann Lee", "carol"):
            assert secret not in written and secret not in result.output, (secret, out)
    assert "Speaker 1" in (tmp_path / "o2" / "errors.csv").read_text(encoding="utf-8")


def test_notes_and_missing_paths_on_stderr_are_renamed(tmp_path):
    inputs = _inputs(tmp_path / "in")
    runner = CliRunner()
    twice = runner.invoke(main, ["score", str(inputs / FILE), str(inputs), "--out",
                                 str(tmp_path / "out"), "--redact"])
    assert "counted once" in twice.output and "Ann_Lee" not in twice.output
    missing = runner.invoke(main, ["score", str(inputs / "Carol_King_07700900222.txt"), "--out",
                                   str(tmp_path / "out2"), "--redact"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert "Carol" not in missing.output and "07700900222" not in missing.output


def test_resuming_with_redact_twice_keeps_everything_it_kept(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / "in" / folder).mkdir(parents=True)
        (tmp_path / "in" / folder / "s.txt").write_text(
            "Kim: How are you doing today?\nLou: Better than last week.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["score", str(tmp_path / "in"), "--out", str(out), "-j", "1", "--redact"]
    runner = CliRunner()
    assert runner.invoke(main, args).exit_code == 0
    fresh = sorted(pd.read_csv(out / "sessions.csv")["transcript_id"])
    (tmp_path / "in" / "b" / "s.txt").write_text("Kim: Hello again.\nLou: Hi.\n",
                                                 encoding="utf-8")
    first = runner.invoke(main, [*args, "--resume"])
    assert "1 already scored (kept)" in first.output, first.output
    second = runner.invoke(main, [*args, "--resume"])
    assert "2 already scored (kept)" in second.output, second.output
    assert sorted(pd.read_csv(out / "sessions.csv")["transcript_id"]) == fresh
