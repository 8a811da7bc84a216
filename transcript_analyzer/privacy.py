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

Everything is pure: no printing, no I/O beyond reading the packaged word lists once. spaCy is
imported only when a turn needs the name matcher, so importing this module is cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import islice
from typing import Any

_DIGIT = re.compile(r"\d")
KINDS = ("EMAIL", "PHONE", "ADDRESS", "DOB", "NATIONAL_ID", "NAME")
PLACEHOLDERS = {"EMAIL": "[EMAIL]", "PHONE": "[PHONE]", "ADDRESS": "[ADDRESS]", "DOB": "[DOB]",
                "NATIONAL_ID": "[ID]", "NAME": "[NAME]"}
# When hits of different kinds overlap, the more specific kind wins.
_PRIORITY = {"EMAIL": 6, "NATIONAL_ID": 5, "PHONE": 4, "DOB": 3, "ADDRESS": 2, "NAME": 1}
# A full date counts as a date of birth without a cue only when it is at least this many years old.
DOB_MIN_YEARS_AGO = 10


@dataclass(frozen=True, order=True)
class PiiHit:
    """One piece of likely personal data: character offsets into the turn, the text, the kind."""

    start: int
    end: int
    text: str
    kind: str


# --------------------------------------------------------------------------------------------
# Emails

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,}\b")
_SPOKEN_TLD = r"(?:com|org|net|uk|ie|edu|gov|io|info|me|example)"
_SPOKEN_EMAIL = re.compile(
    r"\b(?P<local>[a-z0-9][\w+-]*(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9][\w+-]*)*)"
    r"\s+(?:at|\[at\]|\(at\))\s+"
    r"(?P<domain>[a-z0-9][\w-]*(?:\s+dot\s+[a-z0-9][\w-]*)*\s+dot\s+" + _SPOKEN_TLD + r")\b",
    re.IGNORECASE)
# Words that stand before "at" in ordinary speech ("have a look at mind dot org dot uk").
_NOT_EMAIL_LOCAL = frozenset("""
a an the i me you him her it us them we they he she my your his our their this that there here
is are was were be been being am look looking looked at work working worked stay staying stayed
live living lived home go going went get got arrive arrived stare staring laugh laughing shout
shouting aim aimed good bad best great rubbish meet meeting see seen online website site page
one ones up down back out in on off just only still even yet also all some any both either
""".split())


def _emails(text: str, lower: str) -> list[PiiHit]:
    hits = []
    if "@" in text:
        hits += [PiiHit(m.start(), m.end(), m.group(), "EMAIL") for m in _EMAIL.finditer(text)]
    if " dot " in lower:
        for m in _SPOKEN_EMAIL.finditer(text):
            local = m.group("local")
            parts = local.lower().split()
            if len(parts) == 1 and (parts[0] in _NOT_EMAIL_LOCAL or len(parts[0]) < 2):
                continue
            hits.append(PiiHit(m.start(), m.end(), m.group(), "EMAIL"))
    return hits


# --------------------------------------------------------------------------------------------
# National ID-like numbers

_NINO = re.compile(r"\b([A-Za-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-Da-d])\b")
_NINO_NOT_PREFIX = frozenset("am an as at be by do go he hi if in is it me my no of ok on or so "
                             "to up us we".split())
_SSN = re.compile(r"\b(\d{3})([- ])(\d{2})\2(\d{4})\b")
_SSN_BARE = re.compile(r"\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|num))?)\b\W{0,5}"
                       r"(?:(?:is|was|of)\s+)?(\d{9})\b", re.IGNORECASE)
_TEN_DIGITS = re.compile(r"(?<![\d+(])\b(\d{3})([ -]?)(\d{3})\2(\d{4})\b(?![-.]?\d)")
_NHS_CUE = re.compile(r"\bnhs\b", re.IGNORECASE)
_PASSPORT = re.compile(r"\bpassport\s*(?:number|no\.?|num|#)?\s*(?:is|was|:)?\s*"
                       r"(?P<id>[A-Za-z]{0,2}\d{6,9})\b", re.IGNORECASE)
_DRIVING_LICENCE = re.compile(r"\b[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}\b")


def _nhs_check_digit_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _national_ids(text: str) -> list[PiiHit]:
    hits = []
    for m in _NINO.finditer(text):
        prefix = m.group(1)
        if prefix.islower() and prefix in _NINO_NOT_PREFIX:
            continue
        hits.append(PiiHit(m.start(), m.end(), m.group(), "NATIONAL_ID"))
    for m in _SSN.finditer(text):
        hits.append(PiiHit(m.start(), m.end(), m.group(), "NATIONAL_ID"))
    for m in _SSN_BARE.finditer(text):
        hits.append(PiiHit(m.start(1), m.end(1), m.group(1), "NATIONAL_ID"))
    for m in _TEN_DIGITS.finditer(text):
        digits = m.group(1) + m.group(3) + m.group(4)
        window = text[max(0, m.start() - 40):m.end() + 25]
        cued = bool(_NHS_CUE.search(window))
        if cued or (digits[0] not in "01" and _nhs_check_digit_ok(digits)):
            hits.append(PiiHit(m.start(), m.end(), m.group(), "NATIONAL_ID"))
    for m in _PASSPORT.finditer(text):
        hits.append(PiiHit(m.start("id"), m.end("id"), m.group("id"), "NATIONAL_ID"))
    for m in _DRIVING_LICENCE.finditer(text):
        hits.append(PiiHit(m.start(), m.end(), m.group(), "NATIONAL_ID"))
    return hits


# --------------------------------------------------------------------------------------------
# Phone numbers

_PHONE = re.compile(r"""
    (?<![\w£$€#.,/:+-])
    (?:
        (?P<intl>(?:\(\+\d{1,3}\)|\+\d{1,3}|00\d{1,3})[\s.-]?(?:\(0\)\s?)?\(?\d{1,5}\)?
                 (?:[\s.-]?\d{2,5}){1,4})
      | (?P<uk>\(?0\d{2,5}\)?(?:[\s.-]?\d{3,8}){1,3})
      | (?P<us>(?:1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4})
      | (?P<us7>\d{3}-\d{4})
    )
    (?![\w%£$€/]|[.,:]\d)
""", re.VERBOSE)
_DIGIT_WORDS = {"oh": 1, "o": 1, "zero": 1, "nought": 1, "one": 1, "two": 1, "three": 1,
                "four": 1, "five": 1, "six": 1, "seven": 1, "eight": 1, "nine": 1}
_SPOKEN_PHONE = re.compile(
    r"\b(?:plus\s+four\s+four|oh|zero)(?:[\s,-]+(?:double|triple|oh|o|zero|nought|one|two|three|"
    r"four|five|six|seven|eight|nine|hundred)\b){8,16}", re.IGNORECASE)


def _spoken_digit_count(words: list[str]) -> int:
    count, repeat = 0, 1
    for word in words:
        if word == "double":
            repeat = 2
        elif word == "triple":
            repeat = 3
        elif word == "hundred":
            count += 2
        elif word in _DIGIT_WORDS:
            count += repeat
            repeat = 1
    return count


def _phones(text: str, lower: str, has_digit: bool) -> list[PiiHit]:
    hits = []
    if has_digit:
        for m in _PHONE.finditer(text):
            digits = re.sub(r"\D", "", m.group().replace("(0)", ""))
            if m.group("intl"):
                ok = 9 <= len(digits) <= 15
            elif m.group("uk"):
                ok = len(digits) in (10, 11)
            elif m.group("us"):
                ok = len(digits) == 10 or (len(digits) == 11 and digits[0] == "1")
            else:
                ok = True
            if ok:
                hits.append(PiiHit(m.start(), m.end(), m.group(), "PHONE"))
    if " oh " in lower or "zero" in lower or "plus four four" in lower or lower.startswith("oh "):
        for m in _SPOKEN_PHONE.finditer(text):
            words = re.findall(r"[a-z]+", m.group().lower())
            if words[:3] == ["plus", "four", "four"]:
                words = words[3:]
            if 10 <= _spoken_digit_count(words) <= 13:
                hits.append(PiiHit(m.start(), m.end(), m.group(), "PHONE"))
    return hits


# --------------------------------------------------------------------------------------------
# Dates of birth

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


def _dobs(text: str, lower: str, has_digit: bool) -> list[PiiHit]:
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


# --------------------------------------------------------------------------------------------
# Addresses

_STRONG_TYPES = (r"street|st|road|rd|avenue|ave|lane|ln|drive|crescent|cres|grove|terrace|terr|"
                 r"gardens|gdns|boulevard|blvd|mews|parade")
_WEAK_TYPES = (r"way|close|court|ct|place|pl|walk|row|hill|green|view|rise|park|square|sq|wharf|"
               r"yard|croft|fold|gate|vale|heights|circle|plaza|highway|hwy")
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                 r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty")
_STREET = re.compile(r"""
    (?P<unit>\b(?:flat|apt|apartment|unit|room|suite)\.?\s*\#?\d{1,4}[a-z]?,?\s+)?
    (?P<no>\b(?:no\.?\s*|number\s+))?
    (?P<num>\b\d{1,5}[a-z]?\b|\b(?:""" + _NUMBER_WORDS + r"""))
    ,?\s+
    (?P<name>(?:[a-z][a-z'’.-]*\s+){1,3}?)
    (?P<type>""" + _STRONG_TYPES + "|" + _WEAK_TYPES + r""")\b\.?
    (?P<after>,?\s+(?:apt|flat|unit|suite)\.?\s*\#?[a-z0-9]{1,4}\b)?
""", re.IGNORECASE | re.VERBOSE)
_STRONG_SET = frozenset(_STRONG_TYPES.split("|"))
# Words that cannot be part of a street name: they make "2 doors down the road" or "a 20 minute
# walk" look like addresses.
_NOT_STREET_WORDS = frozenset("""
a an the my your his her our their this that these those to from of on in at by up down off
over past along across round around near into onto and or but with for just about only
minute minutes min mins hour hours hr hrs mile miles yard yards metre metres meter meters km
step steps door doors stop stops bus buses house houses quid pound pounds time times day days
week weeks month months year years floor floors lane way street road is was be it me him them
lot lots more less bit
""".split())
_POSTCODE = re.compile(r"\b(?P<out>[A-Za-z]{1,2}\d[A-Za-z\d]?) ?(?P<in>\d[A-Za-z]{2})\b")
_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
           "NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY")
_ZIP = re.compile(r"\b(?:[A-Z][a-z]+(?: [A-Z][a-z]+)?,? )?(?:" + _STATES + r") \d{5}(?:-\d{4})?\b")
_ADDRESS_GAP = re.compile(r"^,?\s*(?:[A-Z][A-Za-z'-]+\.?,?\s*){0,3}$")


# A street type after white space in the lower-cased text: _STREET cannot match an ASCII text
# without one, and this case-sensitive search is much quicker than _STREET itself.
_STREET_TYPE = re.compile(r"\s(?:" + _STRONG_TYPES + "|" + _WEAK_TYPES + r")\b")
# A whole [a-z]+ word of the lower-cased text that is a strong street type / a number word.
_STRONG_WORD = re.compile(r"(?<![a-z])(?:" + _STRONG_TYPES + r")(?![a-z])")
_NUMBER_WORD = re.compile(r"(?<![a-z])(?:" + _NUMBER_WORDS + r")(?![a-z])")


def _addresses(text: str, lower: str, has_digit: bool) -> list[PiiHit]:
    hits = []
    streets: Iterable[re.Match] = ()
    if has_digit:
        if not text.isascii() or _STREET_TYPE.search(lower):
            streets = _STREET.finditer(text)
    else:  # only a house number in words can start an address ("twelve oak tree lane")
        spoken = _STRONG_WORD.search(lower) and _NUMBER_WORD.search(lower)
        streets = _STREET.finditer(text) if spoken else ()
    for m in streets:
        street_type = m.group("type").lower()
        words = m.group("name").split()
        if any(w.lower().strip(".") in _NOT_STREET_WORDS for w in words):
            continue
        number_word = not m.group("num")[0].isdigit()
        if street_type not in _STRONG_SET:
            # "way", "close", "park"... are everyday words: need a capitalised street name.
            if number_word or not all(w[0].isupper() for w in words + [m.group("type")]):
                continue
        elif number_word and not has_digit and m.group("no") is None and len(words) < 2:
            continue
        hits.append(PiiHit(m.start(), m.end(), m.group(), "ADDRESS"))
    if has_digit:
        for m in _POSTCODE.finditer(text):
            inward, outward = m.group("in"), m.group("out")
            if not (inward.isupper() and outward.isupper()):
                if inward[1:].lower() in ("st", "nd", "rd", "th", "am", "pm"):
                    continue
            hits.append(PiiHit(m.start(), m.end(), m.group(), "ADDRESS"))
        hits += [PiiHit(m.start(), m.end(), m.group(), "ADDRESS") for m in _ZIP.finditer(text)]
    return _merge_address_parts(text, hits)


def _merge_address_parts(text: str, hits: list[PiiHit]) -> list[PiiHit]:
    """Join a street, a town and a postcode that follow one another into one hit."""
    merged: list[PiiHit] = []
    for hit in sorted(hits):
        if merged:
            last = merged[-1]
            gap = text[last.end:hit.start]
            if hit.start <= last.end or _ADDRESS_GAP.match(gap):
                start, end = last.start, max(last.end, hit.end)
                merged[-1] = PiiHit(start, end, text[start:end], "ADDRESS")
                continue
        merged.append(hit)
    return merged


# --------------------------------------------------------------------------------------------
# Names

_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_BREAKS = frozenset({".", "!", "?", ":", ";", '"', "“", "”", "(", "-", "–", "—", "…",
                              "\n", "*", ">", "<"})


_KEY_DELETE = str.maketrans("", "", "'’.-")
_KEY_SPACE = str.maketrans("'’.-", "    ")
_ROUGH_WORD = re.compile(r"[^\W\d_]+")


def _key(word: str) -> str:
    return word.lower().translate(_KEY_DELETE)


# The word lists' keys are pre-built into one file, data/names/name_keys.txt, by
# scripts/build_name_keys.py (a test checks it is up to date): reading and keying the ~110,000
# lines of the lists themselves was most of the first call's cost.
_NAME_KEYS = "name_keys.txt"


def _read_list(name: str) -> frozenset[str]:
    """The `_key`s of a word list's lines (blank lines and "#" comments skipped)."""
    from .resources import data_path

    with data_path("names", name).open(encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    return frozenset(_key(word) for line in lines
                     if (word := line.strip()) and not line.startswith("#"))


def _name_keys_text() -> str:
    """The contents name_keys.txt must have, built from the word lists.

    One "## <set> <size>" line per set, then its keys, sorted, one per line. Surnames are split
    into those that are everyday words and those that are not, the two sets the checks use.
    """
    surnames = _read_list("surnames.txt")
    surname_words = _read_list("surname_words.txt") & surnames
    sets = {"first_names": _read_list("first_names.txt"),
            "common_word_names": _read_list("common_word_names.txt"),
            "frequent_first_names": _read_list("frequent_first_names.txt"),
            "proper_surnames": surnames - surname_words,
            "surname_words": surname_words,
            "not_names": _read_list("not_names.txt")}
    lines = ["# Generated by scripts/build_name_keys.py from the word lists in this folder; "
             "do not edit."]
    for name, keys in sets.items():
        lines.append(f"## {name} {len(keys)}")
        lines += sorted(keys)
    return "\n".join(lines) + "\n"


def _name_key_sets() -> dict[str, frozenset[str]]:
    """The key sets stored in name_keys.txt, by name (the format is `_name_keys_text`'s)."""
    from .resources import data_path

    # bytes decoded in one go: a text-mode read, translating line ends, took four times as long
    text = data_path("names", _NAME_KEYS).read_bytes().decode("utf-8")
    if "\r" in text:  # line ends changed by a checkout; no key contains "\r"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = iter(text.split("\n"))
    next(lines)  # the header comment
    sets = {}
    for header in lines:
        if not header:  # after the final newline
            break
        marker, name, size = header.split(" ")
        keys = frozenset(islice(lines, int(size)))
        if marker != "##" or len(keys) != int(size):
            raise ValueError(f"{_NAME_KEYS} is damaged at set {name!r}: rebuild it")
        sets[name] = keys
    return sets


@dataclass(frozen=True)
class _Lexicon:
    first: frozenset[str]
    common: frozenset[str]
    frequent: frozenset[str]
    proper_surnames: frozenset[str]  # surnames that are not everyday words
    surname_words: frozenset[str]  # surnames that are (Young, Brooks)
    blocked: frozenset[str]
    titles: frozenset[str]
    abbreviated_titles: frozenset[str]
    fillers: frozenset[str]
    phrases: re.Pattern
    cues: frozenset[str]
    speech_verbs: frozenset[str]
    place_after: frozenset[str]
    place_before: frozenset[str]
    determiners: frozenset[str]
    stop: frozenset[str]
    gate: frozenset[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    from spacy.lang.en.stop_words import STOP_WORDS

    from .resources import load_json

    cues = load_json("names", "name_cues.json")
    keys = _name_key_sets()
    first = keys["first_names"]
    titles = frozenset(_key(w) for w in cues["titles"])
    cue_words = frozenset(_key(w) for w in cues["cues"])
    stop = frozenset(_key(w) for w in STOP_WORDS)
    proper_surnames = keys["proper_surnames"]
    return _Lexicon(
        first=first,
        common=keys["common_word_names"],
        frequent=keys["frequent_first_names"],
        proper_surnames=proper_surnames,
        surname_words=keys["surname_words"],
        blocked=keys["not_names"],
        titles=titles,
        abbreviated_titles=frozenset(cues["abbreviated_titles"]),
        fillers=frozenset(cues["fillers"]),
        phrases=re.compile(r"\b(?:" + "|".join(
            re.escape(p).replace("'", "['’]") for p in cues["not_name_phrases"]) + r")\b",
            re.IGNORECASE),
        cues=cue_words,
        speech_verbs=frozenset(cues["speech_verbs"]),
        place_after=frozenset(_key(w) for w in cues["place_after"]),
        place_before=frozenset(_key(w) for w in cues["place_before"]),
        determiners=frozenset(cues["determiners"]),
        stop=stop,
        gate=proper_surnames.union(
            first, titles, cue_words, {"called", "named", "calls", "nicknamed", "name", "names"}),
    )


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _is_title(word: str) -> bool:
    """Capitalised but not an all-capitals acronym ("Karen", "O'Neill"; not "CEO", "GABA")."""
    return word[:1].isupper() and (len(word) == 1 or not word.isupper())


# Token classes the name patterns refer to as {"_": {"ta_pii_<class>": true}}. They depend only on
# the word, so each is a spaCy lexeme flag (bits FLAG19.. are free for users): computed once per
# distinct word by the vocab, and tested in C by the Matcher instead of a Python predicate.
_FLAGS = {"ta_pii_title": "T", "ta_pii_abbreviated_title": "A", "ta_pii_cue": "Q",
          "ta_pii_first": "F", "ta_pii_nameish": "N", "ta_pii_cued": "C",
          "ta_pii_surname_next": "S", "ta_pii_surname_only": "O"}
_FIRST_FLAG_BIT = 19


def _token_flags(word: str, lex: _Lexicon) -> str:
    """The TAG string for one token: which name-pattern classes it belongs to."""
    k = _key(word)
    cap = _is_cap(word)
    if (not cap and k not in lex.gate and k not in lex.surname_words
            and k not in lex.abbreviated_titles):
        return ""  # each class needs a capital or a listed word (in `gate` or a surname word)
    if word.endswith(".") and k in lex.abbreviated_titles:
        return "TA"  # "Mr.", "Dr." (one token)
    if not _NAME_TOKEN.fullmatch(word):
        return ""
    if k in lex.fillers:
        return ""
    flags = []
    if k in lex.titles:
        flags.append("T")
        if k in lex.abbreviated_titles:
            flags.append("A")
    if k in lex.cues:
        flags.append("Q")
    is_first = k in lex.first
    if is_first:
        flags.append("F")
    stop, blocked = k in lex.stop, k in lex.blocked
    surname_word = k in lex.proper_surnames
    # after a title: "Dr Patel", "dr patel", "Mr. O'Connor"
    if not stop and not blocked and k not in lex.titles and (
            cap or (is_first and k not in lex.common) or surname_word):
        flags.append("N")
    # after a cue: "my sister Karen", "called sam", "me and Rhys"
    if k not in lex.titles and k not in lex.cues and (not blocked or is_first) and (
            (cap and is_first) or (not stop and (
                (cap and not word.isupper()) or (is_first and k not in lex.common)))):
        flags.append("C")
    # the second word of "Dean Whitlock"
    if ((k in lex.proper_surnames or k in lex.surname_words) and not stop and not blocked
            and k not in lex.place_after and (cap or surname_word)):
        flags.append("S")
    if (_is_title(word) and surname_word and not is_first and not blocked and not stop
            and k not in lex.place_after and len(k) > 2):
        flags.append("O")
    return "".join(flags)


class _FlagPatterns:
    """Compiles name patterns into tests on spaCy lexeme flags, then sets those flags.

    Each {"_": {"ta_pii_x": true}} becomes the flag for that name class, and each
    {"LOWER": {"IN": [...]}} a flag for "lower case is one of these": both depend only on the
    word, so the vocab computes them once per distinct word and the Matcher tests them in C
    (a set predicate would build a Python Token object per token instead).
    """

    def __init__(self, lex: _Lexicon) -> None:
        self.lex = lex
        self.ids: dict[object, int] = {}
        for name in _FLAGS:
            self._id(name)

    def _id(self, key: object) -> int:
        if key not in self.ids:
            self.ids[key] = _FIRST_FLAG_BIT + len(self.ids)
        return self.ids[key]

    def compile(self, pattern: list[dict]) -> list[dict]:
        """The pattern with flag tests in place of extension attributes and LOWER-IN lists."""
        compiled = []
        for token in pattern:
            token = dict(token)
            extension = token.pop("_", None)
            if extension:
                ((name, wanted),) = extension.items()
                if wanted is not True:
                    raise ValueError(f"name pattern attribute {name} must be true")
                token[self.ids[name]] = True
            lower = token.get("LOWER")
            if isinstance(lower, dict) and list(lower) == ["IN"]:
                del token["LOWER"]
                token[self._id(("LOWER", frozenset(lower["IN"])))] = True
            compiled.append(token)
        return compiled

    def register(self, vocab: Any) -> None:
        """Give every lexeme of `vocab`, existing and future, the flags `compile` has used.

        This is what `Vocab.add_flag` does, but with one walk over the existing lexemes for all
        flags rather than one per flag, and with the name classes of each word computed once.
        """
        lex = self.lex
        bit_of = {letter: 1 << self.ids[name] for name, letter in _FLAGS.items()}
        lowers = [(1 << flag_id, key[1]) for key, flag_id in self.ids.items()
                  if isinstance(key, tuple)]
        any_lower: frozenset[str] = frozenset().union(*(words for _, words in lowers))
        ours = sum(1 << flag_id for flag_id in self.ids.values())

        def mask_of(word: str) -> int:  # most words have no flag: two quick tests
            classes = _token_flags(word, lex)
            mask = sum(bit_of[letter] for letter in classes) if classes else 0
            lower = word.lower()
            if lower in any_lower:
                mask += sum(bit for bit, words in lowers if lower in words)
            return mask

        # The getters of one new lexeme all ask for its mask: compute it once.
        cached_mask_of = lru_cache(maxsize=4096)(mask_of)
        for flag_id in self.ids.values():  # for lexemes made from now on
            vocab.lex_attr_getters[flag_id] = (
                lambda word, bit=1 << flag_id: bool(cached_mask_of(word) & bit))
        for lexeme in vocab:
            old = lexeme.flags
            new = (old & ~ours) | mask_of(lexeme.orth_)
            if new != old:
                lexeme.flags = new


@lru_cache(maxsize=1)
def _name_matcher() -> tuple[Any, Any]:
    """The shared pipeline's tokenizer and the name Matcher, built once per process.

    The tokenizer of `nlp.shared_pipeline` is reused because building a second English
    tokenizer was a tenth of a cold start; the flags added to its vocab are read only here.
    """
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher
    from spacy.schemas import validate_token_pattern

    from .nlp import shared_pipeline
    from .resources import load_json

    nlp = shared_pipeline()
    flags = _FlagPatterns(_lexicon())
    # The data file's patterns are validated as written; the compiled ones use flag ids, which
    # spaCy's pattern schema does not know.
    matcher = Matcher(nlp.vocab, validate=False)
    for label, patterns in load_json("names", "name_patterns.json").items():
        if not label.startswith("_"):
            errors = {i: e for i, p in enumerate(patterns) if (e := validate_token_pattern(p))}
            if errors:
                raise MatchPatternError(label, errors)
            matcher.add(label, [flags.compile(p) for p in patterns], greedy="LONGEST")
    flags.register(nlp.vocab)
    return nlp, matcher


_STRONG_LABELS = frozenset({"TITLE", "CUE", "CALLED", "ME_AND"})
_LEAD_WORDS = frozenset({",", "me", "and", "called", "named", "calls", "nicknamed", "her", "him",
                         "them", "herself", "himself", "themselves", "name", "names", "is", "'s",
                         "was"})


def _speaker_keys(speaker_names: Iterable[str]) -> frozenset[str]:
    keys = set()
    for label in speaker_names:
        keys.update(_key(w) for w in _NAME_TOKEN.findall(str(label)))
    return frozenset(keys)


def _names(text: str, lower: str, speaker_names: Iterable[str]) -> list[PiiHit]:
    lex = _lexicon()
    lower_register = lower == text
    if not _needs_matcher(text, lower, lex, lower_register):
        return []
    nlp, matcher = _name_matcher()
    doc = nlp.make_doc(text)
    speakers = _speaker_keys(speaker_names)
    all_caps = text.upper() == text and any(ch.isalpha() for ch in text)
    excluded = [m.span() for m in lex.phrases.finditer(text)]
    hits = []
    for match_id, start, end in matcher(doc):
        label = nlp.vocab.strings[match_id]
        span = _keep_name(doc, label, start, end, lex, speakers, lower_register, all_caps)
        if span is not None and not any(a < span[1] and span[0] < b for a, b in excluded):
            hits.append(PiiHit(span[0], span[1], text[span[0]:span[1]], "NAME"))
    return hits


_CALLED = frozenset({"called", "named", "calls", "nicknamed", "name", "names"})


_POSSESSIVE = re.compile(r"['’]s$", re.MULTILINE)


def _word_keys(words: list[str]) -> list[str]:
    """`_key` of each word without a final "'s", computed for all words in a few C-level passes."""
    if not words:
        return []
    joined = _POSSESSIVE.sub("", "\n".join(words))  # words never contain a newline
    return joined.lower().translate(_KEY_DELETE).split("\n")


def _needs_matcher(text: str, lower: str, lex: _Lexicon, lower_register: bool) -> bool:
    """Cheap gate: tokenise and match only when some word could start or be a name.

    Two tests must both pass: some word could make a name match (checked first, on word keys,
    since it fails for most turns) and some rough word is in the gate list (or "me and" occurs).
    """
    words = _WORD.findall(text)
    keys = _word_keys(words)
    found = set(keys)
    gate, frequent = lex.gate, lex.frequent
    if found.isdisjoint(gate) and found.isdisjoint(frequent) and "me" not in found:
        return False  # every word that can trigger below is in `gate`, `frequent` or is "me"
    for i in [i for i, k in enumerate(keys) if k in gate or k in frequent or k == "me"]:
        if _could_start_name(words, keys, i, lex, lower_register):
            break
    else:
        return False
    rough = set(_ROUGH_WORD.findall(lower.translate(_KEY_DELETE)))
    rough.update(_ROUGH_WORD.findall(lower.translate(_KEY_SPACE)))
    return not rough.isdisjoint(gate) or "me and" in lower


def _could_start_name(words: list[str], keys: list[str], i: int, lex: _Lexicon,
                      lower_register: bool) -> bool:
    """Whether word `i` (key `keys[i]`) is a likely name or a cue followed by a name-like word."""
    word, k = words[i], keys[i]
    if _is_cap(word):
        if k in lex.first:
            if k not in lex.common or k in lex.frequent:
                return True
            if i + 1 < len(words) and _key(words[i + 1]) in lex.speech_verbs:
                return True
        elif k in lex.proper_surnames:
            return True
    if lower_register and k in lex.frequent:
        return True
    if k in lex.titles or k in lex.cues or k in _CALLED or k == "me":
        for following in words[i + 1:i + 3]:
            f = _key(following)
            if (_is_cap(following) or f in lex.first or f in lex.proper_surnames
                    or f in lex.surname_words):
                return True
    return False


def _sentence_initial(doc, i: int) -> bool:
    return i == 0 or doc[i - 1].text in _SENTENCE_BREAKS or "\n" in doc[i - 1].whitespace_


def _keep_name(doc, label, start, end, lex, speakers, lower_register, all_caps):
    """Character span of the name in a matcher hit, or None when the hit is not a personal name."""
    if label in ("CUE", "CALLED", "ME_AND"):
        start += 1  # the cue word itself
        while start < end - 1 and doc[start].lower_ in _LEAD_WORDS:
            start += 1
    tokens = doc[start:end]
    keys = [_key(t.text) for t in tokens]
    name_keys = [k for k in keys if k not in lex.titles and k]
    if not name_keys or set(name_keys) <= speakers:
        return None
    if label not in ("TITLE",):
        after = doc[end] if end < len(doc) else None
        before = doc[start - 1] if start > 0 else None
        if after is not None and _key(after.text) in lex.place_after and _is_cap(after.text):
            return None
        if before is not None and _key(before.text) in lex.place_before and _is_cap(before.text):
            return None
    if label in _STRONG_LABELS:
        return tokens.start_char, tokens.end_char
    first = tokens[0]
    k = keys[0]
    if k in lex.blocked or k in speakers:
        return None
    if label == "FULL":
        if all_caps:
            return None
        if _is_title(first.text) and _is_title(tokens[-1].text):
            if k in lex.common and keys[-1] in lex.surname_words:
                return None  # "Will Power", "Orange Book", "Grace Hill"
            return tokens.start_char, tokens.end_char
        if lower_register and k in lex.frequent:
            return tokens.start_char, tokens.end_char
        return None
    if label == "SURNAME":
        return None if all_caps else (tokens.start_char, tokens.end_char)
    # FIRST: a bare first name.
    prev = doc[start - 1].lower_ if start > 0 else ""
    nxt = doc[end].lower_ if end < len(doc) else ""
    if all_caps:
        ok = k in lex.frequent and k not in lex.common
    elif _is_title(first.text):
        initial = _sentence_initial(doc, start)
        if k not in lex.common:
            ok = True
        elif nxt in lex.speech_verbs and not (initial and nxt == "and"):
            ok = True  # "Will said he'd come", "Grace from the church"
        elif k in lex.frequent:  # names first, words second: Grace, Jack, Harry
            ok = (not initial and prev not in lex.determiners) or (initial and nxt == "'s")
        else:  # words first: Hope, Bill, Mark, Harm, Tai
            ok = False
    else:
        ok = (lower_register and k in lex.frequent and k not in lex.common
              and prev not in lex.determiners)
    return (tokens.start_char, tokens.end_char) if ok else None


# --------------------------------------------------------------------------------------------
# Public API


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
    hits = _emails(text, lower)
    if has_digit:
        hits += _national_ids(text)
    hits += _phones(text, lower, has_digit)
    hits += _dobs(text, lower, has_digit)
    hits += _addresses(text, lower, has_digit)
    hits += _names(text, lower, speaker_names)
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
    for hit in sorted(merged, key=lambda h: (-_PRIORITY[h.kind], h.start)):
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


def pii_summary(hits: Iterable[PiiHit]) -> str:
    """Counts per kind in a stable order, e.g. "EMAIL:1; NAME:3"; empty when there are none."""
    counts = Counter(hit.kind for hit in hits)
    return "; ".join(f"{kind}:{counts[kind]}" for kind in KINDS if counts[kind])
