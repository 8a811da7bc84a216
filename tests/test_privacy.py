"""Anonymisation check: unit tests per kind, tricky non-PII, redaction, and the PII test set."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcript_analyzer.privacy import (
    KINDS,
    PLACEHOLDERS,
    PiiHit,
    find_pii,
    pii_summary,
    redact,
)

from .conftest import ROOT

PII_EVAL = ROOT / "corpora" / "pii_eval.csv"


def found(text: str, speakers=()) -> list[tuple[str, str]]:
    return [(hit.kind, hit.text) for hit in find_pii(text, speakers)]


# --------------------------------------------------------------------------------------------
# Each kind, several formats


@pytest.mark.parametrize("text, expected", [
    ("write to me at rosa.m@example.org please", "rosa.m@example.org"),
    ("EMAIL: DEV.OPS+UC@EXAMPLE.NET.", "DEV.OPS+UC@EXAMPLE.NET"),
    ("it's kim_77@mail.example.com, ta", "kim_77@mail.example.com"),
    ("her email is rosa dot m at example dot org", "rosa dot m at example dot org"),
    ("just put kimr at example dot com", "kimr at example dot com"),
])
def test_email(text, expected):
    assert found(text) == [("EMAIL", expected)]


@pytest.mark.parametrize("text, expected", [
    ("he is on 07700 900 411", "07700 900 411"),
    ("ring 07700900411 tonight", "07700900411"),
    ("0113 496 0999 is reception", "0113 496 0999"),
    ("the office is (0161) 496 0102", "(0161) 496 0102"),
    ("call +44 113 496 0456", "+44 113 496 0456"),
    ("her mobile is +44 (0)7700 900 001", "+44 (0)7700 900 001"),
    ("my US cell is 617-555-0180", "617-555-0180"),
    ("try (555) 555-0100 first", "(555) 555-0100"),
    ("freephone 1-800-555-0175", "1-800-555-0175"),
    ("room phone 555-0107", "555-0107"),
    ("in Sydney: +61 491 570 159", "+61 491 570 159"),
    ("it's oh seven seven double oh nine double oh seven seven seven",
     "oh seven seven double oh nine double oh seven seven seven"),
])
def test_phone(text, expected):
    assert found(text) == [("PHONE", expected)]


@pytest.mark.parametrize("text, expected", [
    ("I live at 7 Rowan Close now", "7 Rowan Close"),
    ("they moved me to Flat 2, 19 Birch Avenue", "Flat 2, 19 Birch Avenue"),
    ("it's 33 crown street, the blue door", "33 crown street"),
    ("send it to 5a Mill Lane, Otley ZZ21 3QT", "5a Mill Lane, Otley ZZ21 3QT"),
    ("postcode ZZ1 9XY", "ZZ1 9XY"),
    ("postcode zz1 9xy", "zz1 9xy"),
    ("808 Pine Blvd, Apt 3, Dayton, OH 45402", "808 Pine Blvd, Apt 3, Dayton, OH 45402"),
    ("number 4 Chapel Row", "number 4 Chapel Row"),
])
def test_address(text, expected):
    assert found(text) == [("ADDRESS", expected)]


@pytest.mark.parametrize("text, expected", [
    ("my DOB is 04/07/1979", "04/07/1979"),
    ("born on 4 July 1979", "4 July 1979"),
    ("date of birth 1979-07-04", "1979-07-04"),
    ("born July 4th, 1979", "July 4th, 1979"),
    ("d.o.b 4.7.79", "4.7.79"),
    ("her birthday is the 9th of May", "9th of May"),
    ("my bday's on the 3rd of jan", "3rd of jan"),
    ("date of birth third of may nineteen seventy nine", "third of may nineteen seventy nine"),
    ("it says 18/11/1962 on the form", "18/11/1962"),  # a full date long past, without a cue
])
def test_dob(text, expected):
    assert found(text) == [("DOB", expected)]


@pytest.mark.parametrize("text, expected", [
    ("NI: AB 12 34 56 C", "AB 12 34 56 C"),
    ("national insurance qq123456d", "qq123456d"),
    ("ssn 987-65-4329", "987-65-4329"),
    ("his social security number is 987654328", "987654328"),
    ("NHS no 999 271 8285", "999 271 8285"),
    ("it's 9991122338 on the letter", "9991122338"),  # valid NHS check digit, no cue
    ("passport no. 123456789", "123456789"),
    ("licence MORGA753116SM9IJ", "MORGA753116SM9IJ"),
])
def test_national_id(text, expected):
    assert found(text) == [("NATIONAL_ID", expected)]


@pytest.mark.parametrize("text, expected", [
    ("my mate Kieran came round", "Kieran"),
    ("Dr Okoro said rest", "Dr Okoro"),
    ("Mrs. Achebe rang", "Mrs. Achebe"),
    ("spoke to dr okoro today", "dr okoro"),
    ("a girl called Maisie", "Maisie"),
    ("me and tomek went", "tomek"),
    ("my daughter Grace starts school", "Grace"),
    ("Grace said she would call", "Grace"),
    ("I told Jack everything", "Jack"),
    ("Harry's been great", "Harry"),
    ("i spoke to gemma at the jobcentre", "gemma"),
    ("I went with Lorraine Baxter", "Lorraine Baxter"),
    ("our neighbour, Oluwadamilare, helped", "Oluwadamilare"),  # unlisted name after a cue
])
def test_name(text, expected):
    assert found(text) == [("NAME", expected)]


def test_speaker_labels_are_not_names():
    assert found("Thanks Sam, that helps", ["Sam", "Client"]) == []
    assert found("Jo, can I ask you something?", ["Jo Hughes", "Marcus"]) == []
    assert found("Sam, my sister Karen rang", ["Sam", "Ola"]) == [("NAME", "Karen")]
    # the same name is a leak in a session where it is not a label
    assert found("Thanks Sam, that helps", ["Supporter", "Client"]) == [("NAME", "Sam")]
    assert found("Thanks Sam", "Sam") == []  # a single label given as a string


# --------------------------------------------------------------------------------------------
# Tricky non-PII


@pytest.mark.parametrize("text", [
    "meeting at 10:30 in room 204",
    "see you at 9.15 or half 2",
    "it costs £1,200 a month, about $1,500.00",
    "he owes 1200 quid",
    "take 20mg twice a day, 2 x 500mg",
    "sertraline 100 mg then 150 mg",
    "I have 3 kids and 2 dogs",
    "she was born in 1990",
    "I am 45 years old and she's 16",
    "the landlord served a Section 21 notice",
    "get the number 73 bus then the 214",
    "see you on the 14th",
    "next Tuesday at 2",
    "the hearing is on 14 March 2026",
    "can we move it to 12/03?",
    "Monday 3rd June at 9",
    "my birthday's coming up and I dread it",
    "the 2019 to 2021 period",
    "1 in 4 people, 9 out of 10",
    "we walked 3 miles down the road",
    "it's a 20 minute walk",
    "it was a two way street",
    "counting one two three four five six seven eight nine ten",
    "Samaritans are on 116 123, or ring 999 or 111",
    "my score went from 24/27 to 9",
    "1,000,000 people",
    "Covid-19 hit in 2020",
    "Step 4 of 12",
    "PHQ-9 and GAD-7 scores",
    "junction 25 of the M62",
    "have a look at mind dot org dot uk",
    "I was at work at the time",
])
def test_numbers_dates_and_places_that_are_not_pii(text):
    assert found(text) == []


@pytest.mark.parametrize("text", [
    "Mark my words",
    "Will you call me?",
    "May I ask something?",
    "Hope you are well",
    "Bill came through this morning",
    "Grace period is two weeks",
    "we said grace before dinner",
    "I went to Preston and then Leeds",
    "the Jobcentre in Bradford",
    "Universal Credit and PIP",
    "Victoria Station at 5pm",
    "St Thomas hospital",
    "I go to Mind on Wednesdays in August",
    "I called the council",
    "she called me a liar",
    "My mum said no",
    "Mum, Dad and my nan came",
    "Thank God",
    "the CEO of the NHS trust",
    "stop drinking by New Year's Eve",
])
def test_capitalised_words_that_are_not_names(text):
    assert found(text) == []


# --------------------------------------------------------------------------------------------
# API


def test_hits_are_frozen_sorted_and_exact():
    text = "Ring Dr Okoro on 07700 900 411 or email rosa.m@example.org"
    hits = find_pii(text)
    assert [h.kind for h in hits] == ["NAME", "PHONE", "EMAIL"]
    assert hits == sorted(hits)
    for hit in hits:
        assert text[hit.start:hit.end] == hit.text
    with pytest.raises(FrozenInstanceError):
        hits[0].kind = "EMAIL"


def test_overlaps_keep_the_more_specific_kind():
    # the email contains a name; the NHS number looks like a US phone number
    assert found("mail karen.lee@example.org") == [("EMAIL", "karen.lee@example.org")]
    assert found("nhs 999 888 7771") == [("NATIONAL_ID", "999 888 7771")]


def test_redact_uses_typed_placeholders():
    text = ("My sister Karen, karen@example.org, 07700 900 123, 14 Elm Road, "
            "born 3 March 1987, NI QQ 12 34 56 C")
    assert redact(text, find_pii(text)) == (
        "My sister [NAME], [EMAIL], [PHONE], [ADDRESS], born [DOB], NI [ID]")
    assert redact("nothing here", []) == "nothing here"


def test_redact_tolerates_overlapping_hits():
    hits = [PiiHit(0, 5, "Karen", "NAME"), PiiHit(3, 9, "en Lee", "NAME")]
    assert redact("Karen Lee said", hits) == "[NAME] said"


def test_pii_summary_is_stable():
    hits = [PiiHit(0, 1, "a", "NAME"), PiiHit(2, 3, "b", "EMAIL"), PiiHit(4, 5, "c", "NAME")]
    assert pii_summary(hits) == "EMAIL:1; NAME:2"
    assert pii_summary([]) == ""


def test_empty_and_whitespace_turns():
    assert find_pii("") == []
    assert find_pii("   \n") == []


def test_import_does_not_load_spacy():
    code = ("import sys, transcript_analyzer.privacy as p; "
            "print('spacy' in sys.modules); p.find_pii('call 07700 900 123')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
       | st.lists(st.sampled_from(["Dr", "Karen", "my", "sister", "07700", "900", "123", "at",
                                   "dot", "com", "born", "12/03/1987", "Road", "14", ",", ".",
                                   "QQ", "12", "34", "56", "C", "oh", "seven", "Mr.", "Sam"]),
                  max_size=40).map(" ".join))
def test_any_text_gives_well_formed_hits(text):
    hits = find_pii(text, ["Sam"])
    assert hits == sorted(hits)
    for a, b in zip(hits, hits[1:]):
        assert a.end <= b.start
    for hit in hits:
        assert hit.kind in KINDS and 0 <= hit.start < hit.end <= len(text)
        assert text[hit.start:hit.end] == hit.text
    redacted = redact(text, hits)
    assert sum(redacted.count(p) for p in PLACEHOLDERS.values()) >= len(hits)


# --------------------------------------------------------------------------------------------
# The PII test set


def _rows():
    with PII_EVAL.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_pii_eval_set_shape():
    rows = _rows()
    assert len(rows) >= 250
    with_pii = [r for r in rows if json.loads(r["pii"])]
    assert 0.5 <= len(with_pii) / len(rows) <= 0.7
    spans = [item for r in rows for item in json.loads(r["pii"])]
    for kind in KINDS:
        assert sum(item["kind"] == kind for item in spans) >= 15, kind
    assert all(r["provenance"] for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)


_SPOKEN = {"oh": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
           "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_FICTIONAL_PHONES = re.compile(
    r"^(?:(?:44|0044)?0?7700900\d{3}|0?1632960\d{3}|(?:44)?0?(?:11[3-8]|1[2-6]1)4960\d{3}"
    r"|(?:44)?0?2079460\d{3}|0?2896496\d{3}|0?8081570\d{3}|1?\d{3}5550[01]\d{2}|55501\d{2}"
    r"|(?:61)?0?491570\d{3}|(?:33)?0?19900\d{4})$")


def _digits(text: str) -> str:
    words = text.lower().split()
    if words and all(w in _SPOKEN or w == "double" for w in words):
        out, repeat = "", 1
        for word in words:
            if word == "double":
                repeat = 2
            else:
                out += _SPOKEN[word] * repeat
                repeat = 1
        return out
    return re.sub(r"\D", "", text.replace("(0)", ""))


def test_pii_eval_set_uses_only_fictional_data():
    spans = [item for r in _rows() for item in json.loads(r["pii"])]
    for item in spans:
        text = item["text"]
        if item["kind"] == "PHONE":
            assert _FICTIONAL_PHONES.match(_digits(text)), text
        elif item["kind"] == "EMAIL":
            assert re.search(r"(example(\s+dot\s+|\.)(com|org|net)|\.example)$", text, re.I), text
        elif item["kind"] == "NATIONAL_ID":
            digits = re.sub(r"\D", "", text)
            assert (re.match(r"(?i)(qq|zz|tn|nk)", text) or digits.startswith("98765432")
                    or digits.startswith("999") or digits == "123456789"), text


def test_pii_eval_recall_and_false_alarms():
    from transcript_analyzer.evaluation.pii import evaluate_pii

    result = evaluate_pii(PII_EVAL)
    assert result["recall"] >= 0.90
    assert result["precision"] >= 0.85
    assert result["clean_false_alarm_rate"] <= 0.10
    for kind, figures in result["per_kind"].items():
        assert figures["recall"] >= 0.80, kind
    held_out = evaluate_pii(PII_EVAL, "heldout")
    assert held_out["recall"] >= 0.90
    tuned = evaluate_pii(PII_EVAL, "tune")
    assert held_out["sentences"] + tuned["sentences"] == result["sentences"]


def test_redaction_removes_the_planted_data():
    from transcript_analyzer.evaluation.pii import load_pii_eval

    planted = removed = 0
    for row in load_pii_eval(PII_EVAL):
        redacted = redact(row["text"], find_pii(row["text"], row["speakers"]))
        for start, end, _kind in row["gold"]:
            planted += 1
            removed += row["text"][start:end] not in redacted
    assert removed / planted >= 0.95


def test_name_flags_are_set_on_every_lexeme_old_and_new():
    """The name Matcher's lexeme flags, set in one pass, are what `Vocab.add_flag` would give."""
    from transcript_analyzer.privacy.names import _FIRST_FLAG_BIT, _name_matcher

    nlp, _ = _name_matcher()
    nlp.make_doc("Zebediah Quuxworth met Dr. Ffrench-Oyelaran, me and jo, and DAN O'MALLEY")
    getters = {flag_id: getter for flag_id, getter in nlp.vocab.lex_attr_getters.items()
               if _FIRST_FLAG_BIT <= flag_id < 64}
    assert len(getters) == 12
    for lexeme in nlp.vocab:
        for flag_id, getter in getters.items():
            assert lexeme.check_flag(flag_id) == getter(lexeme.orth_), (lexeme.orth_, flag_id)


def test_shipped_name_keys_are_up_to_date_and_read_back_exactly():
    """data/names/name_keys.txt is what scripts/build_name_keys.py builds from the lists today."""
    from transcript_analyzer.privacy.names import (
        _NAME_KEYS,
        _name_key_sets,
        _name_keys_text,
        _read_list,
    )
    from transcript_analyzer.resources import data_path

    shipped = data_path("names", _NAME_KEYS).read_text(encoding="utf-8")
    assert shipped == _name_keys_text(), "stale: run python scripts/build_name_keys.py"
    sets = _name_key_sets()
    surnames = _read_list("surnames.txt")
    assert sets["proper_surnames"] | sets["surname_words"] == surnames
    assert sets["surname_words"] == _read_list("surname_words.txt") & surnames
    for name in ("first_names", "common_word_names", "frequent_first_names", "not_names"):
        assert sets[name] == _read_list(f"{name}.txt")


def test_name_keys_read_the_same_with_windows_line_ends(tmp_path, monkeypatch):
    from transcript_analyzer import resources
    from transcript_analyzer.privacy.names import _NAME_KEYS, _name_key_sets

    expected = _name_key_sets()
    crlf = tmp_path / _NAME_KEYS
    crlf.write_bytes(resources.data_path("names", _NAME_KEYS).read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setattr(resources, "data_path", lambda *parts: crlf)
    assert _name_key_sets() == expected


@pytest.mark.parametrize("text, kind, found", [
    ("just email j.smith at example.org please", "EMAIL", "j.smith at example.org"),
    ("it's kai_lee [at] example.co.uk", "EMAIL", "kai_lee [at] example.co.uk"),
    ("ring me on 0 7 7 0 0 9 0 0 1 2 3 tonight", "PHONE", "0 7 7 0 0 9 0 0 1 2 3"),
    ("my number is 0 7 7 0 0  9 0 0 4 5 6", "PHONE", "0 7 7 0 0  9 0 0 4 5 6"),
    ("or +44 7 7 0 0 9 0 0 1 2 3", "PHONE", "+44 7 7 0 0 9 0 0 1 2 3"),
])
def test_half_spoken_emails_and_spaced_out_numbers_are_found(text, kind, found):
    assert [(h.kind, h.text) for h in find_pii(text, [])] == [(kind, found)]


@pytest.mark.parametrize("text", [
    "have a look at mind.org.uk", "we met at st.thomas", "I rated it 0 1 2 3 4 5 6 7 8 9 10",
    "scores were 1 2 3 4 5 6 7 8 9", "room 2 4 6 on floor 3",
])
def test_sites_scales_and_counts_are_not_personal_data(text):
    assert find_pii(text, []) == []
