"""Every reader and format quirk: BOM, CRLF, encodings, Teams cue splits, synonyms, long CSV."""

from __future__ import annotations

import codecs
import json

import pytest

from transcript_analyzer.errors import TranscriptReadError
from transcript_analyzer.readers import load_transcript, load_transcripts

from .conftest import write

TXT = """Role-play 3 (typed up by trainer)
[00:00:05] Dana: Hi Sam, how's the week been?
00:00:09 Sam: Rough, honestly.
It started on Monday when the letter came.
Dana: What did the letter say?
"""


def test_plain_text_timestamps_continuation_and_preamble(tmp_path):
    t = load_transcript(write(tmp_path / "s.txt", TXT))
    assert [x.speaker for x in t.turns] == ["Dana", "Sam", "Dana"]
    assert t.turns[0].start == 5.0 and t.turns[1].start == 9.0 and t.turns[2].start is None
    assert t.turns[1].text == "Rough, honestly. It started on Monday when the letter came."
    assert t.metadata["preamble"].startswith("Role-play 3")
    assert t.id == "s"


def test_utf8_bom_and_crlf(tmp_path):
    data = codecs.BOM_UTF8 + TXT.replace("\n", "\r\n").encode("utf-8")
    t = load_transcript(write(tmp_path / "bom.txt", data))
    assert t.turns[0].speaker == "Dana"
    assert "\r" not in t.turns[1].text


def test_utf16_with_bom(tmp_path):
    t = load_transcript(write(tmp_path / "u16.txt", TXT.encode("utf-16")))
    assert len(t.turns) == 3 and t.metadata["encoding"] == "utf-16"


def test_latin1_fallback_and_curly_quotes(tmp_path):
    text = "Ana: Caf\u00e9 was \u201cfine\u201d, it\u2019s ok\nBo: Good to hear\n"
    t = load_transcript(write(tmp_path / "l1.txt", text.encode("cp1252")))
    assert t.turns[0].text == "Caf\u00e9 was \"fine\", it's ok"
    assert any("cp1252" in w for w in t.warnings)


def test_teams_vtt_merges_cues_split_mid_turn(tmp_path):
    vtt = (
        "WEBVTT\n\n"
        "a1b2/1-0\n00:00:01.000 --> 00:00:03.500\n<v Marcus Lee>So tell me what</v>\n\n"
        "a1b2/1-1\n00:00:03.500 --> 00:00:05.000\n<v Marcus Lee>happened next.</v>\n\n"
        "a1b2/2-0\n00:00:05.200 --> 00:00:07.000\n<v Jade>I left.</v>\n"
    )
    t = load_transcript(write(tmp_path / "teams.vtt", vtt))
    assert [x.text for x in t.turns] == ["So tell me what happened next.", "I left."]
    assert t.turns[0].start == 1.0 and t.turns[0].end == 5.0
    assert t.turns[0].line == 4


def test_zoom_vtt_and_srt_speaker_prefix(tmp_path):
    zoom = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nLeah: Hi Kai\n\n2\n00:00:02.500 --> 00:00:04.000\nKai: hey\n"
    srt = "1\n00:00:01,000 --> 00:00:02,000\nGareth: Morning\n\n2\n00:00:03,000 --> 00:00:04,500\nDeclan: Alright\n"
    z = load_transcript(write(tmp_path / "z.vtt", zoom))
    s = load_transcript(write(tmp_path / "s.srt", srt))
    assert [x.speaker for x in z.turns] == ["Leah", "Kai"]
    assert [x.speaker for x in s.turns] == ["Gareth", "Declan"] and s.turns[1].end == 4.5


@pytest.mark.parametrize(
    "header",
    ["speaker,text,start", "Speaker Name,Utterance,Start Time", "interlocutor,utterance_text,timestamp",
     "name,content,start"],
)
def test_csv_header_synonyms(tmp_path, header):
    body = "Dana,How are you?,00:00:01\nSam,Tired.,00:00:04\n"
    t = load_transcript(write(tmp_path / "t.csv", header + "\n" + body))
    assert [x.text for x in t.turns] == ["How are you?", "Tired."]
    assert t.turns[1].start == 4.0


def test_tsv_and_semicolon_csv(tmp_path):
    tsv = load_transcript(write(tmp_path / "t.tsv", "speaker\ttext\nA\thello, there\nB\thi\n"))
    semi = load_transcript(write(tmp_path / "s.csv", "speaker;text\nA;hello, there\nB;hi\n"))
    assert tsv.turns[0].text == semi.turns[0].text == "hello, there"


def test_long_format_csv_many_transcripts_and_annotator_repeats(tmp_path):
    csv = (
        "transcript_id,utterance_id,interlocutor,utterance_text,annotator_id\n"
        "7,0,therapist,Hello,1\n7,0,therapist,Hello,2\n7,1,client,Hi,1\n"
        "9,0,therapist,Welcome back,1\n9,1,client,Thanks,1\n"
    )
    ts = load_transcripts(write(tmp_path / "long.csv", csv))
    assert [t.id for t in ts] == ["7", "9"]
    assert [x.index for x in ts[0].turns] == [0, 1]
    assert any("merged" in w for w in ts[0].warnings)


def test_json_list_and_object_and_jsonl(tmp_path):
    turns = [{"speaker": "A", "text": "Hi", "start": 0.5, "end": 1}, {"speaker": "B", "text": "Hey"}]
    a = load_transcript(write(tmp_path / "a.json", json.dumps(turns)))
    b = load_transcript(write(tmp_path / "b.json", json.dumps({"turns": turns, "metadata": {"x": 1}})))
    c = load_transcript(write(tmp_path / "c.jsonl", "\n".join(json.dumps(t) for t in turns)))
    assert a.turns[0].end == 1.0 and b.metadata["source_metadata"] == {"x": 1}
    assert [x.text for x in c.turns] == ["Hi", "Hey"]
    many = load_transcripts(write(tmp_path / "m.jsonl", "\n".join(
        json.dumps({"id": f"s{i}", "turns": turns}) for i in range(3))))
    assert [t.id for t in many] == ["s0", "s1", "s2"]


def _same(streamed, whole):
    assert [(t.id, t.metadata, t.warnings, [(x.speaker, x.text, x.start, x.end, x.line)
                                            for x in t.turns]) for t in streamed] == [
        (t.id, t.metadata, t.warnings, [(x.speaker, x.text, x.start, x.end, x.line)
                                        for x in t.turns]) for t in whole]


@pytest.mark.parametrize("encoding,ending", [("utf-8", "\n"), ("utf-8-sig", "\r\n"),
                                             ("utf-16", "\r"), ("cp1252", "\n")])
def test_streamed_jsonl_reads_as_the_whole_file_does(tmp_path, encoding, ending):
    from transcript_analyzer.readers import iter_file

    turns = [{"spe\u200baker": "Ren\u00e9e", "text": "Caf\u00e9 \u2019later\u2019"},
             {"speaker": "B", "text": "Hey\x00 there", "start": 3}]
    whole_lines = [json.dumps({"turns": turns, "metadata": {"n": i}}, ensure_ascii=False)
                   for i in range(3)]
    if encoding == "cp1252":  # no invisible characters in a legacy code page
        whole_lines = [line.replace("\u200b", "") for line in whole_lines]
    path = tmp_path / "many.jsonl"
    path.write_bytes((ending.join(whole_lines) + ending).encode(encoding))
    _same(iter_file(path, "jsonl"), load_transcripts(path))
    turn_lines = [json.dumps({"transcript_id": k, "speaker": s, "text": t}) for k, s, t in
                  [("a", "A", "hi"), ("b", "A", "hey"), ("a", "B", "again")]]
    path.write_bytes(ending.join(turn_lines).encode(encoding))
    _same(iter_file(path, "jsonl"), load_transcripts(path))
    assert [len(t.turns) for t in iter_file(path, "jsonl")] == [2, 1]


def test_streamed_jsonl_yields_each_transcript_before_reading_on(tmp_path):
    from transcript_analyzer.readers import iter_file

    lines = [json.dumps({"id": f"s{i}", "turns": [{"speaker": "A", "text": "hi"}]})
             for i in range(2)]
    path = write(tmp_path / "m.jsonl", "\n".join([*lines, "{not json", lines[0]]))
    stream = iter_file(path, "jsonl")
    assert next(stream).id == "s0" and next(stream).id == "s1"
    with pytest.raises(TranscriptReadError, match="line 3.*not valid JSON"):
        next(stream)
    with pytest.raises(TranscriptReadError, match="line 3"):
        load_transcripts(path)
    mixed = write(tmp_path / "x.jsonl", "\n".join([lines[0], '{"speaker": "A", "text": "x"}']))
    stream = iter_file(mixed, "jsonl")
    assert next(stream).id == "s0"
    with pytest.raises(TranscriptReadError, match="line 2.*mixes whole transcripts"):
        next(stream)


def test_a_streamed_jsonl_line_over_the_size_limit_is_refused_unread(tmp_path):
    from transcript_analyzer.errors import FileTooLargeError
    from transcript_analyzer.limits import Limits
    from transcript_analyzer.readers import iter_file

    small = json.dumps({"id": "s", "turns": [{"speaker": "A", "text": "hi"}]})
    big = json.dumps({"id": "big", "turns": [{"speaker": "A", "text": "word " * 400_000}]})
    path = write(tmp_path / "m.jsonl", "\n".join([small, big, small]))
    stream = iter_file(path, "jsonl", limits=Limits(max_file_mb=1))
    assert next(stream).id == "s"
    with pytest.raises(FileTooLargeError, match="line 2.*--max-file-mb"):
        next(stream)
    assert [t.id for t in iter_file(path, "jsonl", limits=Limits(max_file_mb=3))] == [
        "s", "big", "s"]


def test_docx_paragraphs(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Role-play 7")
    document.add_paragraph("Hannah: How are you finding things?")
    document.add_paragraph("Mei: Hard. My brother again.")
    document.save(tmp_path / "r.docx")
    t = load_transcript(tmp_path / "r.docx")
    assert [x.speaker for x in t.turns] == ["Hannah", "Mei"]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("empty.txt", "", "empty"),
        ("blank.csv", "  \n\n", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("cut.json", '{"turns": [{"speaker": "A", "text": "hi"', "line 1"),
        ("bad.vtt", "WEBVTT\n\n1\n00:00:0x.000 --> 00:00:02.000\nA: hi\n", "line 4"),
        ("notext.csv", "speaker,start\nA,1\n", "no text column"),
        ("nolabels.txt", "just some words\nand more words\n", "no speaker labels"),
        ("zip.txt", b"PK\x03\x04rest", "zip"),
        ("ragged.csv", "speaker,text\nA,hi\nB,hi,extra\n", "line 3"),
        ("nocues.vtt", "WEBVTT\n\nhello\n", "no caption cues"),
        ("nospeaker.srt", "1\n00:00:01,000 --> 00:00:02,000\njust words\n", "no speaker names"),
    ],
)
def test_bad_inputs_give_readable_errors(tmp_path, name, content, expected):
    path = write(tmp_path / name, content)
    with pytest.raises(TranscriptReadError) as info:
        load_transcripts(path)
    message = str(info.value)
    assert str(path) in message and expected in message


def test_unknown_extension_is_an_error(tmp_path):
    with pytest.raises(TranscriptReadError, match="unrecognised file type"):
        load_transcripts(write(tmp_path / "notes.pdf", "x"))


def test_long_csv_streams_transcripts_before_reading_the_whole_file(tmp_path):
    from transcript_analyzer.readers import iter_file

    rows = "".join(f"{t},{i},{'A' if i % 2 else 'B'},turn {i} of {t}\n"
                   for t in ("s1", "s2") for i in range(3))
    path = write(tmp_path / "long.csv", "transcript_id,turn_index,speaker,text\n" + rows
                 + "s3,0,A,fine\ns3,1,B,broken,row,with,extra\n")
    stream = iter_file(path, "csv")
    assert next(stream).id == "s1" and next(stream).id == "s2"
    with pytest.raises(TranscriptReadError, match="line 9"):
        next(stream)


def test_streamed_long_csv_needs_each_transcripts_rows_together(tmp_path):
    from transcript_analyzer.readers import iter_file

    path = write(tmp_path / "mixed.csv", "transcript_id,speaker,text\n1,A,hi\n2,A,hey\n1,B,again\n")
    stream = iter_file(path, "csv")
    assert next(stream).id == "1" and next(stream).id == "2"
    with pytest.raises(TranscriptReadError, match="line 4.*keep each transcript's rows together"):
        next(stream)
    # Read whole (the library's load_transcripts), the rows are grouped wherever they are.
    assert [len(t.turns) for t in load_transcripts(path)] == [2, 1]


def _as_read(items):
    from transcript_analyzer.batch import TableItem, read_item

    out = []
    for item in items:
        for read in (read_item(item) if isinstance(item, TableItem) else [item]):
            out.append(read if isinstance(read, dict) else (
                read.id, read.source, read.metadata, read.warnings,
                [(t.index, t.speaker, t.text, t.start, t.end, t.line, t.meta) for t in read.turns]))
    return out


LONG_TABLES = {
    "repeats.csv": "transcript_id,turn_index,speaker,text,supporter_name\n"
                   "a,0,T,Hi there,Jo\na,0,T,Hi there,Jo\na,1,C,Hello,Jo\n"
                   "b,0,T,How are you?,Jo\nb,1,C, ,Kim\nb,2,C,Fine ,Kim\n",
    "broken_row.csv": "transcript_id,speaker,text\na,T,hi\nb,T,hey\nc,T,one,two\nd,T,later\n",
    "empty_one.csv": "transcript_id,speaker,text\na,T,hi\nb,T,\u200b\nb,C, \nc,T,later\n",
    "again.csv": "transcript_id,speaker,text\na,T,hi\nb,T,hey\na,C,again\n",
    "too_long.csv": "transcript_id,speaker,text\n" + "".join(f"a,T,turn {i}\n" for i in range(9)),
    "same_ids.csv": "transcript_id,speaker,text\na,T,hi\n",
    "times.tsv": "transcript_id\tspeaker\ttext\tstart\tend\trole\n"
                 "a\tT\thi\t00:01\t-3\tsupporter\na\tC\tyo\tnan\t7\t\n",
}


def test_table_rows_left_to_a_worker_read_as_the_file_is_read(tmp_path):
    """`score` leaves a table's turns to be made by the worker that scores them; what it makes
    (ids, turns, warnings, errors and where a failed file stops) is what reading it whole gives."""
    from transcript_analyzer.batch import read_one, read_table_items
    from transcript_analyzer.limits import Limits

    limits = Limits(max_session_turns=5)
    used_whole: set[str] = {"a"}
    used_rows: set[str] = {"a"}
    for name, text in LONG_TABLES.items():
        path = tmp_path / name
        path.write_bytes(text.replace("Hello", "H\u00e9llo").encode(
            "cp1252" if name == "repeats.csv" else "utf-8", errors="ignore"))
        fmt = path.suffix[1:]
        whole = _as_read(read_one(path, fmt, None, None, limits, None, used_whole))
        rows = _as_read(read_table_items(path, fmt, limits, used_rows))
        assert rows == whole, name
    assert used_rows == used_whole and "a-2" in used_rows
