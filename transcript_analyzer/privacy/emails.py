"""Written and spoken email addresses (``EMAIL``): written addresses (``name@example.org``),
spoken ones (``karen dot lee at example dot com``) and half-spoken ones, written but for the
"at" (``j.smith at example.org``).
"""

from __future__ import annotations

import re

from .hits import PiiHit

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,}\b")
_SPOKEN_TLD = r"(?:com|org|net|uk|ie|edu|gov|io|info|me|example)"
_SPOKEN_EMAIL = re.compile(
    r"\b(?P<local>[a-z0-9][\w+-]*(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9][\w+-]*)*)"
    r"\s+(?:at|\[at\]|\(at\))\s+"
    r"(?P<domain>[a-z0-9][\w-]*(?:\s+dot\s+[a-z0-9][\w-]*)*\s+dot\s+" + _SPOKEN_TLD + r")\b",
    re.IGNORECASE)
_HALF_SPOKEN_EMAIL = re.compile(
    r"(?<![\w.+-])(?P<local>[a-z0-9][\w+.'-]*)\s+(?:at|\[at\]|\(at\))\s+"
    r"(?P<domain>[a-z0-9][\w-]*(?:\.[a-z0-9-]+)*\.(?:co|" + _SPOKEN_TLD[3:-1] + r"))\b",
    re.IGNORECASE)
# Words that stand before "at" in ordinary speech ("have a look at mind dot org dot uk").
_NOT_EMAIL_LOCAL = frozenset("""
a an the i me you him her it us them we they he she my your his our their this that there here
is are was were be been being am look looking looked at work working worked stay staying stayed
live living lived home go going went get got arrive arrived stare staring laugh laughing shout
shouting aim aimed good bad best great rubbish meet meeting see seen online website site page
one ones up down back out in on off just only still even yet also all some any both either
""".split())


def find_emails(text: str, lower: str) -> list[PiiHit]:
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
    if " at " in lower or "[at]" in lower or "(at)" in lower:
        for m in _HALF_SPOKEN_EMAIL.finditer(text):
            local = m.group("local").lower()
            if local in _NOT_EMAIL_LOCAL or len(local) < 2:
                continue
            hits.append(PiiHit(m.start(), m.end(), m.group(), "EMAIL"))
    return hits
