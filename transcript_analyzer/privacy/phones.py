"""Phone numbers, written and read out as words (``PHONE``): UK numbers (``07700 900123``,
``(020) 7946 0018``, ``+44 (0)7700 900 312``), North American numbers (``(201) 555-0123``,
``1-800-555-0199``, ``555-0142``), other international numbers with ``+`` or ``00``, and UK
numbers read out as words (``oh seven seven ...``), and UK numbers typed a digit at a time
(``0 7 7 0 0 9 0 0 1 2 3``). Times, years, money, dosages, counts and short service numbers
(999, 111, 116 123) do not count.
"""

from __future__ import annotations

import re

from .hits import PiiHit

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
# one digit, then single digits each after one or two spaces: "0 7 7 0 0 9 0 0 1 2 3"
_SPACED_DIGITS = re.compile(r"(?<![\w+£$€#.,/:-])(?:\+[ \t]?4[ \t]?4|\d)(?:[ \t]{1,2}\d){8,13}"
                            r"(?![\w%£$€/]|[.,:]\d)")
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


def find_phones(text: str, lower: str, has_digit: bool) -> list[PiiHit]:
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
        for m in _SPACED_DIGITS.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            counting = all(abs(int(a) - int(b)) == 1 for a, b in zip(digits, digits[1:]))
            if not counting and ((digits.startswith("0") and len(digits) in (10, 11)) or (
                    m.group().startswith("+") and len(digits) == 12)):  # a scale is not a phone
                hits.append(PiiHit(m.start(), m.end(), m.group(), "PHONE"))
    if " oh " in lower or "zero" in lower or "plus four four" in lower or lower.startswith("oh "):
        for m in _SPOKEN_PHONE.finditer(text):
            words = re.findall(r"[a-z]+", m.group().lower())
            if words[:3] == ["plus", "four", "four"]:
                words = words[3:]
            if 10 <= _spoken_digit_count(words) <= 13:
                hits.append(PiiHit(m.start(), m.end(), m.group(), "PHONE"))
    return hits
