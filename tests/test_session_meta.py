"""Who and when for every session: manifest, input fields, DOCX properties, file names."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner

import transcript_analyzer as ta
from transcript_analyzer.cli import main
from transcript_analyzer.errors import SessionsMetaError
from transcript_analyzer.session_meta import (
    date_from_file_name,
    parse_session_date,
    read_sessions_meta,
)

from .conftest import SAMPLES, write

TALK = ("Kai: Hi Sam, how has the week been?\nSam: Long. I barely slept.\n"
        "Kai: Sounds exhausting. What kept you up?\nSam: Worrying about the rent.\n")


@pytest.mark.parametrize("value, expected", [
    ("2026-03-14", "2026-03-14"), ("2026/3/4", "2026-03-04"), ("20260314", "2026-03-14"),
    ("2026-03-14T09:30:00Z", "2026-03-14"), ("2026-03-14 09:30", "2026-03-14"),
])
def test_year_first_dates_are_read(value, expected):
    assert parse_session_date(value, "f.csv") == (expected, None)


@pytest.mark.parametrize("value, words", [
    ("03/04/2026", "ambiguous"), ("4.3.2026", "ambiguous"), ("14/03/2026", "not a year-first"),
    ("2026-02-30", "not a real date"), ("last Tuesday", "not a year-first"),
])
def test_other_dates_are_not_guessed(value, words):
    iso, warning = parse_session_date(value, "notes.csv, line 7")
    assert iso is None and words in warning and "notes.csv, line 7" in warning


def test_dates_in_file_names():
    assert date_from_file_name("in/2026-03-14_kai.vtt") == ("2026-03-14", None)
    assert date_from_file_name("in/20260314-kai.srt") == ("2026-03-14", None)
    assert date_from_file_name("in/kai_2026_03_14.txt") == ("2026-03-14", None)
    assert date_from_file_name("in/kai-session-3.txt") == (None, None)
    assert date_from_file_name("in/20261399-kai.txt") == (None, None)  # not a date at all
    iso, warning = date_from_file_name("in/03-04-2026_kai.txt")
    assert iso is None and "ambiguous" in warning and "in/03-04-2026_kai.txt" in warning


def _turns() -> list[tuple[str, str]]:
    return [tuple(line.split(": ", 1)) for line in TALK.splitlines()]


def _table(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue()


def _sessions(paths) -> pd.DataFrame:
    from transcript_analyzer.classifier import RuleTrustClassifier

    return ta.score(paths, classifier=RuleTrustClassifier()).sessions.set_index("transcript_id")


def _docx(path, properties: dict[str, str]):
    """A Word file of TALK with custom document properties, as Word writes them."""
    import docx

    document = docx.Document()
    for line in TALK.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    props = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i + 2}" '
        f'name="{name}"><vt:lpwstr>{value}</vt:lpwstr></property>'
        for i, (name, value) in enumerate(properties.items()))
    custom = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns='
              '"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              f"{props}</Properties>")
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("docProps/custom.xml", custom)
    return write(path, out.getvalue())


def test_each_source_is_recorded(tmp_path):
    write(tmp_path / "2026-09-09_long.csv", _table(
        ["transcript_id", "speaker", "text", "session_date", "supporter"],
        [["a", s, t, "2026-01-05", "Kai Ito"] for s, t in _turns()]
        + [["b", s, t, "", ""] for s, t in _turns()]))
    turns = [{"speaker": s, "text": t} for s, t in _turns()]
    write(tmp_path / "j.json", json.dumps({"metadata": {"Session Date": "2026-02-07",
                                                        "supporter": "K. Ito"}, "turns": turns}))
    _docx(tmp_path / "2026-12-12_d.docx", {"Supporter": "Kai I.", "session_date": "2026-03-03"})
    write(tmp_path / "2026-04-01_kai.txt", TALK)
    write(tmp_path / "undated.txt", TALK)
    got = _sessions([tmp_path])
    cols = ["supporter", "supporter_source", "session_date", "date_source"]
    rows = {tid: tuple(got.loc[tid, cols].fillna("")) for tid in got.index}
    assert rows == {
        "a": ("Kai Ito", "input", "2026-01-05", "input"),
        # the file name's date is below the input's, but fills in where a row has none
        "b": ("Kai", "speaker", "2026-09-09", "file_name"),
        "j": ("K. Ito", "input", "2026-02-07", "input"),
        "2026-12-12_d": ("Kai I.", "docx", "2026-03-03", "docx"),
        "2026-04-01_kai": ("Kai", "speaker", "2026-04-01", "file_name"),
        "undated": ("Kai", "speaker", "", ""),
    }


def test_docx_core_properties_are_not_taken_for_who_or_when():
    # python-docx files carry author "python-docx" and a 2013 creation date: not the session's
    got = _sessions([SAMPLES / "family_roleplay.docx"]).iloc[0]
    assert got["supporter"] == "Hannah" and got["supporter_source"] == "speaker"
    assert pd.isna(got["session_date"])


def test_ambiguous_input_date_stays_empty_with_a_warning_naming_the_file(tmp_path):
    path = write(tmp_path / "2026-05-05_x.csv", _table(
        ["speaker", "text", "date"], [[s, t, "03/04/2026"] for s, t in _turns()]))
    got = _sessions([path]).iloc[0]
    assert pd.isna(got["session_date"]) and pd.isna(got["date_source"])  # not the file name's
    assert got["warnings"].count("03/04/2026") == 1 and str(path) in got["warnings"]


def test_sessions_meta_wins_and_carries_columns(tmp_path):
    inputs = tmp_path / "in"
    write(inputs / "2026-01-12_kai.txt", TALK)
    write(inputs / "second.txt", TALK)
    write(inputs / "third.txt", TALK)
    write(inputs / "meta.csv",  # inside the folder: it is the manifest, not a transcript
          "file,transcript_id,supporter,session_date,cohort,site\n"
          "2026-01-12_kai.txt,,Kai Ito,2026-01-15,spring,North\n"
          ",second,Kai Ito,03/04/2026,spring,North\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(inputs), "--out", str(out), "-j", "1",
                                       "--sessions-meta", str(inputs / "meta.csv")])
    assert result.exit_code == 0, result.output
    sessions = pd.read_csv(out / "sessions.csv", keep_default_na=False).set_index("transcript_id")
    assert list(sessions.columns[-2:]) == ["cohort", "site"]
    assert sorted(sessions.index) == ["2026-01-12_kai", "second", "third"]
    first, second, third = (sessions.loc[k] for k in ("2026-01-12_kai", "second", "third"))
    assert (first["supporter"], first["supporter_source"]) == ("Kai Ito", "manifest")
    assert (first["session_date"], first["date_source"]) == ("2026-01-15", "manifest")
    assert (first["cohort"], first["site"]) == ("spring", "North")
    assert second["session_date"] == "" and "meta.csv, line 3" in second["warnings"]
    assert (third["supporter"], third["supporter_source"], third["cohort"]) == ("Kai", "speaker",
                                                                                "")
    assert result.output.count("03/04/2026") == 1 and "meta.csv, line 3" in result.output


@pytest.mark.parametrize("content, words", [
    ("supporter,session_date\nKai,2026-01-01\n", "no 'file'"),
    ("file,supporter\na.txt,Kai\na.txt,Sam\n", "line 3"),
    ("file,supporter,trust_index\na.txt,Kai,1\n", "trust_index"),
    ("file,supporter\na.txt,Kai,extra\n", "line 2"),
    ("", "empty"),
])
def test_a_bad_manifest_is_a_usage_error_naming_it(tmp_path, content, words):
    manifest = write(tmp_path / "m.csv", content)
    write(tmp_path / "in" / "a.txt", TALK)
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out",
                                       str(tmp_path / "o"), "--sessions-meta", str(manifest)])
    assert result.exit_code == 2, result.output
    assert str(manifest) in result.output and words in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()


def test_manifest_matches_paths_relative_to_itself(tmp_path):
    write(tmp_path / "data" / "s1.txt", TALK)
    manifest = write(tmp_path / "meta" / "m.csv", "path,supporter\n../data/s1.txt,Kai Ito\n")
    meta = read_sessions_meta(manifest)
    assert meta.lookup(str(tmp_path / "data" / "s1.txt"), "s1").supporter == "Kai Ito"
    assert meta.lookup(str(tmp_path / "data" / "s2.txt"), "s2") is None
    assert meta.unmatched == 0


def test_manifest_columns_named_like_internal_values_are_carried_as_given(tmp_path):
    write(tmp_path / "in" / "a.txt", TALK)
    write(tmp_path / "in" / "b.txt", TALK)
    manifest = write(tmp_path / "m.csv", "file,supporter,session_date,line,warning\n"
                     "in/a.txt,Kai,2026-01-05,room 4,late start\n"
                     "in/b.txt,Kai,05/01/2026,room 9,\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out", str(out),
                                       "-j", "1", "--sessions-meta", str(manifest)])
    assert result.exit_code == 0, result.output
    sessions = pd.read_csv(out / "sessions.csv", keep_default_na=False).set_index("transcript_id")
    assert sessions.loc["a", "line"] == "room 4" and sessions.loc["b", "line"] == "room 9"
    assert sessions.loc["a", "warning"] == "late start"
    assert "late start" not in sessions.loc["a", "warnings"]
    assert sessions.loc["a", "session_date"] == "2026-01-05"
    assert "m.csv, line 3" in sessions.loc["b", "warnings"]
    duplicate = write(tmp_path / "d.csv", "file,supporter,line\nin/a.txt,Kai,x\n"
                      "in/a.txt,Sam,y\n")
    with pytest.raises(SessionsMetaError, match=r"d.csv, line 3: .* as line 2$"):
        read_sessions_meta(duplicate)


def test_resume_counts_manifest_rows_of_kept_sessions_as_used(tmp_path):
    write(tmp_path / "in" / "a.txt", TALK)
    write(tmp_path / "in" / "b.txt", TALK)
    manifest = write(tmp_path / "m.csv", "file,supporter\nin/a.txt,Kai\nin/b.txt,Kai\n"
                     "in/gone.txt,Sam\n")
    args = ["score", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-j", "1",
            "--sessions-meta", str(manifest)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "1 row(s) of" in first.output  # gone.txt is not among the inputs
    write(tmp_path / "in" / "c.txt", TALK)
    again = CliRunner().invoke(main, [*args, "--resume"])
    assert again.exit_code == 0, again.output
    assert "2 already scored (kept)" in again.output
    assert "1 row(s) of" in again.output and "matched no scored session" in again.output
    sessions = pd.read_csv(tmp_path / "out" / "sessions.csv").set_index("transcript_id")
    assert sessions.loc["a", "supporter_source"] == "manifest"
