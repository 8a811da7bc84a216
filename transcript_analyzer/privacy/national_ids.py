"""National ID-like numbers (``NATIONAL_ID``): UK National Insurance numbers (``QQ 12 34 56 C``),
US Social Security numbers (``987-65-4321``; nine bare digits only after "SSN"/"social
security"), NHS numbers (ten digits in 3-3-4 groups, when the modulus-11 check digit is valid or
"NHS" is near), passport numbers after "passport", and UK driving-licence numbers.
"""

from __future__ import annotations

import re

from .hits import PiiHit

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


def find_national_ids(text: str) -> list[PiiHit]:
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
