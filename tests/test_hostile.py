"""Hostile and odd input: every nasty file is scored (with a warning where it was repaired) or is
a typed `TranscriptReadError` naming the file and, where it can, the line. Never a traceback,
never a hang.

The committed corpus lives in tests/fixtures/nasty/ and each file's expected outcome is listed in
`NASTY` below (a test fails if a fixture has no entry). Big inputs (a 1 MB line, 100,000 turns,
thousands of files, an over-size file, a zip bomb) are generated here instead of committed.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from transcript_analyzer.errors import (
    FileTooLargeError,
    TranscriptReadError,
    UsageError,
    WrongFormatError,
)
from transcript_analyzer.inputs import discover
from transcript_analyzer.limits import DEFAULT_LIMITS, Limits
from transcript_analyzer.readers import format_for, load_transcripts, read_bytes

from .conftest import SAMPLES, write

NASTY = Path(__file__).parent / "fixtures" / "nasty"

# name -> ("error", code, words in the message, line or None)
#       | ("ok", words in one of the warnings, or None when nothing needed repairing)
NASTY_EXPECTED: dict[str, tuple] = {
    # empty, broken or mislabelled
    "empty.txt": ("error", "E102", "empty", None),
    "blank.csv": ("error", "E102", "empty", None),
    "only_nul_bytes.txt": ("error", "E102", "empty", None),
    "binary_image.txt": ("error", "E103", "binary file", None),
    "csv_content.vtt": ("error", "E105", "looks like a CSV table", None),
    "json_content.txt": ("error", "E105", "looks like JSON", 1),
    "not_a_docx.docx": ("error", "E105", "not a readable Word .docx", None),
    "truncated.json": ("error", "E106", "malformed or cut off", 1),
    "broken_timestamp.vtt": ("error", "E106", "broken caption timestamp", 8),
    "negative_timestamp.srt": ("error", "E106", "broken caption timestamp", 2),
    "huge_timestamp.vtt": ("error", "E106", "broken caption timestamp", 3),
    "no_text_column.csv": ("error", "E106", "no text column", 1),
    "mixed_delimiters.csv": ("error", "E106", "mixed delimiters", 3),
    "header_only.csv": ("error", "E106", "no rows", 1),
    "no_labels.txt": ("error", "E106", "no speaker labels", 1),
    "no_speakers.srt": ("error", "E106", "no speaker names", 2),
    "deeply_nested.json": ("error", "E106", "nested too deeply", None),
    "wrong_types.json": ("error", "E106", "'text' is a list", None),
    "all_empty_turns.json": ("error", "E102", "no turns with any text", None),
    # odd but readable, repaired with a warning where needed
    "overlapping_cues.vtt": ("ok", "overlapping caption cue"),
    "non_english.txt": ("ok", None),
    "emoji.txt": ("ok", None),
    "zero_width_rtl.txt": ("ok", None),
    "control_chars.txt": ("ok", "control character(s)"),
    "nul_bytes.csv": ("ok", "NUL byte(s) removed"),
    "utf16_no_bom.txt": ("ok", "read as UTF-16-LE"),
    "utf16_be_no_bom_cyrillic.txt": ("ok", "read as UTF-16-BE"),
    "invalid_utf8.txt": ("ok", "invalid UTF-8 byte sequence(s) replaced"),
    "cp1252.txt": ("ok", "read as cp1252"),
    "json_odd_types.json": ("ok", "labelled 'Unknown speaker'"),
    "json_huge_numbers.json": ("ok", "implausibly large time value(s) dropped"),
    "negative_times.csv": ("ok", "time value(s) dropped (first at line 2)"),
    "srt_without_numbers.srt": ("ok", None),
    "vtt_without_header.vtt": ("ok", "no 'WEBVTT' header"),
    "trailing_delimiters.csv": ("ok", None),
    "missing_speaker.csv": ("ok", "no speaker label"),
    "crlf_and_cr.txt": ("ok", None),
    "dialogue_dashes.srt": ("ok", None),
    "srt_named.txt": ("ok", "holds SRT captions; read as captions"),
}


def test_every_nasty_fixture_has_an_expected_outcome():
    assert sorted(p.name for p in NASTY.iterdir()) == sorted(NASTY_EXPECTED)


@pytest.mark.parametrize("name", sorted(NASTY_EXPECTED))
def test_nasty_fixture(name):
    path = NASTY / name
    expected = NASTY_EXPECTED[name]
    if expected[0] == "error":
        _, code, words, line = expected
        with pytest.raises(TranscriptReadError) as info:
            load_transcripts(path)
        error = info.value
        assert str(path) in str(error) and words in str(error), str(error)
        assert error.code == code, (error.code, str(error))
        assert error.line == line, str(error)
        if line is not None:
            assert f"line {line}" in str(error)
        return
    _, warning = expected
    [transcript] = load_transcripts(path)
    assert transcript.turns and all(t.text and t.speaker for t in transcript.turns)
    if warning is None:
        assert transcript.warnings == []
    else:
        assert any(warning in w for w in transcript.warnings), transcript.warnings


# ---------------------------------------------------------------- text content

def test_non_english_emoji_and_invisible_characters_survive_or_go_cleanly():
    [intl] = load_transcripts(NASTY / "non_english.txt")
    assert [t.text for t in intl.turns][2:] == ["你最近睡得好吗？", "لم أنم جيدا", "Καταλαβαίνω."]
    [emoji] = load_transcripts(NASTY / "emoji.txt")
    assert "😩😩" in emoji.turns[1].text and "👎🏽" in emoji.turns[1].text
    [rtl] = load_transcripts(NASTY / "zero_width_rtl.txt")
    # A zero-width space inside a label ("Da\u200bna:") no longer hides the label.
    assert [t.speaker for t in rtl.turns] == ["Dana", "Sam", "Dana"]
    assert [t.text for t in rtl.turns] == ["How are you?", "I'm fine thanks", "Good to hear."]
    [ctrl] = load_transcripts(NASTY / "control_chars.txt")
    assert all(ch.isprintable() for t in ctrl.turns for ch in t.text)


def test_lone_surrogates_from_json_escapes_become_replacement_characters():
    data = json.dumps([{"speaker": "A\ud800", "text": "hi \udfff there"}]).encode()
    [transcript] = read_bytes(data, "s.json", "json", "s")
    turn = transcript.turns[0]
    assert turn.text == "hi \ufffd there" and turn.speaker == "A\ufffd"
    turn.text.encode("utf-8")


def test_time_cells_missing_or_unreadable():
    data = b"speaker,text,start,end\nA,hi,NA, \nB,yo,\\N,null\nA,so,soon,1\nB,ok,1e999,-2\n"
    [transcript] = read_bytes(data, "t.csv", "csv", "t")
    assert [(t.start, t.end) for t in transcript.turns] == [
        (None, None), (None, None), (None, 1.0), (None, None)]
    assert transcript.warnings == [
        "1 time value(s) that are not a number of seconds or a clock time dropped "
        "(first at line 4)",
        "2 negative, infinite or implausibly large time value(s) dropped (first at line 5)",
    ]


def test_docx_with_a_text_extension_is_a_wrong_format_error(tmp_path):
    path = tmp_path / "roleplay.txt"
    shutil.copy(SAMPLES / "family_roleplay.docx", path)
    with pytest.raises(WrongFormatError, match=r"zip/Office file.*\.docx with the wrong"):
        load_transcripts(path)


def test_captions_never_lose_speech_silently():
    srt = (b"00:00:01,000 --> 00:00:02,000\nA: one\n"          # no number, no blank line
           b"2\n00:00:03,000 --> 00:00:04,000\nB: two\nA: three\n\n"  # two speakers, one cue
           b"NOTE 00:00:05.000 --> 00:00:06.000\n\n"           # a NOTE holding an arrow
           b"01:07,000 --> 01:08,000\n- B: four --> five\n")   # mm:ss, dash, arrow in text
    [transcript] = read_bytes(srt, "c.srt", "srt", "c")
    assert [(t.speaker, t.text) for t in transcript.turns] == [
        ("A", "one"), ("B", "two"), ("A", "three"), ("B", "four --> five")]
    assert [t.line for t in transcript.turns] == [1, 4, 6, 10]


# ---------------------------------------------------------------- size extremes

def _timed(seconds: float):
    """Assert a block uses under `seconds` of CPU time: a hang or a quadratic blow-up shows up
    there, while other jobs sharing a busy CI machine do not."""
    class Timer:
        def __enter__(self):
            self.start = time.process_time()
            return self

        def __exit__(self, *exc):
            self.elapsed = time.process_time() - self.start
            assert exc[0] is not None or self.elapsed < seconds, \
                f"took {self.elapsed:.1f}s, limit {seconds}s"
    return Timer()


@pytest.mark.parametrize("fmt, make", [
    ("text", lambda line: f"Dana: {line}\nSam: ok\n"),
    ("vtt", lambda line: f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nDana: {line}\n"),
    ("csv", lambda line: f"speaker,text\nDana,{line}\nSam,ok\n"),
    ("jsonl", lambda line: json.dumps({"speaker": "Dana", "text": line})),
])
@pytest.mark.parametrize("line", ["word " * 200_000, "x" * 1_000_000], ids=["words", "no-spaces"])
def test_one_line_of_1_mb_is_cut_with_a_warning(fmt, make, line):
    with _timed(10):
        [transcript] = read_bytes(make(line).encode(), f"big.{fmt}", fmt, "big")
    turn = transcript.turns[0]
    assert len(turn.text.split()) <= DEFAULT_LIMITS.max_turn_words
    assert len(turn.text) <= DEFAULT_LIMITS.max_turn_chars
    [warning] = [w for w in transcript.warnings if "--max-turn-words" in w]
    assert "Dana" in warning and ("line " in warning or fmt == "jsonl")


@pytest.mark.parametrize("run", [" " * 1_000_000, "\t" * 200_000])
def test_long_whitespace_runs_do_not_hang_the_label_matcher(run):
    # A 16 KB run of spaces used to take about a minute (quadratic regular expression).
    data = f"Dana{run}0:05\nHello there\nSam{run}: hi{run}there\nDana: x\n".encode()
    with _timed(5):
        [transcript] = read_bytes(data, "ws.txt", "text", "ws")
    assert [t.speaker for t in transcript.turns] == ["Dana", "Sam", "Dana"]


def _many_turns(fmt: str, n: int) -> bytes:
    speakers = ("Dana", "Sam")
    if fmt == "text":
        return "".join(f"{speakers[i % 2]}: turn number {i}\n" for i in range(n)).encode()
    if fmt in ("vtt", "srt"):
        sep = "." if fmt == "vtt" else ","
        head = "WEBVTT\n\n" if fmt == "vtt" else ""
        return (head + "".join(
            f"{i + 1}\n00:{i // 6000 % 60:02d}:{i // 100 % 60:02d}{sep}{i % 100 * 10:03d} --> "
            f"00:{i // 6000 % 60:02d}:{i // 100 % 60:02d}{sep}{i % 100 * 10 + 5:03d}\n"
            f"{speakers[i % 2]}: turn number {i}\n\n" for i in range(n))).encode()
    if fmt == "csv":
        return ("speaker,text,start\n" + "".join(
            f"{speakers[i % 2]},turn number {i},{i}\n" for i in range(n))).encode()
    if fmt == "json":
        return json.dumps([{"speaker": speakers[i % 2], "text": f"turn number {i}"}
                           for i in range(n)]).encode()
    return "\n".join(json.dumps({"speaker": speakers[i % 2], "text": f"turn number {i}"})
                     for i in range(n)).encode()


@pytest.mark.parametrize("fmt", ["text", "vtt", "srt", "csv", "json", "jsonl"])
def test_a_100000_turn_transcript_reads_in_reasonable_time(fmt):
    data = _many_turns(fmt, 100_000)
    with _timed(20):  # over the default --max-session-turns: reading itself is timed
        [transcript] = read_bytes(data, f"long.{fmt}", fmt, "long",
                                  limits=Limits(max_session_turns=0))
    assert len(transcript.turns) == 100_000
    assert transcript.turns[-1].text == "turn number 99999"
    assert [t.index for t in transcript.turns[:3]] == [0, 1, 2]


def test_100000_cues_by_one_speaker_merge_in_linear_time():
    # Merging used to re-copy the growing turn for every cue (quadratic).
    data = "WEBVTT\n\n" + "".join(
        f"00:00:01.000 --> 00:00:02.000\nDana: word{i}\n\n" for i in range(100_000))
    with _timed(20):
        [transcript] = read_bytes(data.encode(), "one.vtt", "vtt", "one")
    assert len(transcript.turns) == 1
    assert any("100,000 words" in w for w in transcript.warnings)


def test_many_tiny_files(tmp_path):
    for i in range(2000):
        write(tmp_path / f"d{i // 500}" / f"s{i:04d}.txt", f"A: hi {i}\nB: hello\n")
    with _timed(30):
        found = list(discover([tmp_path]))
        read = [load_transcripts(path) for path, _, _ in found]
    assert len(found) == 2000 and all(len(t) == 1 for t in read)


# ---------------------------------------------------------------- limits

def test_limits_defaults_and_validation():
    assert Limits() == DEFAULT_LIMITS == Limits(max_file_mb=50, max_turn_words=5000)
    assert Limits(max_file_mb=0).max_file_bytes is None  # 0 = no limit
    for bad in ({"max_file_mb": -1}, {"max_turn_words": -5}, {"max_turn_words": 2.5},
                {"max_file_mb": float("nan")}, {"max_file_mb": "50"}):
        with pytest.raises(UsageError):
            Limits(**bad)
    with pytest.raises(AttributeError):  # frozen
        DEFAULT_LIMITS.max_file_mb = 1  # type: ignore[misc]


def test_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:  # sparse: costs no disk or time
        handle.truncate(60_000_000)

    def no_reading(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(FileTooLargeError) as info:
        load_transcripts(path)
    message = str(info.value)
    assert info.value.code == "E104" and str(path) in message
    assert "60.0 MB" in message and "50.0 MB limit" in message and "--max-file-mb 100" in message


def test_size_limit_applies_to_bytes_and_can_be_raised_or_disabled():
    data = b"A: hi\nB: hello\n" * 100  # 1,500 bytes
    with pytest.raises(FileTooLargeError, match=r"1,500 bytes, over the 1,000 bytes limit"):
        read_bytes(data, "s.txt", "text", "s", limits=Limits(max_file_mb=0.001))
    assert read_bytes(data, "s.txt", "text", "s", limits=Limits(max_file_mb=0.01))
    assert read_bytes(data, "s.txt", "text", "s", limits=Limits(max_file_mb=0))


def test_turn_word_limit_truncates_with_a_warning_naming_the_line():
    data = b"Dana: one two three four five six\nSam: short\nDana: a b c d e f g h\n"
    [transcript] = read_bytes(data, "s.txt", "text", "s", limits=Limits(max_turn_words=4))
    assert [t.text for t in transcript.turns] == ["one two three four", "short", "a b c d"]
    first, second = [w for w in transcript.warnings if "--max-turn-words" in w]
    assert "'Dana' at line 1" in first and "6 words" in first and "first 4 words" in first
    assert "line 3" in second
    [unlimited] = read_bytes(data, "s.txt", "text", "s", limits=Limits(max_turn_words=0))
    assert unlimited.turns[0].text == "one two three four five six" and not unlimited.warnings


def test_many_over_long_turns_are_summarised_not_listed():
    data = "".join(f"{'AB'[i % 2]}: one two three\n" for i in range(40)).encode()
    [transcript] = read_bytes(data, "s.txt", "text", "s", limits=Limits(max_turn_words=2))
    assert len(transcript.warnings) == 6 and "35 more turn(s)" in transcript.warnings[-1]


def test_docx_zip_bomb_is_refused(tmp_path):
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(SAMPLES / "family_roleplay.docx") as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                content = content.replace(b"</w:body>", b"<!--" + b" " * 3_000_000 + b"--></w:body>")
            bomb.writestr(item.filename, content)
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(FileTooLargeError, match=r"text parts expand to 3\.\d MB.*--max-file-mb"):
        read_bytes(data, "bomb.docx", "docx", "bomb", limits=Limits(max_file_mb=2))
    assert read_bytes(data, "bomb.docx", "docx", "bomb")  # fine under the default limit


def test_a_huge_image_in_a_small_docx_is_never_read_into_memory():
    """A 1 MB document can carry a 1 GB image; python-docx reads every part. Only the XML
    parts are read: the image part's bytes never reach memory, and the text is the same."""
    import io
    import tracemalloc

    buffer = io.BytesIO()
    with zipfile.ZipFile(SAMPLES / "family_roleplay.docx") as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as padded:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":  # the document uses the image
                content = content.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdBig" Target="media/image1.png" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/image"/>'
                    b"</Relationships>"))
            if item.filename == "[Content_Types].xml":
                content = content.replace(b"<Default ", b'<Default Extension="png" '
                                          b'ContentType="image/png"/><Default ', 1)
            padded.writestr(item.filename, content)
        padded.writestr("word/media/image1.png", b"\0" * 200_000_000)
    data = buffer.getvalue()
    assert len(data) < 1_000_000
    plain = (SAMPLES / "family_roleplay.docx").read_bytes()
    tracemalloc.start()
    [transcript] = read_bytes(data, "big.docx", "docx", "big")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50_000_000, f"{peak / 1e6:.0f} MB allocated reading a document of 1 MB"
    [expected] = read_bytes(plain, "big.docx", "docx", "big")
    assert [(t.speaker, t.text) for t in transcript.turns] == \
        [(t.speaker, t.text) for t in expected.turns]


# ---------------------------------------------------------------- files that are not files

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_a_named_pipe_is_an_error_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(TranscriptReadError, match="not a regular file"):
        load_transcripts(fifo)
    assert [p for p, _, _ in discover([tmp_path])] == []  # folders never yield pipes


def test_a_folder_named_like_a_file_is_an_error(tmp_path):
    (tmp_path / "odd.txt").mkdir()
    with pytest.raises(TranscriptReadError, match="not a regular file"):
        load_transcripts(tmp_path / "odd.txt")


def test_symlink_loops_do_not_hang_discovery(tmp_path):
    write(tmp_path / "a" / "s.txt", "A: hi\nB: hello\n")
    try:
        (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    except OSError:
        pytest.skip("symlinks not available")
    with _timed(5):
        found = [p.name for p, _, _ in discover([tmp_path])]
    assert "s.txt" in found and len(found) < 50


# ---------------------------------------------------------------- end to end

def test_score_a_folder_mixing_nasty_and_good_files(tmp_path):
    import transcript_analyzer as ta

    folder = tmp_path / "batch"
    shutil.copytree(NASTY, folder / "nasty")
    shutil.copytree(SAMPLES, folder / "good")
    shutil.copy(SAMPLES / "family_roleplay.docx", folder / "nasty" / "docx_named.txt")
    write(folder / "nasty" / "one_mb_line.txt", "Dana: " + "word " * 200_000 + "\nSam: ok\n")
    write(folder / "nasty" / "empty.vtt", "")
    bad = {name for name, expected in NASTY_EXPECTED.items() if expected[0] == "error"}
    bad |= {"docx_named.txt", "empty.vtt"}
    repaired = {name for name, expected in NASTY_EXPECTED.items()
                if expected[0] == "ok" and expected[1]} | {"one_mb_line.txt"}
    found = {str(path): fmt for path, fmt, _ in discover([folder])}

    result = ta.score([folder])

    scored = set(result.sessions["source"])
    failed = set(result.errors["source"])
    # Every input is accounted for, exactly once: scored, or listed with its error.
    assert scored | failed == {source for source, fmt in found.items() if fmt}
    assert not scored & failed
    assert len(scored) + len(failed) == result.inputs
    assert sorted(result.skipped) == sorted(s for s, fmt in found.items() if fmt is None)
    # Good files all scored; bad ones all listed, with readable reasons and no internal errors.
    assert {str(folder / "good" / p.name) for p in SAMPLES.iterdir() if format_for(p)} <= scored
    assert {Path(s).name for s in failed} == bad
    assert not (result.errors["code"] == "E999").any(), result.errors.to_string()
    for _, error in result.errors.iterrows():
        assert error["source"] in error["error"] and error["code"].startswith("E1")
    # Repairs are visible where a supervisor looks: the sessions table's warnings column.
    warnings = dict(zip(result.sessions["source"].map(lambda s: Path(s).name),
                        result.sessions["warnings"]))
    assert all(warnings[name] for name in repaired), {n: warnings[n] for n in repaired}
