"""Hashed tf-idf features at inference time, without importing scikit-learn.

Training uses scikit-learn's `HashingVectorizer` + `TfidfTransformer`. Importing scikit-learn
took about 2.5 s here, more than everything else in a one-file `score`, so inference recomputes
the same numbers: the same analyzers (lower case, `token_pattern` word n-grams, or character
n-grams over whitespace-collapsed text), the same signed 32-bit MurmurHash3 (the `murmurhash`
package spaCy already depends on; sklearn's `murmurhash3_32` is the same function), the same
index rule, sublinear tf, idf weights and L2 normalisation. `tests/test_trust_hashing.py` checks
the result against scikit-learn's own transform.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from murmurhash import hash as murmur3_32

_WHITE_SPACES = re.compile(r"\s\s+")
_INT32_MIN = -(2**31)
_CACHE_LIMIT = 500_000


def hashed_index(feature: str, n_features: int) -> int:
    """Column of `feature`, as scikit-learn's FeatureHasher computes it (seed 0)."""
    h = murmur3_32(feature)
    if h == _INT32_MIN:  # abs(-2**31) overflows int32; sklearn defines the result this way
        return (2**31 - 1 - (n_features - 1)) % n_features
    return abs(h) % n_features


def make_analyzer(options: dict[str, Any]) -> Callable[[str], list[str]]:
    """The n-gram function of a HashingVectorizer with these (exported) parameters."""
    analyzer = options.get("analyzer", "word")
    min_n, max_n = options.get("ngram_range", (1, 1))
    lowercase = options.get("lowercase", True)
    if analyzer == "char":
        def char_ngrams(text: str) -> list[str]:
            if lowercase:
                text = text.lower()
            text = _WHITE_SPACES.sub(" ", text)
            size = len(text)
            return [text[i:i + n] for n in range(min_n, min(max_n, size) + 1)
                    for i in range(size - n + 1)]
        return char_ngrams
    if analyzer != "word":
        raise ValueError(f"unsupported analyzer {analyzer!r}")
    find_tokens = re.compile(options.get("token_pattern", r"(?u)\b\w\w+\b")).findall

    def word_ngrams(text: str) -> list[str]:
        tokens = find_tokens(text.lower() if lowercase else text)
        out = list(tokens) if min_n == 1 else []
        for n in range(max(2, min_n), min(max_n, len(tokens)) + 1):
            out += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return out
    return word_ngrams


class HashedTfidf:
    """One text block: hashed n-gram counts -> sublinear tf x idf -> L2-normalised weights."""

    def __init__(self, options: dict[str, Any], idf: Any, sublinear_tf: bool) -> None:
        if options.get("alternate_sign", False):
            raise ValueError("alternate_sign=True is not supported")
        self.analyze = make_analyzer(options)
        self.n_features = int(options["n_features"])
        self.idf = np.asarray(idf, dtype=np.float64)
        self.sublinear_tf = sublinear_tf
        self._index: dict[str, int] = {}

    def _columns(self, features: list[str]) -> list[int]:
        """Column of each n-gram, memoised: hashing is the slow part and n-grams repeat."""
        index = self._index
        if len(index) > _CACHE_LIMIT:
            index.clear()
        columns = list(map(index.get, features))
        if None in columns:
            for k, feature in enumerate(features):
                if columns[k] is None:
                    columns[k] = index[feature] = hashed_index(feature, self.n_features)
        return columns

    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, weight) of the non-zero entries for a batch of texts, in row then
        column order, as the fitted HashingVectorizer, TfidfTransformer and an L2 normaliser
        would give them; vectorised over the batch."""
        features: list[str] = []
        lengths = []
        for text in texts:
            ngrams = self.analyze(text)
            features += ngrams
            lengths.append(len(ngrams))
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        keys = rows * self.n_features + np.asarray(self._columns(features), dtype=np.int64)
        keys, counts = np.unique(keys, return_counts=True)
        rows, columns = np.divmod(keys, self.n_features)
        tf = counts.astype(np.float64)
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        weights = tf * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=len(texts)))
        norms[norms == 0] = 1.0
        return rows, columns, weights / norms[rows]
