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

import bisect
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


# Bucket i holds the words at Zipf 9 - i/100: the jargon thresholds (2.5 and up) lie in the first
# COMMON_BUCKETS, about 54,000 words, which are hashed at load. The ~268,000 rarer words are
# looked up by bisection in their sorted buckets until RARE_LOOKUPS_BEFORE_HASHING lookups show a
# long run, where hashing them too (~0.1 s) pays.
COMMON_BUCKETS = 651
RARE_LOOKUPS_BEFORE_HASHING = 1000


class Wordlist:
    """wordfreq's English list: the bucket (-centibels) of a lower-case word, or None."""

    def __init__(self, buckets: list[list[str]]) -> None:
        self.common: dict[str, int] = {}
        for index, bucket in enumerate(buckets[:COMMON_BUCKETS]):
            self.common.update(dict.fromkeys(bucket, index))
        self.rare_buckets = buckets[COMMON_BUCKETS:]
        self.rare: dict[str, int] | None = None
        self.rare_lookups = 0

    def bucket(self, word: str) -> int | None:
        found = self.common.get(word)
        if found is not None:
            return found
        if self.rare is None:
            self.rare_lookups += 1
            if self.rare_lookups <= RARE_LOOKUPS_BEFORE_HASHING:
                return self._bisect(word)
            self.rare = {}
            for index, bucket in enumerate(self.rare_buckets, COMMON_BUCKETS):
                self.rare.update(dict.fromkeys(bucket, index))
        return self.rare.get(word)

    def _bisect(self, word: str) -> int | None:
        # A word in several buckets counts at the last, as in wordfreq's get_frequency_dict.
        for index in range(len(self.rare_buckets) - 1, -1, -1):
            bucket = self.rare_buckets[index]
            at = bisect.bisect_left(bucket, word)
            if at < len(bucket) and bucket[at] == word:
                return index + COMMON_BUCKETS
        return None


@cache
def wordlist() -> Wordlist | None:
    """The list, read once per process; None if wordfreq's data is not where it used to be."""
    path = wordlist_path()
    if path is None:
        return None
    with gzip.open(path, "rb") as handle:
        header, *buckets = msgpack.unpackb(handle.read(), raw=False)
    if header != {"format": "cB", "version": 1}:
        return None
    return Wordlist(buckets)


@cache
def _zipf_of_bucket(index: int) -> float:
    return _zipf_of_frequency(10 ** (-index / 100))


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """wordfreq's `zipf_frequency(word, "en")`: 0 for unknown words, about 7 for "the"."""
    words = wordlist()
    if words is not None and word.isascii() and word.isalpha():
        index = words.bucket(word.lower())
        return UNKNOWN if index is None else _zipf_of_bucket(index)
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")
