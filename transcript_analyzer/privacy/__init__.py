"""Anonymisation check: find likely personal data in a turn, redact it, summarise it.

Transcripts are meant to arrive anonymised; this module checks. `find_pii` returns `PiiHit`s of
six kinds:

- ``EMAIL``: written addresses (``name@example.org``) and spoken ones (``karen dot lee at
  example dot com``).
- ``PHONE``: UK numbers (``07700 900123``, ``(020) 7946 0018``, ``+44 (0)7700 900 312``), North
  American numbers (``(201) 555-0123``, ``1-800-555-0199``, ``555-0142``), other international
  numbers with ``+`` or ``00``, and UK numbers read out as words (``oh seven seven ...``). Times,
  years, money, dosages, counts and short service numbers (999, 111, 116 123) do not count.
- ``ADDRESS``: a house number + street name + street type (``14 Acacia Avenue``, ``Flat 3, 27
  Holly Road``, ``400 W Oak Blvd``), UK postcodes, and US state + ZIP; pieces that follow one
  another (street, town, postcode) are merged into one hit.
- ``DOB``: (a) any date, with or without a year, within a few words after a birth cue ("born",
  "DOB", "date of birth", "birthday", "bday", "birth certificate"); (b) without a cue, only a
  full day-month-year date whose year is at least ten years ago (``12/03/1987``, ``3 March 1987``,
  ``1987-03-12``). Appointment dates ("next Tuesday", "the 14th", "Monday 3rd June", "12/03",
  "14 March 2026") are not flagged; a year on its own ("born in 1987") is not a date of birth.
- ``NATIONAL_ID``: UK National Insurance numbers (``QQ 12 34 56 C``), US Social Security numbers
  (``987-65-4321``; nine bare digits only after "SSN"/"social security"), NHS numbers (ten digits
  in 3-3-4 groups, when the modulus-11 check digit is valid or "NHS" is near), passport numbers
  after "passport", and UK driving-licence numbers.
- ``NAME``: personal names other than the session's speaker labels, found with a spaCy
  `Matcher` (token patterns in ``data/names/name_patterns.json``) over curated first-name and
  surname lists (``data/names/``). Titles ("Dr Patel", "Mr Jones") and cues ("my sister Karen",
  "called Sam", "me and Rhys") make a match certain; bare first names count when capitalised and
  not everyday words; names that are also words (Will, Grace, Mark) need a cue. Places,
  organisations, days and months ("Jobcentre", "Preston", "Victoria Road") are skipped.

One module per kind (`emails`, `phones`, `addresses`, `dates_of_birth`, `national_ids`,
`names`); this one runs them all and settles overlaps. Everything is pure: no printing, no I/O
beyond reading the packaged word lists once. spaCy is imported only when a turn needs the name
matcher, so importing this package is cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable

from .addresses import find_addresses
from .dates_of_birth import DOB_MIN_YEARS_AGO, find_dates_of_birth
from .emails import find_emails
from .hits import KINDS, PLACEHOLDERS, PRIORITY, PiiHit
from .names import find_names
from .national_ids import find_national_ids
from .phones import find_phones

__all__ = ["find_pii", "redact", "redact_terms", "pii_summary", "PiiHit", "KINDS", "PLACEHOLDERS",
           "DOB_MIN_YEARS_AGO"]

_DIGIT = re.compile(r"\d")


def find_pii(text: str, speaker_names: Iterable[str] = ()) -> list[PiiHit]:
    """Likely personal data in one turn, sorted by position, without overlaps.

    `speaker_names` are the session's speaker labels: a name that is one of them (or part of one,
    e.g. "Jo" for the label "Jo Hughes") is not reported, since transcripts keep speaker labels
    by design.
    """
    if not text or not text.strip():
        return []
    if isinstance(speaker_names, str):
        speaker_names = [speaker_names]
    lower = text.lower()
    has_digit = _DIGIT.search(text) is not None
    hits = find_emails(text, lower)
    if has_digit:
        hits += find_national_ids(text)
    hits += find_phones(text, lower, has_digit)
    hits += find_dates_of_birth(text, lower, has_digit)
    hits += find_addresses(text, lower, has_digit)
    hits += find_names(text, lower, speaker_names)
    return _resolve(text, hits)


def _resolve(text: str, hits: list[PiiHit]) -> list[PiiHit]:
    """Merge overlapping hits of one kind; where kinds overlap, keep the more specific kind."""
    if len(hits) < 2:
        return hits
    merged: list[PiiHit] = []
    for kind in KINDS:
        spans: list[list[int]] = []
        for hit in sorted(h for h in hits if h.kind == kind):
            if spans and hit.start < spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], hit.end)
            else:
                spans.append([hit.start, hit.end])
        merged += [PiiHit(s, e, text[s:e], kind) for s, e in spans]
    # Highest priority first; `starts`/`ends` hold the kept spans in order (they never overlap),
    # so each overlap test is a binary search.
    starts: list[int] = []
    ends: list[int] = []
    kept: list[PiiHit] = []
    for hit in sorted(merged, key=lambda h: (-PRIORITY[h.kind], h.start)):
        i = bisect_right(starts, hit.start)
        if i > 0 and ends[i - 1] > hit.start:
            continue
        if i < len(starts) and starts[i] < hit.end:
            continue
        starts.insert(i, hit.start)
        ends.insert(i, hit.end)
        kept.append(hit)
    return sorted(kept)


def redact(text: str, hits: list[PiiHit]) -> str:
    """`text` with each hit replaced by its typed placeholder ([EMAIL], [PHONE], [ADDRESS], [DOB],
    [ID], [NAME]). Overlapping hits are redacted once, as the earliest, longest one."""
    out, position = [], 0
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.start < position:
            if hit.end > position:  # overlaps the previous placeholder: swallow the rest
                position = hit.end
            continue
        out.append(text[position:hit.start])
        out.append(PLACEHOLDERS[hit.kind])
        position = hit.end
    out.append(text[position:])
    return "".join(out)


def redact_terms(cell: str, hits: Iterable[PiiHit]) -> str:
    """`cell` (a list of words taken from a turn, such as its jargon terms) with every word of
    the turn's personal data replaced by the hit's placeholder: a rare-word detector may have
    picked out a surname or part of an email on its own, away from the context that found it."""
    for hit in sorted(hits, key=lambda h: -len(h.text)):
        for part in {hit.text, *re.findall(r"\w{3,}", hit.text)}:
            cell = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", PLACEHOLDERS[hit.kind], cell,
                          flags=re.IGNORECASE)
    return cell


def pii_summary(hits: Iterable[PiiHit]) -> str:
    """Counts per kind in a stable order, e.g. "EMAIL:1; NAME:3"; empty when there are none."""
    counts = Counter(hit.kind for hit in hits)
    return "; ".join(f"{kind}:{counts[kind]}" for kind in KINDS if counts[kind])
