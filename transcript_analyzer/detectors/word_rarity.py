"""How common an English word is (Zipf scale), from wordfreq's data without importing wordfreq.

Importing wordfreq costs 0.3-0.4 s (langcodes compiles a large regular expression, ftfy and a
stack inspection run at import), a fifth of the 2 s cold-start budget of scoring one file, while
the jargon fallback only asks about plain words. For a word of ASCII letters wordfreq's answer is
a lookup in its "large" English list, which it stores as a gzipped msgpack "cBpack" (a list of
word buckets, bucket i holding the words at -i centibels). This module reads that file directly
and applies wordfreq's own arithmetic; any other word (accents, digits, symbols, where wordfreq
tokenises and combines) goes to wordfreq itself. tests/test_word_rarity.py checks every bucket
and a sample of words against wordfreq.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
from functools import cache, lru_cache
from pathlib import Path

import msgpack

WORDLIST = "large_en.msgpack.gz"


_MINIMUM = 10 ** 0.0 / 1e9  # wordfreq's zipf_to_freq(0): its floor for unknown words
UNKNOWN = round(math.log(_MINIMUM, 10) + 9, 2)


def _zipf_of_frequency(freq: float) -> float:
    """wordfreq's `zipf_frequency` arithmetic for a one-token word in its list: the same
    expressions in the same order, so the floats are identical."""
    unrounded = max(1.0 / (1.0 / freq), _MINIMUM)
    leading_zeroes = math.floor(-math.log(unrounded, 10))
    return round(math.log(round(unrounded, leading_zeroes + 3), 10) + 9, 2)


def wordlist_path() -> Path | None:
    """wordfreq's English list, found without importing (running) the wordfreq package."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / WORDLIST
    return path if path.is_file() else None


@cache
def _zipf_table() -> dict[str, float] | None:
    path = wordlist_path()
    if path is None:
        return None
    with gzip.open(path, "rb") as handle:
        header, *buckets = msgpack.unpackb(handle.read(), raw=False)
    if header != {"format": "cB", "version": 1}:
        return None
    table: dict[str, float] = {}
    for index, bucket in enumerate(buckets):
        table.update(dict.fromkeys(bucket, _zipf_of_frequency(10 ** (-index / 100))))
    return table


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """wordfreq's `zipf_frequency(word, "en")`: 0 for unknown words, about 7 for "the"."""
    table = _zipf_table()
    if table is not None and word.isascii() and word.isalpha():
        found = table.get(word.lower())
        return UNKNOWN if found is None else found
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")
