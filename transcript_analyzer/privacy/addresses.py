"""Street addresses, postcodes and ZIP codes (``ADDRESS``): a house number + street name +
street type (``14 Acacia Avenue``, ``Flat 3, 27 Holly Road``, ``400 W Oak Blvd``), UK
postcodes, and US state + ZIP; pieces that follow one another (street, town, postcode) are
merged into one hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .hits import PiiHit

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


def find_addresses(text: str, lower: str, has_digit: bool) -> list[PiiHit]:
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
