"""Dates of birth, told apart from appointment dates (``DOB``): (a) any date, with or without a
year, within a few words after a birth cue ("born", "DOB", "date of birth", "birthday", "bday",
"birth certificate"); (b) without a cue, only a full day-month-year date whose year is at least
ten years ago (``12/03/1987``, ``3 March 1987``, ``1987-03-12``). Appointment dates ("next
Tuesday", "the 14th", "Monday 3rd June", "12/03", "14 March 2026") are not flagged; a year on
its own ("born in 1987") is not a date of birth.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import date

from .hits import PiiHit

# A full date counts as a date of birth without a cue only when it is at least this many years old.
DOB_MIN_YEARS_AGO = 10

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_UNITS = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_DAY_WORD = (r"(?:(?:twenty|thirty)[\s-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|"
             r"ninth)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
             r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
             r"nineteenth|twentieth|thirtieth)")
_SPOKEN_YEAR = (r"(?:nineteen\s+(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                r"(?:[\s-]" + _UNITS + r")?|oh\s+" + _UNITS + r"|ten|eleven|twelve|thirteen|"
                r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)|two\s+thousand(?:\s+and)?"
                r"(?:\s+(?:" + _UNITS + r"|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                r"seventeen|eighteen|nineteen))?)")
_YEAR4 = r"(?:19|20)\d{2}"
_FULL_DATES = [
    re.compile(r"\b(?P<d1>\d{1,2})(?P<sep>[/.-])(?P<d2>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})\b"
               r"(?![/.-]?\d)"),
    re.compile(r"\b(?P<d1>\d{1,2}) (?P<d2>\d{1,2}) (?P<year>" + _YEAR4 + r")\b"),
    re.compile(r"\b(?P<year>" + _YEAR4 + r")-(?P<d2>0?[1-9]|1[0-2])-(?P<d1>0?[1-9]|[12]\d|3[01])\b"),
    re.compile(r"\b(?:" + _DAY + "|" + _DAY_WORD + r")(?:\s+of)?\s+" + _MONTH + r",?\s+(?P<year>"
               + _YEAR4 + r"|'\d{2})\b", re.IGNORECASE),
    re.compile(r"\b" + _MONTH + r"\s+(?:the\s+)?" + _DAY + r",?\s+(?P<year>" + _YEAR4 + r")\b",
               re.IGNORECASE),
    re.compile(r"\b" + _DAY_WORD + r"\s+of\s+" + _MONTH + r"\s+(?P<spoken>" + _SPOKEN_YEAR + r")\b",
               re.IGNORECASE),
]
_PARTIAL_DATES = [
    re.compile(r"\b(?:" + _DAY + "|" + _DAY_WORD + r")(?:\s+of)?\s+" + _MONTH + r"(?!\w)",
               re.IGNORECASE),
    re.compile(r"\b" + _MONTH + r"\s+(?:the\s+)?(?:" + _DAY + "|" + _DAY_WORD + r")\b",
               re.IGNORECASE),
    re.compile(r"\b(?P<d1>\d{1,2})[/.-](?P<d2>\d{1,2})\b(?![/.-]\d)"),
]
_BIRTH_CUE = re.compile(r"\b(?:born|birth|birthdate|birthday|b'?day|bday|dob|d\.\s?o\.\s?b\.?)"
                        r"(?!\w)", re.IGNORECASE)
_CUE_PARTS = ("born", "birth", "bday", "b'day", "dob", "d.")
_CUE_WINDOW = 45
_SPOKEN_YEAR_RE = re.compile(_SPOKEN_YEAR, re.IGNORECASE)


def _year_of(match: re.Match) -> int | None:
    groups = match.groupdict()
    if groups.get("spoken"):
        return 1950  # a spoken full year: only birth years are read out like this in practice
    year = groups.get("year")
    if not year:
        return None
    year = year.lstrip("'")
    if len(year) == 2:
        this_year = date.today().year
        value = 2000 + int(year)
        return value if value <= this_year else value - 100
    return int(year)


def _valid_numeric(match: re.Match) -> bool:
    groups = match.groupdict()
    if groups.get("d1") is None:
        return True
    d1, d2 = int(groups["d1"]), int(groups["d2"])
    return (1 <= d1 <= 31 and 1 <= d2 <= 12) or (1 <= d1 <= 12 and 1 <= d2 <= 31)


def find_dates_of_birth(text: str, lower: str, has_digit: bool) -> list[PiiHit]:
    maybe_cue = ("bor" in lower or "birth" in lower or "day" in lower or "d" in lower and (
        "dob" in lower or "d.o" in lower or "d. o" in lower)) and (
        # in ASCII text a cue is one of these in the lower-cased text ("day" alone is not)
        not text.isascii() or any(part in lower for part in _CUE_PARTS))
    cue_ends = [m.end() for m in _BIRTH_CUE.finditer(text)] if maybe_cue else []

    def cued(start: int) -> bool:  # a cue ends at most _CUE_WINDOW characters before `start`
        i = bisect_right(cue_ends, start)
        return i > 0 and start - cue_ends[i - 1] <= _CUE_WINDOW

    if not has_digit and not cue_ends and not (
            ("nineteen" in lower or "thousand" in lower) and _SPOKEN_YEAR_RE.search(text)):
        return []
    latest = date.today().year - DOB_MIN_YEARS_AGO
    hits: list[PiiHit] = []
    for pattern in _FULL_DATES:
        for m in pattern.finditer(text):
            if not _valid_numeric(m):
                continue
            year = _year_of(m)
            if cued(m.start()) or (year is not None and 1900 <= year <= latest):
                hits.append(PiiHit(m.start(), m.end(), m.group(), "DOB"))
    if cue_ends:
        for pattern in _PARTIAL_DATES:
            for m in pattern.finditer(text):
                if _valid_numeric(m) and cued(m.start()):
                    hits.append(PiiHit(m.start(), m.end(), m.group(), "DOB"))
    return hits
