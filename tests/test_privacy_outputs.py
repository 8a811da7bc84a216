"""Personal data in inputs: flagged per session, and with --redact gone from every output."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from transcript_analyzer.cli import main

from .conftest import write

PLANTED = ["jo.bloggs@example.com", "07700 900123", "Karen", "14 Elm Street", "QQ 12 34 56 C"]
SESSION = """Dana: Hi Sam, how has the week been?
Sam: Awful. My sister Karen keeps ringing me on 07700 900123 about the flat at 14 Elm Street.
Dana: That sounds exhausting. What would help most right now?
Sam: Just email me at jo.bloggs@example.com, my NI number is QQ 12 34 56 C if the form needs it.
Dana: Thanks. You said Karen keeps ringing - how is that landing for you?
"""


def _run(tmp_path, *extra):
    path = write(tmp_path / "in" / "pii.txt", SESSION)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(path), "--out", str(out), "-j", "1", *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result, out


def test_pii_is_flagged_per_session_and_warned(tmp_path):
    result, out = _run(tmp_path)
    flags = pd.read_csv(out / "sessions.csv")["pii_flags"].iloc[0]
    for kind in ("EMAIL", "PHONE", "NAME", "ADDRESS"):
        assert kind in flags
    assert "possible personal data" in result.output and "pii.txt" in result.output
    # Without --redact the text is kept as it is: the check reports, it does not alter.
    assert "Karen" in (out / "utterances.csv").read_text()


def test_redact_leaves_no_planted_data_in_any_output(tmp_path):
    html = tmp_path / "html"
    result, out = _run(tmp_path, "--redact", "--html-dir", str(html))
    outputs = [p for p in out.iterdir()] + [p for p in html.iterdir()]
    assert any(p.suffix == ".html" for p in outputs)
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        for secret in PLANTED:
            assert secret not in text, f"{secret!r} leaked into {path.name}"
    utterances = (out / "utterances.csv").read_text()
    assert "[EMAIL]" in utterances and "[NAME]" in utterances and "[PHONE]" in utterances
    # Speaker labels can be names: they become stable pseudonyms, in the order people speak.
    assert "Dana" not in utterances and "Sam" not in utterances
    frame = pd.read_csv(out / "utterances.csv")
    assert list(dict.fromkeys(frame["speaker"])) == ["Speaker 1", "Speaker 2"]


def test_feedback_redacts_terminal_quotes_and_html(tmp_path):
    path = write(tmp_path / "pii.txt", SESSION)
    html = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["feedback", str(path), "--redact", "--html", str(html)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for text in (result.output, html.read_text(encoding="utf-8")):
        for secret in PLANTED:
            assert secret not in text


def test_pii_warnings_are_capped_with_a_summary(tmp_path):
    from transcript_analyzer.cli import PII_WARNINGS_SHOWN

    n = PII_WARNINGS_SHOWN + 3
    for i in range(n):
        write(tmp_path / "in" / f"pii_{i:02d}.txt", SESSION)
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out",
                                       str(tmp_path / "out"), "-j", "1"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum("possible personal data (" in line for line in lines) == PII_WARNINGS_SHOWN
    assert any(f"{n} session(s) in all have possible personal data" in line for line in lines)
    flagged = pd.read_csv(tmp_path / "out" / "sessions.csv")["pii_flags"].notna().sum()
    assert flagged == n


def test_redaction_changes_no_score(tmp_path):
    """Scores come from the original text; only what is written is redacted. A placeholder
    such as [NAME] scored as text counted as jargon and could move a label."""
    _, plain = _run(tmp_path / "a")
    _, redacted = _run(tmp_path / "b", "--redact")
    for table in ("utterances", "sessions"):
        a = pd.read_csv(plain / f"{table}.csv")
        b = pd.read_csv(redacted / f"{table}.csv")
        numeric = a.select_dtypes("number").columns
        assert len(numeric) > 5
        pd.testing.assert_frame_equal(a[numeric], b[numeric])
        for column in ("trust_label", "trust_theme", "question_type", "reflection_type"):
            if column in a:
                assert a[column].fillna("").tolist() == b[column].fillna("").tolist(), column
    assert "Karen" not in (redacted / "utterances.csv").read_text()


def test_words_taken_from_a_turn_are_redacted_with_it():
    """A rare-word jargon hit can be part of a name or an email; the jargon cells written with
    a redacted turn lose those words too."""
    from transcript_analyzer.privacy import find_pii, redact_terms

    text = "Did Siobhan Featherstonehaugh email you from s.featherstonehaugh@example.org?"
    hits = find_pii(text, ["Dana", "Sam"])
    assert {h.kind for h in hits} >= {"NAME", "EMAIL"}
    cell = "Featherstonehaugh; featherstonehaugh; CPN; Siobhan"
    terms = redact_terms(cell, hits).split("; ")
    assert terms[2] == "CPN" and all(t in ("[NAME]", "[EMAIL]") for t in terms[:2] + terms[3:])


def test_error_messages_quoting_the_input_are_redacted(tmp_path):
    """A line that does not parse is quoted in the error: with --redact, the personal data in
    the quote is gone from errors.csv, stderr and the report index."""
    write(tmp_path / "in" / "bad.vtt", "WEBVTT\n\n00:00:01.000 --> ring jo.bloggs@example.com "
          "or 07700 900123\nSam: hi\n")
    write(tmp_path / "in" / "pii.txt", SESSION)
    html = tmp_path / "html"
    result = CliRunner().invoke(main, ["score", str(tmp_path / "in"), "--out", str(tmp_path / "o"),
                                       "-j", "1", "--redact", "--html-dir", str(html)])
    assert result.exit_code == 1, result.output
    errors = (tmp_path / "o" / "errors.csv").read_text()
    assert "broken caption timestamp" in errors and "[EMAIL]" in errors
    for text in (errors, result.output, (html / "index.html").read_text()):
        assert "jo.bloggs@example.com" not in text and "07700 900123" not in text
